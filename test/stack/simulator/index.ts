// The Microsoft 365 simulator: one HTTPS origin serving Entra ID, Graph, Exchange Online and SharePoint from memory.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Fixture } from '../fixture.js';
import { handleControl, type ControlTarget } from './control.js';
import { type Ctx, Faults, Latency, type Outcome, type Reply, RequestLog, type Routed, sleep, TRUNCATED_JSON } from './core.js';
import { newSigningKey, type RegisteredApp, registerApps, type SimEnv } from './env.js';
import { routeExchange } from './exchange.js';
import { routeGraph } from './graph.js';
import { routeSharePoint } from './sharepoint.js';
import { Tenant } from './tenant.js';
import { routeEntra } from './token.js';
import type { FaultConfig, LatencyProfile, LogEntry, LogSnapshot, SimState, Simulator, SimulatorApp, SimulatorOptions } from './types.js';

export type * from './types.js';

const MAX_BODY = 16 * 1024 * 1024;

/** A tenant with no people, for a simulator started before its fixture is known. */
function emptyFixture(options: SimulatorOptions): Fixture {
  const prefix = options.organization.split('.')[0];
  return {
    domain: { realm: '', netbios: '', baseDn: '', upnSuffix: '' },
    tenant: {
      id: options.tenantId,
      organization: options.organization,
      sharepointAdminUrl: `https://${prefix}-admin.sharepoint.com`,
      oneDriveHost: `https://${prefix}-my.sharepoint.com`,
    },
    ous: [],
    groups: [],
    entraGroups: [],
    skus: [],
    people: [],
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, ctx: Pick<Ctx, 'requestId' | 'clientRequestId'>, reply: Reply): void {
  if (res.destroyed || res.headersSent) return;
  const headers: Record<string, string> = {
    'request-id': ctx.requestId,
    'client-request-id': ctx.clientRequestId,
    ...(reply.headers ?? {}),
  };
  let payload: string | undefined;
  if (reply.text !== undefined) payload = reply.text;
  else if (reply.json !== undefined) payload = JSON.stringify(reply.json);
  if (payload !== undefined) headers['Content-Type'] = reply.contentType ?? 'application/json; charset=utf-8';
  res.writeHead(reply.status, headers);
  res.end(payload);
}

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const { signingKey, verifyKey } = newSigningKey();
  const signingKid = createHash('sha1').update(verifyKey.export({ type: 'spki', format: 'der' })).digest('base64url');
  let lastFixture: Fixture = structuredClone(options.fixture ?? emptyFixture(options));
  let lastSids: Record<string, string> = { ...(options.sids ?? {}) };
  let tenant = new Tenant(lastFixture, lastSids);
  let apps: Map<string, RegisteredApp> = registerApps(options.apps, options.tenantId);
  const closer = new AbortController();
  const env: SimEnv = {
    url: '',
    tenantId: options.tenantId,
    organization: options.organization,
    tenant: () => tenant,
    app: (clientId) => apps.get(clientId.toLowerCase()),
    signingKey,
    verifyKey,
    signingKid,
    faults: new Faults(),
    latency: new Latency(options.latency ?? {}, options.timeScale ?? 1),
    log: new RequestLog(),
    closing: closer.signal,
  };

  const load = (fixture: Fixture, sids: Record<string, string>): void => {
    lastFixture = structuredClone(fixture);
    lastSids = { ...sids };
    tenant = new Tenant(lastFixture, lastSids);
  };
  const state = (): SimState => ({
    ...tenant.snapshot(),
    apps: [...apps.values()].map((a) => ({ clientId: a.clientId, displayName: a.displayName, roles: [...a.roles] })),
  });
  const control: ControlTarget = {
    load,
    reset: () => {
      tenant = new Tenant(lastFixture, lastSids);
    },
    state,
    logSnapshot: (): LogSnapshot => env.log.snapshot(),
    clearLog: () => env.log.clear(),
    setFaults: (f: FaultConfig) => env.faults.set(f),
    faults: () => env.faults.current(),
    setLatency: (p: LatencyProfile, timeScale: number) => env.latency.set(p, timeScale),
    setApps: (list: SimulatorApp[]) => {
      apps = registerApps(list, options.tenantId);
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const began = performance.now();
    const requestId = randomUUID();
    const sentId = req.headers['client-request-id'];
    const ctxIds = { requestId, clientRequestId: (Array.isArray(sentId) ? sentId[0] : sentId) ?? requestId };
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      send(res, ctxIds, { status: 413, json: { error: { code: 'RequestEntityTooLarge', message: 'The request body is too large.' } } });
      return;
    }
    const rawPath = req.url ?? '/';
    const ctx: Ctx = { req, res, method: req.method ?? 'GET', url: new URL(rawPath, env.url), rawPath, body, at: new Date().toISOString(), ...ctxIds };
    if (ctx.url.pathname.startsWith('/_control/')) {
      send(res, ctx, handleControl(control, ctx));
      return;
    }
    const routed: Routed | undefined = routeEntra(env, ctx) ?? routeGraph(env, ctx) ?? routeExchange(env, ctx) ?? routeSharePoint(env, ctx);
    if (!routed) {
      send(res, ctx, { status: 404, json: { error: { code: 'NotFound', message: `The simulator has no endpoint ${ctx.method} ${ctx.url.pathname}.` } } });
      return;
    }
    const record = (status: number, outcome: Outcome | undefined, fault?: LogEntry['fault']): void => {
      env.log.add({
        at: ctx.at,
        method: ctx.method,
        path: rawPath,
        op: routed.op,
        ...(routed.signature ? { signature: routed.signature } : {}),
        status,
        ms: performance.now() - began,
        resource: routed.resource,
        requestId,
        ...(outcome?.user !== undefined ? { user: outcome.user } : {}),
        ...(outcome?.appId ? { appId: outcome.appId } : {}),
        ...(outcome?.commands ? { commands: [...outcome.commands] } : {}),
        ...(fault ? { fault } : {}),
      }, true);
    };

    const decision = env.faults.decide(routed.op);
    if (decision?.kind === 'hang') {
      if (decision.ms === undefined) {
        record(0, undefined, 'hang');
        await new Promise<void>((resolve) => {
          res.once('close', () => resolve());
          closer.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        res.destroy();
        return;
      }
      env.log.hold(routed.op);
      await sleep(decision.ms, closer.signal);
    } else if (decision) {
      const reply = routed.faultReply?.(decision.kind, decision.retryAfter)
        ?? { status: decision.kind === 'throttle' ? 429 : 503, json: { error: { code: decision.kind, message: decision.kind } } };
      send(res, ctx, reply);
      record(reply.status, undefined, decision.kind);
      return;
    }
    await sleep(env.latency.ms(routed.latency), closer.signal);
    if (closer.signal.aborted) {
      res.destroy();
      return;
    }
    const restore = env.faults.mayDrop(routed.op) ? tenant.checkpoint() : undefined;
    const outcome = await routed.run();
    if (restore && env.faults.drops(routed.op, outcome.reply.status, outcome.user)) {
      restore();
      send(res, ctx, outcome.reply);
      record(outcome.reply.status, outcome, 'drop');
      return;
    }
    if (env.faults.malformed(routed.op)) {
      send(res, ctx, { status: 200, text: TRUNCATED_JSON, contentType: 'application/json; charset=utf-8' });
      record(200, outcome, 'malformed');
      return;
    }
    send(res, ctx, outcome.reply);
    record(outcome.reply.status, outcome, decision?.kind === 'hang' ? 'hang' : undefined);
  };

  const server: Server = createServer({ cert: options.tls.certPem, key: options.tls.keyPem }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      const message = e instanceof Error ? e.message : String(e);
      send(res, { requestId: randomUUID(), clientRequestId: '' }, { status: 500, json: { error: { code: 'InternalServerError', message } } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port ?? 0;
  env.url = `https://localhost:${port}`;

  return {
    url: env.url,
    load,
    state,
    log: () => env.log.list(),
    close: async () => {
      closer.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
