// Secret hygiene of the bundled action: no secret in any output, no clear key on disk, no secret in a child's environment.
import { execFile } from 'node:child_process';
import { createPrivateKey, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pfxOf } from '../../src/connectors/powershell/pfx.js';
import { ACTION_ENTRY, runAction, stackActionInputs, type ActionRun } from '../e2e/run-action.js';
import { loadStackTenant, stackFacts } from '../helpers/stack.js';
import { baseFixture } from '../stack/fixture.js';

const facts = stackFacts();
const repository = { name: 'identity-offboarding', owner: { login: 'contoso' }, full_name: 'contoso/identity-offboarding' };
const GITHUB_TOKEN = `ghs_${randomBytes(27).toString('base64url')}`;
const WRONG_PASSWORD = `Wrong-${randomBytes(12).toString('base64url')}!`;
/** Tokens the runner gives every step in its environment: no child of the action may inherit them. */
const RUNNER_TOKENS = {
  GITHUB_TOKEN: `ghs_${randomBytes(27).toString('base64url')}`,
  ACTIONS_RUNTIME_TOKEN: `eyJ0eXAi${randomBytes(30).toString('base64url')}`,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: `idtoken-${randomBytes(24).toString('base64url')}`,
};

/** A value that must never leave the action in clear: its name (for the report) and the text to look for. */
interface Secret {
  name: string;
  value: string;
}

const pemBlock = (pem: string, label: string): string => {
  const match = new RegExp(`-----BEGIN ${label}-----[\\s\\S]*?-----END ${label}-----`).exec(pem);
  if (!match) throw new Error(`no ${label} block`);
  return match[0];
};
const bodyLines = (block: string): string[] => block.split('\n').filter((line) => line !== '' && !line.startsWith('-----'));

const privateKeyPem = pemBlock(facts.simulator.certificatePem, 'PRIVATE KEY');
const privateKey = createPrivateKey(privateKeyPem);
const pkcs1Pem = String(privateKey.export({ type: 'pkcs1', format: 'pem' }));
const encryptedKeyPem = pemBlock(facts.simulator.encryptedCertificatePem, 'ENCRYPTED PRIVATE KEY');
/** The key's DER forms: a key written as binary (a PFX without encryption, a raw DER file) shows these bytes. */
const keyDer = [privateKey.export({ type: 'pkcs8', format: 'der' }), privateKey.export({ type: 'pkcs1', format: 'der' })];

/**
 * 32-character pieces of a PEM body: found whether the key is written wrapped at 64 or on one line. The first 64
 * characters are skipped: they hold the ASN.1 header that every RSA key of that size shares, which is no secret.
 */
function chunks(pem: string): string[] {
  const body = bodyLines(pem).join('');
  const pieces: string[] = [];
  for (let at = 64; at + 32 <= body.length; at += 32) pieces.push(body.slice(at, at + 32));
  return pieces;
}

/** The PFX the action builds for PnP: the same bytes every time (pfx.ts), so the test knows what to look for. */
const pfx = pfxOf({ certPem: pemBlock(facts.simulator.certificatePem, 'CERTIFICATE'), keyPem: String(privateKey.export({ type: 'pkcs8', format: 'pem' })) });
/** The key's DER as one base64 line: the form a library prints a key in when it does not wrap it. */
const keyBase64 = bodyLines(privateKeyPem).join('');

/**
 * 32-character pieces of the PFX's base64 where it holds the key: the rest is the PKCS#12 frame and the public
 * certificate, which another certificate made the same way shares pieces of. Aligned to whole base64 groups.
 */
function pfxKeyChunks(): string[] {
  const bytes = Buffer.from(pfx, 'base64');
  const der = keyDer[0] as Buffer;
  const start = bytes.indexOf(der);
  if (start < 0) throw new Error('the PFX does not hold the key as PKCS#8');
  const pieces: string[] = [];
  for (let at = Math.ceil((start + 48) / 3) * 4; ((at + 32) / 4) * 3 <= start + der.length; at += 32) pieces.push(pfx.slice(at, at + 32));
  return pieces;
}

