/**
 * Classic pcap savefiles, read as libpcap 1.10.3's sf-pcap.c reads them.
 *
 * Variants: either byte order; microsecond (0xa1b2c3d4) and nanosecond (0xa1b23c4d)
 * magics, nanoseconds being scaled down to microseconds as `pcap_open_offline()` does;
 * the modified "Kuznetzov" format (0xa1b2cd34) whose record headers are 24 bytes; format
 * versions before 2.3 and DG/UX's 543.0 whose caplen/len fields are the other way round.
 * The link type field keeps only its low 26 bits (the upper ones carry FCS information,
 * which libpcap does not pass on) and is mapped from LINKTYPE_ to DLT_ numbering.
 */
import { i32, u16, u32 } from './bytes.ts';
import { adjustSnapshot, DLT_EN10MB, linktypeToDlt, maxSnaplenForDlt } from './linktype.ts';
import { type FormatReader, openError, type ReaderHost } from './reader-base.ts';

export const TCPDUMP_MAGIC = 0xa1b2c3d4;
export const KUZNETZOV_TCPDUMP_MAGIC = 0xa1b2cd34;
export const NSEC_TCPDUMP_MAGIC = 0xa1b23c4d;

/** sizeof(struct pcap_file_header). */
const FILE_HEADER_LEN = 24;
/** sizeof(struct pcap_sf_pkthdr) and sizeof(struct pcap_sf_patched_pkthdr). */
const RECORD_HEADER_LEN = 16;
const PATCHED_RECORD_HEADER_LEN = 24;

const NOT_SWAPPED = 0;
const MAYBE_SWAPPED = 1;
const SWAPPED = 2;

/** Is this (little-endian-read) first word a classic pcap magic, in either byte order? */
export function isPcapMagic(magicLe: number): boolean {
  return pcapMagicBe(magicLe) !== null;
}

/** null: not pcap; false: file in host (little-endian) order; true: big-endian ("swapped"). */
function pcapMagicBe(magicLe: number): boolean | null {
  if (magicLe === TCPDUMP_MAGIC || magicLe === KUZNETZOV_TCPDUMP_MAGIC || magicLe === NSEC_TCPDUMP_MAGIC) {
    return false;
  }
  const s = (((magicLe & 0xff) << 24) | ((magicLe & 0xff00) << 8) | ((magicLe >>> 8) & 0xff00) |
    (magicLe >>> 24)) >>> 0;
  if (s === TCPDUMP_MAGIC || s === KUZNETZOV_TCPDUMP_MAGIC || s === NSEC_TCPDUMP_MAGIC) return true;
  return null;
}

export class PcapReader implements FormatReader {
  need = FILE_HEADER_LEN;

  private readonly host: ReaderHost;
  private opened = false;
  private be = false;
  private nsec = false;
  private hdrLen = RECORD_HEADER_LEN;
  private lengthsSwapped = NOT_SWAPPED;
  private dlt = 0;
  private snapshot = 0;
  private maxSnap = 0;

  constructor(host: ReaderHost) {
    this.host = host;
  }

  run(buf: Uint8Array, off: number, end: number): number {
    if (!this.opened) {
      if (end - off < FILE_HEADER_LEN) {
        this.need = FILE_HEADER_LEN;
        return off;
      }
      this.readFileHeader(buf, off);
      off += FILE_HEADER_LEN;
    }
    const be = this.be;
    const hdrLen = this.hdrLen;
    const sink = this.host.sink;
    const dlt = this.dlt;
    const snapshot = this.snapshot;
    for (;;) {
      const avail = end - off;
      if (avail < hdrLen) {
        this.need = hdrLen;
        return off;
      }
      let caplen = u32(buf, off + 8, be);
      let len = u32(buf, off + 12, be);
      if (this.lengthsSwapped !== NOT_SWAPPED) {
        if (this.lengthsSwapped === SWAPPED || caplen > len) {
          const t = caplen;
          caplen = len;
          len = t;
        }
      }
      if (caplen > this.maxSnap) {
        this.host.fail(caplen > snapshot
          ? `invalid packet capture length ${caplen}, bigger than snaplen of ${snapshot}`
          : `invalid packet capture length ${caplen}, bigger than maximum of ${this.maxSnap}`, false);
        this.need = 0;
        return off;
      }
      const total = hdrLen + caplen;
      if (avail < total) {
        this.need = total;
        return off;
      }
      const sec = i32(buf, off, be);
      let usec = i32(buf, off + 4, be);
      // libpcap hands out microseconds: nanosecond files are divided down (C division).
      if (this.nsec) usec = (usec / 1000) | 0;
      // Records longer than the file's snaplen are cut to it, the rest skipped.
      sink(dlt, sec, usec, buf, off + hdrLen, caplen > snapshot ? snapshot : caplen, len);
      off += total;
    }
  }

