// Offboarding in stages: reading the `stages` input, and which stages of a row a run selects (changed, due, all).
import { describe, expect, it } from 'vitest';
import { runEngine, unresolvedResult } from '../../src/engine.js';
import { parseInputs } from '../../src/inputs.js';
import type { Inputs } from '../../src/inputs-types.js';
import { parseStages } from '../../src/inputs/stages.js';
import type { Person, Request, Stage, StepName } from '../../src/model.js';
import { buildPlanComment } from '../../src/report/comment.js';
import { renderSummary, type SummaryInput } from '../../src/report/summary.js';
import { loadRequests } from '../../src/sources/requests.js';
import { selectRequests, type SelectOptions } from '../../src/sources/select.js';
import { selectStages, stageDueAt, stepsOfRequest } from '../../src/sources/stages.js';
import type { Step } from '../../src/steps/types.js';

const FILE = 'offboarding/leavers.csv';
const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date('2026-11-25T10:00:00Z');
const noSuggestion = (): string => '';

const stagesOf = (text: string): Stage[] => {
  const result = parseStages(text, noSuggestion);
  expect(result.errors).toEqual([]);
  return result.stages;
};
const errorsOf = (raw: Record<string, string>): string[] => parseInputs(raw).errors;

const THREE = stagesOf('0d: ad-disable\n7d: mailbox-access, onedrive-access\n30d: mailbox-hide, ad-move');

const rowsOf = (text: string, timeZone = 'UTC'): Request[] => {
  const result = loadRequests({ files: [{ path: FILE, text }], timeZone });
  expect(result.errors).toEqual([]);
  return result.requests;
};
/** The offsets each selected row runs, by UPN. */
const chosen = (requests: Request[]): Record<string, string[]> =>
  Object.fromEntries(requests.map((r) => [r.identity.userPrincipalName ?? '?', (r.stages ?? []).map((s) => s.offset)]));
const daysAgo = (days: number, from: Date = NOW): string => new Date(from.getTime() - days * DAY).toISOString().slice(0, 10);

const options = (overrides: Partial<SelectOptions>): SelectOptions => ({
  requests: [],
  select: 'due',
  eventName: 'schedule',
  payload: {},
  lookbackDays: 30,
  now: NOW,
  timeZone: 'UTC',
  fromUsersInput: false,
  stages: THREE,
  readBase: async () => {
    throw new Error('the base is not read in this test');
  },
  ...overrides,
});

describe('the stages input', () => {
  it('reads one stage per line in ascending order, each with its steps in the contract order', () => {
    const result = parseInputs({
      stages: '0d: entra-revoke, ad-disable\n\n  07d : licenses,mailbox-shared  \n90d: ad-move',
      'ldap-disabled-ou': 'OU=Disabled Users,DC=corp,DC=contoso,DC=test',
    });
    expect(result.errors).toEqual([]);
    expect(result.inputs?.stages).toEqual([
      { offset: '0d', days: 0, steps: ['ad-disable', 'entra-revoke'] },
      { offset: '7d', days: 7, steps: ['mailbox-shared', 'licenses'] },
      { offset: '90d', days: 90, steps: ['ad-move'] },
    ]);
    // Every step of every stage is enabled: the preflight, the permissions and the sessions cover the whole timeline.
    expect(result.inputs?.steps).toEqual(['ad-disable', 'entra-revoke', 'mailbox-shared', 'licenses', 'ad-move']);
  });

  it('rejects a line that is not "<offset>: <steps>", naming the line', () => {
    expect(errorsOf({ stages: '0d: ad-disable\n30 days: licenses\n-1d: ad-move' })).toEqual([
      'Input "stages": line 2 "30 days: licenses": is not "<offset>: <steps>" with the offset in days (for example "30d: mailbox-shared, licenses")',
      'Input "stages": line 3 "-1d: ad-move": is not "<offset>: <steps>" with the offset in days (for example "30d: mailbox-shared, licenses")',
    ]);
  });

  it('rejects an unknown step with a suggestion, and a stage without steps', () => {
    expect(errorsOf({ stages: '0d: ad-disable\n30d: mailbox-shard\n90d:' })).toEqual([
      'Input "stages": line 2 "30d: mailbox-shard": unknown step "mailbox-shard". Did you mean "mailbox-shared"?',
      'Input "stages": line 3 "90d:": names no step',
    ]);
  });

  it('rejects offsets out of order or repeated', () => {
    expect(errorsOf({ stages: '30d: licenses\n7d: ad-disable\n30d: ad-move' })).toEqual([
      'Input "stages": line 2 "7d: ad-disable": 7d comes after 30d: list the stages in ascending order',
      'Input "stages": line 3 "30d: ad-move": 30d is a stage already: put all its steps on one line',
    ]);
  });

  it('rejects a step in two stages', () => {
    expect(errorsOf({ stages: '0d: ad-disable, entra-revoke\n7d: entra-revoke' })).toEqual([
      'Input "stages": line 2 "7d: entra-revoke": "entra-revoke" is in stage 0d already (line 1): a step runs in one stage only',
    ]);
  });

  it('rejects stages set together with steps', () => {
    expect(errorsOf({ stages: '0d: ad-disable', steps: 'ad-disable' })).toEqual([
      'Input "stages": is set together with steps: each stage names its steps, so remove steps',
    ]);
  });

  it('checks the inputs a staged step needs, as for steps', () => {
    expect(errorsOf({ stages: '0d: ad-disable\n90d: ad-move' })).toEqual([
      'Input "ldap-disabled-ou": is empty but steps include ad-move, which moves accounts there',
    ]);
  });

  it('rejects an offset of more than a hundred years', () => {
    expect(errorsOf({ stages: '36501d: ad-move' })[0]).toMatch(/line 1 "36501d: ad-move": 36501d is more than 36500 days$/);
  });
});

