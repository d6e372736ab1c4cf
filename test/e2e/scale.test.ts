// 200 leavers through the bundled action against the stack: Graph calls go out in full batches, not one per user.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStackTenant, SimulatorControl, stackFacts } from '../helpers/stack.js';
import { baseFixture, makeTenant } from '../stack/fixture.js';
import { runAction, stackActionEnv, stackActionInputs } from './run-action.js';

const LEAVERS = 200;
const facts = stackFacts();
const control = new SimulatorControl(facts.simulator.url);
let workspace: string;

beforeAll(async () => {
  const { fixture, leaverKeys } = makeTenant(LEAVERS);
  await loadStackTenant(facts, fixture);
  workspace = mkdtempSync(path.join(os.tmpdir(), 'scale-workspace-'));
  mkdirSync(path.join(workspace, 'offboarding'));
  const rows = leaverKeys.map((key) => `${key}@contoso.test,HR-${key}`);
  writeFileSync(path.join(workspace, 'offboarding', 'leavers.csv'), ['userPrincipalName,reason', ...rows].join('\n'));
}, 300_000);

afterAll(async () => {
  rmSync(workspace, { recursive: true, force: true });
  await loadStackTenant(facts, baseFixture());
}, 300_000);

describe('offboarding 200 leavers with the default steps', () => {
  it('finishes every leaver with at most 60 Graph HTTP requests after sign-in', async () => {
    await control.clearLog();
    const run = await runAction({
      workspace,
      inputs: { ...stackActionInputs(facts), mode: 'apply', select: 'all', 'max-users': String(LEAVERS) },
      eventName: 'workflow_dispatch',
      payload: { inputs: {}, repository: { name: 'identity-offboarding', owner: { login: 'contoso' } } },
      env: stackActionEnv(facts),
      timeoutMs: 600_000,
    });
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    expect(run.results?.users).toHaveLength(LEAVERS);
    expect(run.results?.users.filter((u) => u.status !== 'done')).toEqual([]);
    const log = await control.log();
    const graphCalls = log.entries.filter((e) => e.resource === 'graph' && e.batchId !== undefined).length;
    // One request per user per operation would be over 800 (lookup, revoke, drive, plus roles and managers).
    expect(log.httpRequests.graph).toBeLessThanOrEqual(60);
    expect(graphCalls).toBeGreaterThanOrEqual(3 * LEAVERS);
  }, 600_000);
});
