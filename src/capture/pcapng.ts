/**
 * pcapng files, read as libpcap 1.10.3's sf-pcapng.c reads them (which is what p0f sees).
 *
 * Blocks: Section Header (several sections allowed, each resets the interface list),
 * Interface Description (link type, snaplen, if_tsresol, if_tsoffset), Enhanced Packet,
 * Simple Packet and the obsolete Packet block; every other block is skipped. libpcap's
 * checks and messages are kept, including its limits: the first interface fixes the link
 * type and snapshot length of the whole file (an interface with another link type or
 * snaplen ends the reading with an error), and the first section fixes the byte order.
 * Timestamps are converted to microseconds with libpcap's integer arithmetic.
 */
import { u16, u32, u64big } from './bytes.ts';
import { adjustSnapshot, linktypeToDlt, maxSnaplenForDlt } from './linktype.ts';
import { type FormatReader, openError, type ReaderHost } from './reader-base.ts';

export const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 0x00000001;
const BT_PB = 0x00000002;
const BT_SPB = 0x00000003;
const BT_EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const BYTE_ORDER_MAGIC_SWAPPED = 0x4d3c2b1a;
const BT_SHB_INSANE_MAX = 1024 * 1024;
/** block header + SHB fixed part + trailer. */
const SHB_MIN_LEN = 8 + 16 + 4;
const INITIAL_MAX_BLOCKSIZE = 16 * 1024 * 1024;

const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;

/** The microseconds libpcap delivers (PCAP_TSTAMP_PRECISION_MICRO). */
const USER_TSRESOL = 1000000;

/** How an interface's timestamps become seconds + microseconds. */
const TS_MICRO = 0; // if_tsresol = 10^-6 and no offset: the common case
const TS_DEC_SMALL = 1; // decimal resolution up to 10^-9, no offset: exact Number arithmetic
const TS_BIG = 2; // anything else: BigInt, wrapping like libpcap's uint64_t

interface Iface {
  dlt: number;
  snapshot: number;
  tsMode: number;
  /** For TS_DEC_SMALL: ticks per second and the up/down factor to microseconds. */
  tsresol: number;
  up: number;
  down: number;
  /** For TS_BIG. */
  tsresolBig: bigint;
  tsoffsetBig: bigint;
  binary: boolean;
}

export class PcapngReader implements FormatReader {
  need = 12;

  private readonly host: ReaderHost;
  private readonly multi: boolean;
  private shbDone = false;
  private opened = false;
  private be = false;
  private dlt = 0;
  private snapshot = 0;
  private maxBlocksize = INITIAL_MAX_BLOCKSIZE;
  private ifaces: Iface[] = [];
  private ifcount = 0;
  private versionMajor = 1;
  private versionMinor = 0;
  /** Block type for libpcap's "block of type %u ... is too short" message. */
  private curType = 0;
  /** Last message from option parsing (libpcap's errbuf). */
  private err = '';

  constructor(host: ReaderHost, multipleLinktypes: boolean) {
    this.host = host;
    this.multi = multipleLinktypes;
  }

  run(buf: Uint8Array, off: number, end: number): number {
    if (!this.shbDone) {
      const r = this.readFirstShb(buf, off, end);
      if (r < 0) return off;
      off = r;
    }
    const be = this.be;
    for (;;) {
      const avail = end - off;
      if (avail < 8) {
        this.need = 8;
        return off;
      }
      const type = u32(buf, off, be);
      const total = u32(buf, off + 4, be);
      let bad: string | null = null;
      if (total < 12) bad = `block in pcapng dump file has a length of ${total} < 12`;
      else if (total % 4 !== 0) bad = `block in pcapng dump file has a length of ${total} that is not a multiple of 4`;
      else if (total > this.maxBlocksize) bad = `pcapng block size ${total} > maximum ${this.maxBlocksize}`;
      if (bad !== null) {
        this.halt(bad);
        this.need = 0;
        return off;
      }
      if (avail < total) {
        this.need = total;
        return off;
      }
      const ok = u32(buf, off + total - 4, be) !== total
        ? this.halt('block total length in header and trailer don\'t match')
        : this.block(buf, off + 8, off + total - 4, type);
      if (!ok) {
        this.need = 0;
        return off;
      }
      off += total;
    }
  }

