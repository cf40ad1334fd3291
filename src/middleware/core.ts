/**
 * What the Express, Fastify and Koa middleware share: one persistent P0fClient, and a
 * lookup that never fails and never holds a request up for long.
 *
 *  - No data for the host, a bad address, a protocol error: null.
 *  - The daemon is down (no socket, refused, timed out): null, one log line for the outage
 *    (and one when it answers again), and for `retryAfterMs` no request even tries; after
 *    that, one request probes while the others go on without waiting.
 */
import { P0fClient } from '../api/client.ts';
import { P0fConnectionError, P0fNoMatchError, P0fProtocolError, P0fTimeoutError } from '../api/errors.ts';
import type { P0fHostInfo } from '../api/result.ts';

export type { P0fHostInfo } from '../api/result.ts';

export interface P0fMiddlewareOptions {
  /** The p0f API socket (p0f -s). Required unless `client` is given or `enabled` is false. */
  socketPath?: string;
  /** false: attach null and never connect (default true). */
  enabled?: boolean;
  /** Longest wait for p0f's answer, in ms (default 100). */
  timeout?: number;
  /** After p0f was found down, skip lookups for this long before trying again (ms, default 1000). */
  retryAfterMs?: number;
  /** Use this client instead of making one (it is not closed by the middleware). */
  client?: P0fClient;
  /**
   * Where outage messages go (default console.warn). Called once when p0f becomes
   * unreachable and once when it answers again, never per request.
   */
  log?: (message: string) => void;
}

/** The lookup the middleware run per request. */
export class P0fLookup {
  readonly enabled: boolean;
  private readonly client: P0fClient | null;
  private readonly ownClient: boolean;
  private readonly retryAfterMs: number;
  private readonly log: (m: string) => void;
  private downUntil = 0;
  private down = false;
  private probing = false;
  private protocolWarned = false;

  constructor(opts: P0fMiddlewareOptions = {}) {
    this.enabled = opts.enabled !== false;
    this.retryAfterMs = opts.retryAfterMs ?? 1000;
    // eslint-disable-next-line no-console
    this.log = opts.log ?? ((m) => console.warn(m));
    if (!this.enabled) {
      this.client = null;
      this.ownClient = false;
      return;
    }
    if (opts.client) {
      this.client = opts.client;
      this.ownClient = false;
    } else {
      if (!opts.socketPath) throw new TypeError('p0f middleware: socketPath is required (the p0f -s socket)');
      this.client = new P0fClient(opts.socketPath, { timeout: opts.timeout ?? 100, retries: 1 });
      this.ownClient = true;
    }
  }

  /** p0f is currently considered down. */
  get isDown(): boolean {
    return this.down;
  }

  /**
   * What p0f knows about `address` (the TCP peer, IPv4, IPv6 or IPv4-mapped), or null.
   * Never rejects.
   */
  async lookup(address: string | undefined | null): Promise<P0fHostInfo | null> {
    const client = this.client;
    if (!client || !address) return null;
    let probe = false;
    if (this.down) {
      if (Date.now() < this.downUntil || this.probing) return null;
      this.probing = probe = true;
    }
    try {
      const info = await client.getInfo(address);
      this.up();
      return info;
    } catch (e) {
      if (e instanceof P0fNoMatchError) {
        this.up();
      } else if (e instanceof P0fConnectionError || e instanceof P0fTimeoutError) {
        this.markDown(e);
      } else if (e instanceof P0fProtocolError) {
        if (!this.protocolWarned) {
          this.protocolWarned = true;
          this.log(`[p0f] the daemon at ${client.path} sent an answer that is not p0f's (${e.message}); ` +
            'requests go on without p0f data');
        }
      }
      // Bad or non-IP addresses (e.g. a unix socket peer): simply no data.
      return null;
    } finally {
      if (probe) this.probing = false;
    }
  }

  private up(): void {
    if (this.down) {
      this.down = false;
      this.log(`[p0f] the API at ${this.client!.path} answers again`);
    }
  }

  private markDown(e: Error): void {
    this.downUntil = Date.now() + this.retryAfterMs;
    if (!this.down) {
      this.down = true;
      this.log(`[p0f] cannot query p0f at ${this.client!.path} (${e.message}); ` +
        'requests go on without p0f data until it is back');
    }
  }

  /** Close the connection (when the middleware made it). */
  async close(): Promise<void> {
    if (this.client && this.ownClient) await this.client.close();
  }
}
