// `npm run demo`: a throwaway AD domain and Microsoft 365 on loopback, and the bundled action planning, applying, then planning the undo of a sample CSV.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LOCAL_NODE = path.join(ROOT, 'node_modules', '.bin', 'node');
const ACTION = path.join(ROOT, 'dist', 'index.js');
const STACK_CLI = path.join(ROOT, 'test', 'stack', 'cli.ts');
const EXAMPLES = path.join(ROOT, 'examples', 'offboarding');
/** The first start may install Samba and PowerShell: give it time. */
const STACK_START_TIMEOUT_MS = 20 * 60_000;
const STACK_STOP_TIMEOUT_MS = 30_000;
const ACTION_TIMEOUT_MS = 5 * 60_000;

const STEPS = 'ad-disable, ad-stamp, entra-disable, entra-revoke, mailbox-access, onedrive-access';
/** The leaver HR named by mistake: the demo removes this row, then plans the undo of the apply run for everyone. */
const WRONG_PERSON = { line: 2, userPrincipalName: 'jdoe@contoso.test' };
/** Steps whose change stays: an undo plans nothing for them (contract: Undo, and the steps' undo column). */
const IRREVERSIBLE = new Set(['entra-revoke']);

/**
 * What each leaver of examples/offboarding/leavers.csv should come to in the demo tenant (test/stack/fixture.ts):
 * the status of each run and who receives the mailbox and the OneDrive.
 */
const EXPECTED = [
  { line: 2, who: 'jdoe@contoso.test', plan: 'planned', apply: 'done', delegate: 'salesvp@contoso.test' },
  { line: 3, who: 'Smith, John (by DN)', plan: 'planned', apply: 'done', delegate: 'salesvp@contoso.test' },
  { line: 4, who: 'sean.obrien@contoso.test', plan: 'planned', apply: 'done', delegate: 'cfo@contoso.test' },
  { line: 5, who: 'chloe.nuage@contoso.test', plan: 'planned', apply: 'done', delegate: 'salesvp@contoso.test' },
  { line: 6, who: 'admin.kim@contoso.test (adminCount=1)', plan: 'blocked', apply: 'blocked' },
];

const bold = (text) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);
const say = (text = '') => process.stdout.write(`${text}\n`);
const heading = (text) => say(`\n${bold(`━━ ${text} ${'━'.repeat(Math.max(3, 72 - text.length))}`)}`);

// ---- Node 24 and dependencies ------------------------------------------------------------------------------------

