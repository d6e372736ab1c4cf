// Long-lived, connected PowerShell sessions (pwsh running worker.ps1) for Exchange Online and SharePoint, fed JSON commands.
import { execa, type ResultPromise } from 'execa';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Inputs } from '../inputs-types.js';
import { CLOUDS } from './clouds.js';
import type { PowerShellService, PsCallOptions, PsResult, PsService } from './types.js';

/** The module each service runs in its own pwsh processes (they ship conflicting assemblies). */
export const PS_MODULES: Record<PsService, string> = {
  exchange: 'ExchangeOnlineManagement',
  sharepoint: 'PnP.PowerShell',
};

export interface PsCertificate {
  certPem: string;
  /** Unencrypted PKCS#8 PEM; handed to the worker on stdin, never written to disk. */
  keyPem: string;
}

export interface PsConnect {
  cmdlet: string;
  parameters: Record<string, unknown>;
  certificate: PsCertificate;
}

export interface PowerShellServiceOptions {
  service: PsService;
  /** Path of pwsh 7. */
  pwsh: string;
  /** Most processes (each connected once) the service runs at the same time. */
  sessions: number;
  /** worker.ps1; default: next to this module (dist/ in the bundle, src/connectors/ from source). */
  workerPath?: string;
  connect: PsConnect;
  /** Per command; default 120 000 ms. */
  commandTimeoutMs?: number;
  /** Start, module import and connect of one session; default 180 000 ms. */
  connectTimeoutMs?: number;
  /** Source of the variables passed through to pwsh; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** A cmdlet that ran and failed: PowerShell's error, with the exception type and FullyQualifiedErrorId. */
export class PowerShellError extends Error {
  readonly cmdlet: string;
  /** Exception type, e.g. `System.Management.Automation.ParameterBindingException`. */
  readonly type?: string;
  /** FullyQualifiedErrorId, e.g. `MissingMandatoryParameter,Add-MailboxPermission`. */
  readonly errorId?: string;
  readonly category?: string;

  constructor(cmdlet: string, message: string, details: { type?: string; errorId?: string; category?: string } = {}) {
    super(message);
    this.name = 'PowerShellError';
    this.cmdlet = cmdlet;
    this.type = details.type;
    this.errorId = details.errorId;
    this.category = details.category;
  }
}

/** The session was lost while the command ran (crash or kill): whether it took effect is unknown. */
export class PowerShellSessionLostError extends PowerShellError {
  constructor(cmdlet: string, message: string) {
    super(cmdlet, message, { type: 'SessionLost' });
    this.name = 'PowerShellSessionLostError';
  }
}

/** The command did not answer in time; its session was killed. */
export class PowerShellTimeoutError extends PowerShellError {
  constructor(cmdlet: string, message: string) {
    super(cmdlet, message, { type: 'Timeout' });
    this.name = 'PowerShellTimeoutError';
  }
}

interface WorkerError {
  type?: string;
  errorId?: string;
  category?: string;
  message?: string;
}

interface WorkerAnswer {
  id: number | null;
  ok: boolean;
  output: unknown[];
  warnings: string[];
  errors: WorkerError[];
}

// The variables pwsh and .NET need to run, plus the proxy settings a self-hosted runner may depend on. Secrets stay out.
const PASS_THROUGH = [
  'PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'LC_CTYPE', 'PSModulePath', 'SSL_CERT_FILE', 'SSL_CERT_DIR',
  'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy',
  // Windows runners.
  'SystemRoot', 'SystemDrive', 'windir', 'ComSpec', 'PATHEXT', 'TEMP', 'TMP', 'USERPROFILE', 'APPDATA', 'LOCALAPPDATA',
  'ProgramData', 'ProgramFiles', 'ProgramFiles(x86)', 'ProgramW6432', 'CommonProgramFiles',
];

/** The whole environment of a pwsh the connector starts: a short allowlist of the runner's variables, no secrets. */
export function powershellEnv(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined) continue;
    if (PASS_THROUGH.includes(name) || name.startsWith('DOTNET_')) env[name] = value;
  }
  env.POWERSHELL_TELEMETRY_OPTOUT = '1';
  env.POWERSHELL_UPDATECHECK = 'Off';
  env.PNPPOWERSHELL_UPDATECHECK = 'Off';
  env.PNPPOWERSHELL_DISABLETELEMETRY = 'true';
  return env;
}

