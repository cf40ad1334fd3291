/**
 * A client for p0f's API socket (ours or p0f 3.09b's).
 *
 * One persistent connection carries every query, pipelined: answers come back in query
 * order, so pending queries form a FIFO. Reads are buffered until a whole 232-byte answer
 * is there. A lost connection is re-made on the next query; queries that were in flight
 * on a connection that had worked are sent again once on a new one (queries are
 * idempotent), which makes a daemon restart invisible to callers.
 */
import { createConnection, type Socket } from 'node:net';
import {
  P0fBadQueryError, P0fConnectionError, P0fInvalidAddressError, P0fNoMatchError, P0fProtocolError,
  P0fTimeoutError,
} from './errors.ts';
import {
  decodeResponse, encodeQuery, NATIVE_LE, P0F_RESP_MAGIC, P0F_STATUS_BADQUERY, P0F_STATUS_NOMATCH,
  P0F_STATUS_OK, type P0fRawResponse, parseAddress, QUERY_SIZE, RESPONSE_SIZE, responseHead,
} from './protocol.ts';
import { type P0fHostInfo, parseHostInfo } from './result.ts';

export interface P0fClientOptions {
  /** Time allowed for one answer, in ms (default 1000). */
  timeout?: number;
  /** Time allowed to connect, in ms (default: `timeout`). */
  connectTimeout?: number;
  /**
   * How many times a query is sent again on a new connection when the connection it was
   * sent on is lost before the answer (default 1). Connect failures are not retried.
   */
  retries?: number;
  /** Byte order of the daemon (default: this machine's, as p0f uses). */
  littleEndian?: boolean;
}

export interface GetInfoOptions {
  /** Return the fields untouched (P0fRawResponse) instead of the parsed P0fHostInfo. */
  raw?: boolean;
  /** Overrides the client's timeout for this query (ms). */
  timeout?: number;
}

interface Pending {
  ip: string;
  raw: boolean;
  query: Buffer;
  resolve: (v: P0fHostInfo | P0fRawResponse) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | null;
  timeoutMs: number;
  /** Answered, failed or timed out: its answer (if one still comes) is skipped. */
  done: boolean;
  sends: number;
}

/** A connection and the queries written on it, oldest first. */
class Conn {
  readonly sock: Socket;
  readonly inflight: Pending[] = [];
  head = 0;
  /** Bytes of an incomplete answer. */
  rbuf: Buffer | null = null;
  established = false;
  connectTimer: NodeJS.Timeout | null = null;
  corked = false;
  constructor(sock: Socket) {
    this.sock = sock;
  }
  get size(): number {
    return this.inflight.length - this.head;
  }
  shift(): Pending | undefined {
    const p = this.inflight[this.head];
    if (p === undefined) return undefined;
    this.inflight[this.head++] = undefined as unknown as Pending;
    if (this.head > 1024 && this.head * 2 > this.inflight.length) {
      this.inflight.splice(0, this.head);
      this.head = 0;
    }
    return p;
  }
  drainAll(): Pending[] {
    const rest = this.inflight.slice(this.head);
    this.inflight.length = 0;
    this.head = 0;
    return rest;
  }
}

export class P0fClient {
  readonly path: string;
  private readonly timeout: number;
  private readonly connectTimeout: number;
  private readonly retries: number;
  private readonly le: boolean;
  private conn: Conn | null = null;
  private closed = false;

  constructor(path: string, opts: P0fClientOptions = {}) {
    this.path = path;
    this.timeout = opts.timeout ?? 1000;
    this.connectTimeout = opts.connectTimeout ?? this.timeout;
    this.retries = opts.retries ?? 1;
    this.le = opts.littleEndian ?? NATIVE_LE;
  }

  /** A connection is open (or being opened). */
  get connected(): boolean {
    return this.conn !== null;
  }

  /** Queries sent and not yet answered. */
  get pending(): number {
    return this.conn ? this.conn.size : 0;
  }

  /**
   * What p0f knows about `ip` (IPv4 or IPv6 text; IPv4-mapped IPv6 is asked as IPv4).
   * Rejects with P0fNoMatchError when p0f has no record, P0fBadQueryError,
   * P0fProtocolError, P0fConnectionError or P0fTimeoutError.
   */
  getInfo(ip: string, opts: GetInfoOptions & { raw: true }): Promise<P0fRawResponse>;
  getInfo(ip: string, opts?: GetInfoOptions & { raw?: false }): Promise<P0fHostInfo>;
  getInfo(ip: string, opts?: GetInfoOptions): Promise<P0fHostInfo | P0fRawResponse>;
  getInfo(ip: string, opts: GetInfoOptions = {}): Promise<P0fHostInfo | P0fRawResponse> {
    if (this.closed) return Promise.reject(new P0fConnectionError('the client is closed'));
    const addr = typeof ip === 'string' ? parseAddress(ip) : null;
    if (!addr) return Promise.reject(new P0fInvalidAddressError(String(ip)));
    const query = encodeQuery(addr, Buffer.allocUnsafe(QUERY_SIZE), 0, this.le);
    return new Promise((resolve, reject) => {
      const p: Pending = {
        ip, raw: opts.raw === true, query, resolve, reject, timer: null,
        timeoutMs: opts.timeout ?? this.timeout, done: false, sends: 0,
      };
      if (p.timeoutMs > 0 && Number.isFinite(p.timeoutMs)) {
        p.timer = setTimeout(() => this.onTimeout(p), p.timeoutMs);
      }
      this.send(p);
    });
  }

