// The simulator's call signatures: what contract cases are matched on, so two calls of one kind must share one.
import { describe, expect, it } from 'vitest';
import { uncovered } from '../contract/index.js';
import type { ContractCase } from '../contract/types.js';
import { cmdletSignature, graphSignature } from '../stack/simulator/signature.js';

const q = (s: string): URLSearchParams => new URLSearchParams(s);

describe('graph signatures', () => {
  it('turns keys into {id}, whether an object id or a UPN with dots', () => {
    expect(graphSignature('GET', ['users', 'jane.doe@contoso.test'], q('$select=id'), undefined)).toBe('graph GET /users/{id}?$select');
    expect(graphSignature('get', ['users', '6e0b5c2a-1111-4222-8333-444455556666', 'drive'], q(''), undefined)).toBe('graph GET /users/{id}/drive');
  });

  it('keeps $ref, casts and functions as they are', () => {
    expect(graphSignature('POST', ['groups', 'g1', 'members', '$ref'], q(''), undefined)).toBe('graph POST /groups/{id}/members/$ref');
    expect(graphSignature('DELETE', ['groups', 'g1', 'members', 'u1', '$ref'], q(''), undefined)).toBe('graph DELETE /groups/{id}/members/{id}/$ref');
    expect(graphSignature('GET', ['users', 'u1', 'memberOf', 'microsoft.graph.group'], q(''), undefined)).toBe('graph GET /users/{id}/memberOf/microsoft.graph.group');
    expect(graphSignature('GET', ['users', 'delta()'], q(''), undefined)).toBe('graph GET /users/delta()');
  });

  it('names the query options sorted, the $filter by the properties it tests, not by their values', () => {
    const a = graphSignature('GET', ['users'], q(`$select=id&$filter=${encodeURIComponent("mail eq 'a@b' or employeeId eq '1'")}&$expand=manager`), undefined);
    const b = graphSignature('GET', ['users'], q(`$expand=manager($select=id)&$filter=${encodeURIComponent("employeeId eq '2' or mail eq 'c@d'")}&$select=displayName`), undefined);
    expect(a).toBe('graph GET /users?$expand&$filter(employeeId,mail)&$select');
    expect(b).toBe(a);
  });

  it('says when ConsistencyLevel was sent, and when a $filter could not be read', () => {
    expect(graphSignature('GET', ['users'], q(`$count=true&$filter=${encodeURIComponent("endswith(mail,'x')")}`), 'Eventual')).toBe('graph GET /users?$count&$filter(mail) ConsistencyLevel:eventual');
    expect(graphSignature('GET', ['users'], q('$filter=mail eq'), undefined)).toBe('graph GET /users?$filter(?)');
  });
});

describe('cmdlet signatures', () => {
  it('are the cmdlet and its parameter names, sorted, without values', () => {
    expect(cmdletSignature('exchange', 'Add-MailboxPermission', { User: 'x', Identity: 'y', AccessRights: ['FullAccess'] })).toBe('exchange Add-MailboxPermission -AccessRights -Identity -User');
    expect(cmdletSignature('sharepoint', 'Get-PnPSiteCollectionAdmin', {})).toBe('sharepoint Get-PnPSiteCollectionAdmin');
    expect(cmdletSignature('sharepoint', 'Get-PnPSiteCollectionAdmin', undefined)).toBe('sharepoint Get-PnPSiteCollectionAdmin');
  });
});

describe('uncovered', () => {
  it('lists each signature no case covers, once, sorted', () => {
    const cases = [{ covers: ['graph PATCH /users/{id}'] }] as unknown as ContractCase[];
    expect(uncovered(['graph POST /$batch', 'graph PATCH /users/{id}', 'exchange Set-Mailbox -Identity -Type', 'graph POST /$batch'], cases)).toEqual([
      'exchange Set-Mailbox -Identity -Type',
      'graph POST /$batch',
    ]);
  });
});