const KEY_SECRETS: Secret[] = [
  ...bodyLines(privateKeyPem).map((value, i) => ({ name: `private key line ${i + 1}`, value })),
  ...chunks(privateKeyPem).map((value, i) => ({ name: `private key chunk ${i + 1}`, value })),
  ...bodyLines(pkcs1Pem).map((value, i) => ({ name: `private key (PKCS#1) line ${i + 1}`, value })),
  ...chunks(pkcs1Pem).map((value, i) => ({ name: `private key (PKCS#1) chunk ${i + 1}`, value })),
  ...bodyLines(encryptedKeyPem).map((value, i) => ({ name: `encrypted private key line ${i + 1}`, value })),
  ...pfxKeyChunks().map((value, i) => ({ name: `PFX chunk ${i + 1}`, value })),
];
const SECRETS: Secret[] = [
  { name: 'LDAP password', value: facts.ldap.bindPassword },
  { name: 'wrong LDAP password', value: WRONG_PASSWORD },
  { name: 'certificate password', value: facts.simulator.certificatePassword },
  { name: 'GitHub token', value: GITHUB_TOKEN },
  ...Object.entries(RUNNER_TOKENS).map(([name, value]) => ({ name: `the runner's ${name}`, value })),
  ...KEY_SECRETS,
].filter((secret) => secret.value.length >= 8);

/** The variables pwsh may see (src/connectors/powershell/env.ts): essentials, module path, TLS and proxy settings, .NET's own. */
const PWSH_VARIABLES =
  /^(PATH|HOME|TMPDIR|LANG|LC_ALL|LC_CTYPE|PSModulePath|SSL_CERT_FILE|SSL_CERT_DIR|HTTPS?_PROXY|NO_PROXY|https?_proxy|no_proxy|DOTNET_\w+|POWERSHELL_TELEMETRY_OPTOUT|POWERSHELL_UPDATECHECK|PNPPOWERSHELL_UPDATECHECK|PNPPOWERSHELL_DISABLETELEMETRY)$/;

/** An access token or a client assertion: a JWT's base64url JSON header. */
const JWT = /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/;

function secretsIn(text: string, where: string): string[] {
  const found = SECRETS.filter((secret) => text.includes(secret.value)).map((secret) => `${secret.name} in ${where}`);
  const token = JWT.exec(text);
  if (token) found.push(`a JWT (${token[0].slice(0, 16)}…) in ${where}`);
  return found;
}

/** Every output of a run, as the runner and the user see them (add-mask commands are consumed by the runner). */
function outputsOf(run: ActionRun): [string, string][] {
  const read = (file: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  return [
    ['stdout (logs and annotations)', run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n')],
    ['stderr', run.stderr],
    ['job summary', run.summary],
    ['results file', read(run.resultsPath)],
    ['outputs file', read(path.join(run.runnerTemp, 'output.txt'))],
  ];
}

// ---- watching a run: child processes and files ------------------------------------------------------------------

interface ProcessInfo {
  pid: number;
  ppid: number;
}

function processes(): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: the fields after the last ')' are fixed.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      found.push({ pid: Number(name), ppid: Number(fields[1]) });
    } catch {
      // The process ended while being read.
    }
  }
  return found;
}

const readProc = (pid: number, file: string): string | undefined => {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
};

/** What a watcher saw during one run. */
interface Findings {
  /** Secrets, INPUT_ variables or tokens in a child's environment or command line. */
  childLeaks: string[];
  /** Key material, passwords or PFX files in the scanned folders. */
  fileLeaks: string[];
  /** Executable names of the action's descendants (pwsh among them). */
  children: Set<string>;
  /** Names of the variables in the environment of every pwsh started (its launcher's children included). */
  pwshVariables: Set<string>;
  /** Files read (created or changed during the run). */
  filesRead: number;
}

/**
 * Polls while the action runs: reads /proc/<pid>/environ and cmdline of every descendant of the action's process, and
 * every file created or changed in the scanned folders since the run started.
 */
