// `npm run bench`: N leavers under a production-like latency profile, the action against the article's approach.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { parseArgs } from 'node:util';
import { loadRequests } from '../src/sources/requests.js';
import { ACTION_ENTRY } from '../test/e2e/run-action.js';
import { startStack, type Stack } from '../test/stack/stack.js';
import {
  loadLeavers,
  measureAction,
  median,
  measureBaseline,
  measureLdap,
  measureModuleImport,
  measurePwshStart,
  prepareBench,
  type BenchSetup,
} from './harness.js';
import { buildRows, profileForReport, renderMarkdown, type BenchReport, type CsvParse, type SizeRuns } from './report.js';
import { lowerBoundMs } from './profile.js';

const USAGE = `usage: npm run bench -- [options]
  --time-scale K        multiply every profile latency by K (default 1; the quick run uses 0.05)
  --sizes 10,100,1000   leaver counts (default 10,100,1000)
  --repeat N            runs of each side per size (default 2)
  --baseline-repeat N   runs of the baseline per size (default: --repeat)
  --baseline-sample K   above K leavers, run the baseline on the first K and scale its time by N / K
  --sessions 2[,4]      powershell-sessions values for the action (default 2)
  --no-calibrate        skip the action's extra run at time scale 0 (its overhead, for the projection to scale 1)
  --csv-rows N          rows of the generated CSV whose parse is timed (default 100000)
  --dc-address 127.0.0.x  loopback address of the benchmark's own DC (default 127.0.0.61)
  --out DIR             where results go (default bench/results)
  --render FILE.json    no run: rebuild latest.md from the raw measurements of an earlier run
`;

const RESULTS = path.resolve(import.meta.dirname, 'results');

function numberList(text: string, name: string): number[] {
  const values = text.split(',').map((v) => Number(v.trim()));
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v <= 0)) throw new Error(`${name} must be whole numbers above 0, not "${text}"`);
  return values;
}

function positive(text: string | undefined, name: string, fallback: number, integer = true): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) throw new Error(`${name} must be a number ≥ 0, not "${text}"`);
  return value;
}

