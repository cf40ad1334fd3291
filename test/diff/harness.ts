/**
 * Differential testing against p0f 3.09b's recorded output: run our `p0f` in-process on a
 * capture and compare its -o log and console report with p0f's, line for line.
 *
 * Exceptions are deviations we make on purpose (docs/deviations.md); each is named here
 * and applied only to the captures it concerns.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readCaptureFileSync } from '../../src/capture/read.ts';
import { bpfFilter } from '../../src/capture/bpf.ts';
import { defaultFilter } from '../../src/capture/filter.ts';
import { LinkDecoder } from '../../src/decode/link.ts';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/p0f.ts';
import { memoryIo } from '../../src/cli/io.ts';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED_CORPUS = resolve(REPO, '../shared/corpus');
export const P0F_BIN = '/usr/sbin/p0f';
export const P0F_DB = '/etc/p0f/p0f.fp';

export interface RunResult {
  code: number;
  log: string[];
  /** stdout and stderr interleaved as a terminal shows them. */
  out: string[];
}

/** Run our p0f on `capture` (a path), with the database p0f's truth was made with. */
export async function runOurs(capture: string, extraArgs: string[] = [], dbPath?: string): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'p0f-diff-'));
  const logPath = join(dir, 'out.log');
  const io = memoryIo();
  const cwd = process.cwd();
  process.chdir(dirname(capture));
  try {
    const db = dbPath ?? (existsSync(P0F_DB) ? P0F_DB : join(REPO, 'data/p0f.fp'));
    const code = await main(['-f', db, '-r', basename(capture), '-o', logPath, ...extraArgs], io);
    const log = existsSync(logPath) ? splitLines(readFileSync(logPath, 'latin1')) : [];
    return { code, log, out: splitLines(io.both) };
  } finally {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  }
}

