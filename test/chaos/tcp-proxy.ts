// A TCP relay between the action and the DC that can cut the connections in flight, as a firewall or a NAT timeout does.
import net from 'node:net';

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

export interface TcpCut {
  /** Connections cut. */
  connections: number;
  /** Bytes of the request that were dropped instead of relayed. */
  droppedBytes: number;
}

export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private armed: ((cut: TcpCut) => void) | undefined;
  private armedPairs = new Set<Pair>();
  /** Connections accepted so far. */
  accepted = 0;

  private constructor(
    private readonly server: net.Server,
    readonly host: string,
    readonly port: number,
  ) {}

  /** Listens on `host` (a free port) and relays every connection to `target`. */
  static async start(host: string, target: { host: string; port: number }): Promise<TcpProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    const proxy = new TcpProxy(server, host, (server.address() as net.AddressInfo).port);
    server.on('connection', (client) => proxy.relay(client, target));
    return proxy;
  }

  private relay(client: net.Socket, target: { host: string; port: number }): void {
    this.accepted++;
    const upstream = net.connect(target.port, target.host);
    const pair: Pair = { client, upstream };
    this.pairs.add(pair);
    const end = () => {
      this.pairs.delete(pair);
      this.armedPairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('data', (chunk: Buffer) => {
      if (this.armed && this.armedPairs.has(pair)) {
        // The request never reaches the DC: the client sees its connection drop with the request unanswered.
        const resolve = this.armed;
        this.armed = undefined;
        const connections = this.pairs.size;
        for (const open of [...this.pairs]) {
          open.client.resetAndDestroy();
          open.upstream.destroy();
        }
        resolve({ connections, droppedBytes: chunk.length });
        return;
      }
      upstream.write(chunk);
    });
  }

  /**
   * Arms the cut: the next request sent on a connection that is open now is dropped and every connection is reset.
   * Resolves once that happened. Connections opened later (a handshake) pass untouched.
   */
  cutNextRequest(signal: AbortSignal): Promise<TcpCut> {
    this.armedPairs = new Set(this.pairs);
    return new Promise<TcpCut>((resolve, reject) => {
      if (this.armedPairs.size === 0) {
        reject(new Error('no connection to the DC was open to cut'));
        return;
      }
      this.armed = resolve;
      signal.addEventListener('abort', () => {
        this.armed = undefined;
        reject(new Error('the run ended before it sent another request to the DC'));
      }, { once: true });
    });
  }

  async close(): Promise<void> {
    for (const pair of [...this.pairs]) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
