/**
 * The fingerprinting engine: p0f's parse_packet + flow_dispatch driving the modules.
 *
 * Frames go in (already filtered, see engine/pipeline), observations come out through
 * listeners. Everything runs synchronously on the caller's stack and on the capture's
 * clock, so a file replay gives the same result however fast it is read.
 */
import type { Database } from '../db/types.ts';
import { LinkDecoder } from '../decode/link.ts';
import { PacketData, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../decode/packet.ts';
import type { FpContext } from '../fingerprint/context.ts';
import { processHttp } from '../fingerprint/http.ts';
import { fingerprintMtu } from '../fingerprint/mtu.ts';
import { fingerprintTcp } from '../fingerprint/tcp.ts';
import { checkTsTcp } from '../fingerprint/uptime.ts';
import type { Observation, ObservationField, ObservationKind } from '../observation.ts';
import { Tracker, type TrackerLimits } from '../state/tracker.ts';
import type { Flow, HostData } from '../state/types.ts';
import { DEFAULTS } from '../control/settings.ts';

/** p0f's EXPIRE_INTERVAL: expiry is considered every this many packets. */
const EXPIRE_INTERVAL = 50;
/** p0f's MAX_FLOW_DATA: bytes kept per direction for the application modules. */
export const MAX_FLOW_DATA = 8192;

export interface EngineOptions {
  db: Database;
  limits?: Partial<TrackerLimits>;
  /** Reading a capture file (-r): p0f does not warn about table pruning then. */
  offline?: boolean;
  /** p0f's "[!] WARNING: ..." messages (text without the prefix). */
  onWarning?: (msg: string) => void;
}

export type ObservationListener = (obs: Observation) => void;

export class Engine implements FpContext {
  readonly db: Database;
  readonly tracker: Tracker;
  nowSec = 0;
  nowMs = 0;
  /** Frames handed to the engine (p0f's packet_cnt: what passed the filter). */
  packetCount = 0;

  private readonly pk = new PacketData();
  /**
   * Where a flow's first payload segment is parsed: most HTTP messages arrive in one
   * segment and are done with at once, so they never need a buffer of their own.
   */
  private readonly scratch = Buffer.allocUnsafe(MAX_FLOW_DATA);
  private readonly decoder: LinkDecoder;
  private readonly listeners: ObservationListener[] = [];
  private readonly warn: (msg: string) => void;

  constructor(opts: EngineOptions) {
    this.db = opts.db;
    this.warn = opts.onWarning ?? (() => {});
    const limits: TrackerLimits = {
      maxConn: opts.limits?.maxConn ?? DEFAULTS.maxConn,
      maxHosts: opts.limits?.maxHosts ?? DEFAULTS.maxHosts,
      connMaxAge: opts.limits?.connMaxAge ?? DEFAULTS.connMaxAge,
      hostIdleLimit: opts.limits?.hostIdleLimit ?? DEFAULTS.hostIdleLimit,
    };
    this.tracker = new Tracker(limits, opts.offline ?? false, { onWarning: this.warn });
    this.decoder = new LinkDecoder(this.warn);
  }

  onObservation(fn: ObservationListener): () => void {
    this.listeners.push(fn);
    return () => {
      const i = this.listeners.indexOf(fn);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** What the API answers from: the host record for an address, if tracked. */
  lookupHost(ipVer: 4 | 6, addr: Uint8Array): HostData | null {
    return this.tracker.lookupHost(addr, ipVer);
  }

  /** Feed one captured frame (p0f's parse_packet entry). Never throws on bad bytes. */
  processFrame(linktype: number, tsSec: number, tsUsec: number, buf: Uint8Array, off: number,
               caplen: number, wirelen: number): void {
    this.packetCount++;
    this.nowSec = tsSec;
    this.nowMs = tsSec * 1000 + Math.floor(tsUsec / 1000);
    if (this.packetCount % EXPIRE_INTERVAL === 0) this.tracker.expire(tsSec);
    const pk = this.pk;
    if (!this.decoder.decode(linktype, buf, off, caplen, wirelen, pk)) return;
    pk.tsSec = tsSec;
    pk.tsUsec = tsUsec;
    this.dispatch(pk);
  }

  /** FpContext: build the observation record and hand it to every listener. */
  observe(kind: ObservationKind, toSrv: boolean, f: Flow, fields: ObservationField[]): void {
    const obs: Observation = {
      kind,
      time: this.nowSec,
      timeMs: this.nowMs,
      ipVersion: f.client.ipVer,
      client: { addr: f.client.addr, port: f.cliPort },
      server: { addr: f.server.addr, port: f.srvPort },
      subject: toSrv ? 'cli' : 'srv',
      fields,
    };
    for (const l of this.listeners) l(obs);
  }

  /** The scratch buffer holding a flow's first `n` payload bytes. */
  private firstSegment(src: Uint8Array, off: number, n: number): Buffer {
    this.scratch.set(src.subarray(off, off + n), 0);
    return this.scratch;
  }

  /** p0f's flow_dispatch. */
  private dispatch(pk: PacketData): void {
    const tr = this.tracker;
    let f = tr.lookupFlow(pk.src, pk.dst, pk.ipVer, pk.sport, pk.dport);
    const toSrv = f ? tr.lastToSrv : false;

    switch (pk.tcpType) {
      case TCP_SYN: {
        if (f) {
          // A retransmitted SYN of the same connection changes nothing.
          if (toSrv && ((f.nextCliSeq - 1) >>> 0) === pk.seq) return;
          tr.destroyFlow(f);
        }
        f = tr.createFlowFromSyn(pk.src, pk.dst, pk.ipVer, pk.sport, pk.dport, pk.seq, this.nowSec);
        const tsig = fingerprintTcp(this, true, pk, f);
        // Application signatures (NMap...) end the flow: no MTU, uptime or HTTP for them.
        if (!tsig && !f.sendsyn) {
          tr.destroyFlow(f);
          return;
        }
        fingerprintMtu(this, true, pk, f);
        checkTsTcp(this, true, pk, f);
        // Kept only now: the uptime check above compares against the previous SYN.
        if (tsig) f.client.lastSyn = tsig;
        return;
      }

      case TCP_SYN | TCP_ACK: {
        if (!f) return;
        if (f.sendsyn) {
          fingerprintTcp(this, false, pk, f);
          tr.destroyFlow(f);
          return;
        }
        if (toSrv) return;
        if (f.acked) return;
        f.acked = true;
        const tsig = fingerprintTcp(this, false, pk, f);
        if (!tsig) {
          tr.destroyFlow(f);
          return;
        }
        fingerprintMtu(this, false, pk, f);
        checkTsTcp(this, false, pk, f);
        f.server.lastSynack = tsig;
        f.nextSrvSeq = (pk.seq + 1) >>> 0;
        return;
      }

      case TCP_RST | TCP_ACK:
      case TCP_RST:
      case TCP_FIN | TCP_ACK:
      case TCP_FIN:
        if (f) {
          checkTsTcp(this, toSrv, pk, f);
          tr.destroyFlow(f);
        }
        return;

      case TCP_ACK: {
        if (!f) return;
        if (f.sendsyn || !f.acked) {
          tr.destroyFlow(f);
          return;
        }
        if (toSrv) {
          // No reassembly: only in-order data is collected.
          if (f.nextCliSeq !== pk.seq) return;
          if (f.reqLen < MAX_FLOW_DATA && pk.payLen) {
            const n = Math.min(pk.payLen, MAX_FLOW_DATA - f.reqLen);
            // Bytes the HTTP module will never read again are only counted.
            if (f.inHttp >= 0 && !f.httpReqDone) {
              f.request = f.reqLen ? appendData(f.request, f.reqLen, pk.payload, pk.payOff, n)
                : this.firstSegment(pk.payload, pk.payOff, n);
            }
            f.reqLen += n;
          }
          checkTsTcp(this, true, pk, f);
          f.nextCliSeq = (f.nextCliSeq + pk.payLen) >>> 0;
        } else {
          if (f.nextSrvSeq !== pk.seq) return;
          if (f.respLen < MAX_FLOW_DATA && pk.payLen) {
            const n = Math.min(pk.payLen, MAX_FLOW_DATA - f.respLen);
            if (f.inHttp >= 0) {
              f.response = f.respLen ? appendData(f.response, f.respLen, pk.payload, pk.payOff, n)
                : this.firstSegment(pk.payload, pk.payOff, n);
            }
            f.respLen += n;
          }
          checkTsTcp(this, false, pk, f);
          f.nextSrvSeq = (f.nextSrvSeq + pk.payLen) >>> 0;
        }
        if (!pk.payLen) return;
        const needMore = processHttp(this, toSrv, f);
        // A first segment parsed in the scratch buffer gets a buffer of its own only if
        // the HTTP module may still read it.
        if (f.request === this.scratch) f.request = f.inHttp >= 0 && !f.httpReqDone ? ownCopy(this.scratch, f.reqLen) : null;
        if (f.response === this.scratch) f.response = f.inHttp >= 0 ? ownCopy(this.scratch, f.respLen) : null;
        if (!needMore) tr.destroyFlow(f);
        else if (f.reqLen >= MAX_FLOW_DATA && f.respLen >= MAX_FLOW_DATA) tr.destroyFlow(f);
        return;
      }

      default:
        this.warn(`Huh. Unexpected packet type 0x${pk.tcpType.toString(16).padStart(2, '0')} in flow_dispatch().`);
    }
  }
}

/** A flow buffer of its own holding `scratch[0, len)` (sized as appendData grows them). */
function ownCopy(scratch: Buffer, len: number): Buffer {
  let cap = 512;
  while (cap < len) cap <<= 1;
  if (cap > MAX_FLOW_DATA) cap = MAX_FLOW_DATA;
  const b = Buffer.allocUnsafe(cap);
  scratch.copy(b, 0, 0, len);
  return b;
}

/** Append payload bytes to a flow buffer, growing it geometrically up to MAX_FLOW_DATA. */
function appendData(dst: Buffer | null, len: number, src: Uint8Array, off: number, n: number): Buffer {
  const need = len + n;
  if (!dst || dst.length < need) {
    let cap = dst ? dst.length : 512;
    while (cap < need) cap <<= 1;
    if (cap > MAX_FLOW_DATA) cap = MAX_FLOW_DATA;
    const grown = Buffer.allocUnsafe(cap);
    if (dst && len) dst.copy(grown, 0, 0, len);
    dst = grown;
  }
  dst.set(src.subarray(off, off + n), len);
  return dst;
}
