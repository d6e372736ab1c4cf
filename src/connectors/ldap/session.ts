// The run's one LDAP session: opened on first use, reopened after a drop, at most 8 operations on the wire at once.
import type { Client } from 'ldapts';
import pLimit from 'p-limit';
import pRetry from 'p-retry';
import { openBoundClient, peerOf, release, type ConnectionOptions } from './connection.js';
import { describeError, isConnectionLost, isTransientConnectError, type Operation } from './errors.js';

/** LDAP operations on the wire at once on the run's one connection. */
const MAX_IN_FLIGHT = 8;

export interface SessionStats {
  connects: number;
  binds: number;
  /** The most operations that were on the wire at once. */
  peakInFlight: number;
}

export interface LdapSession {
  /**
   * Runs an operation on the bound session, once a place on the wire is free. After a dropped connection it
   * reconnects and, when the operation is safe to send twice, sends it again on the new connection.
   */
  run<T>(operation: Operation, work: (bound: Client) => Promise<T>): Promise<T>;
  /** Opens the session now rather than on the first operation. */
  open(): Promise<void>;
  close(): Promise<void>;
}

export function createSession(options: ConnectionOptions & { stats: SessionStats }): LdapSession {
  const { stats } = options;
  const peer = peerOf(options);
  let client: Client | undefined;
  let opening: Promise<Client> | undefined;
  let answeredOnce = false;

  function discard(stale: Client | undefined): void {
    if (!stale) return;
    if (stale === client) client = undefined;
    release(stale);
  }

  /** Opens a session; after the DC has answered once in this run, a transient connect failure is tried again. */
  async function reopen(): Promise<Client> {
    discard(client);
    const fresh = await pRetry(() => openBoundClient(options), {
      // Seven waits, 250 ms doubling to 8 s and then 15 s (about 31 s in all): long enough for a DC service to
      // restart or a failover to finish, short enough that a DC that is gone fails the run's AD steps soon.
      retries: 7,
      minTimeout: 250,
      factor: 2,
      maxTimeout: 15_000,
      // No jitter: one client reconnects, there is no crowd of them to spread out.
      randomize: false,
      // Before the DC has answered once in this run, a failure is the configuration (URL, certificate, password,
      // firewall) and is reported at once; after, only what a restart or a network blip causes is waited out.
      shouldRetry: ({ error }) => answeredOnce && isTransientConnectError(error),
    });
    answeredOnce = true;
    client = fresh;
    return fresh;
  }

  async function session(): Promise<Client> {
    if (client?.isBound) return client;
    opening ??= reopen().finally(() => {
      opening = undefined;
    });
    return opening;
  }

  async function onSession<T>(operation: Operation, work: (bound: Client) => Promise<T>): Promise<T> {
    const first = await session();
    try {
      return await work(first);
    } catch (error) {
      if (!isConnectionLost(error)) throw describeError(error, operation, peer);
      discard(first);
      if (!operation.retry) throw describeError(error, operation, peer);
    }
    const second = await session();
    try {
      return await work(second);
    } catch (error) {
      if (isConnectionLost(error)) discard(second);
      throw describeError(error, operation, peer);
    }
  }

  // A DC answers one connection's requests in turn: more than a few on the wire only wait there, against their
  // timeout (a run with a thousand leavers would time its last writes out). The rest wait here, before the clock.
  const limit = pLimit(MAX_IN_FLIGHT);

  return {
    run(operation, work) {
      return limit(() => {
        stats.peakInFlight = Math.max(stats.peakInFlight, limit.activeCount);
        return onSession(operation, work);
      });
    },
    async open() {
      await session();
    },
    async close() {
      const open = client;
      client = undefined;
      if (open) await open.unbind().catch(() => undefined);
    },
  };
}