describe('when a stage comes due', () => {
  it('counts calendar days in the time zone, so a stage after a change of the clocks is still at midnight there', () => {
    const [row] = rowsOf('upn,effective\njdoe@contoso.test,2026-03-20\n', 'Europe/Berlin');
    expect(row.effective).toBe('2026-03-19T23:00:00Z');
    // Berlin moves to summer time on 2026-03-29: midnight of 2026-04-19 there is 22:00 UTC.
    expect(new Date(stageDueAt(row.effective as string, 30, 'Europe/Berlin')).toISOString()).toBe('2026-04-18T22:00:00.000Z');
  });
});

describe('selecting stages', () => {
  const row = `upn,effective\njdoe@contoso.test,${daysAgo(10)}\n`;

  it('due: a row dated 10 days ago runs 0d and 7d, and lists 30d with its date', async () => {
    const selection = await selectRequests(options({ requests: rowsOf(row) }));
    expect(chosen(selection.selected)).toEqual({ 'jdoe@contoso.test': ['0d', '7d'] });
    expect(selection.later).toEqual([
      {
        source: { file: FILE, line: 2 },
        identity: { userPrincipalName: 'jdoe@contoso.test' },
        stages: [{ stage: '30d', at: '2026-12-15T00:00:00Z', steps: ['mailbox-hide', 'ad-move'] }],
      },
    ]);
    expect(selection.note).toBe(
      'due: stages that came due between 2026-10-26T10:00:00Z and 2026-11-25T10:00:00Z (lookback-days 30); 2 stages of 1 row due; 1 stage later',
    );
  });

  it('due: 25 days later runs 7d and 30d, and 0d no more (it came due 35 days before)', async () => {
    const selection = await selectRequests(options({ requests: rowsOf(row), now: new Date(NOW.getTime() + 25 * DAY) }));
    expect(chosen(selection.selected)).toEqual({ 'jdoe@contoso.test': ['7d', '30d'] });
    expect(selection.later).toEqual([]);
  });

  it('due: a stage is selected by every run until it leaves lookback-days, so one that failed is retried', () => {
    const [request] = rowsOf(row);
    const offsetsAt = (days: number): string[] => {
      const until = NOW.getTime() + days * DAY;
      return selectStages([request], THREE, { from: until - 30 * DAY, until }, 'UTC', 'selected').selected.flatMap((r) => (r.stages ?? []).map((s) => s.offset));
    };
    // 7d came due on 2026-11-22, 3.4 days before: the next nightly runs select it again, until 30 days after it.
    expect(offsetsAt(0)).toContain('7d');
    expect(offsetsAt(1)).toContain('7d');
    expect(offsetsAt(26)).toContain('7d');
    expect(offsetsAt(27)).not.toContain('7d');
  });

  it('changed: a row dated in the future runs nothing and lists every stage with its date', async () => {
    const selection = await selectRequests(
      options({
        select: 'changed',
        eventName: 'push',
        payload: { before: '1'.repeat(40) },
        requests: rowsOf('upn,effective\nlater@contoso.test,2026-12-31\n'),
        readBase: async () => undefined,
      }),
    );
    expect(selection.selected).toEqual([]);
    expect(selection.later?.[0].stages.map((s) => [s.stage, s.at])).toEqual([
      ['0d', '2026-12-31T00:00:00Z'],
      ['7d', '2027-01-07T00:00:00Z'],
      ['30d', '2027-01-30T00:00:00Z'],
    ]);
    expect(selection.note).toBe('changed: 1 of 1 row added or changed since 1111111; 0 stages of 0 rows due; 3 stages later');
  });

  it('changed: the changed rows run every stage already due, whatever lookback-days says', async () => {
    const selection = await selectRequests(
      options({
        select: 'changed',
        eventName: 'push',
        payload: { before: '1'.repeat(40) },
        requests: rowsOf(`upn,effective\nold@contoso.test,${daysAgo(100)}\nkept@contoso.test,${daysAgo(3)}\n`),
        readBase: async () => `upn,effective\nkept@contoso.test,${daysAgo(3)}\n`,
      }),
    );
    expect(chosen(selection.selected)).toEqual({ 'old@contoso.test': ['0d', '7d', '30d'] });
  });

  it('all: every stage already due of every row, and the later stages of every row', async () => {
    const selection = await selectRequests(
      options({ select: 'all', requests: rowsOf(`upn,effective\nold@contoso.test,${daysAgo(100)}\nnew@contoso.test,${daysAgo(3)}\n`) }),
    );
    expect(chosen(selection.selected)).toEqual({ 'old@contoso.test': ['0d', '7d', '30d'], 'new@contoso.test': ['0d'] });
    expect(selection.later?.map((r) => [r.identity.userPrincipalName, r.stages.map((s) => s.stage)])).toEqual([['new@contoso.test', ['7d', '30d']]]);
  });

  it('a row without effective runs its 0d stage at once when changed or all, its later stages never; due never selects it', async () => {
    const requests = rowsOf('upn,effective\nundated@contoso.test,\n');
    const all = await selectRequests(options({ select: 'all', requests }));
    expect(chosen(all.selected)).toEqual({ 'undated@contoso.test': ['0d'] });
    expect(all.later?.[0].stages).toEqual([
      { stage: '7d', steps: ['mailbox-access', 'onedrive-access'] },
      { stage: '30d', steps: ['mailbox-hide', 'ad-move'] },
    ]);
    const due = await selectRequests(options({ select: 'due', requests }));
    expect(due.selected).toEqual([]);
    expect(due.later).toEqual([]);
  });

  it('without stages, a selected row carries none and runs every step', async () => {
    const selection = await selectRequests(options({ stages: undefined, requests: rowsOf(row) }));
    expect(selection.selected[0].stages).toBeUndefined();
    expect(selection.later).toBeUndefined();
    const steps = [{ name: 'ad-disable' as const }, { name: 'ad-move' as const }];
    expect(stepsOfRequest(selection.selected[0], steps)).toEqual([{ step: steps[0] }, { step: steps[1] }]);
  });

  it("gives a user only the steps of the stages selected for it, each with its stage's offset", async () => {
    const selection = await selectRequests(options({ requests: rowsOf(row) }));
    const steps = ['ad-disable', 'mailbox-access', 'onedrive-access', 'mailbox-hide', 'ad-move'].map((name) => ({ name }) as { name: 'ad-disable' });
    expect(stepsOfRequest(selection.selected[0], steps).map(({ step, stage }) => `${stage} ${step.name}`)).toEqual([
      '0d ad-disable',
      '7d mailbox-access',
      '7d onedrive-access',
    ]);
  });
});