  /** Close the connection; pending and later queries fail with P0fConnectionError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const c = this.conn;
    this.conn = null;
    if (!c) return;
    for (const p of c.drainAll()) this.fail(p, new P0fConnectionError('the client was closed'));
    if (c.connectTimer) clearTimeout(c.connectTimer);
    await new Promise<void>((r) => {
      if (c.sock.destroyed) return r();
      c.sock.once('close', () => r());
      c.sock.destroy();
    });
  }

  // -------------------------------------------------------------------------------------

  private send(p: Pending): void {
    const c = this.conn ?? this.open();
    p.sends++;
    c.inflight.push(p);
    c.sock.ref();
    // Queries made in the same tick leave in one write.
    if (!c.corked) {
      c.corked = true;
      c.sock.cork();
      process.nextTick(() => {
        c.corked = false;
        c.sock.uncork();
      });
    }
    c.sock.write(p.query);
  }

  private open(): Conn {
    const sock = createConnection({ path: this.path });
    const c = new Conn(sock);
    this.conn = c;
    if (this.connectTimeout > 0 && Number.isFinite(this.connectTimeout)) {
      c.connectTimer = setTimeout(() => {
        c.connectTimer = null;
        if (!c.established) {
          this.failConn(c, new P0fTimeoutError(`connecting to p0f at ${this.path} timed out`, this.connectTimeout));
        }
      }, this.connectTimeout);
    }
    sock.on('connect', () => {
      c.established = true;
      if (c.connectTimer) clearTimeout(c.connectTimer);
      c.connectTimer = null;
    });
    sock.on('data', (d: Buffer) => this.onData(c, d));
    let lastErr: Error | undefined;
    sock.on('error', (e) => { lastErr = e; });
    sock.on('close', () => this.onClose(c, lastErr));
    return c;
  }

  private onData(c: Conn, d: Buffer): void {
    let buf = d;
    if (c.rbuf) {
      buf = Buffer.concat([c.rbuf, d]);
      c.rbuf = null;
    }
    let off = 0;
    while (buf.length - off >= RESPONSE_SIZE) {
      const p = c.shift();
      if (!p) {
        this.failConn(c, new P0fProtocolError('p0f sent an answer to no query'));
        return;
      }
      const { magic, status } = responseHead(buf, off, this.le);
      if (magic !== P0F_RESP_MAGIC) {
        // Framing is lost: nothing more on this connection can be trusted.
        this.fail(p, new P0fProtocolError(`bad response magic (0x${magic.toString(16).padStart(8, '0')})`));
        this.failConn(c, new P0fProtocolError('bad response magic on an earlier answer'));
        return;
      }
      if (!p.done) this.answer(p, status, buf, off);
      off += RESPONSE_SIZE;
    }
    if (off < buf.length) c.rbuf = off === 0 ? Buffer.from(buf) : Buffer.from(buf.subarray(off));
    if (c.size === 0) c.sock.unref();
  }

  private answer(p: Pending, status: number, buf: Buffer, off: number): void {
    switch (status) {
      case P0F_STATUS_OK: {
        let v: P0fHostInfo | P0fRawResponse;
        try {
          const raw = decodeResponse(buf, off, this.le);
          v = p.raw ? raw : parseHostInfo(raw);
        } catch (e) {
          this.fail(p, e as Error);
          return;
        }
        this.settle(p);
        p.resolve(v);
        return;
      }
      case P0F_STATUS_NOMATCH:
        this.fail(p, new P0fNoMatchError(p.ip));
        return;
      case P0F_STATUS_BADQUERY:
        this.fail(p, new P0fBadQueryError(p.ip));
        return;
      default:
        this.fail(p, new P0fProtocolError(`unknown status 0x${status.toString(16)} in p0f's answer`));
    }
  }

  private settle(p: Pending): void {
    p.done = true;
    if (p.timer) clearTimeout(p.timer);
    p.timer = null;
  }

  private fail(p: Pending, e: Error): void {
    if (p.done) return;
    this.settle(p);
    p.reject(e);
  }

  private onTimeout(p: Pending): void {
    p.timer = null;
    if (p.done) return;
    const c = this.conn;
    this.fail(p, new P0fTimeoutError(`p0f did not answer about ${p.ip} within ${p.timeoutMs} ms`, p.timeoutMs));
    // If the oldest query is the one that went unanswered, the daemon (or the connection)
    // is stuck: drop it, and let the others be asked again on a fresh connection.
    if (c && c.inflight[c.head] === p) c.sock.destroy();
  }

  /** Fail everything on a connection and drop it (no resend). */
  private failConn(c: Conn, e: Error): void {
    for (const p of c.drainAll()) this.fail(p, e);
    c.sock.destroy();
  }

  private onClose(c: Conn, err: Error | undefined): void {
    if (c.connectTimer) clearTimeout(c.connectTimer);
    c.connectTimer = null;
    if (this.conn === c) this.conn = null;
    const left = c.drainAll().filter((p) => !p.done);
    if (!left.length) return;
    const why = err
      ? `${c.established ? 'connection to' : 'cannot connect to'} p0f at ${this.path}: ${err.message}`
      : `p0f closed the connection at ${this.path}`;
    for (const p of left) {
      if (c.established && !this.closed && p.sends <= this.retries) this.send(p);
      else this.fail(p, new P0fConnectionError(why, err));
    }
  }
}
