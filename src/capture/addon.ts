/**
 * Loads the package's own native addon (native/p0f_pcap.cc, built by `npm install` into
 * build/Release/p0f_pcap.node). Everything that needs it asks here; everything else
 * (reading capture files, the API client) works without it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { P0fFatalError } from '../errors.ts';
import { type BpfProgram, bpfProgram } from './bpf.ts';
import { dltToLinktype, linktypeToDlt } from './linktype.ts';
import { BpfCompileError, type FilterCompiler } from './tcpdump-compile.ts';

/** One open libpcap live handle (see native/p0f_pcap.cc for the record layout). */
export interface NativeCapture {
  datalink(): number;
  /** pcap_compile + pcap_setfilter on this handle; null when both worked. */
  setFilter(rule: string, optimize?: number, netmask?: number): null | { stage: 'compile' | 'setfilter'; error: string };
  setNonblock(on: boolean): void;
  /** Non-blocking read of up to maxPackets records into buf; returns the count. */
  readBatch(buf: Buffer, maxPackets: number): number;
  /** pcap_get_selectable_fd(). */
  fd(): number;
  /** Waits on Node's loop; calls back once per filled batch (count, or -1 and the error). */
  start(buf: Buffer, maxPackets: number, onBatch: (count: number, error?: string) => void): void;
  stop(): void;
  /** [ps_recv, ps_drop, ps_ifdrop] or null. */
  stats(): [number, number, number] | null;
  close(): void;
  ref(): void;
  unref(): void;
  geterr(): string | null;
  /** Set when pcap_activate() succeeded with a warning. */
  warning?: string;
}

export interface NativeDevice {
  name: string;
  description: string | null;
  flags: number;
  /** family 4 or 6 with the address bytes; other families as -AF number, no bytes. */
  addrs: { family: number; addr?: Buffer }[];
}

export interface NativePasswd {
  name: string;
  uid: number;
  gid: number;
  dir: string;
  shell: string;
}

export interface PcapAddon {
  openLive(iface: string, snaplen: number, promisc: boolean, timeoutMs: number,
           bufferSize?: number, immediate?: boolean): NativeCapture;
  /**
   * pcap_compile for a link type. fileOrder -1 (default): on pcap_open_dead(linktype), as
   * for a live handle; 0 / 1: on a savefile handle in host / swapped byte order, which is
   * what p0f -r compiles against (it differs for DLT_NULL and a few others). In that case
   * `linktype` is the file header's LINKTYPE_ value (see nativeFilterCompiler).
   */
  compileFilter(rule: string, linktype: number, snaplen: number, optimize?: number,
                netmask?: number, fileOrder?: -1 | 0 | 1): { insns: Uint32Array; error?: undefined } | { error: string; insns?: undefined };
  findAllDevs(): { devs: NativeDevice[]; error?: undefined } | { error: string; devs?: undefined };
  lookupDev(): { name: string; error?: undefined } | { error: string; name?: undefined };
  getpwnam(name: string): NativePasswd | null;
  /** flock(fd, op): 0 or errno. */
  flock(fd: number, op: number): number;
  /** chroot(path): 0 or errno. */
  chroot(path: string): number;
  /** setsid(): session id or -errno. */
  setsid(): number;
  /** dup2(from, to): 0 or errno. */
  dup2(from: number, to: number): number;
  strerror(errno: number): string;
  libVersion(): string;
  readonly LOCK_SH: number;
  readonly LOCK_EX: number;
  readonly LOCK_NB: number;
  readonly LOCK_UN: number;
}

/** What a user without the addon is told to do. */
export const ADDON_HELP =
  "this needs the package's native libpcap addon, which is not built. Install libpcap's " +
  'development files (apt-get install libpcap-dev) and rebuild it (npm run build:native ' +
  'in the package directory, or npm rebuild p0f).';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(here, '..', '..');

let loaded: PcapAddon | null | undefined;
let loadError: string | undefined;

/** Where the addon is looked for (P0F_ADDON overrides; P0F_NO_ADDON=1 pretends it is absent). */
export function addonPath(): string {
  return process.env.P0F_ADDON ?? join(ROOT, 'build', 'Release', 'p0f_pcap.node');
}

/** The addon, or null when it is not built (or cannot be loaded: see addonLoadError()). */
export function loadAddon(): PcapAddon | null {
  if (loaded !== undefined) return loaded;
  if (process.env.P0F_NO_ADDON === '1') {
    loadError = 'disabled by P0F_NO_ADDON=1';
    loaded = null;
    return null;
  }
  const path = addonPath();
  if (!existsSync(path)) {
    loadError = `${path} does not exist`;
    loaded = null;
    return null;
  }
  try {
    const require = createRequire(import.meta.url);
    loaded = require(path) as PcapAddon;
  } catch (e) {
    loadError = (e as Error).message;
    loaded = null;
  }
  return loaded;
}

export function addonLoadError(): string | undefined {
  loadAddon();
  return loadError;
}

/**
 * The addon, or a fatal error that says what to install. `what` names the feature, e.g.
 * "Live capture".
 */
export function requireAddon(what: string): PcapAddon {
  const a = loadAddon();
  if (a) return a;
  throw new P0fFatalError(`${what}: ${ADDON_HELP}`, `addon (${loadError ?? 'not loaded'})`);
}

/**
 * A FilterCompiler (see tcpdump-compile.ts) over the addon's pcap_compile() on a savefile
 * handle of the capture's link type and byte order: the program p0f -r would run, without
 * spawning tcpdump. Null when the addon is not built.
 */
export function nativeFilterCompiler(): FilterCompiler | null {
  const a = loadAddon();
  if (!a) return null;
  return (rule: string, linktype: number, snaplen: number, opts = {}): BpfProgram => {
    let ft = dltToLinktype(linktype);
    if (ft < 0) ft = linktype;
    if (linktypeToDlt(ft) !== linktype) {
      throw new BpfCompileError(`link type ${linktype} cannot be expressed in a capture file`);
    }
    const r = a.compileFilter(rule, ft, snaplen, 1, 0, opts.swapped ? 1 : 0);
    if (r.error !== undefined) throw new BpfCompileError(r.error);
    return bpfProgram(r.insns);
  };
}