describe('the later stages in the job summary', () => {
  const input = (redacted: boolean): SummaryInput => ({
    mode: 'plan',
    outcome: 'completed',
    selection: {
      mode: 'changed',
      note: 'changed',
      total: 1,
      later: [
        {
          source: { file: FILE, line: 2 },
          identity: { userPrincipalName: 'later@contoso.test' },
          stages: [
            { stage: '0d', at: '2026-12-31T00:00:00Z', steps: ['ad-disable'] },
            { stage: '30d', at: '2027-01-30T00:00:00Z', steps: ['mailbox-hide', 'ad-move'] },
          ],
        },
      ],
    },
    steps: ['ad-disable', 'mailbox-hide', 'ad-move'],
    users: [],
    inputErrors: [],
    preflight: [],
    redacted,
  });

  it('lists each row with the date of every stage not due yet', () => {
    const markdown = renderSummary(input(false));
    expect(markdown).toContain('### Later stages (1 row)');
    const line = markdown.split('\n').find((l) => l.includes('later@contoso.test')) ?? '';
    expect(line).toContain('<b>0d</b> on 2026-12-31T00&#58;00&#58;00Z: ad-disable');
    expect(line).toContain('<b>30d</b> on 2027-01-30T00&#58;00&#58;00Z: mailbox-hide, ad-move');
    expect(line).toContain('offboarding/leavers.csv&#58;2');
  });

  it('lists them in the plan comment too', () => {
    const { markdown } = buildPlanComment(input(false));
    expect(markdown).toContain('### Later stages (1 row)');
    expect(markdown).toContain('<b>30d</b> on 2027-01-30T00&#58;00&#58;00Z: mailbox-hide, ad-move');
  });

  it('masks the row with summary: redacted', () => {
    const markdown = renderSummary(input(true));
    expect(markdown).toContain('### Later stages (1 row)');
    expect(markdown).not.toContain('later@contoso.test');
  });
});

