/**
 * A filter compiler without native code: libpcap's own pcap_compile(), reached through
 * `tcpdump -ddd` on a header-only capture file of the wanted link type, so the program is
 * compiled exactly as for p0f's pcap_open_offline() handle (savefile semantics, netmask 0,
 * optimiser on).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BpfProgram, parseBpfDecimal } from './bpf.ts';
import { dltToLinktype, linktypeToDlt, MAXIMUM_SNAPLEN } from './linktype.ts';

/** libpcap refused a filter; `message` is its error text (what `pcap_geterr()` says). */
export class BpfCompileError extends Error {
  override readonly name = 'BpfCompileError';
}

export interface CompileOptions {
  /**
   * The capture file is in the opposite byte order (big-endian). libpcap compiles DLT_NULL
   * and DLT_ENC address-family tests for the file's byte order, so this changes those.
   */
  swapped?: boolean;
}

/**
 * A filter compiler with `pcap_compile()`'s meaning for a savefile of this link type:
 * optimised, netmask 0, as p0f calls it. Throws BpfCompileError with libpcap's message.
 * The native addon's compiler is meant to fit the same shape.
 */
export type FilterCompiler = (rule: string, linktype: number, snaplen: number, opts?: CompileOptions) => BpfProgram;

/** A minimal classic pcap header for a link type: what tcpdump -r needs to compile. */
function pcapHeader(linktype: number, snaplen: number, swapped: boolean): Uint8Array {
  let ft = dltToLinktype(linktype);
  // No LINKTYPE_ for it: libpcap passes unknown numbers through unchanged.
  if (ft < 0) ft = linktype;
  if (linktypeToDlt(ft) !== linktype) {
    throw new BpfCompileError(`link type ${linktype} cannot be expressed in a capture file`);
  }
  const b = Buffer.alloc(24);
  const w32 = swapped ? b.writeUInt32BE.bind(b) : b.writeUInt32LE.bind(b);
  const w16 = swapped ? b.writeUInt16BE.bind(b) : b.writeUInt16LE.bind(b);
  w32(0xa1b2c3d4, 0);
  w16(2, 4);
  w16(4, 6);
  w32(snaplen >>> 0, 16);
  w32(ft >>> 0, 20);
  return b;
}

/** Where to find tcpdump (override with P0F_TCPDUMP). */
function tcpdumpPath(): string {
  return process.env['P0F_TCPDUMP'] ?? 'tcpdump';
}

/**
 * Compile a filter by running `tcpdump -ddd -r <header-only file>`: the installed libpcap's
 * pcap_compile() on a savefile of this link type, snaplen and byte order, which is exactly
 * what p0f compiles against. Synchronous (spawns a process); meant for the few compiles
 * at start-up when the native addon is not available.
 */
export function compileFilterWithTcpdump(rule: string, linktype: number, snaplen: number = MAXIMUM_SNAPLEN,
                                         opts: CompileOptions = {}): BpfProgram {
  const dir = mkdtempSync(join(tmpdir(), 'p0f-bpf-'));
  try {
    const file = join(dir, 'h.pcap');
    writeFileSync(file, pcapHeader(linktype, snaplen, opts.swapped ?? false));
    const r = spawnSync(tcpdumpPath(), ['-ddd', '-r', file, '--', rule], { encoding: 'latin1' });
    if (r.error) throw new BpfCompileError(`cannot run tcpdump: ${r.error.message}`);
    if (r.status !== 0) {
      const lines = (r.stderr ?? '').split('\n').filter((l) => l.startsWith('tcpdump: '));
      const msg = lines.length > 0 ? lines[lines.length - 1]!.slice('tcpdump: '.length) : (r.stderr ?? '').trim();
      throw new BpfCompileError(msg);
    }
    return parseBpfDecimal(r.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
