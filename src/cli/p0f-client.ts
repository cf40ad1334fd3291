/**
 * The `p0f-client` command: tools/p0f-client.c. One query, one answer, printed as p0f's
 * own client prints it, with its messages and exit codes.
 *
 * Addresses are read as p0f-client reads them (sscanf, so "1.2.3.4xyz" is 1.2.3.4 and a
 * full eight-group IPv6 address is required). One deliberate difference: an IPv6 address
 * p0f-client rejects as abbreviated ("::1", "::ffff:1.2.3.4") but which is a valid address
 * is accepted here, IPv4-mapped ones being asked as IPv4 (docs/deviations.md).
 */
import { connect } from 'node:net';
import { P0fFatalError, strerror } from '../errors.ts';
import {
  encodeQuery, NATIVE_LE, P0F_MATCH_FUZZY, P0F_MATCH_GENERIC, P0F_RESP_MAGIC, P0F_STATUS_BADQUERY,
  P0F_STATUS_NOMATCH, parseAddress, type QueryAddress, RESP, RESPONSE_SIZE,
} from '../api/protocol.ts';
import { type CliIo, processIo } from './io.ts';

const SUN_PATH_MAX = 108;
const U64_MAX = (1n << 64n) - 1n;

// ---------------------------------------------------------------------------------------
// sscanf emulation (glibc, "C" locale)
// ---------------------------------------------------------------------------------------

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isXDigit(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/**
 * One %u or %x conversion at s[i]: white space, a sign, (for %x) an optional 0x, digits.
 * The value is strtoul's (saturating at 2^64-1, negated modulo 2^64) cut to 32 bits, as
 * it lands in a u32. Returns null when no digit is found.
 */
function scanUnsigned(s: string, i: number, hex: boolean): { value: number; end: number } | null {
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  const sign = s.charCodeAt(i);
  if (sign === 43 || sign === 45) {
    neg = sign === 45;
    i++;
  }
  const ok = hex ? isXDigit : isDigit;
  if (hex && s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) | 0x20) === 120 && ok(s.charCodeAt(i + 2))) i += 2;
  const start = i;
  while (i < s.length && ok(s.charCodeAt(i))) i++;
  if (i === start) return null;
  let v = BigInt((hex ? '0x' : '') + s.slice(start, i));
  if (v > U64_MAX) v = U64_MAX;
  else if (neg) v = (-v) & U64_MAX;
  return { value: Number(v & 0xffffffffn), end: i };
}

/** parse_addr4(): sscanf(str, "%u.%u.%u.%u") must fill all four, then each is at most 255. */
export function parseAddr4(str: string): Uint8Array {
  const v: number[] = [];
  let i = 0;
  for (let k = 0; k < 4; k++) {
    if (k) {
      if (str.charCodeAt(i) !== 46 /* . */) throw fatal('Malformed IPv4 address.', 'parse_addr4(), p0f-client.c:42');
      i++;
    }
    const r = scanUnsigned(str, i, false);
    if (!r) throw fatal('Malformed IPv4 address.', 'parse_addr4(), p0f-client.c:42');
    v.push(r.value);
    i = r.end;
  }
  if (v.some((x) => x > 255)) throw fatal('Malformed IPv4 address.', 'parse_addr4(), p0f-client.c:45');
  return Uint8Array.from(v);
}

/** parse_addr6(): eight hex groups separated by any single non-hex character. */
export function parseAddr6(str: string): Uint8Array {
  const out = new Uint8Array(16);
  let seg = 0;
  let i = 0;
  while (i < str.length) {
    if (seg === 8) throw fatal('Malformed IPv6 address (too many segments).', 'parse_addr6(), p0f-client.c:64');
    const r = scanUnsigned(str, i, true);
    if (!r || r.value > 65535) throw fatal('Malformed IPv6 address (bad octet value).', 'parse_addr6(), p0f-client.c:67');
    out[seg * 2] = r.value >>> 8;
    out[seg * 2 + 1] = r.value & 0xff;
    seg++;
    // p0f skips hex digits only (not the sign or "0x" sscanf took), then one separator.
    while (i < str.length && isXDigit(str.charCodeAt(i))) i++;
    if (i < str.length) i++;
  }
  if (seg !== 8) throw fatal("Malformed IPv6 address (don't abbreviate).", 'parse_addr6(), p0f-client.c:79');
  return out;
}

function fatal(msg: string, location: string, os?: string): P0fFatalError {
  return new P0fFatalError(msg, location, os);
}

