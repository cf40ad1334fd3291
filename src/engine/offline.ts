/**
 * Reading a capture file (or standard input) through p0f's filter into a frame sink.
 *
 * The moment the file header is known is the moment p0f prints "Will read pcap data",
 * compiles its filter and opens its outputs: `onOpen` runs there, before the first packet,
 * and may throw p0f's fatal errors.
 */
import { createReadStream } from 'node:fs';
import { bpfFilter } from '../capture/bpf.ts';
import { nativeFilterCompiler } from '../capture/addon.ts';
import { compileFilterWithTcpdump, type FilterCompiler, type PreparedFilter, prepareP0fFilter } from '../capture/filter.ts';
import { readCaptureFileSync, readCaptureStream, type ReadResult } from '../capture/read.ts';
import type { CaptureInfo, PacketSink } from '../capture/types.ts';

export interface OfflineOptions {
  /** The trailing filter rule, or null for p0f's default. */
  filterRule: string | null;
  /** Called once the header is read (p0f's pcap_open_offline succeeded). */
  onOpen: (info: CaptureInfo) => void;
  /** Then with the filter p0f compiles for it (prepare_bpf), before the first packet. */
  onFilter: (filter: PreparedFilter) => void;
  /** Frames that pass the filter. */
  onFrame: PacketSink;
  shouldStop?: () => boolean;
  /** Process in slices, yielding to the event loop between them (library use). */
  yieldEvery?: boolean;
  compiler?: FilterCompiler;
}

/** The compiler for user rules: libpcap through our addon, else tcpdump. */
export function filterCompiler(): FilterCompiler {
  return nativeFilterCompiler() ?? compileFilterWithTcpdump;
}

export async function readOffline(path: string, opts: OfflineOptions): Promise<ReadResult> {
  const filters = new Map<number, PreparedFilter>();
  let snaplen = 65535;
  let swapped = false;
  const compiler = opts.compiler ?? (opts.filterRule === null ? compileFilterWithTcpdump : filterCompiler());
  const filterFor = (linktype: number): PreparedFilter => {
    let f = filters.get(linktype);
    if (!f) {
      f = prepareP0fFilter(opts.filterRule, linktype, snaplen, compiler, { swapped });
      filters.set(linktype, f);
    }
    return f;
  };

  let lastLt = -1;
  let lastProg: PreparedFilter['program'] | null = null;
  const onFrame = opts.onFrame;
  const sink: PacketSink = (lt, sec, usec, buf, off, caplen, wirelen) => {
    if (lt !== lastLt) {
      lastProg = filterFor(lt).program;
      lastLt = lt;
    }
    if (bpfFilter(lastProg!, buf, off, caplen, wirelen) !== 0) onFrame(lt, sec, usec, buf, off, caplen, wirelen);
  };
  const onOpen = (info: CaptureInfo) => {
    snaplen = info.snaplen;
    swapped = info.swapped;
    opts.onOpen(info);
    opts.onFilter(filterFor(info.linktype));
  };

  const readOpts = { onOpen, shouldStop: opts.shouldStop };
  if (path === '-') return readCaptureStream(process.stdin, sink, readOpts);
  if (opts.yieldEvery) return readCaptureStream(createReadStream(path, { highWaterMark: 1 << 20 }), sink, readOpts);
  return readCaptureFileSync(path, sink, readOpts);
}
