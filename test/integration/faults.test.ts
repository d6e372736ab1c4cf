// The fault matrix (test/chaos/scenarios.ts) against the bundled action: each fault, the record it leaves, the servers, a clean rerun.
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, runScenario, SCENARIOS, scratchDir, type ChaosStack, type Tenant } from '../chaos/scenarios.js';
import { ACTION_ENTRY } from '../e2e/run-action.js';
import { startStack, type Stack } from '../stack/stack.js';

let dir: string;
let tenant: Tenant;
let stack: Stack | undefined;
let chaos: ChaosStack;

beforeAll(async () => {
  if (!existsSync(ACTION_ENTRY)) throw new Error(`${ACTION_ENTRY} is missing: run \`npm run bundle\` first (these tests run the bundled action).`);
  dir = scratchDir();
  tenant = createTenant(dir);
  // A stack of its own: these tests stop the DC and kill sessions, which other test files must never run into.
  stack = await startStack({ dir: path.join(dir, 'stack'), dcAddress: process.env.FAULTS_DC_ADDRESS ?? '127.0.0.21', fixture: tenant.fixture });
  const { samba, facts } = stack;
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), facts.caPem]);
  chaos = { facts, stopDc: () => samba.stop(), startDc: () => samba.restart() };
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the action under faults, with a complete record and a second run that finishes the rest', () => {
  for (const scenario of SCENARIOS) {
    it(scenario.title, async () => {
      const outcome = await runScenario(chaos, tenant, scenario, dir);
      expect(outcome.problems, `${scenario.fault} (${scenario.injected}): ${outcome.evidence}`).toEqual([]);
      expect(outcome.survived).toBe(true);
    }, 240_000);
  }
});
