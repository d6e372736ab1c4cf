// The benchmark's attribution of read-back from server logs: which requests count, once each, with their server time.
import { describe, expect, it } from 'vitest';
import { ldapReadBack, simulatorReadBack } from '../../bench/read-back.js';
import type { TimedSearch, TimedWrite } from '../stack/ldap-proxy.js';
import type { LogEntry } from '../stack/simulator/types.js';

let clock = 0;
/** A log entry that arrived one millisecond after the previous one. */
function entry(fields: Partial<LogEntry> & Pick<LogEntry, 'op' | 'resource'>): LogEntry {
  clock += 1;
  return { at: new Date(Date.UTC(2026, 10, 30, 6, 0, 0, clock)).toISOString(), method: 'POST', path: '/', status: 200, requestId: `r${clock}`, ms: 10, ...fields };
}
const exo = (cmdlet: string, user: string, ms = 10) => entry({ op: `exo.cmdlet.${cmdlet}`, resource: 'exchange', user, ms });
const spo = (op: string, user: string) => entry({ op, resource: 'sharepoint', user });

describe('read-back attributed from the simulator log', () => {
  it('counts the read that follows a write for the same user, and its repeats, not the reads before it', () => {
    const costs = simulatorReadBack([
      exo('Get-EXOMailbox', 'a@x'),
      exo('Get-MailboxPermission', 'a@x'),
      exo('Add-MailboxPermission', 'a@x'),
      exo('Get-MailboxPermission', 'b@x'),
      exo('Get-MailboxPermission', 'a@x', 20),
      exo('Get-MailboxPermission', 'a@x', 30),
      exo('Get-EXOMailbox', 'a@x'),
    ]);
    expect(costs.exchange).toMatchObject({ calls: 2, requests: 2, serverMs: 50, writes: 1, writesReadBack: 1 });
  });

  it('counts the site connection a SharePoint read-back needs', () => {
    const costs = simulatorReadBack([
      spo('spo.site-connect', 'a@x'),
      spo('spo.cmdlet.Get-PnPSiteCollectionAdmin', 'a@x'),
      spo('spo.cmdlet.Set-PnPTenantSite', 'a@x'),
      spo('spo.site-connect', 'a@x'),
      spo('spo.cmdlet.Get-PnPSiteCollectionAdmin', 'a@x'),
    ]);
    expect(costs.sharepoint).toMatchObject({ calls: 2, requests: 2, serverMs: 20, profileMs: 2000, writes: 1, writesReadBack: 1 });
  });

  it('on Graph counts only a read of the object written, a $batch once, in the share of its items', () => {
    const batch = entry({ op: 'graph.batch', resource: 'graph', ms: 40 });
    const item = (method: string, path: string, user: string, op: string) => entry({ op, resource: 'graph', method, path, user, batchId: batch.requestId, ms: undefined });
    const costs = simulatorReadBack([
      entry({ op: 'graph.patch.user', resource: 'graph', method: 'PATCH', path: '/v1.0/users/u1', user: 'a@x' }),
      entry({ op: 'graph.post.revoke', resource: 'graph', method: 'POST', path: '/v1.0/users/u2/revokeSignInSessions', user: 'b@x' }),
      batch,
      item('GET', '/users/u1?$select=accountEnabled', 'a@x', 'graph.get.user'),
      item('GET', '/users/u2/drive?$select=webUrl', 'b@x', 'graph.get.drive'),
    ]);
    expect(costs.graph).toMatchObject({ calls: 1, requests: 1, serverMs: 20, writes: 2, writesReadBack: 1 });
  });

  it('finds no read-back when a write is followed by nothing, and none without writes', () => {
    expect(simulatorReadBack([exo('Add-MailboxPermission', 'a@x')]).exchange).toMatchObject({ calls: 0, writes: 1, writesReadBack: 0 });
    expect(simulatorReadBack([exo('Get-MailboxPermission', 'a@x')]).exchange).toMatchObject({ calls: 0, writes: 0 });
  });
});

describe('read-back attributed from the LDAP proxy', () => {
  const write = (dn: string, at: number): TimedWrite => ({ operation: 'modify', dn, changes: [], at });
  const search = (filter: string, at: number, ms: number): TimedSearch => ({ base: 'DC=corp', filter, attributes: [], at, ms });
  const A = 'CN=Doe\\, Jane,OU=Staff,DC=corp';
  const B = 'CN=Roe,OU=Staff,DC=corp';

  it('counts one search that reads back many users once, and not the searches before the writes', () => {
    const filter = '(&(objectClass=user)(|(distinguishedName=CN=Doe\\5c, Jane,OU=Staff,DC=corp)(distinguishedName=cn=roe,ou=staff,dc=corp)))';
    const cost = ldapReadBack([search(filter, 1, 7), search(filter, 5, 3)], [write(A, 2), write(B, 3)]);
    expect(cost).toMatchObject({ calls: 1, requests: 1, serverMs: 3, writes: 2, writesReadBack: 2 });
  });

  it('reads a moved entry back at its new DN', () => {
    const moved: TimedWrite = { operation: 'modifyDN', dn: B, changes: [], newRdn: 'CN=Roe', newSuperior: 'OU=Disabled,DC=corp', at: 1 };
    const cost = ldapReadBack([search('(distinguishedName=CN=Roe,OU=Disabled,DC=corp)', 2, 4)], [moved]);
    expect(cost).toMatchObject({ calls: 1, writesReadBack: 1 });
  });
});
