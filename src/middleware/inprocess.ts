/**
 * In-process p0f for a Node HTTP server: no daemon, no socket. The engine runs in the
 * server's own process, capturing the server's own interface (filtered to its port), and
 * the Express / Fastify / Koa middleware ask it directly:
 *
 *   import { p0f } from 'p0f/middleware/express';
 *   import { createInProcess } from 'p0f/middleware/inprocess';
 *
 *   const inproc = createInProcess();                 // settings: a SensorConfig
 *   app.use(p0f({ client: inproc.client }));          // req.p0f: P0fHostInfo | null
 *   const server = app.listen(8080, () => inproc.start(server));
 *
 * `inproc.client` is a P0fClient whose answers come from the engine instead of a socket,
 * so the middleware works unchanged. Before each answer the capture is drained (a
 * non-blocking read), and the capture delivers packets immediately: the packets of the
 * request being served have reached the engine by the time the middleware asks, so the
 * first request of a new visitor already carries its TCP (SYN) and HTTP fingerprint.
 *
 * Capturing needs the privileges any capture needs (root or CAP_NET_RAW) and the native
 * addon. See docs/middleware-inprocess.md.
 */
import { type AddressInfo, type Server, SocketAddress } from 'node:net';
import { P0fClient, type GetInfoOptions } from '../api/client.ts';
import { P0fInvalidAddressError, P0fNoMatchError } from '../api/errors.ts';
import { decodeResponse, encodeResponse, type P0fRawResponse, parseAddress } from '../api/protocol.ts';
import type { P0fHostInfo } from '../api/result.ts';
import { createSensor, hostInfoOf, listInterfaces, type SensorConfig, type SensorHandle } from '../control/api.ts';
import type { SensorHooks } from '../control/sensor.ts';
import type { Observation } from '../observation.ts';
import { addrToStr } from '../state/addr.ts';

export type { P0fHostInfo } from '../api/result.ts';

export interface InProcessOptions extends SensorConfig {
  /**
   * Connections whose observations are kept for connection() lookups (default 4096; the
   * oldest are forgotten first). 0 keeps none.
   */
  maxConnections?: number;
  /** Sensor hooks (status lines, warnings, capture tuning). */
  hooks?: SensorHooks;
}

/** What p0f saw of one TCP connection, by kind (the latest of each). */
export interface ConnectionObservations {
  /** The client's SYN: OS match, distance, raw_sig. */
  syn?: Observation;
  /** The client's link type from its MSS. */
  mtu?: Observation;
  /** The client's uptime from TCP timestamps. */
  uptime?: Observation;
  /** The client's HTTP request: application, language, raw_sig. */
  http?: Observation;
  /** Every observation about the client on this connection, in order. */
  all: Observation[];
}

/**
 * The interface a server bound to `address` receives its traffic on: the loopback
 * interface for a loopback address, the interface holding the address, and 'any' for a
 * wildcard (0.0.0.0, ::) or an address no interface holds.
 */
export function interfaceFor(address: string): string {
  const a = parseAddress(address);
  if (!a || a.addr.every((b) => b === 0)) return 'any';
  // The usual text form, as listInterfaces() gives addresses.
  const text = a.ipVer === 4
    ? addrToStr(a.addr, 4)
    : new SocketAddress({ address: addrToStr(a.addr, 6), family: 'ipv6' }).address;
  const list = listInterfaces();
  for (const i of list) {
    if (i.addresses.some((x) => x.family === a.ipVer && x.address === text)) return i.name;
  }
  if ((a.ipVer === 4 && a.addr[0] === 127) || text === '::1') return list.find((i) => i.loopback)?.name ?? 'any';
  return 'any';
}

/**
 * A P0fClient answered by an in-process sensor: getInfo() looks the host up in the
 * engine's table (after draining the capture) and answers exactly as the API socket would
 * (P0fHostInfo, or P0fNoMatchError / P0fInvalidAddressError).
 */
export class InProcessClient extends P0fClient {
  private readonly source: () => SensorHandle | null;

  constructor(source: () => SensorHandle | null, label = 'in-process sensor') {
    super(label);
    this.source = source;
  }

  override getInfo(ip: string, opts: GetInfoOptions & { raw: true }): Promise<P0fRawResponse>;
  override getInfo(ip: string, opts?: GetInfoOptions & { raw?: false }): Promise<P0fHostInfo>;
  override getInfo(ip: string, opts?: GetInfoOptions): Promise<P0fHostInfo | P0fRawResponse>;
  override getInfo(ip: string, opts: GetInfoOptions = {}): Promise<P0fHostInfo | P0fRawResponse> {
    const a = typeof ip === 'string' ? parseAddress(ip) : null;
    if (!a) return Promise.reject(new P0fInvalidAddressError(String(ip)));
    const h = this.source();
    const engine = h?.engine;
    if (!h || !engine) return Promise.reject(new P0fNoMatchError(ip));
    h.drain();
    const host = engine.lookupHost(a.ipVer, a.addr);
    if (!host) return Promise.reject(new P0fNoMatchError(ip));
    return Promise.resolve(opts.raw ? decodeResponse(encodeResponse(host, engine.db.names)) : hostInfoOf(host, engine.db));
  }

