// The permission table, derived from the steps, and the preflight naming each missing permission with the steps needing it.
import { describe, expect, it } from 'vitest';
import { checkGraphPermissions, checkPermissions, permissionRows } from '../../src/permissions.js';
import { STEPS } from '../../src/steps/index.js';

const LEAST_FOR_DEFAULTS = [
  'User.Read.All',
  'RoleManagement.Read.Directory',
  'GroupMember.Read.All',
  'User.EnableDisableAccount.All',
  'User.RevokeSessions.All',
  'Files.Read.All',
];

describe('the permission table', () => {
  it('has a row for resolving people, which every run does, then one per step in their order, then the notification mails', () => {
    expect(permissionRows().map((row) => row.step)).toEqual(['resolve', ...STEPS.map((step) => step.name), 'notify']);
  });

  it('asks for Mail.Send only when the run notifies, and only in an apply', () => {
    const roles = ['User.Read.All', 'RoleManagement.Read.Directory', 'GroupMember.Read.All'];
    expect(checkGraphPermissions(roles, []).filter((l) => !l.ok)).toEqual([]);
    expect(checkGraphPermissions(roles, ['notify'], 'plan').filter((l) => !l.ok)).toEqual([]);
    expect(checkGraphPermissions(roles, ['notify']).filter((l) => !l.ok)).toEqual([
      expect.objectContaining({ label: 'Microsoft Graph permission Mail.Send is missing', detail: 'needed by notify' }),
    ]);
    expect(checkGraphPermissions([...roles, 'Mail.Send'], ['notify']).filter((l) => !l.ok)).toEqual([]);
  });

  it.each(STEPS.map((step) => [step.name, step] as const))('says what %s needs on each API or in AD', (_name, step) => {
    const { graph = [], exchange = [], sharepoint = [], ad } = step.permissions;
    expect(graph.length + exchange.length + sharepoint.length > 0 || ad !== undefined).toBe(true);
    for (const set of [...graph, ...exchange, ...sharepoint]) expect(set.length).toBeGreaterThan(0);
  });

  it('asks for a permission on each API the step needs or uses', () => {
    for (const step of STEPS) {
      const talksTo = (service: 'exchange' | 'sharepoint'): boolean => step.needs.includes(service) || (step.uses ?? []).includes(service);
      expect({ step: step.name, exchange: talksTo('exchange'), sharepoint: talksTo('sharepoint') }).toEqual({
        step: step.name,
        exchange: (step.permissions.exchange ?? []).length > 0,
        sharepoint: (step.permissions.sharepoint ?? []).length > 0,
      });
    }
  });

  it('names the least privileged permission first for the Entra steps', () => {
    const first = (step: string): string[] | undefined => permissionRows().find((r) => r.step === step)?.graph?.[0];
    expect(first('entra-disable')).toEqual(['User.EnableDisableAccount.All', 'User.Read.All']);
    expect(first('entra-revoke')).toEqual(['User.RevokeSessions.All']);
    expect(first('entra-block')).toEqual(['GroupMember.ReadWrite.All']);
    expect(first('licenses')).toEqual(['LicenseAssignment.ReadWrite.All']);
    expect(first('onedrive-access')).toEqual(['Files.Read.All']);
  });
});

