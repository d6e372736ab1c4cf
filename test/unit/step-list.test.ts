// The step list is the one place a step is declared: order, defaults, services, preflight and README tables follow from it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderPermissionsTable, renderStepsTable } from '../../scripts/readme-tables.js';
import { checkPermissions } from '../../src/permissions.js';
import { DEFAULT_STEPS, servicesFor, STEP_ORDER, STEPS, stepsFor, stepsUsing } from '../../src/steps/index.js';
import { noopStep } from './fixtures/noop-step.js';

const RESOLVE_ROLES = ['User.Read.All', 'RoleManagement.Read.Directory', 'GroupMember.Read.All'];
/** The real list with the no-op step added after entra-revoke: the one line a new step adds. */
const WITH_NOOP = [...STEPS.slice(0, STEP_ORDER.indexOf('entra-revoke') + 1), noopStep, ...STEPS.slice(STEP_ORDER.indexOf('entra-revoke') + 1)];

describe('the step list', () => {
  it('names each step once', () => {
    expect(new Set(STEP_ORDER).size).toBe(STEPS.length);
  });

  it("runs ad-move last, and each step after the steps it depends on", () => {
    expect(STEP_ORDER.at(-1)).toBe('ad-move');
    for (const [index, step] of STEPS.entries()) {
      for (const dependency of step.dependsOn ?? []) expect(STEP_ORDER.indexOf(dependency), `${step.name} after ${dependency}`).toBeLessThan(index);
    }
  });

  it('declares every step reversible except those the contract calls irreversible', () => {
    expect(STEPS.filter((step) => !step.reversible).map((step) => step.name)).toEqual([
      'mobile-wipe',
      'ad-password',
      'entra-revoke',
      'auth-methods',
      'inbox-rules',
      'cancel-meetings',
    ]);
  });

  it('is what action.yml describes: every step in order, and the default steps as the default', () => {
    const action = parse(readFileSync(path.resolve(import.meta.dirname, '../../action.yml'), 'utf8')) as {
      inputs: Record<string, { description: string; default: string }>;
    };
    expect(action.inputs.steps.description).toContain(`: ${STEP_ORDER.join(', ')}.`);
    // The default is the code's, said in the description: the runner passes an action.yml default as if it were set,
    // and `steps` set together with `stages` is an input error.
    expect(action.inputs.steps.default).toBe('');
    expect(action.inputs.steps.description).toContain(`Empty: ${DEFAULT_STEPS.join(', ')} (`);
  });

  it('opens Exchange for the steps that need or use it, and SharePoint for onedrive-access', () => {
    expect(stepsUsing('exchange', STEP_ORDER)).toEqual([
      'mobile-wipe',
      'entra-groups',
      'mailbox-access',
      'mailbox-forward',
      'mailbox-autoreply',
      'inbox-rules',
      'cancel-meetings',
      'mailbox-shared',
      'mailbox-hide',
      'licenses',
    ]);
    expect(stepsUsing('sharepoint', STEP_ORDER)).toEqual(['onedrive-access']);
    expect(servicesFor(DEFAULT_STEPS)).toEqual(['exchange', 'sharepoint']);
    expect(servicesFor(['ad-disable', 'entra-revoke', 'ad-move'])).toEqual([]);
    expect(servicesFor(['licenses'])).toEqual(['exchange']);
  });
});

describe('a step added in one file and one line of the list', () => {
  it('runs at its place in the order, whatever order the steps are named in', () => {
    expect(stepsFor(['mailbox-access', 'noop', 'ad-disable'], WITH_NOOP).map((step) => step.name)).toEqual(['ad-disable', 'noop', 'mailbox-access']);
  });

  it('has the services it needs opened', () => {
    expect(servicesFor(['ad-disable', 'noop'], WITH_NOOP)).toEqual(['sharepoint']);
    expect(servicesFor(['ad-disable'], WITH_NOOP)).toEqual([]);
  });

  it('has its permissions checked by the preflight, the least privileged named when missing', () => {
    expect(checkPermissions('graph', RESOLVE_ROLES, ['noop'], WITH_NOOP)).toEqual([
      { ok: true, label: 'Microsoft Graph permissions for resolve', detail: 'User.Read.All, RoleManagement.Read.Directory, GroupMember.Read.All' },
      {
        ok: false,
        label: 'Microsoft Graph permission Noop.Read.All is missing',
        detail: 'needed by noop',
        fix: 'Add the Microsoft Graph application permission Noop.Read.All to the app registration and grant admin consent (or one of: Directory.Read.All).',
      },
    ]);
    expect(checkPermissions('graph', [...RESOLVE_ROLES, 'Directory.Read.All'], ['noop'], WITH_NOOP)).toContainEqual({
      ok: true,
      label: 'Microsoft Graph permissions for noop',
      detail: 'Directory.Read.All',
    });
    expect(checkPermissions('sharepoint', ['Sites.Selected'], ['noop'], WITH_NOOP)).toEqual([
      { ok: true, label: 'SharePoint permissions for noop', detail: 'Sites.Selected' },
    ]);
    expect(checkPermissions('graph', RESOLVE_ROLES, ['ad-disable'], WITH_NOOP).map((line) => line.label)).toEqual([
      'Microsoft Graph permissions for resolve',
    ]);
  });

  it('has a row in both README tables, at its place', () => {
    const rows = (table: string): string[] => table.split('\n').slice(2);
    const steps = rows(renderStepsTable(WITH_NOOP));
    expect(steps[STEP_ORDER.indexOf('entra-revoke') + 1]).toBe('| `noop` | | looks at the leaver \\| changes nothing |');
    expect(steps).toHaveLength(STEPS.length + 1);
    const permissions = rows(renderPermissionsTable(WITH_NOOP));
    expect(permissions[STEP_ORDER.indexOf('entra-revoke') + 2]).toBe('| `noop` | `Noop.Read.All` | — | `Sites.Selected` | read `noop` |');
    // resolve, the steps with noop, and the notification mails' row last.
    expect(permissions).toHaveLength(STEPS.length + 3);
    expect(permissions.at(-1)).toMatch(/^\| `notify` \|/);
  });
});
