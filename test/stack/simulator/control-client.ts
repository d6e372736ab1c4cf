// A typed client for the simulator's control API, for tests in other processes (the CA is trusted by the caller).
import type { Fixture } from '../fixture.js';
import type { FaultConfig, LatencyProfile, LogSnapshot, SimState, SimulatorApp } from './types.js';

export class SimulatorControl {
  constructor(private readonly url: string) {}

  private async call(method: 'GET' | 'POST', action: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.url}/_control/${action}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`simulator control ${method} ${action} failed: ${res.status} ${text}`);
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  }

  async load(fixture: Fixture, sids: Record<string, string>): Promise<void> {
    await this.call('POST', 'load', { fixture, sids });
  }

  /** Back to the last loaded fixture (log, faults and latency are kept). */
  async reset(): Promise<void> {
    await this.call('POST', 'reset');
  }

  async state(): Promise<SimState> {
    return (await this.call('GET', 'state')) as SimState; // the server sends a SimState
  }

  async log(): Promise<LogSnapshot> {
    return (await this.call('GET', 'log')) as LogSnapshot;
  }

  /** Waits until the simulator holds a request of `op` under a timed hang fault: the call is then in flight. */
  async waitForHeld(op: string, timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (((await this.log()).held[op] ?? 0) === 0) {
      if (Date.now() > until) throw new Error(`timed out waiting for the simulator to hold ${op}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async clearLog(): Promise<void> {
    await this.call('POST', 'log/clear');
  }

  /** Replaces the whole fault configuration (counters start over). */
  async faults(f: FaultConfig): Promise<void> {
    await this.call('POST', 'faults', f);
  }

  async clearFaults(): Promise<void> {
    await this.call('POST', 'faults/clear');
  }

  async latency(p: LatencyProfile, timeScale: number): Promise<void> {
    await this.call('POST', 'latency', { profile: p, timeScale });
  }

  /** Replaces the registered apps. */
  async apps(apps: SimulatorApp[]): Promise<void> {
    await this.call('POST', 'apps', { apps });
  }
}