/** The query address for the command line argument, as p0f-client picks it. */
export function clientAddress(arg: string): QueryAddress {
  if (!arg.includes(':')) return { ipVer: 4, addr: parseAddr4(arg) };
  try {
    return { ipVer: 6, addr: parseAddr6(arg) };
  } catch (e) {
    // Valid addresses p0f-client cannot read ("::1", "::ffff:1.2.3.4"): take them.
    const a = parseAddress(arg);
    if (a) return a;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/** strftime("%Y/%m/%d %H:%M:%S", localtime(t)). */
export function localTime(t: number): string {
  const d = new Date(t * 1000);
  return `${d.getFullYear()}/${pad2(d.getMonth() + 1)}/${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/**
 * printf("%s") of a response field: a C string read from the field's start. A field p0f
 * filled to all 32 bytes has no NUL, so the text runs on into the next field, as it does
 * in p0f-client (we stop at the end of the response).
 */
function cstr(r: Buffer, off: number): string {
  let end = off;
  while (end < r.length && r[end] !== 0) end++;
  return r.toString('latin1', off, end);
}

/** What p0f-client prints for an answer with status OK. */
export function formatAnswer(r: Buffer, le = NATIVE_LE): string {
  const u32 = (o: number) => (le ? r.readUInt32LE(o) : r.readUInt32BE(o));
  const distance = le ? r.readInt16LE(RESP.distance) : r.readInt16BE(RESP.distance);
  const badSw = r[RESP.badSw]!;
  const q = r[RESP.osMatchQ]!;
  let s = '';
  s += `First seen    = ${localTime(u32(RESP.firstSeen))}\n`;
  s += `Last update   = ${localTime(u32(RESP.lastSeen))}\n`;
  s += `Total flows   = ${u32(RESP.totalConn)}\n`;
  if (!r[RESP.osName]) s += 'Detected OS   = ???\n';
  else {
    s += `Detected OS   = ${cstr(r, RESP.osName)} ${cstr(r, RESP.osFlavor)}` +
      `${q & P0F_MATCH_GENERIC ? ' [generic]' : ''}${q & P0F_MATCH_FUZZY ? ' [fuzzy]' : ''}\n`;
  }
  if (!r[RESP.httpName]) s += 'HTTP software = ???\n';
  else {
    s += `HTTP software = ${cstr(r, RESP.httpName)} ${cstr(r, RESP.httpFlavor)} ` +
      `(ID ${badSw === 2 ? 'is fake' : badSw ? 'OS mismatch' : 'seems legit'})\n`;
  }
  s += r[RESP.linkType] ? `Network link  = ${cstr(r, RESP.linkType)}\n` : 'Network link  = ???\n';
  s += r[RESP.language] ? `Language      = ${cstr(r, RESP.language)}\n` : 'Language      = ???\n';
  // "%u" of the s16: only -1 reads as unknown (p0f itself sends 255 for that).
  s += distance === -1 ? 'Distance      = ???\n' : `Distance      = ${distance >>> 0}\n`;
  const nat = u32(RESP.lastNat);
  if (nat) s += `IP sharing    = ${localTime(nat)}\n`;
  const chg = u32(RESP.lastChg);
  if (chg) s += `Sys change    = ${localTime(chg)}\n`;
  const up = u32(RESP.uptimeMin);
  if (up) {
    s += `Uptime        = ${Math.floor(up / 60 / 24)} days ${Math.floor(up / 60) % 24} hrs ${up % 60} min ` +
      `(modulo ${u32(RESP.upModDays)} days)\n`;
  }
  return s;
}

// ---------------------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------------------

/** Connect, send the query, read one answer (up to 232 bytes, less if the peer closes). */
function exchange(path: string, query: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = connect({ path });
    const chunks: Buffer[] = [];
    let got = 0;
    let connected = false;
    let settled = false;
    const done = (e: P0fFatalError | null) => {
      if (settled) return;
      settled = true;
      sock.destroy();
      if (e) reject(e);
      else resolve(Buffer.concat(chunks, got).subarray(0, RESPONSE_SIZE));
    };
    sock.on('connect', () => {
      connected = true;
      sock.write(query);
    });
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      if (got >= RESPONSE_SIZE) done(null);
    });
    sock.on('error', (e) => {
      if (!connected) done(fatal("Can't connect to API socket.", 'main(), p0f-client.c:128', strerror(e)));
      else if (got === 0 && (e as NodeJS.ErrnoException).code === 'EPIPE') {
        done(fatal('Short write to API socket.', 'main(), p0f-client.c:131'));
      } else done(fatal('Short read from API socket.', 'main(), p0f-client.c:134'));
    });
    sock.on('close', () => done(fatal('Short read from API socket.', 'main(), p0f-client.c:134')));
  });
}

/** Run p0f-client with its two arguments; resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    if (argv.length !== 2) {
      io.err('Usage: p0f-client /path/to/socket host_ip\n');
      return 1;
    }
    const [path, host] = argv as [string, string];
    const query = encodeQuery(clientAddress(host));
    if (Buffer.byteLength(path) >= SUN_PATH_MAX) {
      throw fatal('API socket filename is too long for sockaddr_un (blame Unix).', 'main(), p0f-client.c:123');
    }
    const r = await exchange(path, query);
    const magic = NATIVE_LE ? r.readUInt32LE(0) : r.readUInt32BE(0);
    if (magic !== P0F_RESP_MAGIC) {
      throw fatal(`Bad response magic (0x${magic.toString(16).padStart(8, '0')}).\n`, 'main(), p0f-client.c:139');
    }
    const status = NATIVE_LE ? r.readUInt32LE(4) : r.readUInt32BE(4);
    if (status === P0F_STATUS_BADQUERY) throw fatal('P0f did not understand the query.\n', 'main(), p0f-client.c:142');
    if (status === P0F_STATUS_NOMATCH) {
      io.out("No matching host in p0f cache. That's all we know.\n");
      return 0;
    }
    io.out(formatAnswer(r));
    return 0;
  } catch (e) {
    if (e instanceof P0fFatalError) {
      io.err(e.format());
      return 1;
    }
    throw e;
  } finally {
    io.flush();
  }
}