  eof(buf: Uint8Array, off: number, avail: number): void {
    if (!this.opened) {
      // libpcap read the 4-byte magic first, then tried for the other 20 header bytes.
      throw openError(`truncated dump file; tried to read ${FILE_HEADER_LEN} file header bytes, only got ${avail - 4}`);
    }
    if (avail === 0) return;
    if (avail < this.hdrLen) {
      this.host.fail(`truncated dump file; tried to read ${this.hdrLen} header bytes, only got ${avail}`, true);
      return;
    }
    let caplen = u32(buf, off + 8, this.be);
    const len = u32(buf, off + 12, this.be);
    if (this.lengthsSwapped === SWAPPED || (this.lengthsSwapped === MAYBE_SWAPPED && caplen > len)) caplen = len;
    const got = avail - this.hdrLen;
    if (caplen > this.snapshot && got < this.snapshot) {
      this.host.fail(`truncated dump file; tried to read ${this.snapshot} captured bytes, only got ${got}`, true);
    } else {
      this.host.fail(`truncated dump file; tried to read ${caplen} captured bytes, only got ${got}`, true);
    }
  }

  /** pcap_check_header(): validate the 24-byte file header; throws p0f's open error. */
  private readFileHeader(buf: Uint8Array, off: number): void {
    const magicLe = u32(buf, off, false);
    const be = pcapMagicBe(magicLe)!;
    const magic = be ? u32(buf, off, true) : magicLe;
    const major = u16(buf, off + 4, be);
    const minor = u16(buf, off + 6, be);
    const snaplen = u32(buf, off + 16, be);
    const linktype = u32(buf, off + 20, be);
    if (major < 2) throw openError('archaic pcap savefile format');
    if (!((major === 2 && minor <= 4) || (major === 543 && minor === 0))) {
      throw openError(`unsupported pcap savefile version ${major}.${minor}`);
    }
    this.be = be;
    this.nsec = magic === NSEC_TCPDUMP_MAGIC;
    this.dlt = linktypeToDlt(linktype & 0x03ffffff);
    this.maxSnap = maxSnaplenForDlt(this.dlt);
    this.snapshot = adjustSnapshot(this.dlt, snaplen);
    if (major === 2) {
      this.lengthsSwapped = minor < 3 ? SWAPPED : minor === 3 ? MAYBE_SWAPPED : NOT_SWAPPED;
    } else {
      this.lengthsSwapped = SWAPPED;
    }
    if (magic === KUZNETZOV_TCPDUMP_MAGIC) {
      this.hdrLen = PATCHED_RECORD_HEADER_LEN;
      // Such captures may have been made in cooked mode with a fake Ethernet header added.
      if (this.dlt === DLT_EN10MB) {
        this.snapshot = this.snapshot <= 0x7fffffff - 14 ? this.snapshot + 14 : 0x7fffffff;
      }
    }
    this.opened = true;
    this.host.opened({
      format: 'pcap',
      linktype: this.dlt,
      snaplen: this.snapshot,
      swapped: be,
      versionMajor: major,
      versionMinor: minor,
      nanosecond: this.nsec,
      modified: magic === KUZNETZOV_TCPDUMP_MAGIC,
    });
  }
}