  /** Nothing to close: the sensor belongs to the InProcessP0f. */
  override async close(): Promise<void> {}
}

/**
 * The in-process sensor for one server. Not started until start(); until then (and after
 * stop()) lookups find nothing and the middleware attaches null.
 */
export class InProcessP0f {
  /** Give this to the middleware: `p0f({ client: inproc.client })`. */
  readonly client: InProcessClient;
  private readonly options: InProcessOptions;
  private handle: SensorHandle | null = null;
  private readonly conns = new Map<string, ConnectionObservations>();
  private readonly maxConns: number;

  constructor(options: InProcessOptions = {}) {
    const { maxConnections, hooks, ...config } = options;
    this.options = { ...config, hooks };
    this.maxConns = maxConnections ?? 4096;
    this.client = new InProcessClient(() => this.handle, 'in-process sensor');
  }

  /** The running sensor (observations, stats); null when not started. */
  get sensor(): SensorHandle | null {
    return this.handle;
  }

  /**
   * Start capturing. With `server` (listening, or about to), the interface and filter
   * follow it unless given in the options: the interface its address is on
   * (interfaceFor) and "tcp port <its port>". Resolves once packets flow; rejects with
   * p0f's error (P0fFatalError) when the capture cannot be opened.
   */
  async start(server?: Server): Promise<SensorHandle> {
    if (this.handle) return this.handle;
    const { hooks, ...config } = this.options;
    const s: SensorConfig = { ...config };
    if (server) {
      const addr = await listeningAddress(server);
      if (s.iface === undefined && s.readFile === undefined) s.iface = interfaceFor(addr.address);
      if (s.filterRule === undefined) s.filterRule = `tcp port ${addr.port}`;
    }
    const h = createSensor(s, {
      ...hooks,
      // Immediate delivery: drain() then sees the packets of the request being served.
      capture: { immediate: true, ...hooks?.capture },
    });
    if (this.maxConns > 0) h.on('observation', (o) => this.record(o));
    await h.start();
    this.handle = h;
    return h;
  }

  /** What p0f knows about the host (as the API would answer), or null. */
  lookup(ip: string): P0fHostInfo | null {
    const h = this.handle;
    if (!h) return null;
    h.drain();
    try {
      return h.lookup(ip);
    } catch {
      return null;
    }
  }

  /**
   * What p0f saw of one connection, by its remote address and port (e.g. a request's
   * `req.socket`): the SYN's and the HTTP request's signatures, link and uptime. Null when
   * nothing was seen (or the connection is older than the last `maxConnections`).
   */
  connection(socket: { remoteAddress?: string; remotePort?: number }): ConnectionObservations | null {
    this.handle?.drain();
    if (!socket.remoteAddress || !socket.remotePort) return null;
    const k = connKey(socket.remoteAddress, socket.remotePort);
    return k === null ? null : this.conns.get(k) ?? null;
  }

  /** Stop capturing (p0f's clean stop) and forget the connections. */
  async stop(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    this.conns.clear();
    if (h) await h.stop();
  }

  private record(o: Observation): void {
    if (o.subject !== 'cli') return;
    const k = `${o.client.addr}/${o.client.port}`;
    let c = this.conns.get(k);
    if (!c) {
      c = { all: [] };
      this.conns.set(k, c);
      if (this.conns.size > this.maxConns) this.conns.delete(this.conns.keys().next().value!);
    }
    c.all.push(o);
    if (o.kind === 'syn') c.syn = o;
    else if (o.kind === 'mtu') c.mtu = o;
    else if (o.kind === 'uptime') c.uptime = o;
    else if (o.kind === 'http request') c.http = o;
  }
}

/** The observation key of a connection: the address as p0f prints it, and the port. */
function connKey(address: string, port: number): string | null {
  const a = parseAddress(address);
  return a ? `${addrToStr(a.addr, a.ipVer)}/${port}` : null;
}

function listeningAddress(server: Server): Promise<AddressInfo> {
  const now = server.address();
  if (now && typeof now === 'object') return Promise.resolve(now);
  if (typeof now === 'string') return Promise.reject(new TypeError('in-process p0f: the server listens on a unix socket, not TCP'));
  return new Promise((resolve, reject) => {
    server.once('listening', () => {
      const a = server.address();
      if (a && typeof a === 'object') resolve(a);
      else reject(new TypeError('in-process p0f: the server listens on a unix socket, not TCP'));
    });
  });
}

/** An in-process sensor (not started): see InProcessP0f. */
export function createInProcess(options: InProcessOptions = {}): InProcessP0f {
  return new InProcessP0f(options);
}

/** createInProcess() and start(server). */
export async function startInProcess(server?: Server, options: InProcessOptions = {}): Promise<InProcessP0f> {
  const p = new InProcessP0f(options);
  await p.start(server);
  return p;
}