/** On a fresh checkout `node` may be the system's older Node: install the dependencies, then go on with Node 24. */
function ensureNode24() {
  if (!existsSync(LOCAL_NODE) || !existsSync(path.join(ROOT, 'node_modules', 'tsx'))) {
    heading('Installing dependencies (npm ci)');
    const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: ROOT, stdio: 'inherit' });
    if (npm.status !== 0) {
      say('npm ci failed: see the output above.');
      process.exit(1);
    }
  }
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 24) return;
  const child = spawnSync(LOCAL_NODE, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

function ensureBundle() {
  if (existsSync(ACTION)) return;
  heading('Building dist/index.js (npm run bundle)');
  const bundle = spawnSync('npm', ['run', 'bundle'], { cwd: ROOT, stdio: 'inherit' });
  if (bundle.status !== 0) throw new Error('npm run bundle failed: see the output above.');
}

// ---- the processes this demo starts, and stopping them -----------------------------------------------------------

const running = new Set();
let stack;
let stopping;
let interrupted = false;
/** Where the stack writes its facts; once they exist, it stops cleanly on SIGTERM. */
let stackFactsFile;
const stackIsUp = () => stackFactsFile !== undefined && existsSync(stackFactsFile);
/** How long an interrupted demo waits for a starting stack, which cannot clean up until it is up. */
const STACK_READY_WAIT_MS = 60_000;

const exited = (child) => child.exitCode !== null || child.signalCode !== null;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function stopChild(child, timeoutMs) {
  if (exited(child)) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => {
      // The stack did not stop in time: end its whole process group (it was started detached, as a group leader).
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function stopEverything() {
  stopping ??= (async () => {
    await Promise.all([...running].map((child) => stopChild(child, 10_000)));
    if (stack) {
      if (!stackIsUp() && !exited(stack)) {
        say('Waiting for the local AD and Microsoft 365 to finish starting, so that they stop cleanly…');
        for (const began = Date.now(); !stackIsUp() && !exited(stack) && Date.now() - began < STACK_READY_WAIT_MS; ) await sleep(250);
      }
      say('Stopping the local AD and Microsoft 365…');
      await stopChild(stack, STACK_STOP_TIMEOUT_MS);
      // The facts name passwords and a private key of a stack that no longer exists: no reason to keep them.
      rmSync(stackFactsFile, { force: true });
    }
  })();
  return stopping;
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    say(`\n${signal}: stopping what the demo started.`);
    stopEverything().finally(() => process.exit(130));
  });
}

// ---- the stack ---------------------------------------------------------------------------------------------------

/** Starts test/stack/cli.ts (as `npm run stack -- --facts FILE` does) and waits for the facts it writes. */
async function startStack(factsFile) {
  heading('Starting a local AD domain controller and Microsoft 365 (test/stack)');
  if (!existsSync(STACK_CLI)) throw new Error(`${path.relative(ROOT, STACK_CLI)} is missing: the test stack is not part of this checkout.`);
  stackFactsFile = factsFile;
  stack = spawn(process.execPath, ['--import', 'tsx', STACK_CLI, '--facts', factsFile], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = [];
  const keep = (chunk) => {
    log.push(chunk.toString());
    if (log.length > 200) log.shift();
  };
  stack.stdout.on('data', keep);
  stack.stderr.on('data', (chunk) => {
    keep(chunk);
    process.stdout.write(`  ${chunk.toString().trimEnd().replace(/\n/g, '\n  ')}\n`);
  });
  const started = Date.now();
  for (;;) {
    if (exited(stack)) {
      throw new Error(`the stack stopped before it was ready (exit ${stack.exitCode ?? stack.signalCode}):\n${log.join('').trim()}`);
    }
    if (existsSync(factsFile)) {
      try {
        return JSON.parse(readFileSync(factsFile, 'utf8'));
      } catch {
        // Still being written.
      }
    }
    if (interrupted) throw new Error('interrupted while the stack was starting');
    if (Date.now() - started > STACK_START_TIMEOUT_MS) throw new Error('the stack was not ready after 20 minutes');
    await sleep(250);
  }
}

// ---- running the action ------------------------------------------------------------------------------------------

/**
 * The action's inputs for the demo tenant: everything the example workflows pass, pointed at the local servers. An
 * undo (`undoFrom`, the path of a results file) names no steps: it reverses those its record holds.
 */
function actionInputs(facts, mode, resultsFile, undoFrom) {
  const { ldap, simulator } = facts;
  return {
    mode,
    csv: 'offboarding/*.csv',
    roster: 'hr/roster.csv',
    select: 'all',
    ...(undoFrom ? { 'undo-from': undoFrom } : { steps: STEPS }),
    'results-file': resultsFile,
    // No plan comment: nothing of the demo goes to GitHub.
    'github-token': '',
    'ldap-url': ldap.url,
    'ldap-bind-dn': ldap.bindDn,
    'ldap-password': ldap.bindPassword,
    'ldap-base-dn': ldap.baseDn,
    'ldap-ca': facts.caPem,
    'tenant-id': simulator.tenantId,
    'client-id': simulator.clientId,
    certificate: simulator.certificatePem,
    organization: simulator.organization,
    'sharepoint-admin-url': simulator.sharepointAdminUrl,
    'authority-host': simulator.url,
    'graph-endpoint': simulator.url,
    pwsh: facts.pwsh,
  };
}

/** Runs `node dist/index.js` the way the runner does: INPUT_* variables and the runner's files. */
async function runAction({ facts, workspace, mode, resultsFile, undoFrom, runId }) {
  const runnerTemp = mkdtempSync(path.join(os.tmpdir(), `m365-offboard-demo-${mode}-`));
  const files = {
    event: path.join(runnerTemp, 'event.json'),
    summary: path.join(runnerTemp, 'step-summary.md'),
    output: path.join(runnerTemp, 'output.txt'),
  };
  const repository = { name: 'identity-offboarding', owner: { login: 'contoso' }, full_name: 'contoso/identity-offboarding' };
  writeFileSync(files.event, JSON.stringify({ inputs: {}, ref: 'refs/heads/main', repository }));
  writeFileSync(files.summary, '');
  writeFileSync(files.output, '');
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? os.homedir(),
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_EVENT_PATH: files.event,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_OUTPUT: files.output,
    GITHUB_REPOSITORY: 'contoso/identity-offboarding',
    GITHUB_RUN_ID: runId,
    GITHUB_SHA: 'f'.repeat(40),
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    RUNNER_TEMP: runnerTemp,
    NODE_EXTRA_CA_CERTS: facts.caPath,
    PSModulePath: facts.psModulePath,
  };
  for (const [name, value] of Object.entries(actionInputs(facts, mode, resultsFile, undoFrom))) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value ?? '';
  }
  const child = spawn(process.execPath, [ACTION], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let log = '';
  child.stdout.on('data', (chunk) => (log += chunk));
  child.stderr.on('data', (chunk) => (log += chunk));
  const timer = setTimeout(() => child.kill('SIGTERM'), ACTION_TIMEOUT_MS);
  const exitCode = await new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  clearTimeout(timer);
  running.delete(child);
  let results;
  try {
    results = JSON.parse(readFileSync(resultsFile, 'utf8'));
  } catch {
    results = undefined;
  }
  const summary = readFileSync(files.summary, 'utf8');
  rmSync(runnerTemp, { recursive: true, force: true });
  return { exitCode, log, summary, results };
}

// ---- the job summary in a terminal -------------------------------------------------------------------------------

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
const decode = (text) =>
  text
    .replace(/&#(\d+);/g, (_, code) => String.fromCodePoint(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code) => String.fromCodePoint(parseInt(code, 16)))
    .replace(/&([a-z]+);/g, (match, name) => ENTITIES[name] ?? match);
const plain = (html) => decode(html.replace(/<br\s*\/?>/g, ' ').replace(/<[^>]+>/g, '')).trim();

/** Columns a string takes in a terminal: pictographs take two, variation selectors none. */
function width(text) {
  let columns = 0;
  for (const char of text) {
    if (/\p{Extended_Pictographic}/u.test(char)) columns += 2;
    else if (!/[\uFE0F\u200D]/.test(char)) columns += 1;
  }
  return columns;
}

function renderTable(lines) {
  const rows = lines
    .join('')
    .split(/<tr>/)
    .slice(1)
    .map((row) =>
      [...row.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => plain(cell[1].replace(/\s*<sub>(.*?)<\/sub>/g, ' ($1)'))),
    );
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => width(row[column] ?? ''))));
  const line = (row) => row.map((cell, column) => cell + ' '.repeat(widths[column] - width(cell))).join(' │ ').trimEnd();
  return [line(rows[0]), widths.map((w) => '─'.repeat(w)).join('─┼─'), ...rows.slice(1).map(line)].map((l) => `  ${l}`);
}