class RunWatcher {
  readonly findings: Findings = { childLeaks: [], fileLeaks: [], children: new Set(), pwshVariables: new Set(), filesRead: 0 };
  private readonly seenFiles = new Set<string>();
  private readonly seenPids = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly since = Date.now() - 1000;

  constructor(
    /** Folders of the run, where any PFX file is a finding too (the action's RUNNER_TEMP joins once it is seen). */
    private readonly ownFolders: string[],
    /** Shared folders, searched for this stack's secrets only. */
    private readonly sharedFolders: string[],
    /** Folders that hold the key by design (the test stack's PKI). */
    private readonly excluded: string[],
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), 150);
  }

  stop(): Findings {
    clearInterval(this.timer);
    this.tick();
    return this.findings;
  }

  private tick(): void {
    this.inspectChildren();
    for (const folder of this.ownFolders) this.walk(folder, true);
    for (const folder of this.sharedFolders) this.walk(folder, false);
  }

  private inspectChildren(): void {
    const all = processes();
    const byParent = new Map<number, number[]>();
    for (const p of all) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p.pid]);
    const action = (byParent.get(process.pid) ?? []).find((pid) => (readProc(pid, 'cmdline') ?? '').includes(ACTION_ENTRY));
    if (action === undefined) return;
    const runnerTemp = /(?:^|\0)RUNNER_TEMP=([^\0]+)/.exec(readProc(action, 'environ') ?? '')?.[1];
    if (runnerTemp && !this.ownFolders.includes(runnerTemp)) this.ownFolders.push(runnerTemp);
    const descendants: number[] = [];
    const queue = [...(byParent.get(action) ?? [])];
    while (queue.length > 0) {
      const pid = queue.shift() as number;
      descendants.push(pid);
      queue.push(...(byParent.get(pid) ?? []));
    }
    const actionCmdline = readProc(action, 'cmdline');
    for (const pid of descendants) {
      const environ = readProc(pid, 'environ');
      const cmdline = readProc(pid, 'cmdline');
      if (environ === undefined || cmdline === undefined) continue;
      // Between fork and exec a child is still a copy of the action (its command line and environment): what it
      // runs with is only known after exec, so it is looked at again on a later poll.
      if (cmdline === actionCmdline) continue;
      const executable = (() => {
        try {
          return path.basename(readlinkSync(`/proc/${pid}/exe`));
        } catch {
          return '?';
        }
      })();
      this.findings.children.add(executable);
      if (cmdline.includes('pwsh')) this.findings.children.add('pwsh');
      if (this.seenPids.has(pid)) continue;
      this.seenPids.add(pid);
      const variables = environ.split('\0').filter(Boolean);
      const names = variables.map((v) => v.slice(0, v.indexOf('=')));
      const inputs = names.filter((name) => name.startsWith('INPUT_') || name.startsWith('ACTIONS_') || name === 'GITHUB_TOKEN');
      if (inputs.length > 0) this.findings.childLeaks.push(`${executable} (${pid}) has ${inputs.join(', ')} in its environment`);
      if (cmdline.includes('pwsh')) for (const name of names) this.findings.pwshVariables.add(name);
      this.findings.childLeaks.push(...secretsIn(environ, `the environment of ${executable} (${pid})`));
      this.findings.childLeaks.push(...secretsIn(cmdline, `the command line of ${executable} (${pid})`));
    }
  }

  private walk(folder: string, own: boolean): void {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      return;
    }
    for (const name of names) {
      const file = path.join(folder, name);
      if (this.excluded.some((dir) => file === dir || file.startsWith(`${dir}${path.sep}`))) continue;
      let stat;
      try {
        stat = lstatSync(file);
      } catch {
        continue;
      }
      if (stat.isDirectory()) {
        this.walk(file, own);
        continue;
      }
      if (!stat.isFile() || stat.mtimeMs < this.since) continue;
      const version = `${own}\0${file}\0${stat.mtimeMs}\0${stat.size}`;
      if (this.seenFiles.has(version)) continue;
      this.seenFiles.add(version);
      if (own && /\.(pfx|p12)$/i.test(name)) this.findings.fileLeaks.push(`a PFX file ${file}`);
      if (stat.size > 16 * 1024 * 1024) continue;
      let content: Buffer;
      try {
        content = readFileSync(file);
      } catch {
        continue;
      }
      this.findings.filesRead++;
      // A DER PKCS#12 starts with a SEQUENCE holding INTEGER 3 (the PFX version).
      if (own && content[0] === 0x30 && content.subarray(2, 8).includes(Buffer.from([0x02, 0x01, 0x03]))) {
        this.findings.fileLeaks.push(`a PKCS#12 (PFX) file ${file}`);
      }
      this.findings.fileLeaks.push(...secretsIn(content.toString('latin1'), file).filter((f) => !f.startsWith('a JWT') || own));
      for (const der of keyDer) {
        for (let at = 32; at + 24 <= der.length; at += 256) {
          if (content.includes(der.subarray(at, at + 24))) {
            this.findings.fileLeaks.push(`the private key's DER bytes in ${file}`);
            break;
          }
        }
      }
    }
  }
}