/**
 * worker.ps1 next to the running module: dist/ when bundled (scripts/copy-assets.mjs puts it there), src/connectors/
 * when run from source; a bundle without its copy falls back to the one in src/.
 */
export function defaultWorkerPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'worker.ps1'), path.join(here, '..', 'src', 'connectors', 'worker.ps1')];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`worker.ps1 was not found next to ${here}: rebuild the action (npm run bundle).`);
  return found;
}

// Sessions run in their own process group: a kill takes pwsh and anything it started. Whatever is still running when
// this process exits (a cancelled run) is killed too.
const liveGroups = new Set<number>();
/** How often a session checks that the process it started is still there. */
const LEADER_WATCH_MS = 500;
let exitHookInstalled = false;

function killGroup(pid: number): void {
  try {
    if (process.platform === 'win32') process.kill(pid, 'SIGKILL');
    else process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function trackGroup(pid: number): void {
  liveGroups.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const group of liveGroups) killGroup(group);
    });
  }
}

type SessionState = 'connecting' | 'idle' | 'busy' | 'closing' | 'dead';

interface Waiter {
  cmdlet: string;
  resolve(answer: WorkerAnswer): void;
  reject(error: Error): void;
  timer?: NodeJS.Timeout;
}

/** One pwsh process running worker.ps1; answers come back in order, one per request. */
class Session {
  state: SessionState = 'connecting';
  readonly pid: number | undefined;
  private readonly child: ResultPromise;
  private readonly waiters = new Map<number, Waiter>();
  private nextId = 1;
  private stderrTail = '';
  private exitDescription = '';
  private leaderWatch: NodeJS.Timeout | undefined;
  private readonly exitedPromise: Promise<void>;

