// The run's end: signals stop new steps and put the record on disk; a hung step is left interrupted; one report.
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runEngine, unresolvedResult } from '../../src/engine.js';
import type { Inputs } from '../../src/inputs-types.js';
import type { Person, Request } from '../../src/model.js';
import { CANCEL_GRACE_MS, startRunLifecycle, type Outcome } from '../../src/report/lifecycle.js';
import { ResultsRecorder, type ResultsDocument } from '../../src/report/results.js';
import type { Step } from '../../src/steps/types.js';

const DECLARED = { description: 'a fake step', byDefault: false, permissions: { notes: '' }, reversible: false };

const CANCELLED = 'not attempted: the run was cancelled';

const request = (line: number, upn: string): Request => ({
  source: { file: 'offboarding/leavers.csv', line },
  identity: { userPrincipalName: upn },
});

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'lifecycle-'));
  file = path.join(dir, 'results.json');
});

afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

/** A lifecycle on a fake process: signals are emitted by the test, exit and report are recorded. */
function start() {
  const signals = new EventEmitter();
  const recorder = new ResultsRecorder(file, { mode: 'apply', run: { event: 'workflow_dispatch' }, startedAt: new Date() });
  const reports: [Outcome, string | undefined][] = [];
  const warnings: string[] = [];
  let exited: (code: number) => void = () => undefined;
  const exitCode = new Promise<number>((resolve) => (exited = resolve));
  const exit = vi.fn((code: number) => exited(code));
  const lifecycle = startRunLifecycle({
    recorder,
    warn: (message) => warnings.push(message),
    report: async (outcome, error) => {
      reports.push([outcome, error]);
    },
    signals,
    exit,
  });
  return { signals, recorder, reports, warnings, exit, exitCode, lifecycle };
}

const onDisk = (): ResultsDocument => JSON.parse(readFileSync(file, 'utf8')) as ResultsDocument;

describe('the run lifecycle', () => {
  it('on SIGINT stops new steps and writes the record as cancelled at once', () => {
    const { signals, recorder, warnings, lifecycle } = start();
    recorder.document.users = [unresolvedResult(request(2, "o'brien@contoso.test"), ['ad-disable', 'entra-revoke'])];

    signals.emit('SIGINT', 'SIGINT');

    expect(lifecycle.signal.aborted).toBe(true);
    expect(warnings).toEqual(['Received SIGINT: no new step starts; the record is written.']);
    const record = onDisk();
    expect(record.outcome).toBe('cancelled');
    expect(record.error).toBe('cancelled by SIGINT');
    expect(record.users[0].steps.map((step) => [step.status, step.reason])).toEqual([
      ['blocked', CANCELLED],
      ['blocked', CANCELLED],
    ]);
  });

  it('reports a run that ends by itself once, and listens for no signal after it', async () => {
    const { signals, reports, exit, lifecycle } = start();
    lifecycle.release();
    await lifecycle.finalize('completed');
    await lifecycle.finalize('completed');

    expect(reports).toEqual([['completed', undefined]]);
    expect(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGINT')).toBe(0);
    expect(onDisk().outcome).toBe('completed');
    expect(exit).not.toHaveBeenCalled();
  });

  it('lists every selected user as not attempted when SIGTERM comes during preflight', async () => {
    const { signals, recorder, reports, lifecycle } = start();
    recorder.document.users = [
      unresolvedResult(request(2, 'jdoe@contoso.test'), ['ad-disable', 'mailbox-access']),
      unresolvedResult(request(3, 'zoe.müller@contoso.test'), ['ad-disable', 'mailbox-access']),
    ];
    recorder.touch();

    signals.emit('SIGTERM', 'SIGTERM');
    // Preflight and resolve end; the engine starts no step for anyone.
    lifecycle.release();
    await lifecycle.finalize('cancelled');

    const record = onDisk();
    expect(record.outcome).toBe('cancelled');
    expect(record.users.map((user) => [user.status, user.reason])).toEqual([
      ['blocked', CANCELLED],
      ['blocked', CANCELLED],
    ]);
    expect(record.users.flatMap((user) => user.steps.map((step) => step.reason))).toEqual(Array(4).fill(CANCELLED));
    expect(reports).toEqual([['cancelled', undefined]]);
  });

  it('lists users selected after a signal during resolve as not attempted too', () => {
    const { signals, recorder } = start();
    signals.emit('SIGTERM', 'SIGTERM');
    recorder.document.users = [unresolvedResult(request(4, 'a.smith@contoso.test'), ['entra-revoke'])];
    recorder.writeNow();

    expect(onDisk().users[0].steps).toEqual([{ step: 'entra-revoke', status: 'blocked', reason: CANCELLED }]);
  });

  it('leaves a step still hung after the grace time as interrupted, reports once and exits', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { signals, recorder, reports, exit, exitCode, lifecycle } = start();
    let started: () => void = () => undefined;
    const stepStarted = new Promise<void>((resolve) => (started = resolve));
    const hung: Step = {
      ...DECLARED,
      name: 'mailbox-access',
      needs: [],
      observe: () => {
        started();
        return new Promise(() => undefined);
      },
    };
    const later: Step = { ...DECLARED, name: 'ad-move', needs: [], observe: async () => ({ kind: 'unchanged' }) };
    const person: Person = { request: request(2, 'jdoe@contoso.test'), delegate: { source: 'none' } };
    void runEngine({
      people: [person],
      steps: [hung, later],
      mode: 'apply',
      inputs: {} as Inputs, // the steps read no input
      connectors: {},
      run: { event: 'workflow_dispatch' },
      now: new Date(),
      concurrency: 10,
      signal: lifecycle.signal,
      onProgress: (index, result) => {
        recorder.document.users[index] = result;
        recorder.touch();
      },
    });
    await stepStarted;

    signals.emit('SIGTERM', 'SIGTERM');
    await vi.advanceTimersByTimeAsync(CANCEL_GRACE_MS - 1);
    expect(exit).not.toHaveBeenCalled();
    expect(reports).toEqual([]);

    await vi.advanceTimersByTimeAsync(1);
    expect(await exitCode).toBe(1);
    const reason = 'cancelled by SIGTERM; steps still running were left as interrupted';
    expect(reports).toEqual([['cancelled', reason]]);
    const record = onDisk();
    expect(record.outcome).toBe('cancelled');
    expect(record.error).toBe(reason);
    const [access, move] = record.users[0].steps;
    expect(access.status).toBe('failed');
    expect(access.reason).toMatch(/^interrupted while running/);
    expect(move).toEqual({ step: 'ad-move', status: 'blocked', reason: CANCELLED });

    await lifecycle.finalize('cancelled');
    expect(reports).toHaveLength(1);
    expect(exit).toHaveBeenCalledTimes(1);
  });
});
