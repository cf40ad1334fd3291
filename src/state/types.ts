/**
 * Host and flow records (p0f's `struct host_data` and `struct packet_flow`).
 *
 * Records are plain classes with fixed shapes so V8 keeps them compact; the table
 * links (bucket chain, by-age list) live on the records themselves, as in p0f, so the
 * hot path allocates nothing to find or reorder them.
 */
import type { HttpSig, TcpSig } from '../db/types.ts';
import type { AddrWords } from './addr.ts';

/** p0f's NAT_SCORES: size of the NAT scoreboard window. */
export const NAT_SCORES = 32;

/** Reasons for NAT / host change detection (p0f's NAT_*). */
export const NAT_APP_SIG = 0x0001;
export const NAT_OS_SIG = 0x0002;
export const NAT_UNK_DIFF = 0x0004;
export const NAT_TO_UNK = 0x0008;
export const NAT_TS = 0x0010;
export const NAT_PORT = 0x0020;
export const NAT_TTL = 0x0040;
export const NAT_FUZZY = 0x0080;
export const NAT_MSS = 0x0100;
export const NAT_APP_LB = 0x0200;
export const NAT_APP_VIA = 0x0400;
export const NAT_APP_DATE = 0x0800;
export const NAT_APP_UA = 0x1000;

/** os_match_q bits (p0f's P0F_MATCH_*). */
export const P0F_MATCH_FUZZY = 1;
export const P0F_MATCH_GENERIC = 2;

export class HostData {
  /** Bucket chain and by-age list (older = toward eviction). */
  next: HostData | null = null;
  older: HostData | null = null;
  newer: HostData | null = null;

  /** Number of flows attached. */
  useCnt = 0;
  firstSeen: number;
  lastSeen: number;
  totalConn = 0;
  readonly ipVer: 4 | 6;
  /** Address as p0f prints it. */
  readonly addr: string;
  /**
   * The address as four big-endian 32-bit words (int32; IPv4 uses w0 only). Four small
   * integers cost far less than a typed array per host and compare faster.
   */
  readonly w0: number;
  readonly w1: number;
  readonly w2: number;
  readonly w3: number;
  /** Hash of the address (table bucket selection). */
  readonly hash: number;

  lastSyn: TcpSig | null = null;
  lastSynack: TcpSig | null = null;
  lastClassId = -1;
  lastNameId = -1;
  lastFlavor: string | null = null;
  lastQuality = 0;
  linkType: string | null = null;

  /** NAT scoreboards, allocated on first non-zero score (most hosts never need one). */
  cliScores: Uint8Array | null = null;
  srvScores: Uint8Array | null = null;
  natReasons = 0;
  lastNat = 0;
  lastChg = 0;
  lastPort = 0;
  /** Last measured distance; p0f stores -1 in a u8, so "unknown" is 255. */
  distance = 255;
  lastUpMin = -1;
  upModDays = 0;

  httpReqOs: HttpSig | null = null;
  httpResp: HttpSig | null = null;
  httpNameId = -1;
  httpFlavor: string | null = null;
  language: string | null = null;
  badSw = 0;
  httpRespPort = 0;

  /** The address bytes (4 or 16), made on demand (API answers, tools). */
  get addrBytes(): Uint8Array {
    const b = new Uint8Array(this.ipVer === 4 ? 4 : 16);
    const dv = new DataView(b.buffer);
    dv.setInt32(0, this.w0);
    if (this.ipVer === 6) {
      dv.setInt32(4, this.w1);
      dv.setInt32(8, this.w2);
      dv.setInt32(12, this.w3);
    }
    return b;
  }

  constructor(ipVer: 4 | 6, addr: string, w: AddrWords, hash: number, now: number) {
    this.ipVer = ipVer;
    this.addr = addr;
    this.w0 = w.w0;
    this.w1 = w.w1;
    this.w2 = w.w2;
    this.w3 = w.w3;
    this.hash = hash;
    this.firstSeen = now;
    this.lastSeen = now;
  }
}

export class Flow {
  next: Flow | null = null;
  older: Flow | null = null;
  newer: Flow | null = null;
  readonly hash: number;

  readonly client: HostData;
  readonly server: HostData;
  readonly cliPort: number;
  readonly srvPort: number;
  acked = false;
  sendsyn = false;
  /** Computed TS divisor per side (-1 = bad, 0 = not yet). */
  srvTps = 0;
  cliTps = 0;

  /** Client-originating payload (first MAX_FLOW_DATA bytes), allocated on first data. */
  request: Buffer | null = null;
  reqLen = 0;
  nextCliSeq: number;
  response: Buffer | null = null;
  respLen = 0;
  nextSrvSeq = 0;
  synMss = 0;
  readonly created: number;

  /** HTTP module state: 0 = undecided, 1 = HTTP, -1 = not HTTP. */
  inHttp = 0;
  httpReqDone = false;
  httpPos = 0;
  httpGotresp1 = false;
  /** Signature being collected (owned by fingerprint/http). */
  httpTmp: HttpSig | null = null;

  constructor(hash: number, client: HostData, server: HostData, cliPort: number, srvPort: number,
              synSeq: number, now: number) {
    this.hash = hash;
    this.client = client;
    this.server = server;
    this.cliPort = cliPort;
    this.srvPort = srvPort;
    this.nextCliSeq = (synSeq + 1) >>> 0;
    this.created = now;
  }
}