export function splitLines(s: string): string[] {
  const lines = s.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Console lines that depend on the machine rather than the capture: the banner (names
 * this package), "Closed N file descriptors" (what the parent shell left open), and the
 * database path (ours may be the bundled copy).
 */
export function normalizeConsole(lines: string[]): string[] {
  return lines
    .filter((l) => !l.startsWith('--- p0f ') && !/^\[\+\] Closed \d+ file descriptors?\.$/.test(l) &&
      // The recorded consoles come from runs without -o; ours always writes a log to compare.
      !/^\[\+\] Log file '.*' opened for writing\.$/.test(l))
    .map((l) => l.replace(/^(\[\+\] Loaded \d+ signatures? from ')[^']*('\.)$/, '$1DB$2'));
}

export function readLines(path: string): string[] {
  return existsSync(path) ? splitLines(readFileSync(path, 'latin1')) : [];
}

/** Lines only about NAT scoring (they depend on p0f's nondeterministic Date check). */
export function isNatLine(l: string): boolean {
  return /mod=(host change|ip sharing)\|/.test(l) || /\((host change|ip sharing)\) \]-$/.test(l);
}

/** Drop NAT observation blocks from a console transcript. */
export function dropNatBlocks(lines: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (isNatLine(lines[i]!)) {
      while (i < lines.length && lines[i] !== '`----') i++;
      i++; // the blank line after the block
      continue;
    }
    out.push(lines[i]!);
  }
  return out;
}

/** The real p0f on a capture (for deviations whose truth is p0f on a corrected input). */
export function runRealP0f(capture: string): { log: string[]; out: string[] } | null {
  if (!existsSync(P0F_BIN)) return null;
  const dir = mkdtempSync(join(tmpdir(), 'p0f-real-'));
  try {
    const logPath = join(dir, 'x.log');
    let out = '';
    try {
      out = execFileSync('setarch', ['x86_64', '-R', P0F_BIN, '-f', P0F_DB, '-r', basename(capture), '-o', logPath],
        { cwd: dirname(capture), env: { TZ: 'UTC' }, encoding: 'latin1', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      out = String((e as { stdout?: string }).stdout ?? '');
    }
    return { log: readLines(logPath), out: splitLines(out) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A little-endian microsecond classic pcap built in memory (corrected copies for truths). */
class PcapWriter {
  private readonly parts: Buffer[] = [];
  constructor(linktype: number) {
    const head = Buffer.alloc(24);
    head.writeUInt32LE(0xa1b2c3d4, 0);
    head.writeUInt16LE(2, 4);
    head.writeUInt16LE(4, 6);
    head.writeUInt32LE(262144, 16);
    head.writeUInt32LE(linktype, 20);
    this.parts.push(head);
  }
  add(sec: number, usec: number, body: Buffer, wirelen: number): void {
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(sec >>> 0, 0);
    rec.writeUInt32LE(usec, 4);
    rec.writeUInt32LE(body.length, 8);
    rec.writeUInt32LE(Math.max(body.length, wirelen), 12);
    this.parts.push(rec, body);
  }
  save(path: string): void {
    writeFileSync(path, Buffer.concat(this.parts));
  }
}

/**
 * A classic-pcap copy of an Ethernet `capture` with 802.1Q / 802.1ad tags removed (every
 * other byte kept), or null if it cannot be read. Timestamps keep microsecond precision.
 */
export function stripVlan(capture: string, dir: string): string | null {
  const out = join(dir, basename(capture).replace(/\.pcapng$/, '') + '.untagged.pcap');
  const pcap = new PcapWriter(1);
  try {
    const sink = (lt: number, sec: number, usec: number, buf: Uint8Array, off: number, caplen: number, wirelen: number) => {
      // Only what p0f's filter lets through on the original (it admits one tag, not two).
      const prog = defaultFilter(lt);
      if (prog && bpfFilter(prog, buf, off, caplen, wirelen) === 0) return;
      const frame = Buffer.from(buf.subarray(off, off + caplen));
      let body = frame;
      let cut = 0;
      for (;;) {
        if (body.length < 18) break;
        const et = body.readUInt16BE(12);
        if (et !== 0x8100 && et !== 0x88a8 && et !== 0x9100) break;
        body = Buffer.concat([body.subarray(0, 12), body.subarray(16)]);
        cut += 4;
      }
      pcap.add(sec, usec, body, wirelen - cut);
    };
    readCaptureFileSync(capture, sink);
  } catch {
    return null;
  }
  pcap.save(out);
  return out;
}

export interface LineDiff {
  matched: number;
  total: number;
  firstMismatch: string | null;
}

/** Compare line lists in order; count expected lines reproduced exactly at their position. */
export function diffLines(expected: string[], actual: string[]): LineDiff {
  let matched = 0;
  let firstMismatch: string | null = null;
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    if (expected[i] === actual[i]) {
      if (i < expected.length) matched++;
    } else if (firstMismatch === null) {
      firstMismatch = `line ${i + 1}:\n  expected: ${expected[i] ?? '(none)'}\n  actual:   ${actual[i] ?? '(none)'}`;
    }
  }
  return { matched, total: expected.length, firstMismatch };
}

/**
 * Link types where our decoder knowingly reads the IP header at a different place than p0f
 * (deviations D4-link-fixed, D5-link-wrong-fixed, D6-link-pflog): their truth is p0f's output
 * on the same IP packets in a raw-IP capture, where p0f's offset (0) is not in question.
 */
export const LINK_DEVIATION_DLTS: ReadonlyMap<number, string> = new Map([
  ...[8, 10, 11, 15, 16, 19, 99, 104, 109, 112, 122, 138, 166, 226, 228, 229, 240, 241, 276]
    .map((d) => [d, 'D4-link-fixed'] as const),
  [108, 'D5-link-wrong-fixed'], [50, 'D5-link-wrong-fixed'],
  [117, 'D6-link-pflog'],
]);

/** The link types of the frames p0f would read (the first interface's, as libpcap reads). */
export function captureLinktype(path: string): number | null {
  let lt: number | null = null;
  try {
    readCaptureFileSync(path, () => {}, { onOpen: (info) => { lt = info.linktype; } });
  } catch { /* an error-path capture */ }
  return lt;
}

/** A LINKTYPE_RAW copy of `capture`: each frame's IP packet as our decoder locates it. */
export function rawify(capture: string, dir: string): string {
  const out = join(dir, basename(capture) + '.raw.pcap');
  const dec = new LinkDecoder(() => {});
  const pcap = new PcapWriter(101);
  readCaptureFileSync(capture, (lt, sec, usec, buf, off, caplen, wirelen) => {
    const prog = defaultFilter(lt);
    if (prog && bpfFilter(prog, buf, off, caplen, wirelen) === 0) return;
    const lo = Math.max(0, dec.ipOffset(lt, buf, off, caplen, wirelen));
    if (lo >= caplen) return;
    const body = Buffer.from(buf.subarray(off + lo, off + caplen));
    pcap.add(sec, usec, body, wirelen - lo);
  });
  pcap.save(out);
  return out;
}

export interface Truth {
  log: string[];
  out: string[];
  /** Named deviations whose exception was applied. */
  applied: string[];
  /** Set when the truth cannot be built here (p0f missing): the test should skip. */
  skip?: string;
}

/**
 * What our output must equal for `capture`, given p0f's recorded output on it: the
 * recording itself, unless a named deviation concerns this capture, in which case the truth
 * is p0f's output on a corrected copy (tags removed, or raw IP) made at run time.
 */
export function truthFor(capture: string, recLog: string[], recOut: string[], work: string): Truth {
  const applied: string[] = [];
  const lt = captureLinktype(capture);
  let corrected: string | null = null;
  if (lt === 1 && hasVlanFrames(capture)) {
    corrected = stripVlan(capture, work);
    applied.push('D1-vlan');
  } else if (lt !== null && LINK_DEVIATION_DLTS.has(lt)) {
    corrected = rawify(capture, work);
    applied.push(LINK_DEVIATION_DLTS.get(lt)!);
  }
  if (!corrected) return { log: recLog, out: normalizeConsole(recOut), applied };
  const real = runRealP0f(corrected);
  if (!real) return { log: recLog, out: recOut, applied, skip: `${applied.join('+')}: p0f is needed to build the truth` };
  const name = basename(capture);
  const out = normalizeConsole(real.out)
    .map((l) => l.replace(/^(\[\+\] Will read pcap data from file ').*('\.)$/, `$1${name}$2`))
    // The corrected copy's link type has its own filter line; ours is the original's.
    .filter((l) => !/^\[\+\] Default packet filtering configured/.test(l));
  return { log: real.log, out, applied };
}

/** Does an Ethernet capture hold 802.1Q / 802.1ad tagged frames? */
export function hasVlanFrames(path: string): boolean {
  let found = false;
  try {
    readCaptureFileSync(path, (lt, _s, _u, buf, off, caplen) => {
      if (lt === 1 && caplen >= 14) {
        const et = (buf[off + 12]! << 8) | buf[off + 13]!;
        if (et === 0x8100 || et === 0x88a8 || et === 0x9100) found = true;
      }
    });
  } catch { /* an error-path capture */ }
  return found;
}

/** Drop our filter line too when the truth had to be made on another link type. */
export function dropFilterLine(lines: string[]): string[] {
  return lines.filter((l) => !/^\[\+\] Default packet filtering configured/.test(l));
}

/** Parity before any exception: recorded p0f lines reproduced, captures fully identical. */
export interface RawTally {
  captures: number;
  identical: number;
  lines: number;
  rawMatched: number;
}

export function tallyRaw(t: RawTally, recLog: string[], recOut: string[], ours: RunResult): void {
  const log = diffLines(recLog, ours.log);
  t.captures++;
  t.lines += recLog.length;
  t.rawMatched += log.matched;
  if (!log.firstMismatch && !diffLines(normalizeConsole(recOut), normalizeConsole(ours.out)).firstMismatch) t.identical++;
}