/** The job summary (markdown with HTML tables) as plain text. */
function summaryForTerminal(markdown) {
  const out = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith('<table>')) {
      const table = [];
      while (i < lines.length && !lines[i].startsWith('</table>')) table.push(lines[i++]);
      out.push(...renderTable(table));
      continue;
    }
    const line = lines[i]
      .replace(/^#+\s*/, (hashes) => (hashes.trim().length <= 2 ? '' : '▸ '))
      .replace(/<summary>/g, '▸ ')
      .replace(/\*\*(.+?)\*\*/g, '$1')
      .replace(/`([^`]+)`/g, '$1')
      .replace(/\[([^\]]+)\]\(([^)]+)\)/g, '$1 ($2)')
      .replace(/^> \[!CAUTION\]$/, '> CAUTION:');
    const text = line.includes('<') ? plain(line) : decode(line);
    if (text !== '' || (out.length > 0 && out[out.length - 1] !== '')) out.push(text === '' ? '' : `  ${text}`);
  }
  return out.join('\n');
}

// ---- checking what happened --------------------------------------------------------------------------------------

function check(run, mode) {
  const problems = [];
  if (run.exitCode !== 0) problems.push(`the ${mode} run exited with ${run.exitCode}`);
  if (!run.results) return [...problems, `the ${mode} run wrote no results file`];
  if (run.results.outcome !== 'completed') problems.push(`the ${mode} run ended ${run.results.outcome}: ${run.results.error ?? ''}`);
  for (const expected of EXPECTED) {
    const user = run.results.users.find((u) => u.source.line === expected.line);
    if (!user) {
      problems.push(`${expected.who}: not in the ${mode} results`);
      continue;
    }
    if (user.status !== expected[mode]) {
      const failed = user.steps
        .filter((s) => s.status === 'failed')
        .map((s) => `${s.step}: ${s.error?.message ?? s.reason}`);
      problems.push(`${expected.who}: ${user.status} in ${mode}, expected ${expected[mode]} ${[user.reason, ...failed].filter(Boolean).join('; ')}`);
    }
    if (expected.delegate && user.delegate?.userPrincipalName !== expected.delegate) {
      problems.push(`${expected.who}: delegate ${user.delegate?.userPrincipalName ?? 'none'}, expected ${expected.delegate}`);
    }
  }
  if (/<img/i.test(run.summary)) problems.push(`the ${mode} summary carries the HTML of a reason unescaped`);
  return problems;
}

/**
 * The undo plan of the apply run, after the wrong person's row was removed (contract: Undo): that person's reversible
 * done steps are planned back and the others listed as what cannot be undone; everyone whose row is still due is
 * blocked (still-requested), and a row without an effective date, never due, is planned back too; nothing is changed.
 */
function checkUndo(run, applied) {
  const problems = [];
  if (run.exitCode !== 0) problems.push(`the undo plan exited with ${run.exitCode}`);
  if (!run.results) return [...problems, 'the undo plan wrote no results file'];
  if (run.results.mode !== 'plan') problems.push(`the undo plan ran in ${run.results.mode} mode`);
  // undoOf: {run, sha} of the apply run (its id is in its URL).
  if (!JSON.stringify(run.results.undoOf ?? null).includes('1002')) problems.push(`the undo plan's undoOf is ${JSON.stringify(run.results.undoOf)}, not the apply run`);
  for (const before of applied.users.filter((u) => u.status === 'done')) {
    const upn = before.request.userPrincipalName ?? before.entra?.userPrincipalName;
    const user = run.results.users.find((u) => u.source?.line === before.source.line || (upn && u.request?.userPrincipalName === upn));
    if (!user) {
      problems.push(`line ${before.source.line}: not in the undo plan`);
      continue;
    }
    // A row without an effective date is never due, so the nightly run would not offboard it again: its undo is planned.
    if (before.source.line !== WRONG_PERSON.line && before.request.effective) {
      if (user.status !== 'blocked' || !/still-requested/.test(JSON.stringify(user))) problems.push(`line ${before.source.line}: ${user.status} in the undo plan, expected blocked (still-requested)`);
      continue;
    }
    if (before.source.line !== WRONG_PERSON.line) {
      if (user.status !== 'planned') problems.push(`line ${before.source.line}: ${user.status} in the undo plan, expected planned (its row has no effective date, so it is never due)`);
      continue;
    }
    for (const step of before.steps.filter((s) => s.status === 'done')) {
      const reverse = user.steps.find((s) => s.step === step.step);
      const expected = IRREVERSIBLE.has(step.step) ? 'skipped' : 'planned';
      if (reverse?.status !== expected) problems.push(`${WRONG_PERSON.userPrincipalName} ${step.step}: ${reverse?.status ?? 'missing'} in the undo plan, expected ${expected}`);
    }
  }
  return problems;
}

