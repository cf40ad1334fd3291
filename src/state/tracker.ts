/**
 * Host and flow tables with p0f's limits, pruning and expiry (process.c).
 *
 * Semantics kept from p0f: hosts are ordered by last SYN touch, flows by creation;
 * creating past the limit deletes the oldest 1 + 10% entries; expiry runs on the
 * capture's clock; a host's last_seen moves only when a SYN creates a flow for it.
 * Bucket counts differ from p0f (they scale with the limits): they only spread the
 * chains and never change which record is found.
 */
import { addrToStr, type AddrWords, addrWords, wordsHash } from './addr.ts';
import { Flow, HostData } from './types.ts';

/** p0f's KILL_PERCENT. */
const KILL_PERCENT = 10;

export interface TrackerLimits {
  maxConn: number;
  maxHosts: number;
  /** Seconds. */
  connMaxAge: number;
  /** Minutes. */
  hostIdleLimit: number;
}

export interface TrackerEvents {
  /** p0f's WARN, only in live mode (p0f stays quiet about pruning with -r). */
  onWarning?: ((msg: string) => void) | undefined;
  /** Called before a flow's memory is dropped (its HTTP state can be released). */
  onFlowDestroyed?: ((f: Flow) => void) | undefined;
}

function bucketCountFor(limit: number): number {
  let n = 256;
  while (n < limit && n < (1 << 20)) n <<= 1;
  return n;
}

export class Tracker {
  readonly limits: TrackerLimits;
  private readonly events: TrackerEvents;

  private readonly hostBuckets: (HostData | null)[];
  private readonly hostMask: number;
  /** Oldest and newest host (p0f's host_by_age / newest_host). */
  private hostOldest: HostData | null = null;
  private hostNewest: HostData | null = null;
  hostCount = 0;

  private readonly flowBuckets: (Flow | null)[];
  private readonly flowMask: number;
  private flowOldest: Flow | null = null;
  private flowNewest: Flow | null = null;
  flowCount = 0;

  /** Last second at which expiry ran (p0f's static pt). */
  private lastExpiry = -1;
  /** Live mode warns when pruning; offline (-r) does not. */
  offline: boolean;

  constructor(limits: TrackerLimits, offline: boolean, events: TrackerEvents = {}) {
    this.limits = limits;
    this.offline = offline;
    this.events = events;
    const hb = bucketCountFor(limits.maxHosts);
    this.hostBuckets = new Array<HostData | null>(hb).fill(null);
    this.hostMask = hb - 1;
    const fb = bucketCountFor(limits.maxConn);
    this.flowBuckets = new Array<Flow | null>(fb).fill(null);
    this.flowMask = fb - 1;
  }

  // ---------------------------------------------------------------- hosts

  /** Scratch words for lookups (no allocation per packet). */
  private readonly sw: AddrWords = { w0: 0, w1: 0, w2: 0, w3: 0 };
  private readonly dw: AddrWords = { w0: 0, w1: 0, w2: 0, w3: 0 };

  lookupHost(addr: Uint8Array, ipVer: 4 | 6): HostData | null {
    return this.findHost(addrWords(addr, ipVer, this.sw), ipVer);
  }

  private findHost(w: AddrWords, ipVer: 4 | 6): HostData | null {
    let h = this.hostBuckets[wordsHash(w) & this.hostMask] ?? null;
    while (h) {
      if (h.w0 === w.w0 && h.w1 === w.w1 && h.w2 === w.w2 && h.w3 === w.w3 && h.ipVer === ipVer) return h;
      h = h.next;
    }
    return null;
  }

  /** All hosts, oldest first. */
  *hosts(): IterableIterator<HostData> {
    for (let h = this.hostOldest; h; h = h.newer) yield h;
  }

  private createHost(addr: Uint8Array, w: AddrWords, ipVer: 4 | 6, now: number): HostData {
    if (this.hostCount > this.limits.maxHosts) this.nukeHosts();
    // Kept to 30 bits: a small integer field, not a boxed number on every record (only
    // the low bits select a bucket).
    const hash = wordsHash(w) & 0x3fffffff;
    const h = new HostData(ipVer, addrToStr(addr, ipVer), w, hash, now);
    const b = hash & this.hostMask;
    h.next = this.hostBuckets[b]!;
    this.hostBuckets[b] = h;
    if (this.hostNewest) {
      this.hostNewest.newer = h;
      h.older = this.hostNewest;
    } else {
      this.hostOldest = h;
    }
    this.hostNewest = h;
    this.hostCount++;
    return h;
  }

  private touchHost(h: HostData, now: number): void {
    if (h !== this.hostNewest) {
      // Unlink (h has a newer neighbour since it is not the newest) and append.
      h.newer!.older = h.older;
      if (h.older) h.older.newer = h.newer; else this.hostOldest = h.newer;
      this.hostNewest!.newer = h;
      h.older = this.hostNewest;
      h.newer = null;
      this.hostNewest = h;
    }
    h.lastSeen = now;
  }

  private destroyHost(h: HostData): void {
    if (h.useCnt) throw new Error('Attempt to destroy used host data.');
    const b = h.hash & this.hostMask;
    let p = this.hostBuckets[b] ?? null;
    if (p === h) this.hostBuckets[b] = h.next;
    else {
      while (p && p.next !== h) p = p.next;
      if (p) p.next = h.next;
    }
    if (h.newer) h.newer.older = h.older; else this.hostNewest = h.older;
    if (h.older) h.older.newer = h.newer; else this.hostOldest = h.newer;
    h.next = h.older = h.newer = null;
    this.hostCount--;
  }

