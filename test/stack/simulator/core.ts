// The simulator's shared machinery: request context, replies, the request log, fault injection and latency.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  FaultConfig,
  LatencyKind,
  LatencyProfile,
  LogEntry,
  LogSnapshot,
  OpSelector,
  Resource,
} from './types.js';

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  url: URL;
  /** Path and query exactly as sent. */
  rawPath: string;
  body: Buffer;
  requestId: string;
  clientRequestId: string;
  at: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** JSON body; absent for an empty body. */
  json?: unknown;
  /** Raw text body (used instead of `json`). */
  text?: string;
  contentType?: string;
}

/** What a service handler decided about a request before running it: enough to apply faults and latency. */
export interface Routed {
  resource: Resource;
  op: string;
  /** The call's signature for the log (see LogEntry). */
  signature?: string;
  /** Latency kind to pay; undefined pays none. */
  latency?: LatencyKind;
  /** Replies to a throttle or unavailable fault, in the service's own error shape (Retry-After in seconds, if any). */
  faultReply?: (kind: 'throttle' | 'unavailable', retryAfter: number | undefined) => Reply;
  run: () => Outcome | Promise<Outcome>;
}

export interface Outcome {
  reply: Reply;
  user?: string;
  appId?: string;
  /** Exchange connect: the cmdlets the session loaded. */
  commands?: string[];
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

/** The latency kind an operation belongs to. */
function kindOf(op: string): LatencyKind | undefined {
  if (op === 'token') return 'token';
  if (op === 'graph.batch') return 'graph.batch';
  if (op.startsWith('graph.get.') || op.startsWith('graph.list.')) return 'graph.read';
  if (op.startsWith('graph.')) return 'graph.write';
  if (op === 'exo.connect') return 'exo.connect';
  if (op.startsWith('exo.cmdlet')) return 'exo.cmdlet';
  if (op === 'spo.connect') return 'spo.connect';
  if (op.startsWith('spo.cmdlet')) return 'spo.cmdlet';
  return undefined;
}

function selects(selectors: OpSelector[], op: string): boolean {
  const kind = kindOf(op);
  return selectors.some((s) => s === op || op.startsWith(`${s}.`) || s === kind);
}

/** Throttling and outages apply by default to service operations that a client retries, not to tokens or connects. */
function inDefaultScope(op: string): boolean {
  return (op.startsWith('graph.') && op !== 'graph.batch') || op.startsWith('exo.cmdlet') || op.startsWith('spo.cmdlet');
}

/** An even spread: a share of 0.25 fires on every 4th call, deterministically. */
class Spread {
  private acc = 0;
  constructor(private readonly share: number) {}
  fire(): boolean {
    if (this.share <= 0) return false;
    this.acc += Math.min(this.share, 1);
    if (this.acc >= 1 - 1e-9) {
      this.acc -= 1;
      return true;
    }
    return false;
  }
}

export type FaultDecision =
  | { kind: 'throttle'; retryAfter: number }
  | { kind: 'unavailable'; retryAfter?: number }
  | { kind: 'hang'; ms?: number };

export class Faults {
  private config: FaultConfig = {};
  private throttleNext = 0;
  private throttleSpread = new Spread(0);
  private throttleFired = 0;
  private burst = 0;
  private unavailableSpread = new Spread(0);
  private malformedNext = 0;
  private malformedSpread = new Spread(0);
  private tokenFailures = 0;
  private pagingLeft = 0;
  private dropsLeft = Infinity;

  set(config: FaultConfig): void {
    this.dropsLeft = config.drop?.next ?? Infinity;
    this.config = structuredClone(config);
    this.throttleNext = config.throttle?.next ?? 0;
    this.throttleSpread = new Spread(config.throttle?.share ?? 0);
    this.throttleFired = 0;
    this.burst = config.unavailable?.burst ?? 0;
    this.unavailableSpread = new Spread(config.unavailable?.share ?? 0);
    this.malformedNext = config.malformed?.next ?? 0;
    this.malformedSpread = new Spread(config.malformed?.share ?? 0);
    this.tokenFailures = config.token?.failNext ?? 0;
    this.pagingLeft = config.paging ? (config.paging.pages ?? 500) : 0;
  }

  clear(): void {
    this.set({});
  }

  current(): FaultConfig {
    return structuredClone(this.config);
  }

