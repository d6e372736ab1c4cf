// Up to N connected sessions per service, started as demand grows or ahead of known work; lost sessions replaced,
// commands rerun when safe.
import type { PowerShellService, PsCallOptions, PsResult, PsService } from '../types.js';
import { CONNECT_ADVICE, DISCONNECT_CMDLETS, PS_MODULES, type PsConnect } from './connect.js';
import { powershellEnv } from './env.js';
import { describeErrors, messageOf, PowerShellError, PowerShellSessionLostError, PowerShellTimeoutError } from './errors.js';
import { defaultWorkerPath, Session } from './session.js';

export interface PowerShellServiceOptions {
  service: PsService;
  /** Path of pwsh 7. */
  pwsh: string;
  /** Most processes (each connected once) the service runs at the same time. */
  sessions: number;
  /** worker.ps1; default: next to the session module (dist/ in the bundle, src/connectors/powershell/ from source). */
  workerPath?: string;
  connect: PsConnect;
  /** The module's manifest (.psd1) as preflight found it: sessions import exactly that file, not the module by name. */
  modulePath?: string;
  /** Per command; default 120 000 ms. */
  commandTimeoutMs?: number;
  /** Source of the variables passed through to pwsh; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Start, module import and connect of one session. */
const CONNECT_TIMEOUT_MS = 180_000;

interface Job {
  cmdlet: string;
  parameters: Record<string, unknown>;
  options: PsCallOptions;
  retried: boolean;
  resolve(result: PsResult): void;
  reject(error: Error): void;
}

// A pool of sessions, not a concurrency limit, so the queue is the pool's own rather than p-limit's: a command runs on
// whichever session is idle first (not the one started for it), a failed connect fails every waiting command at
// once, and a command rerun after a lost session goes to the front of the line.
class PowerShellPool implements PowerShellService {
  readonly stats = { processes: 0, connects: 0, commands: 0, retries: 0 };
  private readonly sessions = new Set<Session>();
  private readonly idle: Session[] = [];
  private readonly queue: Job[] = [];
  /** The session each site's last command ran on. */
  private readonly siteSessions = new Map<string, Session>();
  private starting = 0;
  private closed = false;
  private connectFailure?: Error;
  private readonly module: string;
  private readonly disconnectCmdlet: string;
  private readonly workerPath: string;
  private readonly env: Record<string, string>;
  private readonly commandTimeoutMs: number;
  private readonly maxSessions: number;

  constructor(private readonly options: PowerShellServiceOptions) {
    this.module = PS_MODULES[options.service];
    this.disconnectCmdlet = DISCONNECT_CMDLETS[options.service];
    this.workerPath = options.workerPath ?? defaultWorkerPath();
    this.env = powershellEnv(options.env);
    this.commandTimeoutMs = options.commandTimeoutMs ?? 120_000;
    this.maxSessions = Math.max(1, Math.floor(options.sessions));
  }

  invoke(cmdlet: string, parameters: Record<string, unknown>, options: PsCallOptions = {}): Promise<PsResult> {
    if (this.closed) return Promise.reject(new Error(`The ${this.options.service} PowerShell sessions are closed.`));
    if (this.connectFailure && this.connectedCount() === 0) return Promise.reject(this.connectFailure);
    this.stats.commands++;
    return new Promise<PsResult>((resolve, reject) => {
      const job: Job = { cmdlet, parameters, options, retried: false, resolve, reject };
      // Behind the other continuing commands and reruns, before every command that starts new work.
      const before = options.continues ? this.queue.findIndex((queued) => !queued.options.continues && !queued.retried) : -1;
      if (before < 0) this.queue.push(job);
      else this.queue.splice(before, 0, job);
      this.pump();
    });
  }

  warm(count: number): void {
    if (this.closed) return;
    let wanted = Math.min(Math.floor(count), this.maxSessions) - this.sessions.size;
    while (wanted-- > 0) void this.startSession();
  }

  private connectedCount(): number {
    return [...this.sessions].filter((s) => s.state === 'idle' || s.state === 'busy').length;
  }

