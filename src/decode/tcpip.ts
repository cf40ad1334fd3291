/**
 * IPv4 / IPv6 / TCP header parsing into PacketData: the part of p0f's parse_packet()
 * (process.c) after the link-layer header, rule for rule, bail-out for bail-out.
 *
 * Kept as p0f has them, on purpose:
 * - `ack+` (QUIRK_NZ_ACK) tests the *raw* big-endian ACK field with `&` against a 0/1
 *   boolean, so on little-endian machines it is set only when the lowest bit of the ACK
 *   number's most significant byte is set; the NMap signatures depend on it.
 * - After an EOL option the padding is scanned for non-zero bytes, but a non-zero byte in
 *   the very last position goes unnoticed (the scan's post-increment lands on the end).
 * - `ts2+` is only looked for on packets whose flags (of SYN/ACK/FIN/RST) are exactly SYN.
 * - IPv6 extension headers are not walked: anything but TCP right after the header is
 *   dropped.
 */
import {
  MAX_TCP_OPT,
  type PacketData,
  QUIRK_DF,
  QUIRK_ECN,
  QUIRK_FLOW,
  QUIRK_NZ_ACK,
  QUIRK_NZ_ID,
  QUIRK_NZ_MBZ,
  QUIRK_NZ_URG,
  QUIRK_OPT_BAD,
  QUIRK_OPT_EOL_NZ,
  QUIRK_OPT_EXWS,
  QUIRK_OPT_NZ_TS2,
  QUIRK_OPT_ZERO_TS1,
  QUIRK_PUSH,
  QUIRK_URG,
  QUIRK_ZERO_ACK,
  QUIRK_ZERO_ID,
  QUIRK_ZERO_SEQ,
  TCP_ACK,
  TCP_CWR,
  TCP_ECE,
  TCP_FIN,
  TCP_PUSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
  TCPOPT_EOL,
  TCPOPT_MAXSEG,
  TCPOPT_NOP,
  TCPOPT_SACK,
  TCPOPT_SACKOK,
  TCPOPT_TSTAMP,
  TCPOPT_WSCALE,
} from './packet.ts';

/** sizeof(ipv4_hdr) + sizeof(tcp_hdr), sizeof(ipv6_hdr) + sizeof(tcp_hdr). */
export const MIN_TCP4 = 40;
export const MIN_TCP6 = 60;

/** parseIpTcp() results. */
export const PARSE_OK = 1;
/** Dropped silently (p0f's DEBUG-only bail-outs). */
export const PARSE_DROP = 0;
/** Neither IPv4 nor IPv6: p0f warns "Unknown packet type %u" (once per run). */
export const PARSE_NOT_IP = -1;

const IP4_MBZ = 0x8000;
const IP4_DF = 0x4000;
const PROTO_TCP = 6;

/**
 * Parse the IP packet at `b[o ..]` of which `len` bytes are usable (p0f's `packet_len` after
 * the link header: MIN(len, caplen), at most SNAPLEN, minus the link offset; may be
 * negative). Fills `pk` (every field p0f sets) and returns PARSE_OK when p0f would hand the
 * packet to flow_dispatch(). Never reads outside `b[o .. o + len)`.
 */
