/**
 * The protocol-agnostic summary of one TCP packet, as p0f's `struct packet_data`.
 *
 * One instance is reused for every packet (the decoder overwrites it in place), so
 * nothing here may be kept past the handling of the packet: copy what must survive.
 * `src`/`dst` are views into a private 16-byte scratch buffer, never into the capture.
 */

/** IP-level quirks (values as p0f's QUIRK_* so bitmasks can be compared directly). */
export const QUIRK_ECN = 0x00000001;
export const QUIRK_DF = 0x00000002;
export const QUIRK_NZ_ID = 0x00000004;
export const QUIRK_ZERO_ID = 0x00000008;
export const QUIRK_NZ_MBZ = 0x00000010;
export const QUIRK_FLOW = 0x00000020;
/** Core TCP quirks. */
export const QUIRK_ZERO_SEQ = 0x00001000;
export const QUIRK_NZ_ACK = 0x00002000;
export const QUIRK_ZERO_ACK = 0x00004000;
export const QUIRK_NZ_URG = 0x00008000;
export const QUIRK_URG = 0x00010000;
export const QUIRK_PUSH = 0x00020000;
/** TCP option quirks. */
export const QUIRK_OPT_ZERO_TS1 = 0x01000000;
export const QUIRK_OPT_NZ_TS2 = 0x02000000;
export const QUIRK_OPT_EOL_NZ = 0x04000000;
export const QUIRK_OPT_EXWS = 0x08000000;
export const QUIRK_OPT_BAD = 0x10000000;

/** TCP flag bits. */
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PUSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

/** TCP option kinds as they appear in `optLayout`. */
export const TCPOPT_EOL = 0;
export const TCPOPT_NOP = 1;
export const TCPOPT_MAXSEG = 2;
export const TCPOPT_WSCALE = 3;
export const TCPOPT_SACKOK = 4;
export const TCPOPT_SACK = 5;
export const TCPOPT_TSTAMP = 8;

/** p0f's MAX_TCP_OPT: option parsing stops after this many options. */
export const MAX_TCP_OPT = 24;

export class PacketData {
  ipVer: 4 | 6 = 4;
  /** TCP flags masked to SYN|ACK|FIN|RST. */
  tcpType = 0;
  /** Source and destination addresses, left-aligned (IPv4 uses the first 4 bytes). */
  readonly src = new Uint8Array(16);
  readonly dst = new Uint8Array(16);
  sport = 0;
  dport = 0;
  ttl = 0;
  /** IP ToS/traffic class >> 2 (the DSCP bits), as p0f stores it. */
  tos = 0;
  mss = 0;
  win = 0;
  wscale = 0;
  /** IP header length + TCP header length (for MTU-type window detection). */
  totHdr = 0;
  readonly optLayout = new Uint8Array(MAX_TCP_OPT);
  optCnt = 0;
  optEolPad = 0;
  /** Own TCP timestamp (TSval), 0 if absent. */
  ts1 = 0;
  quirks = 0;
  ipOptLen = 0;
  seq = 0;
  /** The TCP payload: `payload[payOff .. payOff + payLen)`. Valid only during dispatch. */
  payload: Uint8Array = EMPTY;
  payOff = 0;
  payLen = 0;
  /** Packet time (unix seconds and microseconds) from the capture. */
  tsSec = 0;
  tsUsec = 0;
}

const EMPTY = new Uint8Array(0);
