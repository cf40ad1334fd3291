/**
 * From a captured frame to the IP header, then IP/TCP into PacketData: p0f's parse_packet()
 * with its link-offset logic (find_offset in process.c).
 *
 * p0f knows the header length of a few link types and guesses it for all others from the
 * first packet that reaches it (after the BPF filter): it looks at even offsets 0..38 for
 * something that looks like an IPv4 or IPv6 header carrying TCP, steps back 4 bytes if an
 * 802.1Q tag seems to precede it, and keeps that offset for the rest of the run; if the
 * guess fails it warns once and tries again on each following packet, parsing the packet
 * in hand from offset 0 meanwhile.
 *
 * By default this decoder differs from p0f where p0f loses packets it could have read
 * (docs/deviations-capture.md):
 * - Ethernet: 802.1Q / 802.1ad tags (TPID 0x8100, 0x88a8, 0x9100, stacked) are skipped;
 *   p0f parses tagged frames at offset 14 and drops them.
 * - Link types whose header length is fixed use it instead of p0f's guess or of a wrong
 *   hard-coded value (DLT_LOOP and DLT_PPP_SERIAL: p0f says 8, the header is 4);
 *   PFLOG uses the header's own length field instead of p0f's 28.
 * With `p0fCompat` the decoder does exactly what p0f 3.09b does, bugs included.
 */
import {
  DLT_APPLE_IP_OVER_IEEE1394,
  DLT_ATM_CLIP,
  DLT_ATM_RFC1483,
  DLT_C_HDLC,
  DLT_EN10MB,
  DLT_ENC,
  DLT_FDDI,
  DLT_HDLC,
  DLT_IEEE802_11,
  DLT_IPNET,
  DLT_IPV4,
  DLT_IPV6,
  DLT_LINUX_SLL,
  DLT_LINUX_SLL2,
  DLT_LOOP,
  DLT_NETANALYZER,
  DLT_NETANALYZER_TRANSPARENT,
  DLT_NULL,
  DLT_PFLOG,
  DLT_PPP,
  DLT_PPP_BSDOS,
  DLT_PPP_ETHER,
  DLT_PPP_PPPD,
  DLT_PPP_SERIAL,
  DLT_RAW,
  DLT_SLIP,
  DLT_SLIP_BSDOS,
  DLT_SYMANTEC_FIREWALL,
} from '../capture/linktype.ts';
import type { PacketData } from './packet.ts';
import { MIN_TCP4, MIN_TCP6, PARSE_NOT_IP, PARSE_OK, parseIpTcp } from './tcpip.ts';

/** p0f's SNAPLEN: no packet is looked at beyond this many bytes. */
export const SNAPLEN = 65535;

/** DLT_IP_OVER_FC (RFC 2625 IP over Fibre Channel). */
const DLT_IP_OVER_FC = 122;

/**
 * Link types with a fixed header length, where that length is certain: the offset libpcap's
 * own "tcp" filter reads the IP header at (checked against the compiled programs in the
 * tests). Used instead of p0f's guess, which can only agree or lose packets.
 */
export const FIXED_LINK_OFFSETS: ReadonlyMap<number, number> = new Map([
  [DLT_NULL, 4],
  [DLT_RAW, 0],
  [DLT_SLIP, 16],
  [DLT_PPP, 4],
  [DLT_FDDI, 21],
  [DLT_ATM_RFC1483, 8],
  [DLT_SLIP_BSDOS, 24],
  [DLT_PPP_BSDOS, 24],
  [DLT_ATM_CLIP, 8],
  [DLT_PPP_SERIAL, 4],
  [DLT_PPP_ETHER, 8],
  [DLT_SYMANTEC_FIREWALL, 44],
  [DLT_C_HDLC, 4],
  [DLT_LOOP, 4],
  [DLT_ENC, 12],
  [DLT_HDLC, 4],
  [DLT_LINUX_SLL, 16],
  [DLT_IP_OVER_FC, 24],
  [DLT_APPLE_IP_OVER_IEEE1394, 18],
  [DLT_PPP_PPPD, 4],
  [DLT_IPNET, 24],
  [DLT_IPV4, 0],
  [DLT_IPV6, 0],
  [DLT_NETANALYZER, 18],
  [DLT_NETANALYZER_TRANSPARENT, 26],
  [DLT_LINUX_SLL2, 20],
]);

/** p0f's hard-coded offsets (find_offset's switch, Linux DLT_ values). */
function p0fFixedOffset(dlt: number): number {
  switch (dlt) {
    case DLT_RAW: return 0;
    case DLT_NULL:
    case DLT_PPP: return 4;
    case DLT_LOOP:
    case DLT_PPP_SERIAL:
    case DLT_PPP_ETHER: return 8;
    case DLT_EN10MB: return 14;
    case DLT_LINUX_SLL: return 16;
    case DLT_PFLOG: return 28;
    case DLT_IEEE802_11: return 32;
    default: return -1;
  }
}

export interface LinkDecoderOptions {
  /** Behave exactly like p0f 3.09b (no VLAN parsing, p0f's offsets and guessing everywhere). */
  p0fCompat?: boolean;
}

