/**
 * Drive a CaptureParser from a file path (synchronously, the `p0f -r FILE` hot path) or
 * from a Node Readable (`p0f -r -`, standard input).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { strerror } from '../errors.ts';
import { CaptureParser } from './parser.ts';
import { openError } from './reader-base.ts';
import type { CaptureEnd, CaptureParserOptions, PacketSink } from './types.ts';

/** Read size for files: large enough that system calls and carry copies are negligible. */
export const FILE_CHUNK = 1 << 20;

export interface ReadOptions extends CaptureParserOptions {
  /** Checked between chunks; returning true stops the reading (p0f's stop_soon). */
  shouldStop?: () => boolean;
  /** Read size in bytes (default 1 MiB). */
  chunkSize?: number;
}

export interface ReadResult extends CaptureEnd {
  /** Reading was stopped by `shouldStop`. */
  stopped: boolean;
}

/**
 * Read a capture file to its end. Throws p0f's `pcap_open_offline: ...` fatal error when
 * libpcap would refuse the file (including the fopen() error text, "path: strerror").
 * One read buffer is reused, so packets are valid only during the sink call.
 */
export function readCaptureFileSync(path: string, sink: PacketSink, opts: ReadOptions = {}): ReadResult {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw openError(`${path}: ${strerror(e)}`);
  }
  const parser = new CaptureParser(sink, opts);
  const chunk = new Uint8Array(opts.chunkSize ?? FILE_CHUNK);
  let stopped = false;
  try {
    for (;;) {
      if (opts.shouldStop?.()) {
        stopped = true;
        break;
      }
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (e) {
        parser.abort(`error reading dump file: ${strerror(e)}`);
        break;
      }
      if (n === 0) break;
      parser.push(n === chunk.length ? chunk : chunk.subarray(0, n));
      if (parser.done) break;
    }
  } finally {
    closeSync(fd);
  }
  return finish(parser, stopped);
}

/**
 * Read a capture from a stream (standard input for `-r -`). Chunks are parsed as they
 * arrive; the promise rejects with p0f's fatal error if the data cannot be opened.
 */
export async function readCaptureStream(stream: Readable, sink: PacketSink, opts: ReadOptions = {}): Promise<ReadResult> {
  const parser = new CaptureParser(sink, opts);
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  let stopped = false;
  try {
    for (;;) {
      if (opts.shouldStop?.()) {
        stopped = true;
        break;
      }
      let next: IteratorResult<Buffer | string>;
      try {
        next = await it.next();
      } catch (e) {
        // Only a failing read is libpcap's "error reading dump file"; exceptions from the
        // sink or onOpen propagate untouched.
        parser.abort(`error reading dump file: ${strerror(e)}`);
        break;
      }
      if (next.done) break;
      const piece = next.value;
      parser.push(typeof piece === 'string' ? Buffer.from(piece, 'latin1') : piece);
      if (parser.done) break;
    }
  } finally {
    try {
      await it.return?.();
    } catch {
      // The stream had already failed.
    }
  }
  return finish(parser, stopped);
}

/** A user stop is not a truncated file: report what was read without end-of-data checks. */
function finish(parser: CaptureParser, stopped: boolean): ReadResult {
  if (stopped) return { packets: parser.packets, error: null, truncated: false, stopped };
  return { ...parser.end(), stopped };
}
