// An LDAPS proxy in front of the test DC that answers as Active Directory where Samba does not, or as a lying server.
//
// Usage (tests reach it through `startLdapProxy(facts, options)` in test/helpers/stack.ts):
//
//   const proxy = await startLdapProxy(facts, { maxValRange: 20 });
//   createAdDirectory({ ...stackLdapInputs(facts), url: proxy.url });   // the product talks to the proxy
//   const dropped = proxy.dropWrites((dn, changes) => /Jane/.test(dn)); // writes on Jane are answered, not made
//   …; dropped.writes;  // what was dropped
//   dropped.stop();     // later writes reach the DC again
//   await proxy.close();
//
// It terminates LDAPS with a certificate from the stack's CA for its own address, opens one LDAPS connection to the DC
// per client connection and relays whole LDAPMessages, byte for byte unless a behaviour below applies:
// - `maxValRange`: a multi-valued attribute with more values than that comes back as `name;range=0-(N-1)` even when the
//   client did not ask by range, and a range request is answered with at most N values (`name;range=low-(low+N-1)`,
//   the last one `low-*` as the DC says), as AD does past its MaxValRange policy (1,500 by default). Samba 4.17 answers
//   range requests but never limits values by itself. Sources: MS-ADTS 3.1.1.3.1.3.3 Range Retrieval of Attribute
//   Values (https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-adts/e27b48db-6f82-44cd-9038-2e54f790cc1f:
//   "The server can return fewer values than requested", bounded by MaxValRange) and
//   https://learn.microsoft.com/en-us/windows/win32/adsi/attribute-range-retrieval ("range=0-*: Retrieve all property
//   values. This is subject to limits imposed by the server.").
// - `searches` and `writes` list every SearchRequest and Modify/ModifyDN request relayed, with the time it arrived
//   and, for a search, how long the DC took to its SearchResultDone: what a benchmark attributes its reads from.
// - `dropWrites(match)`: a ModifyRequest or ModifyDNRequest that `match` accepts is answered with resultCode success
//   (0) and never reaches the DC: the lie of a misbehaving server, or of a write lost before it replicated.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { ProtocolOperation } from 'ldapts';
import {
  type LdapChange,
  type LdapMessage,
  type LdapWrite,
  MessageFramer,
  rangeEntry,
  readSearchRequest,
  readWrite,
  type SearchSeen,
  successResponse,
} from './ldap-messages.js';
import { issueServerCertificate, type TestCa } from './tls.js';

export interface LdapProxyOptions {
  /** The DC: `ldaps://<address>:<port>`, and the PEM of the CA that signed its certificate. */
  upstream: { url: string; caPem: string };
  /** Loopback address to listen on (a free port); the proxy's certificate names it. */
  host: string;
  /** The CA that issues the proxy's certificate; its folder receives the certificate's files. */
  ca: TestCa;
  /** AD's MaxValRange: values of one attribute per answer. Default: no limit (Samba's answers pass unchanged). */
  maxValRange?: number;
  /** Attributes the limit applies to. Default: every attribute (the rootDSE's computed attributes are left whole). */
  rangedAttributes?: string[];
}

/** Decides whether a write is dropped. `changes` is empty for a ModifyDN (rename or move); `write` says which. */
export type WriteMatch = (dn: string, changes: LdapChange[], write: LdapWrite) => boolean;

/** A silent-drop mode, on until `stop()`. */
export interface DroppedWrites {
  /** The writes answered with success and never sent to the DC, in the order they came. */
  readonly writes: LdapWrite[];
  stop(): void;
}

/** A request the proxy cannot read is still relayed: the DC answers it as it answers any malformed request. */
function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

interface Pair {
  client: tls.TLSSocket;
  upstream: tls.TLSSocket;
  /** Searches of this connection still waiting for their SearchResultDone, by messageID. */
  open: Map<number, TimedSearch>;
}

/** A search as relayed: `at` is when it arrived (performance.now() of the proxy), `ms` the DC's time to answer it. */
export type TimedSearch = SearchSeen & { at: number; ms?: number };
/** A write as relayed or dropped, with the time it arrived. */
export type TimedWrite = LdapWrite & { at: number };