describe('checkGraphPermissions', () => {
  it('passes the default steps with only the least privileged permissions', () => {
    const lines = checkGraphPermissions(LEAST_FOR_DEFAULTS, ['ad-disable', 'entra-disable', 'entra-revoke', 'mailbox-access', 'onedrive-access']);
    expect(lines.filter((l) => !l.ok)).toEqual([]);
    expect(lines.map((l) => l.label)).toEqual([
      'Microsoft Graph permissions for resolve',
      'Microsoft Graph permissions for entra-disable',
      'Microsoft Graph permissions for entra-revoke',
      'Microsoft Graph permissions for onedrive-access',
    ]);
  });

  it('names User.RevokeSessions.All and entra-revoke when the token lacks it', () => {
    const roles = LEAST_FOR_DEFAULTS.filter((r) => r !== 'User.RevokeSessions.All');
    const failing = checkGraphPermissions(roles, ['entra-disable', 'entra-revoke']).filter((l) => !l.ok);
    expect(failing).toHaveLength(1);
    expect(failing[0]?.label).toBe('Microsoft Graph permission User.RevokeSessions.All is missing');
    expect(failing[0]?.detail).toBe('needed by entra-revoke');
    expect(failing[0]?.fix).toContain('grant admin consent');
    expect(failing[0]?.fix).toContain('User.ReadWrite.All');
  });

  it('accepts a higher privileged permission in place of the least privileged one', () => {
    const lines = checkGraphPermissions(['Directory.ReadWrite.All', 'RoleManagement.Read.Directory'], ['entra-disable', 'entra-revoke', 'entra-block', 'licenses']);
    expect(lines.every((l) => l.ok)).toBe(true);
  });

  it('reports a permission missing for several steps once, naming every step', () => {
    const failing = checkGraphPermissions([], ['entra-disable']).filter((l) => !l.ok);
    const userRead = failing.find((l) => l.label.includes('User.Read.All'));
    expect(userRead?.detail).toBe('needed by resolve, entra-disable');
    expect(failing.map((l) => l.label)).toEqual([
      'Microsoft Graph permission User.Read.All is missing',
      'Microsoft Graph permission RoleManagement.Read.Directory is missing',
      'Microsoft Graph permission GroupMember.Read.All is missing',
      'Microsoft Graph permission User.EnableDisableAccount.All is missing',
    ]);
  });

  it('compares permission names without regard to case', () => {
    const lines = checkGraphPermissions(['user.read.all', 'roleManagement.read.directory', 'GROUPMEMBER.READ.ALL'], []);
    expect(lines).toEqual([
      { ok: true, label: 'Microsoft Graph permissions for resolve', detail: 'User.Read.All, RoleManagement.Read.Directory, GroupMember.Read.All' },
    ]);
  });

  it('asks for GroupMember.Read.All to read the members of groups that hold roles', () => {
    const failing = checkGraphPermissions(['User.Read.All', 'RoleManagement.Read.Directory'], []).filter((l) => !l.ok);
    expect(failing.map((l) => [l.label, l.detail])).toEqual([['Microsoft Graph permission GroupMember.Read.All is missing', 'needed by resolve']]);
  });

  it('asks only for RoleManagement.Read.Directory when Directory.Read.All already reads users and group members', () => {
    const failing = checkGraphPermissions(['Directory.Read.All', 'GroupMember.ReadWrite.All'], []).filter((l) => !l.ok);
    expect(failing.map((l) => l.label)).toEqual(['Microsoft Graph permission RoleManagement.Read.Directory is missing']);
  });

  it('does not take Directory.Read.All alone for resolve: it does not read PIM eligibilities', () => {
    expect(checkGraphPermissions(['Directory.Read.All'], []).some((l) => !l.ok)).toBe(true);
    expect(checkGraphPermissions(['Directory.ReadWrite.All'], []).some((l) => !l.ok)).toBe(true);
  });

  it('checks only the steps that are enabled', () => {
    const failing = checkGraphPermissions(['User.Read.All', 'RoleManagement.Read.Directory', 'GroupMember.Read.All'], ['ad-disable', 'mailbox-access']);
    expect(failing.every((l) => l.ok)).toBe(true);
  });
});

describe('checkPermissions for Exchange and SharePoint', () => {
  it('names Exchange.ManageAsApp for the mailbox steps', () => {
    const failing = checkPermissions('exchange', [], ['mailbox-access', 'mailbox-shared']).filter((l) => !l.ok);
    expect(failing).toEqual([
      expect.objectContaining({ label: 'Office 365 Exchange Online permission Exchange.ManageAsApp is missing', detail: 'needed by mailbox-access, mailbox-shared' }),
    ]);
  });

  it('names Sites.FullControl.All for onedrive-access', () => {
    const failing = checkPermissions('sharepoint', ['Sites.Read.All'], ['onedrive-access']).filter((l) => !l.ok);
    expect(failing.map((l) => l.label)).toEqual(['SharePoint permission Sites.FullControl.All is missing']);
  });
});