describe('the engine with stages', () => {
  const [zero, seven, thirty] = THREE;
  const leaver = (sam: string, stages: Stage[]): Person => ({
    request: { source: { file: FILE, line: 2 }, identity: { samAccountName: sam }, stages },
    delegate: { source: 'none' },
  });
  const samOf = (person: Person): string => person.request.identity.samAccountName ?? '?';

  /** A step that needs nothing, is unchanged for everyone, and logs whom it prepared and observed. */
  const step = (name: StepName, log: string[]): Step => ({
    name,
    description: 'a fake step',
    byDefault: false,
    permissions: { notes: '' },
    reversible: false,
    needs: [],
    prepare: ({ people }) => void log.push(`prepare ${name}: ${people.map(samOf).join(', ')}`),
    async observe({ person }) {
      log.push(`observe ${samOf(person)} ${name}`);
      return { kind: 'unchanged', before: {} };
    },
  });

  it('runs for each user only the steps of its selected stages, records each with its stage, and prepares a step only for its users', async () => {
    const log: string[] = [];
    const steps = (['ad-disable', 'mailbox-access', 'onedrive-access', 'ad-move'] as const).map((name) => step(name, log));
    const results = await runEngine({
      people: [leaver('jdoe', [zero, seven]), leaver('jsmith', [thirty])],
      steps,
      mode: 'apply',
      inputs: { steps: [] } as unknown as Inputs, // the fake steps read nothing from the inputs
      connectors: {},
      run: { event: 'schedule' },
      now: NOW,
      concurrency: 1,
    });
    expect(results.map((r) => r.steps.map((s) => `${s.stage} ${s.step} ${s.status}`))).toEqual([
      ['0d ad-disable unchanged', '7d mailbox-access unchanged', '7d onedrive-access unchanged'],
      ['30d ad-move unchanged'],
    ]);
    // The cut-off pass (ad-disable) first, then the handover pass; each step prepared as its pass begins.
    expect(log).toEqual([
      'prepare ad-disable: jdoe',
      'observe jdoe ad-disable',
      'prepare mailbox-access: jdoe',
      'prepare onedrive-access: jdoe',
      'prepare ad-move: jsmith',
      'observe jdoe mailbox-access',
      'observe jdoe onedrive-access',
      'observe jsmith ad-move',
    ]);
  });

  it("lists a selected user's stage steps as not started before the user is resolved", () => {
    const result = unresolvedResult(leaver('jsmith', [thirty]).request, ['ad-disable', 'mailbox-hide', 'ad-move']);
    expect(result.steps).toEqual([
      { step: 'mailbox-hide', status: 'blocked', reason: 'not started', stage: '30d' },
      { step: 'ad-move', status: 'blocked', reason: 'not started', stage: '30d' },
    ]);
  });
});