  private pump(): void {
    if (this.closed) return;
    for (let i = 0; i < this.idle.length && this.queue.length > 0; ) {
      const session = this.idle[i];
      if (session.state !== 'idle') {
        this.idle.splice(i, 1);
        continue;
      }
      const next = this.queue.findIndex((job) => this.mayRun(job, session));
      if (next < 0) {
        i++;
        continue;
      }
      this.idle.splice(i, 1);
      this.run(session, this.queue.splice(next, 1)[0]);
    }
    // Sessions start only as demand grows: a run that invokes nothing starts nothing.
    let wanted = Math.min(this.queue.length - this.starting, this.maxSessions - this.sessions.size);
    while (wanted-- > 0) void this.startSession();
  }

  // A command on a site waits for the session that used the site last, whose worker still holds its connection;
  // any session takes it once that one is gone. Opening a second connection would cost a token and a round trip.
  private mayRun(job: Job, session: Session): boolean {
    const home = job.options.site === undefined ? undefined : this.siteSessions.get(job.options.site);
    return home === undefined || home === session || !this.sessions.has(home);
  }

  private async startSession(): Promise<void> {
    this.starting++;
    this.stats.processes++;
    const session = new Session(this.options.pwsh, this.workerPath, this.env, (s) => this.onSessionExit(s));
    this.sessions.add(session);
    const { cmdlet, parameters, certificate } = this.options.connect;
    try {
      const reply = await session.request(
        cmdlet,
        { type: 'connect', module: this.module, ...(this.options.modulePath ? { modulePath: this.options.modulePath } : {}), cmdlet, parameters, certificate },
        CONNECT_TIMEOUT_MS,
      );
      if (!reply.ok) {
        const { message, first } = describeErrors(reply.errors);
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
      const failure =
        error instanceof PowerShellTimeoutError || error instanceof PowerShellSessionLostError || !(error instanceof PowerShellError)
          ? new PowerShellError(cmdlet, `Could not start a connected ${this.module} session: ${messageOf(error)}`)
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
    for (const [site, home] of this.siteSessions) if (home === session) this.siteSessions.delete(site);
    const index = this.idle.indexOf(session);
    if (index >= 0) this.idle.splice(index, 1);
  }

  private run(session: Session, job: Job): void {
    session.state = 'busy';
    if (job.options.site !== undefined) this.siteSessions.set(job.options.site, session);
    const message = {
      type: 'invoke',
      cmdlet: job.cmdlet,
      parameters: job.parameters,
      ...(job.options.site ? { site: job.options.site } : {}),
      ...(job.options.verbose ? { verbose: true } : {}),
    };
    session.request(job.cmdlet, message, job.options.timeoutMs ?? this.commandTimeoutMs).then(
      (reply) => {
        if (session.state === 'busy') {
          session.state = 'idle';
          this.idle.push(session);
        }
        if (reply.ok) {
          job.resolve({
            output: reply.output,
            warnings: reply.warnings,
            ...(job.options.verbose ? { verbose: reply.verbose } : {}),
            ...(job.retried ? { retried: true } : {}),
          });
        } else {
          const { message: text, first } = describeErrors(reply.errors);
          job.reject(new PowerShellError(job.cmdlet, `${job.cmdlet}: ${text}`, first));
        }
        // The next command is picked once the caller has had its answer: its own next command (the read-back after
        // a write), sent without any I/O in between, is in the queue by then and goes ahead of new work.
        setImmediate(() => this.pump());
      },
      (error: unknown) => {
        this.sessions.delete(session);
        void this.afterLostSession(job, error instanceof Error ? error : new Error(String(error)));
        this.pump();
      },
    );
  }

  // A command whose session died may or may not have taken effect: it runs again only when the caller says a rerun
  // is safe (a read) or a fresh look shows it did not happen. A timeout is reported, never rerun. One rerun at most,
  // on another session through the queue, with no delay: not a backoff loop, so not p-retry's.
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
          `${error.message}; checking whether ${job.cmdlet} took effect failed too: ${messageOf(recheckError)}`,
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