export class LdapProxy {
  private readonly pairs = new Set<Pair>();
  private readonly drops: { match: WriteMatch; writes: LdapWrite[] }[] = [];
  private readonly isRanged: (attribute: string) => boolean;
  /** Every SearchRequest relayed, in order: where and what the client asked for. */
  readonly searches: TimedSearch[] = [];
  /** Every ModifyRequest and ModifyDNRequest, in order, relayed or dropped. */
  readonly writes: TimedWrite[] = [];

  private constructor(
    private readonly server: tls.Server,
    private readonly options: LdapProxyOptions,
    /** `ldaps://<host>:<port>`: the URL to give the client instead of the DC's. */
    readonly url: string,
  ) {
    const ranged = options.rangedAttributes && new Set(options.rangedAttributes.map((name) => name.toLowerCase()));
    this.isRanged = ranged ? (attribute) => ranged.has(attribute.toLowerCase()) : () => true;
  }

  get maxValRange(): number | undefined {
    return this.options.maxValRange;
  }

  static async start(options: LdapProxyOptions): Promise<LdapProxy> {
    const certificate = issueServerCertificate(options.ca, `ldap-proxy-${randomBytes(4).toString('hex')}`, { ip: [options.host] });
    const server = tls.createServer({ cert: certificate.certPem, key: certificate.keyPem, minVersion: 'TLSv1.2' });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, options.host, () => resolve());
    });
    const { port } = server.address() as net.AddressInfo;
    const proxy = new LdapProxy(server, options, `ldaps://${options.host}:${port}`);
    server.on('secureConnection', (client) => proxy.relay(client));
    // A client that fails its handshake (an untrusting test) is its own business, not the proxy's.
    server.on('tlsClientError', () => undefined);
    return proxy;
  }

  /** Turns on a silent-drop mode for the writes `match` accepts (every write without it). */
  dropWrites(match: WriteMatch = () => true): DroppedWrites {
    const drop = { match, writes: [] as LdapWrite[] };
    this.drops.push(drop);
    return {
      writes: drop.writes,
      stop: () => {
        const at = this.drops.indexOf(drop);
        if (at !== -1) this.drops.splice(at, 1);
      },
    };
  }

  private relay(client: tls.TLSSocket): void {
    const target = new URL(this.options.upstream.url);
    const upstream = tls.connect({
      host: target.hostname,
      port: Number(target.port || 636),
      ca: [this.options.upstream.caPem],
      servername: net.isIP(target.hostname) ? undefined : target.hostname,
    });
    const pair: Pair = { client, upstream, open: new Map() };
    this.pairs.add(pair);
    const end = (): void => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    const requests = new MessageFramer();
    const responses = new MessageFramer();
    client.on('data', (chunk: Buffer) => {
      try {
        for (const message of requests.push(chunk)) this.request(message, pair);
      } catch {
        end();
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      try {
        for (const message of responses.push(chunk)) client.write(this.response(message, pair));
      } catch {
        end();
      }
    });
  }

  private request(message: LdapMessage, { client, upstream, open }: Pair): void {
    const at = performance.now();
    if (message.operation === ProtocolOperation.LDAP_REQ_SEARCH) {
      const seen = attempt(() => readSearchRequest(message));
      if (seen) {
        const search = { ...seen, at };
        this.searches.push(search);
        open.set(message.messageId, search);
      }
    } else if (message.operation === ProtocolOperation.LDAP_REQ_MODIFY || message.operation === ProtocolOperation.LDAP_REQ_MODRDN) {
      const write = attempt(() => readWrite(message));
      if (write) this.writes.push({ ...write, at });
      const drop = write && this.drops.find(({ match }) => match(write.dn, write.changes, write));
      if (write && drop) {
        drop.writes.push(write);
        client.write(successResponse(message));
        return;
      }
    }
    upstream.write(message.bytes);
  }

  private response(message: LdapMessage, { open }: Pair): Buffer {
    // LDAP_RES_SEARCH is SearchResultDone (APPLICATION 5), the last answer to a search.
    const search = message.operation === ProtocolOperation.LDAP_RES_SEARCH ? open.get(message.messageId) : undefined;
    if (search) {
      search.ms = performance.now() - search.at;
      open.delete(message.messageId);
    }
    const { maxValRange } = this.options;
    if (maxValRange === undefined || message.operation !== ProtocolOperation.LDAP_RES_SEARCH_ENTRY) return message.bytes;
    return rangeEntry(message, maxValRange, this.isRanged);
  }

  async close(): Promise<void> {
    for (const { client, upstream } of [...this.pairs]) {
      client.destroy();
      upstream.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