  private nukeHosts(): void {
    let kcnt = 1 + Math.floor(this.hostCount * KILL_PERCENT / 100);
    if (!this.offline) this.events.onWarning?.(`Too many host entries, deleting ${kcnt}. Use -m to adjust.`);
    this.nukeFlows(true);
    let target = this.hostOldest;
    while (kcnt && target) {
      const next = target.newer;
      if (!target.useCnt) {
        kcnt--;
        this.destroyHost(target);
      }
      target = next;
    }
  }

  // ---------------------------------------------------------------- flows

  /**
   * Symmetric flow hash: swapping source and destination gives the same bucket. 30 bits,
   * as for hosts.
   */
  private static flowHash(s: AddrWords, d: AddrWords, sport: number, dport: number): number {
    return (wordsHash(s) ^ wordsHash(d) ^ Math.imul(sport ^ dport, 0x9e3779b1)) & 0x3fffffff;
  }

  /** Direction of the last successful lookupFlow: true = client to server. */
  lastToSrv = false;

  lookupFlow(src: Uint8Array, dst: Uint8Array, ipVer: 4 | 6, sport: number, dport: number): Flow | null {
    const s = addrWords(src, ipVer, this.sw);
    const d = addrWords(dst, ipVer, this.dw);
    let f = this.flowBuckets[Tracker.flowHash(s, d, sport, dport) & this.flowMask] ?? null;
    while (f) {
      const c = f.client;
      const v = f.server;
      if (c.ipVer === ipVer) {
        if (sport === f.cliPort && dport === f.srvPort && sameWords(c, s) && sameWords(v, d)) {
          this.lastToSrv = true;
          return f;
        }
        if (dport === f.cliPort && sport === f.srvPort && sameWords(c, d) && sameWords(v, s)) {
          this.lastToSrv = false;
          return f;
        }
      }
      f = f.next;
    }
    return null;
  }

  createFlowFromSyn(src: Uint8Array, dst: Uint8Array, ipVer: 4 | 6, sport: number, dport: number,
                    seq: number, now: number): Flow {
    if (this.flowCount > this.limits.maxConn) this.nukeFlows(false);

    const s = addrWords(src, ipVer, this.sw);
    let client = this.findHost(s, ipVer);
    if (client) this.touchHost(client, now); else client = this.createHost(src, s, ipVer, now);
    const d = addrWords(dst, ipVer, this.dw);
    let server = this.findHost(d, ipVer);
    if (server) this.touchHost(server, now); else server = this.createHost(dst, d, ipVer, now);

    client.useCnt++;
    server.useCnt++;
    client.totalConn++;
    server.totalConn++;

    // s and d still hold the two addresses (nothing above reuses the scratch words).
    const hash = Tracker.flowHash(s, d, sport, dport);
    const f = new Flow(hash, client, server, sport, dport, seq, now);
    const b = hash & this.flowMask;
    f.next = this.flowBuckets[b]!;
    this.flowBuckets[b] = f;
    if (this.flowNewest) {
      this.flowNewest.newer = f;
      f.older = this.flowNewest;
    } else {
      this.flowOldest = f;
    }
    this.flowNewest = f;
    this.flowCount++;
    return f;
  }

  destroyFlow(f: Flow): void {
    const b = f.hash & this.flowMask;
    let p = this.flowBuckets[b] ?? null;
    if (p === f) this.flowBuckets[b] = f.next;
    else {
      while (p && p.next !== f) p = p.next;
      if (p) p.next = f.next;
    }
    if (f.newer) f.newer.older = f.older; else this.flowNewest = f.older;
    if (f.older) f.older.newer = f.newer; else this.flowOldest = f.newer;
    f.next = f.older = f.newer = null;
    f.client.useCnt--;
    f.server.useCnt--;
    this.events.onFlowDestroyed?.(f);
    f.request = f.response = null;
    f.httpTmp = null;
    this.flowCount--;
  }

  private nukeFlows(silent: boolean): void {
    let kcnt = 1 + Math.floor(this.flowCount * KILL_PERCENT / 100);
    if (!silent && !this.offline) {
      this.events.onWarning?.(`Too many tracked connections, deleting ${kcnt}. Use -m to adjust.`);
    }
    while (kcnt-- && this.flowOldest) this.destroyFlow(this.flowOldest);
  }

  /** p0f's expire_cache: at most once per clock second. */
  expire(now: number): void {
    if (now === this.lastExpiry) return;
    this.lastExpiry = now;
    // p0f compares u32 differences: a clock that went backwards wraps to a huge age.
    while (this.flowOldest && ((now - this.flowOldest.created) >>> 0) > this.limits.connMaxAge) {
      this.destroyFlow(this.flowOldest);
    }
    const idle = this.limits.hostIdleLimit * 60;
    let target = this.hostOldest;
    while (target && ((now - target.lastSeen) >>> 0) > idle) {
      const newer = target.newer;
      if (!target.useCnt) this.destroyHost(target);
      target = newer;
    }
  }

  /** Drop everything (shutdown). */
  clear(): void {
    while (this.flowOldest) this.destroyFlow(this.flowOldest);
    while (this.hostOldest) this.destroyHost(this.hostOldest);
  }
}

function sameWords(h: HostData, w: AddrWords): boolean {
  return h.w0 === w.w0 && h.w1 === w.w1 && h.w2 === w.w2 && h.w3 === w.w3;
}
