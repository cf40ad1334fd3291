/**
 * The -s API server: p0f's open_api() and the API half of live_event_loop(), answering
 * from the engine's host table on the same event loop that processes packets.
 *
 * On the wire it is p0f: one 232-byte answer per 21-byte query, in order, however the
 * queries are split or pipelined; a bad query gets a "bad query" answer and the
 * connection stays open. Where p0f can be stalled or killed by a client, this server is
 * not (see docs/deviations.md):
 *  - p0f exits (PFATAL) on a failed write and can die of SIGPIPE; here a client that goes
 *    away mid-answer only loses its connection;
 *  - p0f spins on a half-closed client; here pending answers are sent, then it is closed;
 *  - p0f leaves connections above -S in the listen backlog forever; here they wait in a
 *    queue, and when they do, a client that stopped reading its answers (or sits idle)
 *    for a while gives up its slot, so a few bad clients cannot lock out the others;
 *  - the socket file is removed on shutdown.
 */
import { chmodSync, lstatSync, statSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { Database } from '../db/types.ts';
import { P0fFatalError, strerror } from '../errors.ts';
import { type ApiAddon, loadApiAddon } from './native-io.ts';
import { type ApiHost, handleQuery, QUERY_SIZE, RESPONSE_SIZE } from './protocol.ts';

/** Queries answered per batch by the native core (shared buffers are sized for this). */
const BATCH = 4096;

/** sizeof(sockaddr_un.sun_path) on Linux: a path must fit with its NUL. */
const SUN_PATH_MAX = 108;
/** p0f's API_MODE: the socket file is created rw for everyone. */
export const API_MODE = 0o666;
/** p0f's API_MAX_CONN: the -S default. */
export const API_MAX_CONN = 20;

export interface ApiServerOptions {
  /** Socket file path (-s). */
  path: string;
  /** Simultaneous clients served (-S, 1..100 in the CLI). */
  maxConn: number;
  /** The host table: the engine's lookupHost. */
  lookupHost: (ipVer: 4 | 6, addr: Uint8Array) => ApiHost | null;
  /** The fingerprint database (only its name table is used). */
  db: Pick<Database, 'names'>;
  /** p0f's "[!] WARNING: ..." texts, without the prefix (p0f's own trailing "\n" kept). */
  onWarning?: (msg: string) => void;
  /** Connections accepted beyond maxConn and kept waiting for a slot (default 1024). */
  maxWaiting?: number;
  /**
   * While others wait for a slot, a client whose answers have gone unread for this long,
   * or that has sent nothing for this long, is disconnected to free its slot (ms, 1000).
   */
  yieldAfterMs?: number;
  /** Unread answer bytes queued for one client before its queries stop being read (64 KiB). */
  maxQueuedBytes?: number;
  /** At most this many warnings a second are passed on; the rest are counted (20). */
  warningsPerSecond?: number;
  /**
   * Use the native I/O core when it is built (default true): same behaviour, a fraction of
   * the cost per query. false: Node sockets only.
   */
  nativeIo?: boolean;
}

/** One client connection. */
class Client {
  readonly sock: Socket;
  /** Bytes of an incomplete query carried over between reads. */
  readonly partial = Buffer.alloc(QUERY_SIZE);
  partialLen = 0;
  /** Last time a query arrived or an answer was fully read (ms). */
  lastActive = Date.now();
  /** When the client stopped reading its answers (0 = it keeps up). */
  blockedSince = 0;
  active = false;
  gone = false;
  /** Id in the native core once adopted (-1: served through the Node socket). */
  nid = -1;
  /** When the reaper first saw a native client not reading its answers (0 = not). */
  blockedSeen = 0;
  constructor(sock: Socket) {
    this.sock = sock;
  }
}

export class ApiServer {
  readonly path: string;
  readonly maxConn: number;
  private readonly lookup: ApiServerOptions['lookupHost'];
  private readonly names: readonly string[];
  private readonly warnOut: (msg: string) => void;
  private readonly maxWaiting: number;
  private readonly yieldAfterMs: number;
  private readonly maxQueuedBytes: number;
  private readonly warnPerSec: number;

  private server: Server | null = null;
  private readonly active = new Set<Client>();
  private waiting: Client[] = [];
  private reaper: NodeJS.Timeout | null = null;
  private closing = false;
  /** dev/ino of the socket file we made, so shutdown removes ours and nothing else. */
  private sockId: { dev: number; ino: number } | null = null;
  private overflowWarned = false;
  private warnWindow = 0;
  private warnCount = 0;
  private warnSuppressed = 0;
  private readonly addon: ApiAddon | null;
  private nctx: object | null = null;
  private byNid: (Client | undefined)[] = [];
  private qbuf: Buffer | null = null;
  private qids: Int32Array | null = null;
  private rbuf: Buffer | null = null;

  /** Queries answered since listen() (all statuses). */
  queries = 0;

  constructor(opts: ApiServerOptions) {
    this.path = opts.path;
    this.maxConn = opts.maxConn;
    this.lookup = opts.lookupHost;
    this.names = opts.db.names;
    this.warnOut = opts.onWarning ?? (() => {});
    this.maxWaiting = opts.maxWaiting ?? 1024;
    this.yieldAfterMs = opts.yieldAfterMs ?? 1000;
    this.maxQueuedBytes = opts.maxQueuedBytes ?? 64 * 1024;
    this.warnPerSec = opts.warningsPerSecond ?? 20;
    this.addon = opts.nativeIo === false ? null : loadApiAddon();
    if (!Number.isInteger(this.maxConn) || this.maxConn < 1) throw new RangeError('maxConn must be a positive integer');
  }

  /** p0f's "[+] Listening on API socket ..." line (with its newline). */
  static listeningLine(path: string, maxConn: number): string {
    return `[+] Listening on API socket '${path}' (max ${maxConn} clients).\n`;
  }

  /** The native I/O core is in use. */
  get native(): boolean {
    return this.nctx !== null;
  }

  /** Clients being served / waiting for a slot. */
  get connections(): { active: number; waiting: number } {
    return { active: this.active.size, waiting: this.waiting.length };
  }

  /**
   * p0f's open_api(): refuse an over-long path or a non-socket in the way, remove a stale
   * socket, bind with mode 0666, listen. Rejects with p0f's P0fFatalError messages.
   */
  async listen(): Promise<void> {
    if (this.server) throw new Error('ApiServer.listen() called twice');
    const path = this.path;
    if (Buffer.byteLength(path) >= SUN_PATH_MAX) {
      throw new P0fFatalError('API socket filename is too long for sockaddr_un (blame Unix).', 'open_api(), p0f.c:272');
    }
    let st;
    try {
      st = statSync(path);
    } catch {
      st = null;
    }
    if (st && !st.isSocket()) throw new P0fFatalError(`'${path}' exists but is not a socket.`, 'open_api(), p0f.c:280');
    try {
      unlinkSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new P0fFatalError(`unlink('${path}') failed.`, 'open_api(), p0f.c:283', strerror(e));
      }
    }

    const server = createServer({ pauseOnConnect: true, allowHalfOpen: true }, (s) => this.onConnection(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => {
        this.server = null;
        reject(new P0fFatalError(`bind() on '${path}' failed.`, 'open_api(), p0f.c:288', strerror(e)));
      };
      server.once('error', onError);
      // p0f binds under umask(0777 ^ API_MODE) so the file is born with its final mode;
      // bind happens synchronously inside listen(). Worker threads cannot change the
      // umask: there the mode is set right after.
      let oldMask: number | null = null;
      try {
        oldMask = process.umask(0o777 ^ API_MODE);
      } catch { /* worker thread */ }
      try {
        server.listen({ path, backlog: 511 }, () => {
          server.off('error', onError);
          resolve();
        });
      } finally {
        if (oldMask !== null) process.umask(oldMask);
      }
    });
    try {
      const ls = lstatSync(path);
      this.sockId = { dev: ls.dev, ino: ls.ino };
      if ((ls.mode & 0o777) !== API_MODE) chmodSync(path, API_MODE);
    } catch { /* removed under us: nothing to fix */ }
    // Errors after start-up come from accept() (e.g. out of descriptors): p0f warns and
    // carries on, so do we.
    server.on('error', () => this.warn('Unable to handle API connection: accept() fails.'));
    if (this.addon) {
      this.qbuf = Buffer.alloc(BATCH * QUERY_SIZE);
      this.qids = new Int32Array(BATCH);
      this.rbuf = Buffer.alloc(BATCH * RESPONSE_SIZE);
      try {
        this.nctx = this.addon.create(this.qbuf, this.qids, this.rbuf, (n) => this.onBatch(n), (id) => this.onNativeClose(id));
      } catch {
        this.nctx = null;
      }
    }
  }

  /** Stop accepting, drop every client, remove the socket file. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.reaper) clearInterval(this.reaper);
    this.reaper = null;
    if (this.nctx) this.addon!.destroy(this.nctx);
    this.nctx = null;
    this.byNid = [];
    for (const c of this.active) c.sock.destroy();
    for (const c of this.waiting) c.sock.destroy();
    this.active.clear();
    this.waiting = [];
    const server = this.server;
    if (server) await new Promise<void>((r) => server.close(() => r()));
    this.flushSuppressed();
    // libuv removes the file when the handle closes; make sure, but only if it is still ours.
    if (this.sockId) {
      try {
        const ls = lstatSync(this.path);
        if (ls.dev === this.sockId.dev && ls.ino === this.sockId.ino) unlinkSync(this.path);
      } catch { /* already gone */ }
    }
  }

  // -------------------------------------------------------------------------------------

  private warn(msg: string): void {
    const now = Date.now();
    if (now - this.warnWindow >= 1000) {
      this.flushSuppressed();
      this.warnWindow = now;
      this.warnCount = 0;
    }
    if (this.warnCount++ < this.warnPerSec) this.warnOut(msg);
    else this.warnSuppressed++;
  }

  private flushSuppressed(): void {
    if (this.warnSuppressed) {
      const n = this.warnSuppressed;
      this.warnSuppressed = 0;
      this.warnOut(`${n} more API warning${n === 1 ? '' : 's'} suppressed.`);
    }
  }

  private onConnection(sock: Socket): void {
    if (this.closing) {
      sock.destroy();
      return;
    }
    const c = new Client(sock);
    sock.on('error', () => sock.destroy());
    sock.on('close', () => this.onClose(c));
    if (this.active.size < this.maxConn) {
      this.activate(c);
      return;
    }
    if (this.waiting.length >= this.maxWaiting) {
      sock.destroy();
      return;
    }
    if (!this.overflowWarned) {
      this.overflowWarned = true;
      // p0f's text, its extra newline included.
      this.warn('Too many API connections (use -S to adjust).\n');
    }
    this.waiting.push(c);
    this.startReaper();
    this.reap();
  }

  private activate(c: Client): void {
    c.active = true;
    c.lastActive = Date.now();
    this.active.add(c);
    const sock = c.sock;
    if (this.nctx) {
      const fd = (sock as unknown as { _handle?: { fd?: number } })._handle?.fd;
      if (typeof fd === 'number' && fd >= 0) {
        try {
          c.nid = this.addon!.adopt(this.nctx, fd);
        } catch {
          c.nid = -1;
        }
        if (c.nid >= 0) {
          // The native core holds its own descriptor: the Node socket can go (closing our
          // descriptor does not end the connection).
          this.byNid[c.nid] = c;
          sock.destroy();
          return;
        }
      }
    }
    sock.on('data', (d: Buffer) => this.onData(c, d));
    // The client half-closed: answer what it sent, then close (p0f would spin here).
    sock.on('end', () => sock.end());
    sock.on('drain', () => {
      c.blockedSince = 0;
      c.lastActive = Date.now();
      if (!c.gone) sock.resume();
    });
    sock.resume();
  }

  private onClose(c: Client): void {
    if (c.nid >= 0) return; // the Node socket of an adopted client: not the connection ending
    this.closed(c);
  }

  /** A connection ended (either way of serving it). */
  private closed(c: Client): void {
    c.gone = true;
    if (c.active) {
      c.active = false;
      this.active.delete(c);
      this.promote();
    } else {
      const i = this.waiting.indexOf(c);
      if (i >= 0) this.waiting.splice(i, 1);
    }
    if (!this.waiting.length) this.stopReaper();
  }

  private promote(): void {
    while (this.active.size < this.maxConn && this.waiting.length) {
      const c = this.waiting.shift()!;
      if (!c.gone) this.activate(c);
    }
    if (!this.waiting.length) {
      this.overflowWarned = false;
      this.stopReaper();
    }
  }

  private onData(c: Client, d: Buffer): void {
    const total = c.partialLen + d.length;
    const n = (total / QUERY_SIZE) | 0;
    c.lastActive = Date.now();
    if (n === 0) {
      d.copy(c.partial, c.partialLen);
      c.partialLen = total;
      return;
    }
    const out = Buffer.allocUnsafe(n * RESPONSE_SIZE);
    const warn = this.warnFn;
    let pos = 0;
    let k = 0;
    if (c.partialLen) {
      pos = QUERY_SIZE - c.partialLen;
      d.copy(c.partial, c.partialLen, 0, pos);
      handleQuery(c.partial, 0, this.lookup, this.names, out, 0, warn);
      k = 1;
    }
    for (; k < n; k++, pos += QUERY_SIZE) {
      handleQuery(d, pos, this.lookup, this.names, out, k * RESPONSE_SIZE, warn);
    }
    c.partialLen = d.length - pos;
    if (c.partialLen) d.copy(c.partial, 0, pos);
    this.queries += n;
    c.sock.write(out);
    // A client that does not read its answers stops being read: its queries wait in the
    // kernel, its slot may go to someone else (reap), nobody else is slowed.
    if (c.sock.writableLength > this.maxQueuedBytes) {
      c.blockedSince = Date.now();
      c.sock.pause();
    }
  }

  /** The native core's batch: `n` queries in qbuf (client ids in qids), answers into rbuf. */
  private onBatch(n: number): void {
    const q = this.qbuf!;
    const ids = this.qids!;
    const out = this.rbuf!;
    const warn = this.warnFn;
    const lookup = this.lookup;
    const names = this.names;
    const now = Date.now();
    let prev = -1;
    for (let i = 0; i < n; i++) {
      try {
        handleQuery(q, i * QUERY_SIZE, lookup, names, out, i * RESPONSE_SIZE, warn);
      } catch {
        // A lookup that throws must not take the batch (or the daemon) down.
        out.fill(0, i * RESPONSE_SIZE, (i + 1) * RESPONSE_SIZE);
        handleQuery(q, i * QUERY_SIZE, () => null, names, out, i * RESPONSE_SIZE);
      }
      const id = ids[i]!;
      if (id !== prev) {
        prev = id;
        const c = this.byNid[id];
        if (c) c.lastActive = now;
      }
    }
    this.queries += n;
  }

  private onNativeClose(id: number): void {
    const c = this.byNid[id];
    this.byNid[id] = undefined;
    if (c) this.closed(c);
  }

  private readonly warnFn = (m: string) => this.warn(m);

  private startReaper(): void {
    if (this.reaper) return;
    this.reaper = setInterval(() => this.reap(), Math.max(10, this.yieldAfterMs >> 2));
    this.reaper.unref();
  }

  private stopReaper(): void {
    if (this.reaper) clearInterval(this.reaper);
    this.reaper = null;
  }

  /** Free slots for waiting connections from clients that stall or sit idle. */
  private reap(): void {
    let need = this.waiting.length - (this.maxConn - this.active.size);
    if (need <= 0) {
      this.promote();
      return;
    }
    const now = Date.now();
    const victims: Client[] = [];
    for (const c of this.active) {
      let pendingOut = c.sock.writableLength;
      if (c.nid >= 0 && this.nctx) {
        const st = this.addon!.state(this.nctx, c.nid);
        pendingOut = st ? st[0] : 0;
        if (st && st[1]) {
          if (!c.blockedSeen) c.blockedSeen = now;
          c.blockedSince = c.blockedSeen;
        } else {
          c.blockedSeen = 0;
          c.blockedSince = 0;
        }
      }
      const stalled = c.blockedSince !== 0 && now - c.blockedSince >= this.yieldAfterMs;
      const idle = c.blockedSince === 0 && pendingOut === 0 && now - c.lastActive >= this.yieldAfterMs;
      if (stalled || idle) victims.push(c);
    }
    // Stalled clients first, then the longest idle.
    victims.sort((a, b) => (b.blockedSince ? 1 : 0) - (a.blockedSince ? 1 : 0) || a.lastActive - b.lastActive);
    for (const c of victims) {
      if (need-- <= 0) break;
      c.active = false;
      this.active.delete(c);
      if (c.nid >= 0 && this.nctx) {
        this.addon!.drop(this.nctx, c.nid);
        this.byNid[c.nid] = undefined;
      }
      c.gone = true;
      c.sock.destroy();
    }
    this.promote();
  }
}