  constructor(pwsh: string, workerPath: string, env: Record<string, string>, onExit: (session: Session) => void) {
    this.child = execa(pwsh, ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', workerPath], {
      detached: true,
      extendEnv: false,
      env,
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      cleanup: false,
      encoding: 'utf8',
    });
    this.pid = this.child.pid;
    if (this.pid !== undefined) trackGroup(this.pid);
    this.child.stdin?.on('error', () => {
      // The process died; its exit is reported below.
    });
    // `pwsh` may be a launcher (a .NET global tool starts `dotnet pwsh.dll` as its child): when the process we started
    // is gone, the session is over, so end whatever it left in its group, which would otherwise hold the pipes open.
    // execa settles only once the pipes close, so the leader is watched directly.
    if (this.pid !== undefined) {
      const pid = this.pid;
      this.leaderWatch = setInterval(() => {
        try {
          process.kill(pid, 0);
        } catch {
          if (this.leaderWatch) clearInterval(this.leaderWatch);
          if (liveGroups.has(pid)) killGroup(pid);
        }
      }, LEADER_WATCH_MS);
      this.leaderWatch.unref();
    }
    this.child.stderr?.on('data', (chunk: Buffer | string) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-2000);
    });
    if (this.child.stdout) {
      createInterface({ input: this.child.stdout, crlfDelay: Infinity }).on('line', (line) => this.onLine(line));
    }
    this.exitedPromise = this.child.then(
      (result) => {
        const spawnError = result.failed && result.exitCode === undefined && !result.signal ? result.originalMessage : '';
        this.exitDescription = spawnError
          ? `could not start ${pwsh} (${spawnError}): install PowerShell 7.4 or later, or set the pwsh input to its path`
          : `exited${result.signal ? ` on ${result.signal}` : ` with code ${result.exitCode ?? '?'}`}`;
        this.onExited(onExit);
      },
      (error: unknown) => {
        this.exitDescription = `failed: ${error instanceof Error ? error.message : String(error)}`;
        this.onExited(onExit);
      },
    );
  }

  private onExited(onExit: (session: Session) => void): void {
    if (this.leaderWatch) clearInterval(this.leaderWatch);
    if (this.pid !== undefined) liveGroups.delete(this.pid);
    const wasClosing = this.state === 'closing';
    this.state = 'dead';
    const stderr = this.stderrTail.trim();
    for (const [id, waiter] of this.waiters) {
      this.waiters.delete(id);
      clearTimeout(waiter.timer);
      waiter.reject(
        new PowerShellSessionLostError(
          waiter.cmdlet,
          `The PowerShell session running ${waiter.cmdlet} ${this.exitDescription}${wasClosing ? ' while closing' : ''}${stderr ? `: ${stderr.split('\n').slice(-3).join(' ')}` : ''}`,
        ),
      );
    }
    onExit(this);
  }

  private onLine(line: string): void {
    if (!line.trim()) return;
    let answer: WorkerAnswer;
    try {
      answer = JSON.parse(line) as WorkerAnswer;
    } catch {
      // The worker writes only JSON; anything else means the session cannot be trusted any more.
      this.stderrTail += `\nunexpected output: ${line.slice(0, 200)}`;
      this.kill();
      return;
    }
    const waiter = typeof answer.id === 'number' ? this.waiters.get(answer.id) : undefined;
    if (!waiter || answer.id === null) return;
    this.waiters.delete(answer.id);
    clearTimeout(waiter.timer);
    waiter.resolve(answer);
  }

  /** Sends one request; a request that does not answer within `timeoutMs` kills the session. */
  request(cmdlet: string, message: Record<string, unknown>, timeoutMs: number): Promise<WorkerAnswer> {
    if (this.state === 'dead') {
      return Promise.reject(new PowerShellSessionLostError(cmdlet, `The PowerShell session ${this.exitDescription}.`));
    }
    const id = this.nextId++;
    return new Promise<WorkerAnswer>((resolve, reject) => {
      const waiter: Waiter = { cmdlet, resolve, reject };
      waiter.timer = setTimeout(() => {
        this.waiters.delete(id);
        this.kill();
        reject(
          new PowerShellTimeoutError(
            cmdlet,
            `${cmdlet} did not finish within ${Math.round(timeoutMs / 1000)} s; its PowerShell session (pid ${this.pid ?? '?'}) was stopped.`,
          ),
        );
      }, timeoutMs);
      this.waiters.set(id, waiter);
      // U+2028/2029 are valid in JSON but some line readers split on them; escaped they cannot.
      const line = JSON.stringify({ ...message, id }).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
      this.child.stdin?.write(`${line}\n`);
    });
  }

  kill(): void {
    if (this.pid !== undefined) killGroup(this.pid);
    else this.child.kill('SIGKILL');
  }

  /** Disconnects politely, then ends the process; kills it when it does not go in time. */
  async close(disconnectCmdlet: string): Promise<void> {
    if (this.state === 'dead') return;
    const polite = this.state === 'idle';
    this.state = 'closing';
    if (polite) {
      await this.request(disconnectCmdlet, { type: 'disconnect' }, 15_000).catch(() => undefined);
    }
    this.child.stdin?.end();
    const exited = await Promise.race([
      this.exitedPromise.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), polite ? 5_000 : 0).unref()),
    ]);
    if (!exited) {
      this.kill();
      await this.exitedPromise;
    }
  }
}

interface Job {
  cmdlet: string;
  parameters: Record<string, unknown>;
  options: PsCallOptions;
  retried: boolean;
  resolve(result: PsResult): void;
  reject(error: Error): void;
}

const CONNECT_ADVICE: Record<PsService, string> = {
  exchange:
    'Check organization and client-id; the app needs the Exchange.ManageAsApp application permission and the Exchange Recipient Administrator role.',
  sharepoint:
    'Check sharepoint-admin-url, tenant-id and client-id; the app needs the SharePoint Sites.FullControl.All application permission.',
};

function describeErrors(errors: WorkerError[]): { message: string; first: WorkerError } {
  const first = errors[0] ?? { message: 'PowerShell reported a failure without an error record.' };
  return { message: first.message ?? first.errorId ?? 'unknown error', first };
}