  eof(buf: Uint8Array, off: number, avail: number): void {
    if (!this.shbDone) {
      // libpcap's pcapng probe could not even read the byte-order magic: not pcapng.
      if (avail < 12) throw openError('unknown file format');
      const total = u32(buf, off + 4, this.be);
      throw openError(`truncated pcapng dump file; tried to read ${total - 12} bytes, only got ${avail - 12}`);
    }
    let msg: string | null;
    if (avail === 0) {
      msg = this.opened ? null : 'the capture file has no Interface Description Blocks';
    } else if (avail < 8) {
      msg = `truncated pcapng dump file; tried to read 8 bytes, only got ${avail}`;
    } else {
      const total = u32(buf, off + 4, this.be);
      msg = `truncated pcapng dump file; tried to read ${total - 8} bytes, only got ${avail - 8}`;
    }
    if (msg === null) return;
    if (!this.opened) throw openError(msg);
    this.host.fail(msg, true);
  }

  /** Report an error: before the first interface it is an open error, after it a read error. */
  private halt(msg: string): false {
    if (!this.opened) throw openError(msg);
    this.host.fail(msg, false);
    return false;
  }

  private tooShort(): string {
    return `block of type ${this.curType} in pcapng dump file is too short`;
  }

  /** The Section Header Block that opens the file (pcap_ng_check_header). -1: need more. */
  private readFirstShb(buf: Uint8Array, off: number, end: number): number {
    if (end - off < 12) {
      this.need = 12;
      return -1;
    }
    let total = u32(buf, off + 4, false);
    const bom = u32(buf, off + 8, false);
    if (bom !== BYTE_ORDER_MAGIC) {
      if (bom !== BYTE_ORDER_MAGIC_SWAPPED) throw openError('unknown file format');
      this.be = true;
      total = u32(buf, off + 4, true);
    }
    if (total < SHB_MIN_LEN || total > BT_SHB_INSANE_MAX) {
      throw openError(`Section Header Block in pcapng dump file has invalid length ${SHB_MIN_LEN} < _${total}_ < ${BT_SHB_INSANE_MAX} (BT_SHB_INSANE_MAX)`);
    }
    if (end - off < total) {
      this.need = total;
      return -1;
    }
    const major = u16(buf, off + 12, this.be);
    const minor = u16(buf, off + 14, this.be);
    if (!(major === 1 && (minor === 0 || minor === 2))) {
      throw openError(`unsupported pcapng savefile version ${major}.${minor}`);
    }
    this.versionMajor = major;
    this.versionMinor = minor;
    this.shbDone = true;
    return off + total;
  }

  /** One block's body `buf[b .. e)`. false: reading stopped. */
  private block(buf: Uint8Array, b: number, e: number, type: number): boolean {
    const be = this.be;
    this.curType = type;
    const len = e - b;
    let ifId: number;
    let caplen: number;
    let wirelen: number;
    let tsHi = 0;
    let tsLo = 0;
    let data: number;
    switch (type) {
      case BT_EPB:
        if (!this.opened) return this.halt('the capture file has a packet block before any Interface Description Blocks');
        if (len < 20) return this.halt(this.tooShort());
        ifId = u32(buf, b, be);
        tsHi = u32(buf, b + 4, be);
        tsLo = u32(buf, b + 8, be);
        caplen = u32(buf, b + 12, be);
        wirelen = u32(buf, b + 16, be);
        data = b + 20;
        break;
      case BT_SPB:
        if (!this.opened) return this.halt('the capture file has a packet block before any Interface Description Blocks');
        if (len < 4) return this.halt(this.tooShort());
        ifId = 0;
        wirelen = u32(buf, b, be);
        caplen = wirelen;
        {
          // Simple Packet Blocks belong to the first interface and carry no timestamp.
          const snap = this.multi && this.ifcount > 0 ? this.ifaces[0]!.snapshot : this.snapshot;
          if (caplen > snap) caplen = snap;
        }
        data = b + 4;
        break;
      case BT_PB:
        if (!this.opened) return this.halt('the capture file has a packet block before any Interface Description Blocks');
        if (len < 20) return this.halt(this.tooShort());
        ifId = u16(buf, b, be);
        tsHi = u32(buf, b + 4, be);
        tsLo = u32(buf, b + 8, be);
        caplen = u32(buf, b + 12, be);
        wirelen = u32(buf, b + 16, be);
        data = b + 20;
        break;
      case BT_IDB:
        return this.idb(buf, b, e);
      case BT_SHB:
        // Before the first interface libpcap's open loop skips further section headers.
        if (!this.opened) return true;
        return this.nextShb(buf, b, e);
      default:
        return true;
    }
    if (ifId >= this.ifcount) {
      return this.halt(`a packet arrived on interface ${ifId}, but there's no Interface Description Block for that interface`);
    }
    const iface = this.ifaces[ifId]!;
    const snap = this.multi ? iface.snapshot : this.snapshot;
    if (caplen > snap) return this.halt(`invalid packet capture length ${caplen}, bigger than snaplen of ${snap}`);
    if (caplen > e - data) return this.halt(this.tooShort());
    this.deliver(iface, tsHi, tsLo, buf, data, caplen, wirelen);
    return true;
  }

