import { addrWords } from '../../src/state/addr.ts';
/**
 * Shared fixtures for the tcp / mtu / uptime unit tests: a recording FpContext, flows on
 * fresh hosts, small inline databases and PacketData built from p0f.fp-like text.
 */
import { parseDatabase } from '../../src/db/readfp.ts';
import type { Database } from '../../src/db/types.ts';
import { PacketData, TCP_ACK, TCP_SYN } from '../../src/decode/packet.ts';
import type { FpContext } from '../../src/fingerprint/context.ts';
import type { ObservationField, ObservationKind } from '../../src/observation.ts';
import { Flow, HostData } from '../../src/state/types.ts';

export interface Seen {
  kind: ObservationKind;
  toSrv: boolean;
  fields: Record<string, string | null>;
  keys: string[];
}

export class MockCtx implements FpContext {
  db: Database;
  nowSec = 1_000_000;
  nowMs = 1_000_000_000;
  seen: Seen[] = [];

  constructor(db: Database) {
    this.db = db;
  }

  observe(kind: ObservationKind, toSrv: boolean, _flow: Flow, fields: ObservationField[]): void {
    const rec: Record<string, string | null> = {};
    for (const [k, v] of fields) rec[k] = v;
    this.seen.push({ kind, toSrv, fields: rec, keys: fields.map((f) => f[0]) });
  }

  /** Move the packet clock forward. */
  advance(ms: number): void {
    this.nowMs += ms;
    this.nowSec = Math.floor(this.nowMs / 1000);
  }

  last(): Seen {
    const s = this.seen[this.seen.length - 1];
    if (!s) throw new Error('no observation');
    return s;
  }

  kinds(): string[] {
    return this.seen.map((s) => s.kind);
  }
}

let hostSeq = 0;

export function mkHost(ipVer: 4 | 6 = 4): HostData {
  const n = ++hostSeq;
  const bytes = new Uint8Array(ipVer === 4 ? 4 : 16);
  bytes[0] = 10;
  bytes[bytes.length - 2] = (n >> 8) & 0xff;
  bytes[bytes.length - 1] = n & 0xff;
  return new HostData(ipVer, `10.0.${(n >> 8) & 0xff}.${n & 0xff}`, addrWords(bytes, ipVer, { w0: 0, w1: 0, w2: 0, w3: 0 }), n, 1_000_000);
}

export function mkFlow(opts: { client?: HostData; server?: HostData; cliPort?: number; ipVer?: 4 | 6 } = {}): Flow {
  const v = opts.ipVer ?? 4;
  return new Flow(1, opts.client ?? mkHost(v), opts.server ?? mkHost(v), opts.cliPort ?? 40000, 80, 1000, 1_000_000);
}

/** A database from a few directive lines (a `classes` line is prepended). */
export function mkDb(body: string): Database {
  return parseDatabase('classes = win,unix,other\n' + body, 'inline.fp');
}

const OPT_KINDS: Record<string, number> = { nop: 1, mss: 2, ws: 3, sok: 4, sack: 5, ts: 8 };
const OPT_BYTES: Record<string, number> = { nop: 1, mss: 4, ws: 3, sok: 2, sack: 10, ts: 10 };

const QUIRK_BITS: Record<string, number> = {
  'df': 0x02, 'id+': 0x04, 'id-': 0x08, 'ecn': 0x01, '0+': 0x10, 'flow': 0x20,
  'seq-': 0x1000, 'ack+': 0x2000, 'ack-': 0x4000, 'uptr+': 0x8000, 'urgf+': 0x10000, 'pushf+': 0x20000,
  'ts1-': 0x01000000, 'ts2+': 0x02000000, 'opt+': 0x04000000, 'exws': 0x08000000, 'bad': 0x10000000,
};

export interface PkOpts {
  ver?: 4 | 6;
  /** 'syn' (default) or 'synack'. */
  type?: 'syn' | 'synack';
  ttl?: number;
  olen?: number;
  mss?: number;
  win?: number;
  ws?: number;
  /** Option layout in p0f.fp syntax, e.g. 'mss,sok,ts,nop,ws' or 'mss,eol+3'. */
  opts?: string;
  /** Quirks in p0f.fp syntax, e.g. 'df,id+'. */
  quirks?: string;
  payLen?: number;
  tos?: number;
  ts1?: number;
  totHdr?: number;
}

/** Build a PacketData as the decoder would leave it. */
export function mkPacket(o: PkOpts = {}): PacketData {
  const pk = new PacketData();
  pk.ipVer = o.ver ?? 4;
  pk.tcpType = o.type === 'synack' ? TCP_SYN | TCP_ACK : TCP_SYN;
  pk.ttl = o.ttl ?? 64;
  pk.ipOptLen = o.olen ?? 0;
  pk.mss = o.mss ?? 1460;
  pk.win = o.win ?? 29200;
  pk.wscale = o.ws ?? 7;
  pk.tos = o.tos ?? 0;
  pk.ts1 = o.ts1 ?? 0;
  pk.payLen = o.payLen ?? 0;
  let optBytes = 0;
  const layout = o.opts ?? 'mss,sok,ts,nop,ws';
  pk.optCnt = 0;
  if (layout) {
    for (const tok of layout.split(',')) {
      if (tok.startsWith('eol+')) {
        pk.optLayout[pk.optCnt++] = 0;
        pk.optEolPad = Number(tok.slice(4));
        optBytes += 1 + pk.optEolPad;
      } else if (tok.startsWith('?')) {
        pk.optLayout[pk.optCnt++] = Number(tok.slice(1));
        optBytes += 2;
      } else {
        const k = OPT_KINDS[tok];
        if (k === undefined) throw new Error(`bad option ${tok}`);
        pk.optLayout[pk.optCnt++] = k;
        optBytes += OPT_BYTES[tok]!;
      }
    }
  }
  pk.quirks = 0;
  for (const q of (o.quirks ?? 'df,id+').split(',').filter(Boolean)) {
    const b = QUIRK_BITS[q];
    if (b === undefined) throw new Error(`bad quirk ${q}`);
    pk.quirks |= b;
  }
  pk.totHdr = o.totHdr ?? (pk.ipVer === 4 ? 20 + pk.ipOptLen : 40) + 20 + ((optBytes + 3) & ~3);
  return pk;
}