function readOptions() {
  const { values } = parseArgs({
    allowNegative: true,
    options: {
      'time-scale': { type: 'string' },
      sizes: { type: 'string' },
      repeat: { type: 'string' },
      'baseline-repeat': { type: 'string' },
      'baseline-sample': { type: 'string' },
      sessions: { type: 'string' },
      calibrate: { type: 'boolean', default: true },
      'csv-rows': { type: 'string' },
      'dc-address': { type: 'string' },
      out: { type: 'string' },
      render: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const repeat = positive(values.repeat, '--repeat', 2);
  const options = {
    timeScale: positive(values['time-scale'], '--time-scale', 1, false),
    sizes: numberList(values.sizes ?? '10,100,1000', '--sizes'),
    repeat,
    baselineRepeat: positive(values['baseline-repeat'], '--baseline-repeat', repeat),
    baselineSample: values['baseline-sample'] === undefined ? undefined : positive(values['baseline-sample'], '--baseline-sample', 0),
    sessions: numberList(values.sessions ?? '2', '--sessions'),
    calibrate: values.calibrate !== false,
    csvRows: positive(values['csv-rows'], '--csv-rows', 100_000),
    dcAddress: values['dc-address'] ?? '127.0.0.61',
    out: path.resolve(values.out ?? RESULTS),
    render: values.render,
  };
  if (options.repeat < 1) throw new Error('--repeat must be at least 1');
  return options;
}

const log = (message: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};

/** Times `loadRequests` (median of 3) on a generated CSV shaped like an HR export (BOM, CRLF, quoted names, dates). */
function timeCsvParse(rows: number): CsvParse {
  const lines = ['\uFEFFuserPrincipalName,employeeId,Display Name,effective,delegate,reason'];
  for (let i = 1; i <= rows; i++) {
    const id = String(i).padStart(6, '0');
    lines.push(`leaver${id}@contoso.test,L${id},"Leaver, Lee ${i}",2026-11-${String((i % 28) + 1).padStart(2, '0')},boss@contoso.test,HR-${i}`);
  }
  const text = `${lines.join('\r\n')}\r\n`;
  // The median of three, as other work on a shared machine can stall any single one.
  const times: number[] = [];
  const cpu: number[] = [];
  let result: ReturnType<typeof loadRequests> | undefined;
  for (let i = 0; i < 3; i++) {
    const began = performance.now();
    const cpuBefore = process.cpuUsage();
    result = loadRequests({ files: [{ path: 'offboarding/hr-export.csv', text }], timeZone: 'Europe/Berlin' });
    const used = process.cpuUsage(cpuBefore);
    times.push(performance.now() - began);
    cpu.push((used.user + used.system) / 1000);
  }
  return { rows, ms: median(times), cpuMs: median(cpu), samples: times.length, requests: result?.requests.length ?? 0, errors: result?.errors.length ?? 0 };
}

/** Rebuilds the table of an earlier run from its raw measurements (after a change to how figures are derived). */
function render(file: string, out: string): void {
  const report = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
  report.rows = buildRows(report.sizes, report.timeScale, report.machine);
  const markdown = renderMarkdown(report);
  writeFileSync(file, `${JSON.stringify(report, null, 1)}\n`);
  writeFileSync(path.join(out, 'latest.md'), markdown);
  process.stdout.write(markdown);
}

async function main(): Promise<void> {
  const options = readOptions();
  if (options.render) {
    render(path.resolve(options.render), options.out);
    return;
  }
  if (!existsSync(ACTION_ENTRY)) throw new Error(`${ACTION_ENTRY} is missing: run \`npm run bundle\` first (the benchmark runs the bundled action).`);
  const startedAt = new Date();
  const loads: number[] = [os.loadavg()[0] ?? 0];
  const sampler = setInterval(() => loads.push(os.loadavg()[0] ?? 0), 30_000);
  sampler.unref();
  log(`time scale ${options.timeScale}, sizes ${options.sizes.join(', ')}, repeat ${options.repeat}, sessions ${options.sessions.join(', ')}`);

  const csvParse = timeCsvParse(options.csvRows);
  log(`parsed a ${options.csvRows}-row CSV in ${csvParse.ms.toFixed(0)} ms, ${csvParse.cpuMs?.toFixed(0) ?? '?'} ms of CPU (medians of 3)`);

  log('starting the stack (Samba AD DC, Microsoft 365 simulator, pwsh)');
  let stack: Stack | undefined;
  let setup: BenchSetup | undefined;
  let calibration: BenchSetup | undefined;
  const root = mkdtempSync(path.join(os.tmpdir(), 'm365-offboard-bench-'));
  let stopping = false;
  const stopAll = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await setup?.close().catch(() => undefined);
    await calibration?.close().catch(() => undefined);
    await stack?.stop().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the stack`);
      void stopAll().finally(() => process.exit(130));
    });
  }
  try {
    stack = await startStack({ dcAddress: options.dcAddress, dir: path.join(root, 'stack') });
    tls.setDefaultCACertificates([...tls.getCACertificates('default'), stack.facts.caPem]);
    log(`stack up in ${stack.facts.startupMs.total} ms`);
    setup = await prepareBench(stack.facts, { timeScale: options.timeScale, dir: path.join(root, 'bench') });
    const calibrate = options.calibrate && options.timeScale > 0 && options.timeScale < 1;
    if (calibrate) calibration = await prepareBench(stack.facts, { timeScale: 0, dir: path.join(root, 'calibration') });

    const pwshStartMs = await measurePwshStart(stack.facts.pwsh);
    // The stack's own stand-ins have no import delay: this is their real start-up cost.
    const moduleImportMs = {
      exchange: await measureModuleImport(stack.facts.pwsh, stack.facts.psModulePath, 'ExchangeOnlineManagement'),
      sharepoint: await measureModuleImport(stack.facts.pwsh, stack.facts.psModulePath, 'PnP.PowerShell'),
    };
    log(`pwsh start ${pwshStartMs.toFixed(0)} ms; with a stand-in import ${moduleImportMs.exchange.toFixed(0)} / ${moduleImportMs.sharepoint.toFixed(0)} ms`);
    const probe = await loadLeavers(setup, 1);
    const ldap = await measureLdap(stack.facts, probe.leavers[0]?.distinguishedName as string);
    log(`LDAPS connect + bind ${ldap.connectBindMs.toFixed(1)} ms, read ${ldap.readMs.toFixed(1)} ms`);
    const machine = {
      cpus: os.cpus().length,
      node: process.versions.node,
      pwshStartMs,
      standInImportMs: moduleImportMs,
      ldapConnectBindMs: ldap.connectBindMs,
      ldapReadMs: ldap.readMs,
      stackStartupMs: stack.facts.startupMs,
    };

    const sizes: SizeRuns[] = [];
    for (const n of options.sizes) {
      log(`N=${n}: loading the tenant`);
      const tenant = await loadLeavers(setup, n);
      const size: SizeRuns = { n, action: [], baseline: [] };
      sizes.push(size);
      const sample = options.baselineSample !== undefined && n > options.baselineSample ? options.baselineSample : undefined;
      const rounds = Math.max(options.repeat, options.baselineRepeat);
      for (let round = 0; round < rounds; round++) {
        const actionTurn = async (): Promise<void> => {
          if (round >= options.repeat) return;
          for (const sessions of options.sessions) {
            const bound = lowerBoundMs({ n, sessions, timeScale: options.timeScale, pwshStartMs }).ms;
            const timeoutMs = Math.round(Math.max(600_000, bound * 20 + 600_000));
            const run = await measureAction(setup as BenchSetup, tenant, { sessions, timeoutMs });
            size.action.push(run);
            log(
              `N=${n} action (${sessions} sessions) ${(run.wallMs / 1000).toFixed(1)} s, exit ${run.exitCode}, users ${JSON.stringify(run.users)}, ` +
                `pwsh ${run.pwshProcesses}, state ${run.state.adDisabled}/${run.state.mailboxFullAccess}/${run.state.onedriveAdmin} of ${run.state.of}`,
            );
            if (run.exitCode !== 0) log(`  outcome ${run.outcome ?? '?'}: ${run.error ?? run.stderr}`);
          }
        };
        const baselineTurn = async (): Promise<void> => {
          if (round >= options.baselineRepeat) return;
          const run = await measureBaseline(setup as BenchSetup, tenant, { sample });
          size.baseline.push(run);
          log(
            `N=${n} baseline${sample ? ` (sample ${sample})` : ''} ${(run.wallMs / 1000).toFixed(1)} s, failures ${run.result.failures.length}, ` +
              `pwsh ${run.pwshProcesses}, state ${run.state.adDisabled}/${run.state.mailboxFullAccess}/${run.state.onedriveAdmin} of ${run.state.of}`,
          );
          for (const failure of run.result.failures.slice(0, 3)) log(`  ${failure.userPrincipalName} ${failure.part}: ${failure.message.slice(0, 300)}`);
        };
        // Alternating which side goes first evens out drift on a shared machine.
        if (round % 2 === 0) {
          await actionTurn();
          await baselineTurn();
        } else {
          await baselineTurn();
          await actionTurn();
        }
      }
      if (calibration) {
        size.calibration = [];
        for (const sessions of options.sessions) {
          const run = await measureAction(calibration, tenant, { sessions, timeoutMs: 3_600_000 });
          size.calibration.push(run);
          log(`N=${n} action (${sessions} sessions) at time scale 0: ${(run.wallMs / 1000).toFixed(1)} s, exit ${run.exitCode}`);
        }
      }
    }

    const report: BenchReport = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      timeScale: options.timeScale,
      options: {
        sizes: options.sizes,
        repeat: options.repeat,
        baselineRepeat: options.baselineRepeat,
        baselineSample: options.baselineSample,
        sessions: options.sessions,
      },
      machine,
      profile: profileForReport(),
      csvParse,
      sizes,
      rows: buildRows(sizes, options.timeScale, machine),
      loadAverage: { min: Math.min(...loads), median: median(loads), max: Math.max(...loads) },
    };
    const markdown = renderMarkdown(report);
    mkdirSync(options.out, { recursive: true });
    const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
    const jsonPath = path.join(options.out, `${stamp}-scale${options.timeScale}.json`);
    writeFileSync(jsonPath, `${JSON.stringify(report, null, 1)}\n`);
    writeFileSync(path.join(options.out, 'latest.md'), markdown);
    process.stdout.write(markdown);
    log(`wrote ${path.relative(process.cwd(), jsonPath)} and latest.md`);
  } finally {
    clearInterval(sampler);
    await stopAll();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