/** Per link type: p0f's `link_off` (-1 not yet known, -2 guess failed, else the offset). */
class LinkState {
  linkOff = -1;
}

export class LinkDecoder {
  private readonly warn: (msg: string) => void;
  private readonly compat: boolean;
  /** p0f's bad_packets: the "Unknown packet type" warning is given once per run. */
  private badPackets = false;
  private readonly states = new Map<number, LinkState>();
  private lastDlt = -1;
  private lastState: LinkState | null = null;

  constructor(onWarning: (msg: string) => void, opts: LinkDecoderOptions = {}) {
    this.warn = onWarning;
    this.compat = opts.p0fCompat ?? false;
  }

  /**
   * Decode one frame that passed the filter. Returns true when `pk` now holds a TCP packet
   * p0f would dispatch (the caller sets pk.tsSec/tsUsec). Never throws, never reads outside
   * `buf[off .. off + caplen)`, allocates nothing once a link type has been seen.
   */
  decode(linktype: number, buf: Uint8Array, off: number, caplen: number, wirelen: number, pk: PacketData): boolean {
    let len = wirelen < caplen ? wirelen : caplen;
    if (len > SNAPLEN) len = SNAPLEN;
    const lo = this.compat ? this.guessedOffset(linktype, buf, off, len) : this.linkOffset(linktype, buf, off, len);
    if (lo > 0) {
      off += lo;
      len -= lo;
    }
    const r = parseIpTcp(buf, off, len, pk);
    if (r === PARSE_NOT_IP) {
      if (!this.badPackets) {
        this.badPackets = true;
        this.warn(`Unknown packet type ${buf[off]! >> 4}, link detection issue?`);
      }
      return false;
    }
    return r === PARSE_OK;
  }

  /** Where this decoder finds the IP header in a frame (tools and tests; not the hot path). */
  ipOffset(linktype: number, buf: Uint8Array, off: number, caplen: number, wirelen: number): number {
    let len = wirelen < caplen ? wirelen : caplen;
    if (len > SNAPLEN) len = SNAPLEN;
    return this.compat ? this.guessedOffset(linktype, buf, off, len) : this.linkOffset(linktype, buf, off, len);
  }

  /** The link offset p0f settled on for a link type (-1: none yet, -2: guessing failed). */
  p0fLinkOffset(linktype: number): number {
    return this.states.get(linktype)?.linkOff ?? -1;
  }

  /** Our offset: exact where the link layer says, p0f's logic elsewhere. */
  private linkOffset(dlt: number, b: Uint8Array, o: number, len: number): number {
    if (dlt === DLT_EN10MB) {
      // Skip 802.1Q/802.1ad tags: TPID + TCI each, the inner EtherType follows.
      let p = 12;
      while (p + 2 <= len) {
        const type = (b[o + p]! << 8) | b[o + p + 1]!;
        if (type !== 0x8100 && type !== 0x88a8 && type !== 0x9100) break;
        p += 4;
      }
      return p + 2;
    }
    const fixed = FIXED_LINK_OFFSETS.get(dlt);
    if (fixed !== undefined) return fixed;
    if (dlt === DLT_PFLOG) {
      // The pflog header starts with its own length, padded to 4 bytes (as libpcap's
      // filter reads it).
      return len > 0 ? (b[o]! + 3) & ~3 : 0;
    }
    return this.guessedOffset(dlt, b, o, len);
  }

  /** p0f's find_offset(), state machine and warnings included. */
  private guessedOffset(dlt: number, b: Uint8Array, o: number, len: number): number {
    let st: LinkState;
    if (dlt === this.lastDlt) {
      st = this.lastState!;
    } else {
      let s = this.states.get(dlt);
      if (s === undefined) {
        s = new LinkState();
        this.states.set(dlt, s);
      }
      st = s;
      this.lastDlt = dlt;
      this.lastState = s;
    }
    if (st.linkOff < 0) this.findOffset(st, dlt, b, o, len);
    return st.linkOff;
  }

  private findOffset(st: LinkState, dlt: number, b: Uint8Array, o: number, total: number): void {
    const fixed = p0fFixedOffset(dlt);
    if (fixed >= 0) {
      st.linkOff = fixed;
      return;
    }
    let i = 0;
    for (; i < 40; i += 2, total -= 2) {
      if (total < MIN_TCP4) break;
      if (total >= MIN_TCP6 && b[o + i]! >> 4 === 6 && b[o + i + 6] === 6) {
        st.linkOff = i;
        break;
      }
      if (b[o + i]! >> 4 === 4 && b[o + i + 9] === 6) {
        st.linkOff = i;
        break;
      }
    }
    if (st.linkOff >= 4 && b[o + i - 4] === 0x81 && b[o + i - 3] === 0x00) {
      // Looks like an 802.1Q tag right before the header.
      st.linkOff -= 4;
    } else if (st.linkOff === -1) {
      st.linkOff = -2;
      this.warn('Unable to find link-specific packet offset. This is bad.');
    }
  }
}
