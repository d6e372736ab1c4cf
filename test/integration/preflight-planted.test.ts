// What preflight finds is what the run uses: a pwsh planted on PATH, or a module planted on PSModulePath, after
// preflight never runs, even in a PowerShell session started later.
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PowerShellService } from '../../src/connectors/types.js';
import { parseInputs } from '../../src/inputs.js';
import { openConnectors, type OpenedConnectors } from '../../src/preflight/index.js';
import { stackActionInputs } from '../e2e/run-action.js';
import { loadStackTenant, stackFacts } from '../helpers/stack.js';
import { baseFixture } from '../stack/fixture.js';
import { installStandInModules } from '../stack/modules.js';
import { waitFor, workerProcesses } from './powershell-helpers.js';

const facts = stackFacts();
const root = mkdtempSync(path.join(os.tmpdir(), 'planted-'));
/** First on PATH and on PSModulePath, empty while preflight looks: where someone plants a pwsh and a module later. */
const plantedBin = path.join(root, 'bin');
const plantedModules = path.join(root, 'modules');
const marker = (name: string): string => path.join(root, `${name}-ran`);
const saved = { PATH: process.env.PATH, PSModulePath: process.env.PSModulePath };
let opened: OpenedConnectors;
let exchange: PowerShellService;

/**
 * Ends the sessions running so far (this test's own, found by their PSModulePath), then reads: the read runs in a
 * session started after the plant, or fails with it.
 */
async function readInNewSession(): Promise<void> {
  const started = exchange.stats.processes;
  for (const { pid } of workerProcesses(process.env.PSModulePath)) process.kill(-pid, 'SIGKILL');
  await waitFor('the sessions to end', () => workerProcesses(process.env.PSModulePath).length === 0);
  const result = await exchange.invoke('Get-EXOMailbox', { ResultSize: 1 }, { retry: 'read' });
  expect(result.output).toHaveLength(1);
  expect(exchange.stats.processes).toBeGreaterThan(started);
}

beforeAll(async () => {
  await loadStackTenant(facts, baseFixture());
  for (const dir of [plantedBin, plantedModules]) mkdirSync(dir);
  process.env.PATH = [plantedBin, path.dirname(facts.pwsh), saved.PATH].join(path.delimiter);
  process.env.PSModulePath = [plantedModules, facts.psModulePath].join(path.delimiter);
  const { inputs, errors } = parseInputs({ ...stackActionInputs(facts), pwsh: 'pwsh', mode: 'plan' });
  expect(errors).toEqual([]);
  if (!inputs) throw new Error('no inputs');
  opened = await openConnectors(inputs, () => undefined, () => undefined);
  expect(opened.preflight.filter((line) => !line.ok)).toEqual([]);
  expect(opened.preflight).toContainEqual(expect.objectContaining({ label: 'PowerShell 7 (pwsh)', detail: expect.stringMatching(new RegExp(` at ${realpathSync(facts.pwsh)}$`)) }));
  if (!opened.connectors.exchange) throw new Error('no Exchange connector');
  exchange = opened.connectors.exchange;
  // Preflight's session, connected and idle.
  expect(exchange.stats.processes).toBe(1);
}, 300_000);

afterAll(async () => {
  await opened?.close();
  process.env.PATH = saved.PATH;
  process.env.PSModulePath = saved.PSModulePath;
  rmSync(root, { recursive: true, force: true });
});

describe('after preflight', () => {
  it('a pwsh planted first on PATH is not the one a new session starts', async () => {
    writeFileSync(path.join(plantedBin, 'pwsh'), `#!/bin/sh\necho "$@" > '${marker('pwsh')}'\nexit 1\n`);
    chmodSync(path.join(plantedBin, 'pwsh'), 0o755);
    await readInNewSession();
    expect(existsSync(marker('pwsh')), 'the planted pwsh ran').toBe(false);
  }, 300_000);

  it('a newer ExchangeOnlineManagement planted first on PSModulePath is not the one a new session imports', async () => {
    const staging = installStandInModules(path.join(root, 'staging'), { simulatorUrl: facts.simulator.url, caPem: facts.caPem });
    cpSync(path.join(staging, 'ExchangeOnlineManagement'), path.join(plantedModules, 'ExchangeOnlineManagement'), { recursive: true });
    cpSync(path.join(staging, 'simulator.json'), path.join(plantedModules, 'simulator.json'));
    const manifest = path.join(plantedModules, 'ExchangeOnlineManagement', 'ExchangeOnlineManagement.psd1');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace("ModuleVersion     = '3.9.0'", "ModuleVersion     = '3.10.0'"));
    const rootModule = path.join(plantedModules, 'ExchangeOnlineManagement', 'ExchangeOnlineManagement.psm1');
    // A working copy that also tells on itself: what a planted module would do with the key it is handed.
    writeFileSync(rootModule, `Set-Content -LiteralPath '${marker('module')}' -Value $PSScriptRoot\n${readFileSync(rootModule, 'utf8')}`);
    await readInNewSession();
    expect(existsSync(marker('module')), 'the planted module was imported').toBe(false);
  }, 300_000);
});
