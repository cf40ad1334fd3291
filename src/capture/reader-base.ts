/**
 * The contract between the chunk driver (parser.ts) and the per-format record readers.
 */
import { P0fFatalError } from '../errors.ts';
import type { CaptureInfo, PacketSink } from './types.ts';

/** p0f's location for `FATAL("pcap_open_offline: %s", pcap_err)`. */
export const OPEN_LOCATION = 'prepare_pcap(), p0f.c:476';

/** The error p0f aborts with when libpcap refuses to open a file. */
export function openError(libpcapMessage: string): P0fFatalError {
  return new P0fFatalError(`pcap_open_offline: ${libpcapMessage}`, OPEN_LOCATION);
}

/** What a format reader may ask of the driver. */
export interface ReaderHost {
  readonly sink: PacketSink;
  /** The file header is read; called once, before any packet. */
  opened(info: CaptureInfo): void;
  /** Reading stops here (libpcap's next-packet error); nothing more is delivered. */
  fail(message: string, truncated: boolean): void;
}

/**
 * A format reader consumes whole units (file header, record, block) straight from the
 * bytes it is given. When it runs out, it returns the offset of the first unconsumed byte
 * and sets `need` to how many bytes from there it must see before it can go on; the
 * driver gathers that many (copying across chunk boundaries) and calls again.
 * Errors while opening are thrown (`openError`); later ones go to `host.fail`.
 */
export interface FormatReader {
  need: number;
  run(buf: Uint8Array, off: number, end: number): number;
  /** The data ended with `avail` unconsumed bytes at `buf[off..]` (fewer than `need`). */
  eof(buf: Uint8Array, off: number, avail: number): void;
}
