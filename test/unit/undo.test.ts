// Undo: every reversible step has its reverse, and an undo-from file is a results file of an apply run or an input error.
import { describe, expect, it } from 'vitest';
import type { Person } from '../../src/model.js';
import { STEPS } from '../../src/steps/index.js';
import { createUndo } from '../../src/undo/index.js';
import { parseUndoRecord } from '../../src/undo/record.js';

const done = (step: string, before: object, after: object) => ({ step, status: 'done', before, after });

/** A version-1 record, as the action wrote it before records carried objectGUIDs and disabled plans. */
function versionOne(steps: object[] = [done('ad-disable', { userAccountControl: 512 }, { userAccountControl: 514 })]) {
  return {
    version: 1,
    mode: 'apply',
    run: { url: 'https://github.com/contoso/identity-offboarding/actions/runs/4242', event: 'schedule', sha: 'abc123' },
    startedAt: '2026-11-25T10:00:00Z',
    users: [
      {
        source: { file: 'offboarding/leavers.csv', line: 2 },
        request: { userPrincipalName: 'jdoe@contoso.test', reason: 'HR-1' },
        ad: { dn: 'CN=Jane Doe,OU=Staff,DC=corp,DC=contoso,DC=test', samAccountName: 'jdoe' },
        entra: { id: '11111111-1111-1111-1111-111111111111', userPrincipalName: 'jdoe@contoso.test', synced: true },
        status: 'done',
        steps,
      },
    ],
  };
}

describe('the reverses of the step list', () => {
  it('gives every reversible step a reverse, and a reverse only to reversible steps', () => {
    for (const step of STEPS) expect(typeof step.reverse === 'function', `${step.name}: reversible ${step.reversible}`).toBe(step.reversible);
  });
});

describe('an undo-from file', () => {
  it('reads a version-1 record', () => {
    const { record, errors } = parseUndoRecord('records/run-4242.json', JSON.stringify(versionOne()));
    expect(errors).toEqual([]);
    expect(record?.undoOf).toEqual({ run: 'https://github.com/contoso/identity-offboarding/actions/runs/4242', sha: 'abc123' });
  });

  it.each([
    ['not JSON', '{"version": 1,'],
    ['another JSON document', JSON.stringify({ name: 'package', version: '1.0.0' })],
    ['the record of a plan run', JSON.stringify({ ...versionOne(), mode: 'plan' })],
    ['a record with a done step this version does not know', JSON.stringify(versionOne([done('ad-teleport', {}, {})]))],
  ])('is an input error at the file when it is %s', (_, text) => {
    const { record, errors } = parseUndoRecord('records/run-4242.json', text);
    expect(record).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0].file).toBe('records/run-4242.json');
    expect(errors[0].message).toMatch(/^undo-from: /);
  });
});

describe('an undo', () => {
  const record = (steps: object[]) => {
    const parsed = parseUndoRecord('r.json', JSON.stringify(versionOne(steps))).record;
    if (!parsed) throw new Error('the record did not parse');
    return createUndo(parsed);
  };

  it('reverses an apply run backwards, and the record of an undo forwards', () => {
    const apply = [done('ad-disable', {}, {}), { step: 'entra-revoke', status: 'done' }, done('ad-move', {}, {})];
    expect(record(apply).steps.map((s) => s.name)).toEqual(['ad-move', 'entra-revoke', 'ad-disable']);
    expect(record([...apply].reverse()).steps.map((s) => s.name)).toEqual(['ad-disable', 'entra-revoke', 'ad-move']);
  });

  it('finds the user again by the Entra object id, and blocks a user whose row is still due', () => {
    const undo = record([done('ad-disable', { userAccountControl: 512 }, { userAccountControl: 514 })]);
    const due = [{ source: { file: 'offboarding/leavers.csv', line: 7 }, identity: { samAccountName: 'CORP\\jdoe' } }];
    const selection = undo.select({ selected: due, mode: 'due', note: '' }, {});
    expect(selection.selected.map((r) => r.identity)).toEqual([{ objectId: '11111111-1111-1111-1111-111111111111' }]);
    const person: Person = { request: selection.selected[0], delegate: { source: 'none' } };
    const [guarded] = undo.guard([person]);
    expect(guarded.stop).toMatchObject({ status: 'blocked', code: 'still-requested' });
    expect(guarded.stop?.reason).toContain('offboarding/leavers.csv:7');
  });
});
