// Graph URLs built from an endpoint pattern and user values: every value is encoded, none can change the endpoint.
import { describe, expect, it } from 'vitest';
import { errorFrom } from '../../src/connectors/graph/errors.js';
import { expandPath, queryString, relativeUrl } from '../../src/connectors/graph/odata.js';
import { createPageGuard, followableLink, maxPagesFor } from '../../src/connectors/graph/paging.js';

describe('expandPath', () => {
  it('encodes each value as one path segment, quotes and slashes included', () => {
    expect(expandPath('/users/{id}/drive', { id: "o'brien/../groups?x#y" })).toBe('/users/o%27brien%2F..%2Fgroups%3Fx%23y/drive');
  });

  it('keeps the OData segments of the pattern as they are', () => {
    expect(expandPath('/groups/{id}/members/$ref', { id: 'g1' })).toBe('/groups/g1/members/$ref');
  });

  it('refuses a pattern without a value for one of its placeholders', () => {
    expect(() => expandPath('/users/{id}', {})).toThrow('The Graph path /users/{id} needs a value for {id}.');
  });

  it('refuses a path with a query or without a leading slash: the query goes in query', () => {
    expect(() => expandPath('/users?$top=1')).toThrow(/has no query/);
    expect(() => expandPath('users')).toThrow(/starts with "\/"/);
  });
});

describe('queryString', () => {
  it('quotes a $filter value as an OData string, its quotes doubled, and encodes the whole filter', () => {
    expect(queryString({ filter: { mail: "x' or userPrincipalName eq 'ceo" } })).toBe(
      `$filter=${encodeURIComponent("mail eq 'x'' or userPrincipalName eq ''ceo'")}`,
    );
  });

  it('writes the options in the order filter, select, expand, top', () => {
    expect(relativeUrl('/users', {}, { top: 5, expand: 'manager($select=id)', select: ['id', 'mail'], filter: { employeeId: 'E1' } })).toBe(
      `/users?$filter=${encodeURIComponent("employeeId eq 'E1'")}&$select=id,mail&$expand=${encodeURIComponent('manager($select=id)')}&$top=5`,
    );
  });
});

describe('following a nextLink', () => {
  const listed = { method: 'GET', endpoint: '/users', url: '/users?$top=3' };
  const endpoints = { configured: 'https://proxy.example/graph', cloud: 'https://graph.microsoft.com' };
  const code = (run: () => unknown): string => {
    try {
      run();
      return 'followed';
    } catch (error) {
      return (error as { code: string }).code;
    }
  };

  it('makes a nextLink relative to the version root, behind a proxy path too', () => {
    expect(followableLink('https://proxy.example/graph/v1.0/users?$skiptoken=a%2Fb', listed, endpoints)).toBe('/users?$skiptoken=a%2Fb');
    expect(followableLink('https://graph.microsoft.com/v1.0/users?$skiptoken=x', listed, endpoints)).toBe('/users?$skiptoken=x');
  });

  it.each([
    ['another host', 'https://graph.example.net/v1.0/users?$skiptoken=x'],
    ['the endpoint host outside its proxy path', 'https://proxy.example/v1.0/users?$skiptoken=x'],
    ['another port', 'https://graph.microsoft.com:8443/v1.0/users?$skiptoken=x'],
    ['plain http', 'http://graph.microsoft.com/v1.0/users?$skiptoken=x'],
    ['another version', 'https://graph.microsoft.com/beta/users?$skiptoken=x'],
    ['a version-like prefix', 'https://graph.microsoft.com/v1.0x/users'],
    ['credentials in the URL', 'https://user:pw@graph.microsoft.com/v1.0/users?$skiptoken=x'],
    ['a relative link', '/v1.0/users?$skiptoken=x'],
  ])('refuses a nextLink to %s', (_, link) => {
    expect(code(() => followableLink(link, listed, endpoints))).toBe('paging-foreign-link');
  });

  it('allows the pages a bound of items can take, with a last empty page', () => {
    expect(maxPagesFor(1000, undefined)).toBe(11);
    expect(maxPagesFor(1000, 999)).toBe(3);
    const next = createPageGuard(listed, 9, 3);
    expect(['/users?s=1', '/users?s=2', '/users?s=3'].map((link) => code(() => next(link)))).toEqual(['followed', 'followed', 'followed']);
    expect(code(() => next('/users?s=4'))).toBe('paging-bound');
  });

  it('stops at a nextLink that leads back to a page already read, the first one included', () => {
    const next = createPageGuard(listed, 1000, 3);
    expect(code(() => next('/users?s=1'))).toBe('followed');
    expect(code(() => next('/users?s=1'))).toBe('paging-loop');
    expect(code(() => createPageGuard(listed, 1000, 3)('/users?$top=3'))).toBe('paging-loop');
  });
});

describe('the advice of a 403', () => {
  const denied = { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } };
  const advice = (method: string, endpoint: string): string =>
    errorFrom(403, undefined, denied, { method, endpoint, url: endpoint.replace('{id}', 'u1') }).message;

  it.each([
    ['POST', '/users/{id}/revokeSignInSessions', 'User.RevokeSessions.All'],
    ['PATCH', '/users/{id}', 'User.EnableDisableAccount.All (with User.Read.All)'],
    ['POST', '/users/{id}/assignLicense', 'LicenseAssignment.ReadWrite.All'],
    ['GET', '/users/{id}/drive', 'Files.Read.All'],
    ['POST', '/groups/{groupId}/members/$ref', 'GroupMember.ReadWrite.All'],
  ])('names the permission %s %s needs', (method, endpoint, permission) => {
    expect(advice(method, endpoint)).toContain(`grant ${permission} (Microsoft Graph, application) and admin consent`);
  });

  it('says to check the permissions when the endpoint is not in the table', () => {
    expect(advice('DELETE', '/users/{id}')).toContain('check its Graph application permissions and admin consent');
  });
});
