// `npm run chaos`: starts its own stack, runs every fault of the matrix against the bundled action, prints the matrix.
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { parseArgs } from 'node:util';
import { ACTION_ENTRY } from '../e2e/run-action.js';
import { startStack, type Stack } from '../stack/stack.js';
import { createTenant, LEAVERS, renderMatrix, runScenario, SCENARIOS, scratchDir, type ScenarioOutcome } from './scenarios.js';

const USAGE = `usage: npm run chaos -- [--only id,id] [--dc-address 127.0.0.x]
  Starts a Samba AD DC, the Microsoft 365 simulator and pwsh, then runs the bundled action (dist/index.js) once per
  fault with ${LEAVERS} leavers, checks the results file and the servers, runs it again without the fault, and prints the
  matrix. Exits 1 when a fault was not survived. Faults: ${SCENARIOS.map((s) => s.id).join(', ')}.
`;

const log = (message: string): void => {
  process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { only: { type: 'string' }, 'dc-address': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = only?.filter((id) => !SCENARIOS.some((s) => s.id === id)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown fault(s): ${unknown.join(', ')}\n${USAGE}`);
  const scenarios = only ? SCENARIOS.filter((s) => only.includes(s.id)) : SCENARIOS;
  if (!existsSync(ACTION_ENTRY)) throw new Error(`${ACTION_ENTRY} is missing: run \`npm run bundle\` first (the matrix runs the bundled action).`);

  const dir = scratchDir();
  let stack: Stack | undefined;
  const stop = async (): Promise<void> => {
    await stack?.stop().catch((error: unknown) => log(`stopping the stack failed: ${String(error)}`));
    stack = undefined;
    rmSync(dir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the stack`);
      void stop().finally(() => process.exit(130));
    });
  }
  try {
    const tenant = createTenant(dir);
    log('starting the stack (Samba AD DC, Microsoft 365 simulator, pwsh)');
    stack = await startStack({ dir: path.join(dir, 'stack'), dcAddress: values['dc-address'] ?? '127.0.0.20', fixture: tenant.fixture });
    const running = stack;
    tls.setDefaultCACertificates([...tls.getCACertificates('default'), running.facts.caPem]);
    log(`stack up in ${running.facts.startupMs.total} ms; DC ${running.facts.ldap.url}, simulator ${running.facts.simulator.url}`);
    const chaosStack = { facts: running.facts, stopDc: () => running.samba.stop(), startDc: () => running.samba.restart() };
    const outcomes: ScenarioOutcome[] = [];
    for (const scenario of scenarios) {
      log(`${scenario.id}: ${scenario.fault} (${scenario.injected})`);
      const outcome = await runScenario(chaosStack, tenant, scenario, dir);
      outcomes.push(outcome);
      log(`${scenario.id}: ${outcome.survived ? 'survived' : 'NOT survived'} in ${(outcome.ms / 1000).toFixed(1)} s${outcome.evidence ? ` (${outcome.evidence})` : ''}`);
      for (const problem of outcome.problems.slice(0, 20)) log(`  - ${problem}`);
      if (outcome.problems.length > 20) log(`  … and ${outcome.problems.length - 20} more`);
    }
    process.stdout.write(`\n${renderMatrix(outcomes)}`);
    return outcomes.every((o) => o.survived) ? 0 : 1;
  } finally {
    await stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(2);
  },
);
