/**
 * In-memory form of a p0f.fp database, mirroring p0f's records so the matching code can be
 * read next to fp_tcp.c / fp_http.c / fp_mtu.c.
 */

/** How a window size is expressed (p0f's WIN_TYPE_*). */
export const WIN_TYPE_NORMAL = 0;
export const WIN_TYPE_ANY = 1;
export const WIN_TYPE_MOD = 2;
export const WIN_TYPE_MSS = 3;
export const WIN_TYPE_MTU = 4;

/** Flag marking a `sys` entry as an OS class id rather than a name id (p0f's SYS_CLASS_FLAG). */
export const SYS_CLASS_FLAG = 0x80000000;

/**
 * A TCP signature: read from p0f.fp, or built from a SYN / SYN+ACK (p0f's `struct tcp_sig`).
 * Packet-built sigs are kept on host records (last SYN, last SYN+ACK) for NAT and uptime checks.
 */
export interface TcpSig {
  /** Hash of the exact option-kind sequence (same bucket = same layout, as in p0f). */
  optHash: number;
  /** The option kinds themselves, compared exactly where hashes collide. */
  optLayout: Uint8Array;
  quirks: number;
  optEolPad: number;
  ipOptLen: number;
  /** -1 = any (`*`), 4, 6. */
  ipVer: number;
  ttl: number;
  /** -1 = any. */
  mss: number;
  win: number;
  winType: number;
  /** -1 = any. */
  wscale: number;
  /** -1 = any, 0 = no payload, 1 = payload. */
  payClass: number;
  totHdr: number;
  ts1: number;
  recvMs: number;
  matched: TcpSigRecord | null;
  fuzzy: boolean;
  /** Distance, as p0f's u8. */
  dist: number;
}

export interface TcpSigRecord {
  generic: boolean;
  /** OS class id, -1 for user applications (`!`). */
  classId: number;
  nameId: number;
  flavor: string | null;
  labelId: number;
  /** For `!` labels: class ids (| SYS_CLASS_FLAG) and name ids the app may run on. */
  sys: readonly number[];
  lineNo: number;
  badTtl: boolean;
  sig: TcpSig;
}

export interface MtuSigRecord {
  name: string;
  mtu: number;
}

/** One HTTP header in a signature (p0f's `struct http_hdr`). */
export interface HttpHdr {
  /** Id of a well-known header name (see fingerprint/http), -1 = not a known header. */
  id: number;
  /** The header name when `id` is -1 (latin1). */
  name: string | null;
  /** The value (latin1); in db sigs a substring to look for, null = any. */
  value: string | null;
  optional: boolean;
}

/** An HTTP request/response signature, from p0f.fp or from the wire (p0f's `struct http_sig`). */
export interface HttpSig {
  /** -1 = any, 0 = HTTP/1.0, 1 = HTTP/1.1. */
  httpVer: number;
  hdr: HttpHdr[];
  /** Presence filter over known header ids (p0f's hdr_bloom4), 64 bits as two int32 words. */
  hdrBloomLo: number;
  hdrBloomHi: number;
  /** Ids of headers that must be absent. */
  miss: number[];
  /** Software string (User-Agent or Server), latin1. */
  sw: string | null;
  /** Accept-Language, latin1. */
  lang: string | null;
  /** Via or X-Forwarded-For. */
  via: string | null;
  /** Parsed Date header (unix seconds as p0f's u32), 0 if none or unparsable. */
  date: number;
  /** Time the message was received (unix seconds). */
  recvDate: number;
  matched: HttpSigRecord | null;
  dishonest: boolean;
}

export interface HttpSigRecord {
  classId: number;
  nameId: number;
  flavor: string | null;
  labelId: number;
  sys: readonly number[];
  lineNo: number;
  generic: boolean;
  sig: HttpSig;
}

/** `ua_os` entry: a User-Agent substring and the OS name id it implies. */
export interface UaMapRecord {
  /** Substring to look for; null = the OS name itself as the database spells it (names[id]). */
  name: string | null;
  id: number;
}

export interface Database {
  /** Path the database was read from. */
  readonly file: string;
  /** OS classes (`classes = ...`), index = class id. */
  readonly classes: string[];
  /** OS and application names, index = name id (shared by TCP and HTTP, as in p0f). */
  readonly names: string[];
  /** Number of signatures loaded (p0f's "Loaded N signatures"). */
  readonly sigCount: number;
  /** TCP signatures by direction: [0] = SYN+ACK (response), [1] = SYN (request). */
  readonly tcp: readonly [TcpSigTable, TcpSigTable];
  readonly mtu: readonly MtuSigRecord[];
  /** HTTP signatures by direction: [0] = response, [1] = request. */
  readonly http: readonly [HttpSigRecord[], HttpSigRecord[]];
  readonly uaMap: readonly UaMapRecord[];
}

/** TCP signatures of one direction, bucketed by option layout hash (file order kept per bucket). */
export type TcpSigTable = ReadonlyMap<number, readonly TcpSigRecord[]>;