// ---- runs ----------------------------------------------------------------------------------------------------------

const stackInputs = (): Record<string, string> => ({ mode: 'apply', select: 'all', ...stackActionInputs(facts), 'github-token': GITHUB_TOKEN });

interface WatchedRun {
  run: ActionRun;
  findings: Findings;
  outputLeaks: string[];
}

const watched: WatchedRun[] = [];
const tally = { runs: 0, outputLeaks: 0, childLeaks: 0, fileLeaks: 0 };

/** Runs the action on a fresh base tenant while a watcher inspects its children and the folders it may write to. */
async function watchedRun(csv: string, inputs: Record<string, string>): Promise<WatchedRun> {
  await loadStackTenant(facts, baseFixture());
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'secrets-workspace-'));
  // The action's own temporary folder (os.tmpdir() there), so that any file it writes is attributable to it.
  const actionTemp = mkdtempSync(path.join(os.tmpdir(), 'secrets-tmpdir-'));
  mkdirSync(path.join(workspace, 'offboarding'));
  writeFileSync(path.join(workspace, 'offboarding', 'leavers.csv'), csv);
  const home = os.homedir();
  const watcher = new RunWatcher(
    [workspace, actionTemp],
    [os.tmpdir(), path.join(home, '.local', 'share', 'powershell'), path.join(home, '.cache', 'powershell')],
    [facts.dir],
  );
  watcher.start();
  let run: ActionRun;
  let findings: Findings;
  try {
    run = await runAction({
      workspace,
      inputs: { ...stackInputs(), ...inputs },
      eventName: 'workflow_dispatch',
      payload: { inputs: {}, ref: 'refs/heads/main', repository },
      env: { NODE_EXTRA_CA_CERTS: facts.caPath, PSModulePath: facts.psModulePath, TMPDIR: actionTemp, ...RUNNER_TOKENS },
      timeoutMs: 100_000,
    });
  } finally {
    findings = watcher.stop();
  }
  const outputLeaks = outputsOf(run).flatMap(([where, text]) => secretsIn(text, where));
  tally.runs++;
  tally.outputLeaks += outputLeaks.length;
  tally.childLeaks += findings.childLeaks.length;
  tally.fileLeaks += findings.fileLeaks.length;
  const result = { run, findings, outputLeaks };
  watched.push(result);
  rmSync(workspace, { recursive: true, force: true });
  rmSync(actionTemp, { recursive: true, force: true });
  return result;
}

/** The `::add-mask::` value a secret input must have been registered with, escaped as workflow commands are. */
const maskLine = (value: string): string => `::add-mask::${value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}`;