export function parseIpTcp(b: Uint8Array, o: number, len: number, pk: PacketData): number {
  if (len < MIN_TCP4) return PARSE_DROP;

  let quirks = 0;
  let tcp: number;
  const ver = b[o]! >> 4;

  if (ver === 4) {
    const hdrLen = (b[o]! & 0x0f) * 4;
    const flagsOff = (b[o + 6]! << 8) | b[o + 7]!;
    const totLen = (b[o + 2]! << 8) | b[o + 3]!;
    // Trust a shorter IP length than what was captured (Ethernet padding, etherleak).
    if (len > totLen) len = totLen;
    if (len < MIN_TCP4) return PARSE_DROP;
    if (hdrLen < 20) return PARSE_DROP;
    if (totLen > len) return PARSE_DROP;
    if (hdrLen + 20 > len) return PARSE_DROP;
    if (b[o + 9] !== PROTO_TCP) return PARSE_DROP;
    // Fragments (MF or a non-zero offset) are not fingerprinted.
    if ((flagsOff & ~(IP4_DF | IP4_MBZ)) !== 0) return PARSE_DROP;

    pk.ipVer = 4;
    pk.ipOptLen = hdrLen - 20;
    const src = pk.src;
    const dst = pk.dst;
    src[0] = b[o + 12]!; src[1] = b[o + 13]!; src[2] = b[o + 14]!; src[3] = b[o + 15]!;
    dst[0] = b[o + 16]!; dst[1] = b[o + 17]!; dst[2] = b[o + 18]!; dst[3] = b[o + 19]!;
    // Only the first 4 bytes mean anything for IPv4; clear the rest for determinism
    // (plain stores: a fill() call costs more than the whole loop).
    for (let i = 4; i < 16; i++) {
      src[i] = 0;
      dst[i] = 0;
    }
    const tos = b[o + 1]!;
    pk.tos = tos >> 2;
    pk.ttl = b[o + 8]!;
    if (tos & 3) quirks |= QUIRK_ECN;
    if (flagsOff & IP4_MBZ) quirks |= QUIRK_NZ_MBZ;
    const id = (b[o + 4]! << 8) | b[o + 5]!;
    if (flagsOff & IP4_DF) {
      quirks |= QUIRK_DF;
      if (id !== 0) quirks |= QUIRK_NZ_ID;
    } else if (id === 0) {
      quirks |= QUIRK_ZERO_ID;
    }
    pk.totHdr = hdrLen;
    tcp = o + hdrLen;
    len -= hdrLen;
  } else if (ver === 6) {
    const verTos = ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
    const totLen = ((b[o + 4]! << 8) | b[o + 5]!) + 40;
    if (len > totLen) len = totLen;
    if (len < MIN_TCP6) return PARSE_DROP;
    if (totLen > len) return PARSE_DROP;
    if (b[o + 6] !== PROTO_TCP) return PARSE_DROP;

    pk.ipVer = 6;
    pk.ipOptLen = 0;
    const src = pk.src;
    const dst = pk.dst;
    for (let i = 0; i < 16; i++) {
      src[i] = b[o + 8 + i]!;
      dst[i] = b[o + 24 + i]!;
    }
    pk.tos = (verTos >>> 22) & 0x3f;
    pk.ttl = b[o + 7]!;
    if (verTos & 0xfffff) quirks |= QUIRK_FLOW;
    if ((verTos >>> 20) & 3) quirks |= QUIRK_ECN;
    pk.totHdr = 40;
    tcp = o + 40;
    len -= 40;
  } else {
    return PARSE_NOT_IP;
  }

  // TCP.
  const doffByte = b[tcp + 12]!;
  const doff = (doffByte >> 4) * 4;
  if (doff < 20) return PARSE_DROP;
  if (doff > len) return PARSE_DROP;
  pk.totHdr += doff;
  pk.sport = (b[tcp]! << 8) | b[tcp + 1]!;
  pk.dport = (b[tcp + 2]! << 8) | b[tcp + 3]!;

  const flags = b[tcp + 13]!;
  const tcpType = flags & (TCP_SYN | TCP_ACK | TCP_FIN | TCP_RST);
  pk.tcpType = tcpType;
  // Nonsense flag combinations and packets with none of SYN/ACK/FIN/RST.
  if (((flags & TCP_SYN) !== 0 && (flags & (TCP_FIN | TCP_RST)) !== 0) ||
      ((flags & TCP_FIN) !== 0 && (flags & TCP_RST) !== 0) || tcpType === 0) {
    return PARSE_DROP;
  }

  pk.win = (b[tcp + 14]! << 8) | b[tcp + 15]!;
  const seq = ((b[tcp + 4]! << 24) | (b[tcp + 5]! << 16) | (b[tcp + 6]! << 8) | b[tcp + 7]!) >>> 0;
  pk.seq = seq;

  if ((flags & (TCP_ECE | TCP_CWR)) !== 0 || (doffByte & 0x01) !== 0) quirks |= QUIRK_ECN;
  if (seq === 0) quirks |= QUIRK_ZERO_SEQ;
  if (flags & TCP_ACK) {
    if ((b[tcp + 8]! | b[tcp + 9]! | b[tcp + 10]! | b[tcp + 11]!) === 0) quirks |= QUIRK_ZERO_ACK;
  } else if ((b[tcp + 8]! & 1) !== 0 && (flags & TCP_RST) === 0) {
    // p0f: RD32(ack) & !(flags & RST) -- bit 0 of the little-endian load is bit 24 of ACK.
    quirks |= QUIRK_NZ_ACK;
  }
  if (flags & TCP_URG) {
    quirks |= QUIRK_URG;
  } else if ((b[tcp + 18]! | b[tcp + 19]!) !== 0) {
    quirks |= QUIRK_NZ_URG;
  }
  if (flags & TCP_PUSH) quirks |= QUIRK_PUSH;

  pk.payload = b;
  pk.payOff = tcp + doff;
  pk.payLen = len - doff;

  // TCP options.
  const optEnd = tcp + doff;
  const layout = pk.optLayout;
  let p = tcp + 20;
  let cnt = 0;
  let complete = false;
  pk.optEolPad = 0;
  pk.mss = 0;
  pk.wscale = 0;
  pk.ts1 = 0;

  parse: {
    while (p < optEnd && cnt < MAX_TCP_OPT) {
      const kind = b[p]!;
      layout[cnt++] = kind;
      p++;
      switch (kind) {
        case TCPOPT_EOL:
          pk.optEolPad = optEnd - p;
          while (p < optEnd) {
            if (b[p++] !== 0) break;
          }
          if (p !== optEnd) {
            quirks |= QUIRK_OPT_EOL_NZ;
            p = optEnd;
          }
          break;
        case TCPOPT_NOP:
          break;
        case TCPOPT_MAXSEG:
          if (p + 3 > optEnd) break parse;
          if (b[p] !== 4) quirks |= QUIRK_OPT_BAD;
          pk.mss = (b[p + 1]! << 8) | b[p + 2]!;
          p += 3;
          break;
        case TCPOPT_WSCALE: {
          if (p + 2 > optEnd) break parse;
          if (b[p] !== 3) quirks |= QUIRK_OPT_BAD;
          const ws = b[p + 1]!;
          pk.wscale = ws;
          if (ws > 14) quirks |= QUIRK_OPT_EXWS;
          p += 2;
          break;
        }
        case TCPOPT_SACKOK:
          if (p + 1 > optEnd) break parse;
          if (b[p] !== 2) quirks |= QUIRK_OPT_BAD;
          p++;
          break;
        case TCPOPT_SACK: {
          if (p === optEnd) break parse;
          const l = b[p]!;
          if (l < 10 || l > 34) break parse;
          if (p - 1 + l > optEnd) break parse;
          p += l - 1;
          break;
        }
        case TCPOPT_TSTAMP: {
          if (p + 9 > optEnd) break parse;
          if (b[p] !== 10) quirks |= QUIRK_OPT_BAD;
          const ts1 = ((b[p + 1]! << 24) | (b[p + 2]! << 16) | (b[p + 3]! << 8) | b[p + 4]!) >>> 0;
          pk.ts1 = ts1;
          if (ts1 === 0) quirks |= QUIRK_OPT_ZERO_TS1;
          if (tcpType === TCP_SYN && (b[p + 5]! | b[p + 6]! | b[p + 7]! | b[p + 8]!) !== 0) {
            quirks |= QUIRK_OPT_NZ_TS2;
          }
          p += 9;
          break;
        }
        default: {
          // Unknown option: trust its length byte if it looks sane.
          if (p === optEnd) break parse;
          const l = b[p]!;
          if (l < 2 || l > 40) break parse;
          if (p - 1 + l > optEnd) break parse;
          p += l - 1;
        }
      }
    }
    complete = true;
  }
  // Parsing gave up on a malformed option, or bytes are left over (more than
  // MAX_TCP_OPT options).
  if (!complete || p !== optEnd) quirks |= QUIRK_OPT_BAD;

  pk.optCnt = cnt;
  pk.quirks = quirks;
  return PARSE_OK;
}
