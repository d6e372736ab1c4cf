// What a plan reads, declared by every step apart from what it writes, and the Graph identity told from a token's roles.
import { describe, expect, it } from 'vitest';
import { checkGraphPermissions, permissionRows, setsFor } from '../../src/permissions.js';
import { graphIdentity } from '../../src/preflight/identity.js';
import { DEFAULT_STEPS, STEPS } from '../../src/steps/index.js';
import { renderPermissionsTable } from '../../scripts/readme-tables.js';

// Permissions that change something, by Microsoft's naming: *.ReadWrite.*, and the narrow write permissions.
const WRITES = /ReadWrite|EnableDisableAccount|RevokeSessions|FullControl|Manage\b/;
const APP = '0c6d2b9a-7f3e-4a18-b5d4-3e9f1a2c8d60';
const PLANNER_GRAPH = ['User.Read.All', 'RoleManagement.Read.Directory', 'GroupMember.Read.All', 'Files.Read.All', 'UserAuthenticationMethod.Read.All', 'Directory.Read.All'];
const WRITER_GRAPH = [...PLANNER_GRAPH, 'User.EnableDisableAccount.All', 'User.RevokeSessions.All'];

describe('the read permissions of a plan', () => {
  it.each(STEPS.map((step) => [step.name, step] as const))('are declared by %s apart from its write permissions', (_name, step) => {
    expect(step.permissions.reads).toBeDefined();
  });

  it('ask for no write permission in the least privileged set of any API', () => {
    for (const row of permissionRows()) {
      for (const resource of ['graph', 'exchange', 'sharepoint'] as const) {
        const least = setsFor(row, resource, 'plan')[0] ?? [];
        expect({ step: row.step, resource, writes: least.filter((p) => WRITES.test(p)) }).toEqual({ step: row.step, resource, writes: [] });
      }
    }
  });

  it('are all a plan of every step needs from Graph: the planner passes the preflight of a plan and fails that of an apply', () => {
    const all = STEPS.map((step) => step.name);
    expect(checkGraphPermissions([...PLANNER_GRAPH], all, 'plan').filter((line) => !line.ok)).toEqual([]);
    expect(checkGraphPermissions([...PLANNER_GRAPH], all, 'apply').filter((line) => !line.ok).map((line) => line.label)).toEqual([
      'Microsoft Graph permission User.ReadWrite.All is missing',
      'Microsoft Graph permission User.EnableDisableAccount.All is missing',
      'Microsoft Graph permission GroupMember.ReadWrite.All is missing',
      'Microsoft Graph permission User.RevokeSessions.All is missing',
      'Microsoft Graph permission UserAuthenticationMethod.ReadWrite.All is missing',
      'Microsoft Graph permission Group.ReadWrite.All is missing',
      'Microsoft Graph permission LicenseAssignment.ReadWrite.All is missing',
    ]);
  });

  it('fill the README table of the planner identity, with no AD right beyond what resolve reads', () => {
    const table = renderPermissionsTable(STEPS, 'plan');
    expect(table).toContain('| `entra-block` | `GroupMember.Read.All` | — | — | — |');
    expect(table).toContain('| `mailbox-access` | — | `Exchange.ManageAsApp` + View-Only Recipients role | — | — |');
    expect(table).toContain('| `onedrive-access` | `Files.Read.All` | — | `Sites.Read.All` | — |');
    expect(table).not.toMatch(WRITES);
  });
});

describe('graphIdentity', () => {
  it('names a token with read permissions only a plan identity, and refuses it for apply', () => {
    expect(graphIdentity(PLANNER_GRAPH, DEFAULT_STEPS, 'plan', APP)).toEqual([{ ok: true, label: `Entra: app ${APP} is a plan identity (read rights only)` }]);
    expect(graphIdentity(PLANNER_GRAPH, DEFAULT_STEPS, 'apply', APP)).toEqual([
      expect.objectContaining({ ok: false, label: `Entra: app ${APP} is a plan identity (read rights only): mode apply is refused` }),
    ]);
  });

  it('names a token that may write for an enabled step the write identity, and tells a plan that a planner would do', () => {
    expect(graphIdentity(WRITER_GRAPH, DEFAULT_STEPS, 'apply', APP)).toEqual([{ ok: true, label: `Entra: app ${APP} may write`, detail: 'entra-disable, entra-revoke' }]);
    const [line] = graphIdentity(WRITER_GRAPH, DEFAULT_STEPS, 'plan', APP);
    expect(line).toMatchObject({ ok: true, label: `Entra: app ${APP} may write (entra-disable, entra-revoke), more than a plan needs` });
    expect(line.detail).toContain('offboarding-plan');
  });

  it('takes a broader write permission for the write identity too', () => {
    expect(graphIdentity([...PLANNER_GRAPH, 'User.ReadWrite.All'], ['entra-revoke'], 'apply', APP)[0]).toMatchObject({ ok: true, detail: 'entra-revoke' });
  });

  it('has nothing to tell when no enabled step writes through Graph (the OneDrive step reads Graph only)', () => {
    expect(graphIdentity(PLANNER_GRAPH, ['ad-disable', 'onedrive-access', 'mailbox-access'], 'apply', APP)).toEqual([]);
  });
});