class PowerShellPool implements PowerShellService {
  readonly stats = { processes: 0, connects: 0, commands: 0, retries: 0 };
  private readonly sessions = new Set<Session>();
  private readonly idle: Session[] = [];
  private readonly queue: Job[] = [];
  private starting = 0;
  private closed = false;
  private connectFailure?: Error;
  private readonly module: string;
  private readonly disconnectCmdlet: string;
  private readonly workerPath: string;
  private readonly env: Record<string, string>;
  private readonly commandTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly maxSessions: number;

  constructor(private readonly options: PowerShellServiceOptions) {
    this.module = PS_MODULES[options.service];
    this.disconnectCmdlet = options.service === 'exchange' ? 'Disconnect-ExchangeOnline' : 'Disconnect-PnPOnline';
    this.workerPath = options.workerPath ?? defaultWorkerPath();
    this.env = powershellEnv(options.env);
    this.commandTimeoutMs = options.commandTimeoutMs ?? 120_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 180_000;
    this.maxSessions = Math.max(1, Math.floor(options.sessions));
  }

  invoke(cmdlet: string, parameters: Record<string, unknown>, options: PsCallOptions = {}): Promise<PsResult> {
    if (this.closed) return Promise.reject(new Error(`The ${this.options.service} PowerShell sessions are closed.`));
    if (this.connectFailure && this.connectedCount() === 0) return Promise.reject(this.connectFailure);
    this.stats.commands++;
    return new Promise<PsResult>((resolve, reject) => {
      this.queue.push({ cmdlet, parameters, options, retried: false, resolve, reject });
      this.pump();
    });
  }

  private connectedCount(): number {
    return [...this.sessions].filter((s) => s.state === 'idle' || s.state === 'busy').length;
  }

  private pump(): void {
    if (this.closed) return;
    while (this.queue.length > 0 && this.idle.length > 0) {
      const session = this.idle.shift() as Session;
      if (session.state !== 'idle') continue;
      this.run(session, this.queue.shift() as Job);
    }
    // Sessions start only as demand grows: a run that invokes nothing starts nothing.
    let wanted = Math.min(this.queue.length - this.starting, this.maxSessions - this.sessions.size);
    while (wanted-- > 0) void this.startSession();
  }

  private async startSession(): Promise<void> {
    this.starting++;
    this.stats.processes++;
    const session = new Session(this.options.pwsh, this.workerPath, this.env, (s) => this.onSessionExit(s));
    this.sessions.add(session);
    const { cmdlet, parameters, certificate } = this.options.connect;
    try {
      const answer = await session.request(
        cmdlet,
        { type: 'connect', module: this.module, cmdlet, parameters, certificate },
        this.connectTimeoutMs,
      );
      if (!answer.ok) {
        const { message, first } = describeErrors(answer.errors);
        throw new PowerShellError(cmdlet, `${cmdlet} failed: ${message} ${CONNECT_ADVICE[this.options.service]}`, first);
      }
      this.stats.connects++;
      this.connectFailure = undefined;
      if (this.closed) {
        await session.close(this.disconnectCmdlet);
        return;
      }
      session.state = 'idle';
      this.idle.push(session);
    } catch (error) {
      session.kill();
      this.sessions.delete(session);
      const failure = error instanceof PowerShellTimeoutError || error instanceof PowerShellSessionLostError || !(error instanceof PowerShellError)
        ? new PowerShellError(cmdlet, `Could not start a connected ${this.module} session: ${error instanceof Error ? error.message : String(error)}`)
        : error;
      this.connectFailure = failure;
      if (this.connectedCount() === 0) {
        // Nothing can run these: fail them now rather than retry a connect that is likely to fail the same way.
        for (const job of this.queue.splice(0)) job.reject(failure);
      }
    } finally {
      this.starting--;
      this.pump();
    }
  }

  private onSessionExit(session: Session): void {
    this.sessions.delete(session);
    const index = this.idle.indexOf(session);
    if (index >= 0) this.idle.splice(index, 1);
  }

