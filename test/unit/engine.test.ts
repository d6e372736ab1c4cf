// The engine's ordering and blocking rules, with in-memory steps.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregateStatus, runEngine, type EngineOptions } from '../../src/engine.js';
import type { Inputs } from '../../src/inputs-types.js';
import type { AdUser, Person, StepName } from '../../src/model.js';
import { ResultsRecorder, type ResultsDocument } from '../../src/report/results.js';
import type { Decision, Step } from '../../src/steps/types.js';

const inputs = { steps: [] } as unknown as Inputs; // the fake steps read nothing from the inputs

const adUser = (sam: string): AdUser => ({
  dn: `CN=${sam},OU=Staff,DC=corp,DC=contoso,DC=test`,
  samAccountName: sam,
  objectSid: 'S-1-5-21-1-2-3-1100',
  objectGuid: '00000000-0000-0000-0000-000000000000',
  userAccountControl: 512,
  adminCount: 0,
  primaryGroupId: 513,
  memberOf: [],
});

const person = (sam: string, extra: Partial<Person> = {}): Person => ({
  request: { source: { file: 'offboarding/leavers.csv', line: 2 }, identity: { samAccountName: sam } },
  ad: adUser(sam),
  delegate: { source: 'none' },
  ...extra,
});

/** What a fake step declares besides its name and needs: the engine reads none of it. */
const DECLARED = { description: 'a fake step', byDefault: false, permissions: { notes: '' }, reversible: false };

/** A step whose decision comes from a function of the user, recording every observe and apply. */
function fakeStep(
  name: StepName,
  decide: (sam: string) => 'change' | 'unchanged' | 'skipped' | 'blocked' | 'throw' | 'fail-apply' | 'drop' | 'fail-read-back',
  log: string[],
  dependsOn?: StepName[],
): Step {
  // The server's state per user: apply writes it (unless the server drops the write), verify reads it back.
  const server = new Map<string, number>();
  return {
    ...DECLARED,
    name,
    needs: ['ad'],
    dependsOn,
    async observe(context): Promise<Decision> {
      const sam = context.person.ad?.samAccountName ?? '?';
      log.push(`observe ${sam} ${name}`);
      const outcome = decide(sam);
      if (outcome === 'throw') throw Object.assign(new Error(`${name} read failed`), { code: 'boom' });
      if (outcome === 'unchanged') return { kind: 'unchanged', before: { value: 1 } };
      if (outcome === 'skipped') return { kind: 'skipped', reason: 'does not apply' };
      if (outcome === 'blocked') return { kind: 'blocked', reason: 'guarded' };
      return {
        kind: 'change',
        before: { value: 0 },
        after: { value: 1 },
        apply: async () => {
          log.push(`apply ${sam} ${name}`);
          if (outcome === 'fail-apply') throw new Error(`${name} write refused`);
          if (outcome !== 'drop') server.set(sam, 1);
        },
        verify: async () => {
          if (outcome === 'fail-read-back') throw Object.assign(new Error('connection reset'), { code: 'network-error' });
          const value = server.get(sam) ?? 0;
          return value === 1 ? { ok: true } : { ok: false, expected: '{"value":1}', read: `{"value":${value}}` };
        },
      };
    },
  };
}

const options = (people: Person[], steps: Step[], extra: Partial<EngineOptions> = {}): EngineOptions => ({
  people,
  steps,
  mode: 'apply',
  inputs,
  connectors: { ad: {} as EngineOptions['connectors']['ad'] }, // present: the fake steps never call it
  run: { event: 'push' },
  now: new Date('2026-11-25T10:00:00Z'),
  concurrency: 1,
  // A read-back that does not show the change is read once more, at once (the production waits are seconds).
  readBackDelaysMs: [0],
  ...extra,
});

