/**
 * Shared shapes of the capture readers.
 */

/**
 * Called once per captured packet, synchronously. `buf[off .. off + caplen)` are the packet's
 * bytes; `buf` is the caller's chunk (or the reader's carry buffer for a record that spanned
 * two chunks), so the view is valid only during the call: copy what must outlive it.
 *
 * `linktype` is the DLT_ value (what libpcap's `pcap_datalink()` returns), not the file's
 * LINKTYPE_ number. `tsSec`/`tsUsec` are libpcap's `struct timeval` for the packet
 * (microseconds; classic pcap values are signed 32-bit as libpcap reads them).
 */
export type PacketSink = (
  linktype: number,
  tsSec: number,
  tsUsec: number,
  buf: Uint8Array,
  off: number,
  caplen: number,
  wirelen: number,
) => void;

/** What libpcap knows once `pcap_open_offline()` has succeeded. */
export interface CaptureInfo {
  format: 'pcap' | 'pcapng';
  /** DLT_ value of the capture (for pcapng: of the first interface), `pcap_datalink()`. */
  linktype: number;
  /** libpcap's snapshot length (`pcap_snapshot()`), after its adjustments. */
  snaplen: number;
  /** The file's byte order is the opposite of this host's (little-endian x86): big-endian. */
  swapped: boolean;
  versionMajor: number;
  versionMinor: number;
  /** Classic pcap only: the file stores nanoseconds (magic 0xa1b23c4d). */
  nanosecond: boolean;
  /** Classic pcap only: the modified ("Kuznetzov", 0xa1b2cd34) format with 24-byte records. */
  modified: boolean;
}

/** How reading ended (`CaptureParser.end()`). */
export interface CaptureEnd {
  /** Packets delivered to the sink. */
  packets: number;
  /**
   * Why reading stopped before the end of the data, in libpcap's words (e.g. "truncated dump
   * file; tried to read 1514 captured bytes, only got 200"), or null when the file ended
   * cleanly. p0f stops silently at such an error after processing every packet before it.
   */
  error: string | null;
  /** The stop was the data ending in the middle of a record (a cut-off file). */
  truncated: boolean;
}

export interface CaptureParserOptions {
  /**
   * Called once when the file header (pcapng: the section header and the first interface)
   * has been read, before the first packet: the moment p0f prints "Will read pcap data" and
   * compiles its filter. Exceptions thrown here propagate out of `push()`.
   */
  onOpen?: (info: CaptureInfo) => void;
  /**
   * pcapng only. libpcap (and so p0f) stops reading at an interface whose link type or
   * snapshot length differs from the first interface's. With this set, such interfaces are
   * read too and their packets carry their own link type. Off by default (p0f's behaviour).
   */
  multipleLinktypes?: boolean;
}