  private deliver(iface: Iface, hi: number, lo: number, buf: Uint8Array, data: number, caplen: number,
                  wirelen: number): void {
    const dlt = this.multi ? iface.dlt : this.dlt;
    let sec: number;
    let usec: number;
    if (iface.tsMode === TS_MICRO && hi < 0x200000) {
      // t < 2^53: exact in a double.
      const t = hi * 4294967296 + lo;
      sec = Math.floor(t / USER_TSRESOL);
      usec = t - sec * USER_TSRESOL;
      if (usec < 0) { sec--; usec += USER_TSRESOL; } else if (usec >= USER_TSRESOL) { sec++; usec -= USER_TSRESOL; }
    } else if (iface.tsMode !== TS_BIG) {
      // Long division of the 64-bit tick count by a divisor below 2^32, 16 bits at a time,
      // so every intermediate value stays exact.
      const d = iface.tsresol;
      let q = 0;
      let r = 0;
      let cur = hi >>> 16;
      let qd = Math.floor(cur / d); r = cur - qd * d; q = qd;
      cur = r * 65536 + (hi & 0xffff); qd = Math.floor(cur / d); r = cur - qd * d; q = q * 65536 + qd;
      cur = r * 65536 + (lo >>> 16); qd = Math.floor(cur / d); r = cur - qd * d; q = q * 65536 + qd;
      cur = r * 65536 + (lo & 0xffff); qd = Math.floor(cur / d); r = cur - qd * d; q = q * 65536 + qd;
      sec = q;
      usec = iface.up !== 1 ? r * iface.up : Math.floor(r / iface.down);
    } else {
      const t = (BigInt(hi) << 32n) | BigInt(lo);
      const res = iface.tsresolBig;
      const s = BigInt.asUintN(64, t / res + iface.tsoffsetBig);
      let frac = t % res;
      if (iface.binary) {
        frac = BigInt.asUintN(64, frac * BigInt(USER_TSRESOL)) / res;
      } else if (res > BigInt(USER_TSRESOL)) {
        frac = frac / (res / BigInt(USER_TSRESOL));
      } else if (res < BigInt(USER_TSRESOL)) {
        frac = frac * (BigInt(USER_TSRESOL) / res);
      }
      sec = Number(BigInt.asIntN(64, s));
      usec = Number(BigInt.asIntN(32, frac));
    }
    this.host.sink(dlt, sec, usec, buf, data, caplen, wirelen);
  }

  /** An Interface Description Block. */
  private idb(buf: Uint8Array, b: number, e: number): boolean {
    const be = this.be;
    if (e - b < 8) return this.halt(this.tooShort());
    const linktype = u16(buf, b, be);
    const snaplen = u32(buf, b + 4, be);
    if (this.opened && !this.multi) {
      // libpcap compares the first interface's DLT_ value with this one's raw LINKTYPE_
      // value, so even a second LINKTYPE_RAW interface fails here.
      if (this.dlt !== linktype) {
        return this.halt(`an interface has a type ${linktype} different from the type of the first interface`);
      }
      if (this.snapshot !== adjustSnapshot(this.dlt, snaplen)) {
        return this.halt(`an interface has a snapshot length ${snaplen} different from the snapshot length of the first interface`);
      }
    }
    const dlt = linktypeToDlt(linktype);
    const iface = this.parseOptions(buf, b + 8, e, dlt, adjustSnapshot(dlt, snaplen));
    if (iface === null) return this.halt(this.err);
    if (this.ifcount < this.ifaces.length) this.ifaces[this.ifcount] = iface;
    else this.ifaces.push(iface);
    this.ifcount++;
    if (!this.opened) {
      this.dlt = dlt;
      this.snapshot = adjustSnapshot(dlt, snaplen);
      const maxForSnap = 8 + 20 + maxSnaplenForDlt(dlt) + 131072 + 4;
      if (maxForSnap > this.maxBlocksize) this.maxBlocksize = maxForSnap;
      this.opened = true;
      this.host.opened({
        format: 'pcapng',
        linktype: dlt,
        snaplen: this.snapshot,
        swapped: be,
        versionMajor: this.versionMajor,
        versionMinor: this.versionMinor,
        nanosecond: false,
        modified: false,
      });
    }
    return true;
  }