function expectClean({ run, findings, outputLeaks }: WatchedRun, masked: string[]): void {
  expect(outputLeaks, 'secrets in the outputs').toEqual([]);
  expect(findings.childLeaks, 'secrets in child processes').toEqual([]);
  expect(findings.fileLeaks, 'key material or PFX files on disk').toEqual([]);
  const masks = run.stdout.split('\n').filter((line) => line.startsWith('::add-mask::'));
  // Inputs are read trimmed, and masked as read.
  for (const value of masked) expect(masks, 'every secret input is masked for the runner').toContain(maskLine(value.trim()));
}

beforeAll(async () => {
  await loadStackTenant(facts, baseFixture());
});

afterAll(async () => {
  for (const { run } of watched) rmSync(run.runnerTemp, { recursive: true, force: true });
  await loadStackTenant(facts, baseFixture());
  console.log(
    `secret hygiene: ${tally.runs} runs, ${SECRETS.length} secret strings; found ${tally.outputLeaks} in outputs, ` +
      `${tally.childLeaks} in child processes, ${tally.fileLeaks} on disk`,
  );
});

describe('secret hygiene of the bundled action', () => {
  it('has a watcher that finds a planted leak: a secret, an INPUT_ variable and a runner token in a child, key text and a PFX on disk', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'secrets-planted-'));
    // Stands in for the action: a process whose command line names the bundle and whose child carries a secret.
    const plant = [
      "const { spawn } = require('node:child_process');",
      "const fs = require('node:fs');",
      "const child = spawn('sleep', ['3'], { env: { PATH: process.env.PATH, 'INPUT_LDAP-PASSWORD': process.env.PLANTED, ACTIONS_RUNTIME_TOKEN: process.env.PLANTED_TOKEN } });",
      "fs.writeFileSync(process.argv[2] + '/key.txt', 'x ' + process.env.PLANTED_KEY + ' y');",
      "fs.writeFileSync(process.argv[2] + '/app.pfx', Buffer.from([0x30, 0x82, 0x0a, 0x00, 0x02, 0x01, 0x03]));",
      'child.on("exit", () => process.exit(0));',
    ].join('\n');
    const watcher = new RunWatcher([folder], [], []);
    watcher.start();
    try {
      await new Promise<void>((resolve, reject) =>
        execFile(
          process.execPath,
          ['-e', plant, ACTION_ENTRY, folder],
          { env: { PATH: process.env.PATH, PLANTED: facts.ldap.bindPassword, PLANTED_TOKEN: RUNNER_TOKENS.ACTIONS_RUNTIME_TOKEN, PLANTED_KEY: bodyLines(privateKeyPem)[3] } },
          (error) => (error ? reject(error) : resolve()),
        ),
      );
    } finally {
      watcher.stop();
      rmSync(folder, { recursive: true, force: true });
    }
    expect(watcher.findings.children.has('sleep')).toBe(true);
    expect(watcher.findings.childLeaks).toEqual([
      expect.stringMatching(/^sleep \(\d+\) has INPUT_LDAP-PASSWORD, ACTIONS_RUNTIME_TOKEN in its environment$/),
      expect.stringMatching(/^LDAP password in the environment of sleep/),
      expect.stringMatching(/^the runner's ACTIONS_RUNTIME_TOKEN in the environment of sleep/),
    ]);
    expect(watcher.findings.fileLeaks).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^private key line 4 in .*key\.txt$/),
        expect.stringMatching(/^a PFX file .*app\.pfx$/),
        expect.stringMatching(/^a PKCS#12 \(PFX\) file .*app\.pfx$/),
      ]),
    );
  });

  it('keeps every secret out of a plan run, its pwsh probe and the disk', async () => {
    const watchedPlan = await watchedRun('userPrincipalName\njdoe@contoso.test\n', { mode: 'plan' });
    expect(watchedPlan.run.exitCode, watchedPlan.run.stdout).toBe(0);
    expect(watchedPlan.run.results?.users.map((u) => u.status)).toEqual(['planned']);
    expect(watchedPlan.findings.children.has('pwsh'), `children seen: ${[...watchedPlan.findings.children].join(', ')}`).toBe(true);
    expectClean(watchedPlan, [facts.ldap.bindPassword, facts.simulator.certificatePem, GITHUB_TOKEN]);
  });

  it('keeps every secret out of an apply run, the pwsh sessions that receive the certificate, and the disk', async () => {
    const watchedApply = await watchedRun('userPrincipalName\njdoe@contoso.test\n', {});
    expect(watchedApply.run.exitCode, watchedApply.run.stdout).toBe(0);
    expect(watchedApply.run.results?.users[0]?.steps.map((s) => `${s.step}:${s.status}`)).toEqual([
      'ad-disable:done',
      'entra-disable:skipped',
      'entra-revoke:done',
      'mailbox-access:done',
      'onedrive-access:done',
    ]);
    expect(watchedApply.findings.children.has('pwsh')).toBe(true);
    expectClean(watchedApply, [facts.ldap.bindPassword, facts.simulator.certificatePem, GITHUB_TOKEN]);
    // What pwsh runs with: an allowlist of the runner's variables and PowerShell's own switches, nothing else.
    expect([...watchedApply.findings.pwshVariables].filter((name) => !PWSH_VARIABLES.test(name)).sort()).toEqual([]);
    expect(watchedApply.findings.pwshVariables).toContain('PSModulePath');
    // The key material the action derives is masked: the PFX for PnP and the key's DER as one base64 line.
    const masks = watchedApply.run.stdout.split('\n').filter((line) => line.startsWith('::add-mask::'));
    expect(masks, 'the PFX handed to PnP is masked').toContain(maskLine(pfx));
    expect(masks, "the key's DER as one base64 line is masked").toContain(maskLine(keyBase64));
  });

  it('keeps a wrong LDAP password out of the failure it causes', async () => {
    const watchedFailure = await watchedRun('userPrincipalName\njdoe@contoso.test\n', { 'ldap-password': WRONG_PASSWORD });
    expect(watchedFailure.run.exitCode).toBe(1);
    expect(watchedFailure.run.results?.outcome).toBe('failed');
    expect(watchedFailure.run.results?.error).toMatch(/Preflight failed/);
    expect(watchedFailure.run.stdout).toContain('rejected the bind');
    expectClean(watchedFailure, [WRONG_PASSWORD, facts.simulator.certificatePem, GITHUB_TOKEN]);
  });

  it('decrypts an encrypted certificate in memory only and keeps the key and its password out of everything', async () => {
    const watchedEncrypted = await watchedRun('userPrincipalName\njsmith@contoso.test\n', {
      certificate: facts.simulator.encryptedCertificatePem,
      'certificate-password': facts.simulator.certificatePassword,
    });
    expect(watchedEncrypted.run.exitCode, watchedEncrypted.run.stdout).toBe(0);
    expect(watchedEncrypted.run.results?.users.map((u) => u.status)).toEqual(['done']);
    expect(watchedEncrypted.findings.children.has('pwsh')).toBe(true);
    expectClean(watchedEncrypted, [
      facts.ldap.bindPassword,
      facts.simulator.encryptedCertificatePem,
      facts.simulator.certificatePassword,
      GITHUB_TOKEN,
    ]);
    // The key the action decrypts is new text for the runner: it is masked whole and line by line before use.
    const decrypted = createPrivateKey({
      key: pemBlock(facts.simulator.encryptedCertificatePem, 'ENCRYPTED PRIVATE KEY'),
      passphrase: facts.simulator.certificatePassword,
    })
      .export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const masks = watchedEncrypted.run.stdout.split('\n').filter((line) => line.startsWith('::add-mask::'));
    for (const part of [decrypted, ...bodyLines(decrypted)]) expect(masks, 'the decrypted key is masked').toContain(maskLine(part));
  });

  it('looked at files and child processes in every run, so a clean result means something', () => {
    expect(watched).toHaveLength(4);
    for (const { findings } of watched) expect(findings.filesRead).toBeGreaterThan(0);
    expect(SECRETS.length).toBeGreaterThan(40);
    expect(SECRETS.filter((secret) => secret.name.startsWith('PFX chunk')).length).toBeGreaterThan(30);
  });
});