// ---- the demo ----------------------------------------------------------------------------------------------------

async function main() {
  ensureNode24();
  ensureBundle();
  const demoDir = mkdtempSync(path.join(os.tmpdir(), 'm365-offboard-demo-'));
  const workspace = path.join(demoDir, 'workspace');
  mkdirSync(path.join(workspace, 'offboarding'), { recursive: true });
  mkdirSync(path.join(workspace, 'hr'), { recursive: true });
  copyFileSync(path.join(EXAMPLES, 'leavers.csv'), path.join(workspace, 'offboarding', 'leavers.csv'));
  copyFileSync(path.join(EXAMPLES, 'roster.csv'), path.join(workspace, 'hr', 'roster.csv'));

  let problems = [];
  try {
    const facts = await startStack(path.join(demoDir, 'stack-facts.json'));
    say(`  AD: ${facts.ldap.url} (${facts.ldap.baseDn})`);
    say(`  Microsoft 365: ${facts.simulator.url} (tenant ${facts.simulator.organization})`);

    heading('The leavers: examples/offboarding/leavers.csv');
    say(readFileSync(path.join(EXAMPLES, 'leavers.csv'), 'utf8').replace(/^/gm, '  ').trimEnd());

    const show = (run, found) => {
      say(summaryForTerminal(run.summary));
      if (found.length > 0) {
        say('\n  The action log:');
        // The masking commands carry the secrets the runner would hide.
        say(run.log.replace(/^::add-mask::.*\n?/gm, '').trimEnd().replace(/^/gm, '    '));
      }
      problems = problems.concat(found);
    };
    let applied;
    for (const [mode, runId] of [['plan', '1001'], ['apply', '1002']]) {
      const resultsFile = path.join(demoDir, `${mode}-results.json`);
      heading(`Running the action in ${mode} mode`);
      const run = await runAction({ facts, workspace, mode, resultsFile, runId });
      if (interrupted) return;
      show(run, check(run, mode));
      applied = run.results;
    }

    if (applied) {
      heading(`HR named the wrong person: removing line ${WRONG_PERSON.line} (${WRONG_PERSON.userPrincipalName}), planning the undo`);
      const csv = path.join(workspace, 'offboarding', 'leavers.csv');
      const rows = readFileSync(csv, 'utf8').split('\n');
      writeFileSync(csv, rows.filter((_, index) => index !== WRONG_PERSON.line - 1).join('\n'));
      // As offboarding-undo.yml does: the record downloaded into the workspace, named relative to it.
      const undoFrom = 'offboarding-record/offboarding-results.json';
      mkdirSync(path.join(workspace, 'offboarding-record'), { recursive: true });
      copyFileSync(path.join(demoDir, 'apply-results.json'), path.join(workspace, undoFrom));
      say(`  undo-from: ${undoFrom} (the apply run's results file), mode: plan`);
      const run = await runAction({ facts, workspace, mode: 'plan', resultsFile: path.join(demoDir, 'undo-plan-results.json'), undoFrom, runId: '1003' });
      if (interrupted) return;
      show(run, checkUndo(run, applied));
    }
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  } finally {
    await stopEverything();
    rmSync(workspace, { recursive: true, force: true });
  }
  if (interrupted) return;

  heading(problems.length === 0 ? 'Demo finished as expected' : 'Demo did not go as expected');
  if (problems.length === 0) {
    say('  The plan changed nothing; apply disabled the accounts, revoked the sessions and handed mailboxes and');
    say('  OneDrives to the managers; the protected admin was left alone. The undo plan of that apply would give the');
    say(`  wrong person (${WRONG_PERSON.userPrincipalName}) back what can be given back; the others whose rows are still due are blocked (still-requested). Records:`);
    for (const name of ['plan', 'apply', 'undo-plan']) say(`    ${path.join(demoDir, `${name}-results.json`)}`);
  } else {
    for (const problem of problems) say(`  ✗ ${problem}`);
  }
  process.exitCode = problems.length === 0 ? 0 : 1;
}

await main().catch(async (error) => {
  say(`\n  ✗ ${error instanceof Error ? error.message : String(error)}`);
  await stopEverything();
  process.exitCode = 1;
});