  /** process_idb_options(): if_tsresol and if_tsoffset; null with `err` set on a bad option. */
  private parseOptions(buf: Uint8Array, o: number, e: number, dlt: number, snapshot: number): Iface | null {
    const be = this.be;
    let tsresol = 1000000n;
    let binary = false;
    let tsoffset = 0n;
    let sawResol = false;
    let sawOffset = false;
    while (o !== e) {
      if (e - o < 4) {
        this.err = this.tooShort();
        return null;
      }
      const code = u16(buf, o, be);
      const olen = u16(buf, o + 2, be);
      o += 4;
      const padded = (olen + 3) & ~3;
      if (e - o < padded) {
        this.err = this.tooShort();
        return null;
      }
      const v = o;
      o += padded;
      if (code === 0) {
        if (olen !== 0) {
          this.err = `Interface Description Block has opt_endofopt option with length ${olen} != 0`;
          return null;
        }
        break;
      } else if (code === IF_TSRESOL) {
        if (olen !== 1) {
          this.err = `Interface Description Block has if_tsresol option with length ${olen} != 1`;
          return null;
        }
        if (sawResol) {
          this.err = 'Interface Description Block has more than one if_tsresol option';
          return null;
        }
        sawResol = true;
        const r = buf[v]!;
        if (r & 0x80) {
          const shift = r & 0x7f;
          if (shift > 63) {
            this.err = `Interface Description Block if_tsresol option resolution 2^-${shift} is too high`;
            return null;
          }
          binary = true;
          tsresol = 1n << BigInt(shift);
        } else {
          if (r > 19) {
            this.err = `Interface Description Block if_tsresol option resolution 10^-${r} is too high`;
            return null;
          }
          binary = false;
          tsresol = 10n ** BigInt(r);
        }
      } else if (code === IF_TSOFFSET) {
        if (olen !== 8) {
          this.err = `Interface Description Block has if_tsoffset option with length ${olen} != 8`;
          return null;
        }
        if (sawOffset) {
          this.err = 'Interface Description Block has more than one if_tsoffset option';
          return null;
        }
        sawOffset = true;
        tsoffset = u64big(buf, v, be);
      }
    }
    const iface: Iface = {
      dlt,
      snapshot,
      tsMode: TS_BIG,
      tsresol: 0,
      up: 1,
      down: 1,
      tsresolBig: tsresol,
      tsoffsetBig: tsoffset,
      binary,
    };
    if (!binary && tsoffset === 0n && tsresol <= 1000000000n) {
      const res = Number(tsresol);
      iface.tsresol = res;
      if (res === USER_TSRESOL) iface.tsMode = TS_MICRO;
      else {
        iface.tsMode = TS_DEC_SMALL;
        if (res > USER_TSRESOL) iface.down = res / USER_TSRESOL;
        else iface.up = USER_TSRESOL / res;
      }
    }
    return iface;
  }

  /** A Section Header Block after the first interface: a new section. */
  private nextShb(buf: Uint8Array, b: number, e: number): boolean {
    if (e - b < 16) return this.halt(this.tooShort());
    const bom = u32(buf, b, this.be);
    const major = u16(buf, b + 4, this.be);
    if (bom === BYTE_ORDER_MAGIC_SWAPPED) {
      return this.halt('the file has sections with different byte orders');
    }
    if (bom !== BYTE_ORDER_MAGIC) {
      return this.halt('the file has a section with a bad byte order magic field');
    }
    if (major !== 1) return this.halt(`unknown pcapng savefile major version number ${major}`);
    this.ifcount = 0;
    return true;
  }
}
