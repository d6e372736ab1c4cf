// One pwsh process running worker.ps1: started in its own process group, fed one JSON request per line, killed whole.
import { execa, type ResultPromise } from 'execa';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { messageOf, PowerShellSessionLostError, PowerShellTimeoutError } from './errors.js';
import { isTracked, killGroup, trackGroup, untrackGroup } from './process-group.js';
import { parseReply, requestLine, type WorkerReply } from './protocol.js';

/**
 * worker.ps1 next to the running module: dist/ when bundled (scripts/copy-assets.mjs puts it there),
 * src/connectors/powershell/ when run from source; a bundle without its copy falls back to the one in src/.
 */
export function defaultWorkerPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'worker.ps1'), path.join(here, '..', 'src', 'connectors', 'powershell', 'worker.ps1')];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`worker.ps1 was not found next to ${here}: rebuild the action (npm run bundle).`);
  return found;
}

/** How often a session checks that the process it started is still there. */
const LEADER_WATCH_MS = 500;

type SessionState = 'connecting' | 'idle' | 'busy' | 'closing' | 'dead';

interface Waiter {
  cmdlet: string;
  resolve(reply: WorkerReply): void;
  reject(error: Error): void;
  timer?: NodeJS.Timeout;
}

/** One pwsh process running worker.ps1; replies come back in order, one per request. */
export class Session {
  state: SessionState = 'connecting';
  readonly pid: number | undefined;
  private readonly child: ResultPromise;
  private readonly waiters = new Map<number, Waiter>();
  private nextId = 1;
  private stderrTail = '';
  private exitDescription = '';
  /** Set when the worker wrote a line that is not a reply: the session was stopped for it. */
  private protocolFault?: string;
  private leaderWatch: NodeJS.Timeout | undefined;
  private readonly exitedPromise: Promise<void>;

  constructor(pwsh: string, workerPath: string, env: Record<string, string>, onExit: (session: Session) => void) {
    // execa's timeout, kill and cleanup signal only the process it started, and `pwsh` may be a launcher whose child
    // holds the pipes: the session leads its own process group (detached) and kills that group itself. Timeouts are
    // per request, not per process, since a session lives as long as the run.
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
          if (isTracked(pid)) killGroup(pid);
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
        this.exitDescription =
          this.protocolFault ??
          (spawnError
            ? `could not start ${pwsh} (${spawnError}): install PowerShell 7.4 or later, or set the pwsh input to its path`
            : `exited${result.signal ? ` on ${result.signal}` : ` with code ${result.exitCode ?? '?'}`}`);
        this.onExited(onExit);
      },
      (error: unknown) => {
        this.exitDescription = `failed: ${messageOf(error)}`;
        this.onExited(onExit);
      },
    );
  }

  private onExited(onExit: (session: Session) => void): void {
    if (this.leaderWatch) clearInterval(this.leaderWatch);
    if (this.pid !== undefined) untrackGroup(this.pid);
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
    const parsed = parseReply(line);
    if ('problem' in parsed) {
      // The worker writes only its replies; anything else means the session cannot be trusted any more.
      this.protocolFault ??= `(pid ${this.pid ?? '?'}) was stopped: it wrote a line that is not a worker reply (${parsed.problem}): ${line.slice(0, 200)}`;
      this.kill();
      return;
    }
    const { reply } = parsed;
    const waiter = reply.id === null ? undefined : this.waiters.get(reply.id);
    if (!waiter || reply.id === null) return;
    this.waiters.delete(reply.id);
    clearTimeout(waiter.timer);
    waiter.resolve(reply);
  }

  /** Sends one request; a request that does not answer within `timeoutMs` kills the session. */
  request(cmdlet: string, message: Record<string, unknown>, timeoutMs: number): Promise<WorkerReply> {
    if (this.state === 'dead') {
      return Promise.reject(new PowerShellSessionLostError(cmdlet, `The PowerShell session ${this.exitDescription}.`));
    }
    const id = this.nextId++;
    return new Promise<WorkerReply>((resolve, reject) => {
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
      this.child.stdin?.write(requestLine(message, id));
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