  private run(session: Session, job: Job): void {
    session.state = 'busy';
    const message = { type: 'invoke', cmdlet: job.cmdlet, parameters: job.parameters, ...(job.options.site ? { site: job.options.site } : {}) };
    session.request(job.cmdlet, message, job.options.timeoutMs ?? this.commandTimeoutMs).then(
      (answer) => {
        if (session.state === 'busy') {
          session.state = 'idle';
          this.idle.push(session);
        }
        if (answer.ok) {
          job.resolve({ output: answer.output ?? [], warnings: answer.warnings ?? [], ...(job.retried ? { retried: true } : {}) });
        } else {
          const { message: text, first } = describeErrors(answer.errors);
          job.reject(new PowerShellError(job.cmdlet, `${job.cmdlet}: ${text}`, first));
        }
        this.pump();
      },
      (error: unknown) => {
        this.sessions.delete(session);
        void this.afterLostSession(job, error instanceof Error ? error : new Error(String(error)));
        this.pump();
      },
    );
  }

  // A command whose session died may or may not have taken effect: it runs again only when the caller says a rerun
  // is safe (a read) or a fresh look shows it did not happen. A timeout is reported, never rerun.
  private async afterLostSession(job: Job, error: Error): Promise<void> {
    const retry = job.options.retry;
    if (!(error instanceof PowerShellSessionLostError) || job.retried || !retry || this.closed) {
      job.reject(error);
      return;
    }
    let again: boolean;
    try {
      again = retry === 'read' ? true : await retry();
    } catch (recheckError) {
      job.reject(
        new PowerShellSessionLostError(
          job.cmdlet,
          `${error.message}; checking whether ${job.cmdlet} took effect failed too: ${recheckError instanceof Error ? recheckError.message : String(recheckError)}`,
        ),
      );
      return;
    }
    if (!again) {
      job.resolve({ output: [], warnings: [`${job.cmdlet} was not run again: its effect was in place after its session was lost.`] });
      return;
    }
    if (this.closed) {
      job.reject(error);
      return;
    }
    job.retried = true;
    this.stats.retries++;
    this.queue.unshift(job);
    this.pump();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error(`The ${this.options.service} PowerShell sessions were closed before ${job.cmdlet} ran.`));
    await Promise.all([...this.sessions].map((session) => session.close(this.disconnectCmdlet)));
    this.sessions.clear();
    this.idle.length = 0;
  }
}

/** Up to `sessions` pwsh processes for one service, started as demand grows, each connected once. */
export function createPowerShellService(options: PowerShellServiceOptions): PowerShellService {
  return new PowerShellPool(options);
}

/** `Connect-ExchangeOnline` app-only with the certificate (the worker adds it as an in-memory X509Certificate2). */
export function exchangeConnectParameters(inputs: Pick<Inputs, 'entra'>, certificate: PsCertificate): PsConnect {
  const entra = inputs.entra;
  if (!entra?.organization) {
    throw new Error('Exchange Online needs `organization`: the primary *.onmicrosoft.com domain of the tenant.');
  }
  return {
    cmdlet: 'Connect-ExchangeOnline',
    parameters: {
      AppId: entra.clientId,
      Organization: entra.organization,
      ExchangeEnvironmentName: CLOUDS[entra.cloud].exchangeEnvironmentName,
      // Only the cmdlets the steps use are generated at connect, which makes the connect faster.
      CommandName: ['Get-MailboxPermission', 'Add-MailboxPermission', 'Set-Mailbox'],
      ShowBanner: false,
      ShowProgress: false,
      SkipLoadingFormatData: true,
    },
    certificate: { certPem: certificate.certPem, keyPem: certificate.keyPem },
  };
}

/** `Connect-PnPOnline` app-only to the SharePoint admin site (the worker adds the certificate as base64 PFX). */
export function sharepointConnectParameters(inputs: Pick<Inputs, 'entra'>, certificate: PsCertificate): PsConnect {
  const entra = inputs.entra;
  if (!entra?.sharepointAdminUrl) {
    throw new Error('SharePoint needs `sharepoint-admin-url` (https://<tenant>-admin.sharepoint.com) or an `organization` to derive it from.');
  }
  return {
    cmdlet: 'Connect-PnPOnline',
    parameters: {
      Url: entra.sharepointAdminUrl,
      ClientId: entra.clientId,
      Tenant: entra.organization ?? entra.tenantId,
      AzureEnvironment: CLOUDS[entra.cloud].pnpAzureEnvironment,
    },
    certificate: { certPem: certificate.certPem, keyPem: certificate.keyPem },
  };
}