describe('engine', () => {
  it('runs the steps of one user in the given order, observing before applying', async () => {
    const log: string[] = [];
    const steps = [fakeStep('ad-disable', () => 'change', log), fakeStep('ad-groups', () => 'change', log), fakeStep('ad-move', () => 'change', log)];
    const [result] = await runEngine(options([person('jdoe')], steps));
    expect(log).toEqual([
      'observe jdoe ad-disable',
      'apply jdoe ad-disable',
      'observe jdoe ad-groups',
      'apply jdoe ad-groups',
      'observe jdoe ad-move',
      'apply jdoe ad-move',
    ]);
    expect(result.status).toBe('done');
    expect(result.steps.map((s) => [s.step, s.status])).toEqual([
      ['ad-disable', 'done'],
      ['ad-groups', 'done'],
      ['ad-move', 'done'],
    ]);
    expect(result.steps[0]).toEqual({ step: 'ad-disable', status: 'done', before: { value: 0 }, after: { value: 1 }, verified: true });
  });

  it('sends every leaver’s cut-off steps before any leaver’s handover step starts, each leaver keeping the step order', async () => {
    const log: string[] = [];
    const steps = [
      fakeStep('mobile-wipe', () => 'change', log),
      fakeStep('ad-disable', () => 'change', log),
      fakeStep('ad-stamp', () => 'change', log),
      fakeStep('entra-revoke', () => 'change', log),
      fakeStep('auth-methods', () => 'change', log),
      fakeStep('mailbox-access', () => 'change', log),
      fakeStep('ad-move', () => 'change', log),
    ];
    const results = await runEngine(options([person('a'), person('b'), person('c')], steps));
    const run = (sam: string, names: string[]): string[] => names.flatMap((name) => [`observe ${sam} ${name}`, `apply ${sam} ${name}`]);
    const cutOff = ['mobile-wipe', 'ad-disable', 'ad-stamp', 'entra-revoke'];
    const handover = ['auth-methods', 'mailbox-access', 'ad-move'];
    // One user at a time (concurrency 1): the order is exact.
    expect(log).toEqual([...run('a', cutOff), ...run('b', cutOff), ...run('c', cutOff), ...run('a', handover), ...run('b', handover), ...run('c', handover)]);
    expect(results.map((r) => r.status)).toEqual(['done', 'done', 'done']);
    expect(results[2].steps.map((s) => s.step)).toEqual([...cutOff, ...handover]);

    const side: string[] = [];
    const sideBySide = steps.map((step) => fakeStep(step.name, () => 'change', side));
    await runEngine(options([person('a'), person('b'), person('c')], sideBySide, { concurrency: 1000 }));
    const lastCutOff = Math.max(...side.flatMap((entry, i) => (cutOff.some((name) => entry.endsWith(` ${name}`)) ? [i] : [])));
    const firstHandover = side.findIndex((entry) => handover.some((name) => entry.endsWith(` ${name}`)));
    expect(lastCutOff).toBeLessThan(firstHandover);
    for (const sam of ['a', 'b', 'c']) expect(side.filter((entry) => entry.includes(` ${sam} `))).toEqual(run(sam, [...cutOff, ...handover]));
  });

  it('keeps a failed cut-off step’s dependants blocked in the handover pass, and the facts of the cut-off pass for it', async () => {
    const log: string[] = [];
    const steps = [fakeStep('ad-disable', () => 'fail-apply', log), fakeStep('mailbox-access', () => 'change', log, ['ad-disable'])];
    const [result] = await runEngine(options([person('jdoe')], steps));
    expect(result.steps.map((s) => [s.step, s.status, s.reason])).toEqual([
      ['ad-disable', 'failed', undefined],
      ['mailbox-access', 'blocked', 'ad-disable failed'],
    ]);
  });

  it('fails a change the server accepted but does not show on read-back, with not-verified, and goes on', async () => {
    const log: string[] = [];
    const steps = [fakeStep('ad-disable', () => 'drop', log), fakeStep('ad-stamp', () => 'change', log)];
    const [result] = await runEngine(options([person('jdoe')], steps));
    expect(result.steps[0]).toEqual({
      step: 'ad-disable',
      status: 'failed',
      before: { value: 0 },
      error: {
        message: 'The server accepted the change, but reading it back does not show it: expected {"value":1}, read {"value":0}.',
        code: 'not-verified',
        requestId: undefined,
      },
    });
    expect(result.steps[1]).toMatchObject({ status: 'done', verified: true });
    expect(result.status).toBe('failed');
  });

  it('takes the state before from the write’s answer: unchanged when it says the state was in place, with no read-back', async () => {
    const reads: string[] = [];
    /** A grant that learns from its own answer (as Exchange's "already present" warning) what observe did not read. */
    const learning = (answer: 'present' | 'granted' | 'fails'): Step => ({
      ...DECLARED,
      name: 'mailbox-access',
      needs: ['ad'],
      async observe(): Promise<Decision> {
        return {
          kind: 'change',
          after: { fullAccess: true },
          apply: async () => {
            if (answer === 'fails') throw new Error('grant refused');
            if (answer === 'present') return { unchanged: true, before: { fullAccess: true } };
            return { before: { fullAccess: false }, reason: 'learned from the grant' };
          },
          verify: async () => {
            reads.push(answer);
            return { ok: true };
          },
        };
      },
    });
    const results = await Promise.all((['present', 'granted', 'fails'] as const).map(async (answer) => (await runEngine(options([person('jdoe')], [learning(answer)])))[0]?.steps[0]));
    expect(results).toEqual([
      { step: 'mailbox-access', status: 'unchanged', before: { fullAccess: true }, reason: undefined },
      { step: 'mailbox-access', status: 'done', before: { fullAccess: false }, after: { fullAccess: true }, retried: undefined, reason: 'learned from the grant', verified: true },
      // The grant failed: nothing is known of the state before, and the record claims none.
      { step: 'mailbox-access', status: 'failed', before: undefined, error: expect.objectContaining({ message: 'grant refused' }) },
    ]);
    expect(reads).toEqual(['granted']);
  });

  it('reads a change back again while it does not show yet, and records it verified once it does', async () => {
    let reads = 0;
    const base = fakeStep('ad-disable', () => 'change', []);
    const lagging: Step = {
      ...base,
      async observe(context) {
        const decision = await base.observe(context);
        // A replica that shows the write only from the third read on.
        return decision.kind === 'change' ? { ...decision, verify: async () => (++reads >= 3 ? { ok: true } : { ok: false, expected: '1', read: '0' }) } : decision;
      },
    };
    const [shown] = await runEngine(options([person('jdoe')], [lagging], { readBackDelaysMs: [0, 0, 0] }));
    expect(shown.steps[0]).toMatchObject({ status: 'done', verified: true });
    expect(reads).toBe(3);
    reads = 0;
    const [never] = await runEngine(options([person('jdoe')], [lagging], { readBackDelaysMs: [0] }));
    expect(never.steps[0]).toMatchObject({ status: 'failed', error: { code: 'not-verified' } });
    expect(reads).toBe(2);
  });

  it('fails a change whose read-back could not be made, with the read error', async () => {
    const [result] = await runEngine(options([person('jdoe')], [fakeStep('ad-disable', () => 'fail-read-back', [])]));
    expect(result.steps[0]).toMatchObject({
      status: 'failed',
      error: { message: 'The change was sent, but reading it back failed: connection reset', code: 'network-error' },
    });
  });

  it('never records a change as done when the step has state and no read-back; a step without state is done unverified', async () => {
    const base = fakeStep('ad-disable', () => 'change', []);
    const withoutReadBack: Step = {
      ...base,
      async observe(context) {
        const decision = await base.observe(context);
        return decision.kind === 'change' ? { ...decision, verify: undefined } : decision;
      },
    };
    const [stateful] = await runEngine(options([person('jdoe')], [withoutReadBack]));
    expect(stateful.steps[0]).toMatchObject({ status: 'failed', error: { code: 'not-verified' } });
    const [stateless] = await runEngine(options([person('jdoe')], [{ ...withoutReadBack, readBack: false }]));
    expect(stateless.steps[0]).toEqual({ step: 'ad-disable', status: 'done', before: { value: 0 }, after: { value: 1 } });
  });

  it('in plan mode observes every step and applies none', async () => {
    const log: string[] = [];
    const steps = [fakeStep('ad-disable', () => 'change', log), fakeStep('ad-stamp', () => 'unchanged', log)];
    const [result] = await runEngine(options([person('jdoe')], steps, { mode: 'plan' }));
    expect(log.filter((l) => l.startsWith('apply'))).toEqual([]);
    expect(result.steps.map((s) => s.status)).toEqual(['planned', 'unchanged']);
    expect(result.status).toBe('planned');
  });

  it('blocks a step whose dependency failed, and nothing else', async () => {
    const log: string[] = [];
    const steps = [
      fakeStep('mailbox-shared', () => 'fail-apply', log),
      fakeStep('mailbox-hide', () => 'change', log),
      fakeStep('licenses', () => 'change', log, ['mailbox-shared']),
    ];
    const [result] = await runEngine(options([person('jdoe')], steps));
    expect(result.steps.map((s) => [s.step, s.status])).toEqual([
      ['mailbox-shared', 'failed'],
      ['mailbox-hide', 'done'],
      ['licenses', 'blocked'],
    ]);
    expect(result.steps[2].reason).toBe('mailbox-shared failed');
    expect(log).not.toContain('observe jdoe licenses');
    expect(result.status).toBe('failed');
  });

  it('never lets one user failure stop another user', async () => {
    const log: string[] = [];
    const steps = [fakeStep('ad-disable', (sam) => (sam === 'bad' ? 'throw' : 'change'), log)];
    const results = await runEngine(options([person('bad'), person('good')], steps, { concurrency: 2 }));
    expect(results.map((r) => r.status)).toEqual(['failed', 'done']);
    expect(results[0].steps[0].error).toEqual({ message: 'ad-disable read failed', code: 'boom', requestId: undefined });
  });

  it('blocks every step of a guarded user without observing anything', async () => {
    const log: string[] = [];
    const steps = [fakeStep('ad-disable', () => 'change', log), fakeStep('ad-move', () => 'change', log)];
    const guarded = person('admin', { stop: { status: 'blocked', code: 'admin-count', reason: 'adminCount=1' } });
    const [result] = await runEngine(options([guarded], steps));
    expect(log).toEqual([]);
    expect(result.status).toBe('blocked');
    expect(result.steps.every((s) => s.status === 'blocked' && s.reason === 'admin-count: adminCount=1')).toBe(true);
  });

  it('skips a step with the reason when the user has no account in its directory', async () => {
    const log: string[] = [];
    const steps = [fakeStep('ad-disable', () => 'change', log)];
    const cloudOnly = person('cloudy', { ad: undefined, adMissing: 'no AD account' });
    const [result] = await runEngine(options([cloudOnly], steps));
    expect(result.steps[0]).toEqual({ step: 'ad-disable', status: 'skipped', reason: 'no AD account' });
    expect(result.status).toBe('unchanged');
    expect(log).toEqual([]);
  });

  it('skips a step with "not configured" when its connector is absent', async () => {
    const steps = [fakeStep('ad-disable', () => 'change', [])];
    const [result] = await runEngine(options([person('jdoe')], steps, { connectors: {} }));
    expect(result.steps[0]).toMatchObject({ status: 'skipped', reason: 'AD not configured (ldap-url)' });
  });

  it('lets a step prepare once for every user not stopped, before any user is observed', async () => {
    const log: string[] = [];
    const preparing: Step = {
      ...fakeStep('onedrive-access', () => 'unchanged', log),
      prepare({ people }) {
        log.push(`prepare ${people.map((p) => p.ad?.samAccountName).join(',')}`);
      },
    };
    const guarded = person('admin', { stop: { status: 'blocked', code: 'admin-count', reason: 'adminCount=1' } });
    await runEngine(options([person('a'), guarded, person('b')], [preparing], { concurrency: 3 }));
    expect(log).toEqual(['prepare a,b', 'observe a onedrive-access', 'observe b onedrive-access']);
  });

  it('keeps at most `concurrency` users in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const slow: Step = {
      ...DECLARED,
      name: 'ad-disable',
      needs: [],
      async observe() {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        return { kind: 'unchanged' };
      },
    };
    const people = Array.from({ length: 12 }, (_, i) => person(`u${i}`));
    await runEngine(options(people, [slow], { concurrency: 3 }));
    expect(most).toBe(3);
  });

  it('leaves the steps after a cancellation not started, and the cancelled record says they were not attempted', async () => {
    const controller = new AbortController();
    const cancelling: Step = {
      ...DECLARED,
      name: 'ad-disable',
      needs: [],
      async observe() {
        controller.abort();
        return { kind: 'unchanged' };
      },
    };
    const steps = [cancelling, fakeStep('ad-move', () => 'change', [])];
    const results = await runEngine(options([person('a'), person('b')], steps, { signal: controller.signal }));
    expect(results[0].steps.map((s) => s.status)).toEqual(['unchanged', 'blocked']);
    expect(results[1].steps.map((s) => [s.status, s.reason])).toEqual([['blocked', 'not started'], ['blocked', 'not started']]);
    expect(results[1].reason).toBe('not started');

    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'engine-record-')), 'results.json');
    const recorder = new ResultsRecorder(file, { mode: 'apply', run: { event: 'push' }, startedAt: new Date() });
    recorder.document.users = results;
    recorder.finish('cancelled', 'cancelled by SIGTERM');
    const written = JSON.parse(readFileSync(file, 'utf8')) as ResultsDocument;
    expect(written.users[0].steps.map((s) => [s.status, s.reason])).toEqual([['unchanged', undefined], ['blocked', 'not attempted: the run was cancelled']]);
    expect(written.users[1].steps.map((s) => s.reason)).toEqual(['not attempted: the run was cancelled', 'not attempted: the run was cancelled']);
    expect(written.users[1].reason).toBe('not attempted: the run was cancelled');
    rmSync(path.dirname(file), { recursive: true, force: true });
  });

  it('reports a step in flight as interrupted in the record written while it runs', async () => {
    const snapshots: string[] = [];
    const steps = [fakeStep('ad-disable', () => 'change', [])];
    await runEngine(
      options([person('jdoe')], steps, {
        onProgress: (_, result) => snapshots.push(JSON.stringify(result.steps.map((s) => [s.status, s.reason ?? '']))),
      }),
    );
    expect(snapshots[0]).toBe('[["blocked","not started"]]');
    expect(snapshots[1]).toContain('interrupted while running');
    expect(snapshots.at(-1)).toBe('[["done",""]]');
  });
});

describe('aggregateStatus', () => {
  it('ranks a failure above a change above a block', () => {
    expect(aggregateStatus([{ step: 'ad-disable', status: 'done' }, { step: 'licenses', status: 'blocked' }])).toBe('done');
    expect(aggregateStatus([{ step: 'ad-disable', status: 'done' }, { step: 'ad-move', status: 'failed' }])).toBe('failed');
    expect(aggregateStatus([{ step: 'ad-disable', status: 'skipped' }])).toBe('unchanged');
  });
});
