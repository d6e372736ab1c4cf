// The simulator's control API for tests: load and reset the tenant, read state and log, inject faults and latency.
import type { Ctx, Reply } from './core.js';
import type { Fixture } from '../fixture.js';
import { isObject } from './jwt.js';
import type { FaultConfig, LatencyProfile, LogSnapshot, SimState, SimulatorApp } from './types.js';

export interface ControlTarget {
  load(fixture: Fixture, sids: Record<string, string>): void;
  reset(): void;
  state(): SimState;
  logSnapshot(): LogSnapshot;
  clearLog(): void;
  setFaults(f: FaultConfig): void;
  faults(): FaultConfig;
  setLatency(profile: LatencyProfile, timeScale: number): void;
  setApps(apps: SimulatorApp[]): void;
}

const done: Reply = { status: 204 };
const bad = (message: string): Reply => ({ status: 400, json: { error: { code: 'BadRequest', message } } });

export function handleControl(target: ControlTarget, ctx: Ctx): Reply {
  const action = ctx.url.pathname.slice('/_control/'.length);
  const route = `${ctx.method} ${action}`;
  let body: unknown = {};
  if (ctx.method === 'POST' && ctx.body.length > 0) {
    try {
      body = JSON.parse(ctx.body.toString('utf8'));
    } catch {
      return bad('The body is not JSON.');
    }
  }
  switch (route) {
    case 'POST load': {
      if (!isObject(body) || !isObject(body.fixture)) return bad('Expected {"fixture": {…}, "sids": {…}}.');
      const sids = isObject(body.sids) ? Object.fromEntries(Object.entries(body.sids).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};
      target.load(body.fixture as unknown as Fixture, sids); // shape is the caller's Fixture, sent as JSON
      return done;
    }
    case 'POST reset':
      target.reset();
      return done;
    case 'GET state':
      return { status: 200, json: target.state() };
    case 'GET log':
      return { status: 200, json: target.logSnapshot() };
    case 'POST log/clear':
      target.clearLog();
      return done;
    case 'GET faults':
      return { status: 200, json: target.faults() };
    case 'POST faults':
      if (!isObject(body)) return bad('Expected a fault configuration object.');
      target.setFaults(body as FaultConfig); // validated field by field where used
      return done;
    case 'POST faults/clear':
      target.setFaults({});
      return done;
    case 'POST latency': {
      if (!isObject(body) || !isObject(body.profile)) return bad('Expected {"profile": {…}, "timeScale": n}.');
      const profile: LatencyProfile = {};
      for (const [k, v] of Object.entries(body.profile)) if (typeof v === 'number') profile[k as keyof LatencyProfile] = v;
      target.setLatency(profile, typeof body.timeScale === 'number' ? body.timeScale : 1);
      return done;
    }
    case 'POST apps': {
      const apps = isObject(body) ? body.apps : undefined;
      if (!Array.isArray(apps)) return bad('Expected {"apps": [ … ]}.');
      target.setApps(apps as SimulatorApp[]); // each app is checked when its certificates are parsed
      return done;
    }
    default:
      return { status: 404, json: { error: { code: 'NotFound', message: `No control action ${route}.` } } };
  }
}
