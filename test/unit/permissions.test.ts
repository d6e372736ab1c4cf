// The permission table covers every step, and the preflight names each missing permission with the steps needing it.
import { describe, expect, it } from 'vitest';
import { STEP_ORDER } from '../../src/model.js';
import { checkGraphPermissions, checkPermissions, PERMISSIONS } from '../../src/permissions.js';

const LEAST_FOR_DEFAULTS = [
  'User.Read.All',
  'RoleManagement.Read.Directory',
  'User.EnableDisableAccount.All',
  'User.RevokeSessions.All',
  'Files.Read.All',
];

describe('PERMISSIONS', () => {
  it.each([...STEP_ORDER])('has exactly one row for the step %s', (step) => {
    expect(PERMISSIONS.filter((row) => row.step === step)).toHaveLength(1);
  });

  it('has a row for resolving people, which every run does', () => {
    expect(PERMISSIONS.filter((row) => row.step === 'resolve')).toHaveLength(1);
  });

  it('lists no step that does not exist', () => {
    const known = new Set<string>([...STEP_ORDER, 'resolve']);
    expect(PERMISSIONS.map((row) => row.step).filter((step) => !known.has(step))).toEqual([]);
  });

  it('names the least privileged permission first for the Entra steps', () => {
    const first = (step: string): string[] | undefined => PERMISSIONS.find((r) => r.step === step)?.graph[0];
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
    const lines = checkGraphPermissions(['Directory.ReadWrite.All'], ['entra-disable', 'entra-revoke', 'entra-block', 'licenses']);
    expect(lines.every((l) => l.ok)).toBe(true);
  });

  it('reports a permission missing for several steps once, naming every step', () => {
    const failing = checkGraphPermissions([], ['entra-disable']).filter((l) => !l.ok);
    const userRead = failing.find((l) => l.label.includes('User.Read.All'));
    expect(userRead?.detail).toBe('needed by resolve, entra-disable');
    expect(failing.map((l) => l.label)).toEqual([
      'Microsoft Graph permission User.Read.All is missing',
      'Microsoft Graph permission RoleManagement.Read.Directory is missing',
      'Microsoft Graph permission User.EnableDisableAccount.All is missing',
    ]);
  });

  it('compares permission names without regard to case', () => {
    const lines = checkGraphPermissions(['user.read.all', 'roleManagement.read.directory'], []);
    expect(lines).toEqual([
      { ok: true, label: 'Microsoft Graph permissions for resolve', detail: 'User.Read.All, RoleManagement.Read.Directory' },
    ]);
  });

  it('checks only the steps that are enabled', () => {
    const failing = checkGraphPermissions(['User.Read.All', 'RoleManagement.Read.Directory'], ['ad-disable', 'mailbox-access']);
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