  /** Decides, before an operation runs, whether it hangs, is throttled or finds the service unavailable. */
  decide(op: string): FaultDecision | undefined {
    const { hang, throttle, unavailable } = this.config;
    if (hang && selects(hang.ops, op)) return { kind: 'hang', ms: hang.ms };
    if (throttle && (throttle.ops ? selects(throttle.ops, op) : inDefaultScope(op))) {
      let fire: boolean;
      if (this.throttleNext > 0) {
        this.throttleNext--;
        fire = true;
      } else {
        fire = this.throttleSpread.fire();
      }
      if (fire) {
        const [min, max] = throttle.retryAfter;
        const span = Math.max(0, Math.floor(max) - Math.floor(min)) + 1;
        const retryAfter = Math.floor(min) + (this.throttleFired++ % span);
        return { kind: 'throttle', retryAfter };
      }
    }
    if (unavailable && (unavailable.ops ? selects(unavailable.ops, op) : inDefaultScope(op))) {
      if (this.burst > 0) {
        this.burst--;
        return { kind: 'unavailable', retryAfter: unavailable.retryAfter };
      }
      if (this.unavailableSpread.fire()) return { kind: 'unavailable', retryAfter: unavailable.retryAfter };
    }
    return undefined;
  }

  /** Whether this answer is to be garbled (the operation has already been carried out). */
  malformed(op: string): boolean {
    const m = this.config.malformed;
    if (!m) return false;
    if (m.ops ? !selects(m.ops, op) : op === 'token' || op.startsWith('entra.')) return false;
    if (this.malformedNext > 0) {
      this.malformedNext--;
      return true;
    }
    return this.malformedSpread.fire();
  }

  /** Consumes one bad nextLink for a page of `op`: what kind, or undefined for a normal page. */
  paging(op: string): { kind: 'loop' | 'endless' | 'foreign'; host?: string } | undefined {
    const p = this.config.paging;
    if (!p || this.pagingLeft <= 0 || !selects(p.ops, op)) return undefined;
    this.pagingLeft--;
    return { kind: p.kind, host: p.host };
  }

  /** Whether an operation may be dropped, so that the state is saved before it runs. */
  mayDrop(op: string): boolean {
    const d = this.config.drop;
    return d !== undefined && this.dropsLeft > 0 && selects(d.ops, op);
  }

  /** Whether this successful operation about `user` is dropped: its state is put back once it answered. */
  drops(op: string, status: number, user: string | undefined): boolean {
    const d = this.config.drop;
    if (!d || !this.mayDrop(op) || status >= 300) return false;
    if (d.users && !d.users.some((u) => u.toLowerCase() === user?.toLowerCase())) return false;
    this.dropsLeft--;
    return true;
  }

  /** Consumes one injected token failure; the status to fail with, or undefined. */
  /** Whether a token for this resource is refused as signed with a certificate the app does not hold. */
  keyNotFound(resource: 'graph' | 'exchange' | 'sharepoint'): boolean {
    return this.config.keyNotFound?.resources.includes(resource) ?? false;
  }

  tokenFailure(): number | undefined {
    if (this.tokenFailures <= 0) return undefined;
    this.tokenFailures--;
    return this.config.token?.status ?? 503;
  }
}

export class Latency {
  constructor(
    private profile: LatencyProfile = {},
    private timeScale = 1,
  ) {}

  set(profile: LatencyProfile, timeScale: number): void {
    this.profile = { ...profile };
    this.timeScale = timeScale;
  }

  ms(kind: LatencyKind | undefined): number {
    if (!kind) return 0;
    return Math.max(0, (this.profile[kind] ?? 0) * this.timeScale);
  }
}

export class RequestLog {
  private entries: LogEntry[] = [];
  private http: Record<Resource, number> = { entra: 0, graph: 0, exchange: 0, sharepoint: 0 };
  private held: Record<string, number> = {};

  /** A request a timed hang holds from now: logged when it arrives, while its entry is added only when it ends. */
  hold(op: string): void {
    this.held[op] = (this.held[op] ?? 0) + 1;
  }

  add(entry: LogEntry, httpRequest: boolean): void {
    this.entries.push(entry);
    if (httpRequest) this.http[entry.resource]++;
  }

  list(): LogEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  snapshot(): LogSnapshot {
    const counts: Record<string, number> = {};
    for (const e of this.entries) counts[e.op] = (counts[e.op] ?? 0) + 1;
    return { entries: this.list(), counts, httpRequests: { ...this.http }, held: { ...this.held } };
  }

  clear(): void {
    this.entries = [];
    this.http = { entra: 0, graph: 0, exchange: 0, sharepoint: 0 };
    this.held = {};
  }
}

/** Graph's JSON content type, as the service sends it. */
export const GRAPH_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

/** The body a malformed fault sends: JSON cut off mid-way, as when a connection drops behind a proxy. */
export const TRUNCATED_JSON = '{"value":[{"id":"';
