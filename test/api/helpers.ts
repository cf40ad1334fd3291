/** Shared helpers for the API tests: hand-made hosts, raw socket clients, temp dirs. */
import { connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApiHost, parseAddress } from '../../src/api/protocol.ts';

export function tempDir(prefix: string): { dir: string; path: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, path: (n) => join(dir, n), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function makeHost(over: Partial<ApiHost> = {}): ApiHost {
  return {
    firstSeen: 1700000000, lastSeen: 1700000100, totalConn: 1, lastNameId: -1, lastFlavor: null,
    httpNameId: -1, httpFlavor: null, linkType: null, language: null, badSw: 0, lastNat: 0, lastChg: 0,
    upModDays: 0, distance: 255, lastQuality: 0, lastUpMin: -1, ...over,
  };
}

/** A host table keyed by address text (IPv4-mapped folded to IPv4, as the engine keys it). */
export class HostTable {
  private readonly map = new Map<string, ApiHost>();
  lookups = 0;
  set(ip: string, h: ApiHost): void {
    const a = parseAddress(ip)!;
    this.map.set(key(a.ipVer, a.addr), h);
  }
  remove(ip: string): void {
    const a = parseAddress(ip)!;
    this.map.delete(key(a.ipVer, a.addr));
  }
  get(ip: string): ApiHost | undefined {
    const a = parseAddress(ip)!;
    return this.map.get(key(a.ipVer, a.addr));
  }
  lookup = (ipVer: 4 | 6, addr: Uint8Array): ApiHost | null => {
    this.lookups++;
    return this.map.get(key(ipVer, addr)) ?? null;
  };
}

function key(v: 4 | 6, a: Uint8Array): string {
  return `${v}/${Buffer.from(a.subarray(0, v === 4 ? 4 : 16)).toString('hex')}`;
}

/** A plain socket to the API with "read exactly n bytes" on top. */
export class RawClient {
  readonly sock: Socket;
  private buf = Buffer.alloc(0);
  private waiters: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void }[] = [];
  closed = false;
  readonly ready: Promise<void>;
  constructor(path: string, opts: { read?: boolean } = {}) {
    this.sock = connect({ path });
    this.ready = new Promise((res, rej) => {
      this.sock.once('connect', () => res());
      this.sock.once('error', rej);
    });
    this.ready.catch(() => {});
    this.sock.on('error', () => {});
    if (opts.read === false) this.sock.pause();
    this.sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.pump();
    });
    this.sock.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w.reject(new Error(`closed with ${this.buf.length} bytes buffered`));
    });
  }
  private pump(): void {
    while (this.waiters.length && this.buf.length >= this.waiters[0]!.n) {
      const w = this.waiters.shift()!;
      const out = this.buf.subarray(0, w.n);
      this.buf = this.buf.subarray(w.n);
      w.resolve(Buffer.from(out));
    }
  }
  write(b: Uint8Array): void {
    this.sock.write(b);
  }
  read(n: number, timeoutMs = 5000): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.closed && this.buf.length < n) return reject(new Error('closed'));
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${n} bytes (have ${this.buf.length})`)), timeoutMs);
      this.waiters.push({ n, resolve: (b) => { clearTimeout(t); resolve(b); }, reject: (e) => { clearTimeout(t); reject(e); } });
      this.pump();
    });
  }
  get buffered(): number {
    return this.buf.length;
  }
  destroy(): void {
    this.sock.destroy();
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Wait until cond() holds (polling), or fail after `ms`. */
export async function until(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}
