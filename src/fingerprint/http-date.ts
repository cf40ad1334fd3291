/**
 * The HTTP `Date` header as p0f reads it: glibc's strptime() with the format
 * "%a, %d %b %Y %H:%M:%S %Z" (LC_TIME "C"), then mktime() in local time.
 *
 * p0f hands mktime() a struct tm whose tm_isdst strptime never sets, so the real binary
 * shifts some dates by an hour at random. We use tm_isdst = 0 (the intended reading):
 * the fields are local *standard* time of the process's time zone; with TZ=UTC that is
 * plain UTC.
 *
 * Acceptance follows glibc 2.36's __strptime_internal step by step, because whether a date
 * "counts" decides whether the NAT `date` check runs:
 * - no white space is skipped before %a (a value starting with a blank fails);
 * - day and month names are matched case-insensitively, full or abbreviated, longest match;
 * - numbers skip leading white space, read at most 2 (4 for the year) digits and stop early
 *   when another digit would exceed the maximum (so "45" as a day reads "4");
 * - a blank in the format skips any white space (none required);
 * - %Z skips white space then any non-blank run, and never fails; what follows is ignored.
 * glibc's %a loop also advances its input pointer whenever an abbreviated name matches
 * (it passes `rp` instead of its copy to match_string), so "MonTuesday" reads as Tuesday;
 * that is reproduced too.
 */

const DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const ABDAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MONTH_NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august',
  'september', 'october', 'november', 'december'];
const ABMONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Byte at `i` of a C string (0 past the end). */
function at(s: string, i: number): number {
  return i < s.length ? s.charCodeAt(i) : 0;
}

/** isspace() in the "C" locale. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** strncasecmp(name, s + i, strlen(name)) == 0, `name` given in lower case. */
function matchName(name: string, s: string, i: number): boolean {
  for (let k = 0; k < name.length; k++) {
    let c = at(s, i + k);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== name.charCodeAt(k)) return false;
  }
  return true;
}

// Parser cursor and result, module-level so a parse allocates nothing.
let rp = 0;
let num = 0;

/** glibc's get_number(from, to, n); false = strptime returns NULL. */
function getNumber(s: string, from: number, to: number, n: number): boolean {
  while (isSpace(at(s, rp))) rp++;
  let c = at(s, rp);
  if (c < 48 || c > 57) return false;
  let val = 0;
  do {
    val = val * 10 + (c - 48);
    rp++;
    c = at(s, rp);
  } while (--n > 0 && val * 10 <= to && c >= 48 && c <= 57);
  if (val < from || val > to) return false;
  num = val;
  return true;
}

/** %a, including glibc's pointer-advancing quirk (see the file comment). */
function matchWeekday(s: string): boolean {
  let longest = -1;
  for (let cnt = 0; cnt < 7; cnt++) {
    // Locale branch (the "C" locale's names are the built-in ones).
    const full = DAY_NAMES[cnt]!;
    if (matchName(full, s, rp) && rp + full.length > longest) longest = rp + full.length;
    const ab = ABDAY_NAMES[cnt]!;
    const abHit = matchName(ab, s, rp);
    if (abHit && rp + 3 > longest) longest = rp + 3;
    // Built-in branch: never finds anything longer than the locale branch just did, but
    // its abbreviated-name test moves the cursor itself.
    if (abHit) rp += 3;
  }
  if (longest < 0) return false;
  rp = longest;
  return true;
}

/** %b: month name, full or abbreviated, longest match; sets `num` to the month (0-11). */
function matchMonth(s: string): boolean {
  let longest = -1;
  let mon = -1;
  for (let cnt = 0; cnt < 12; cnt++) {
    const full = MONTH_NAMES[cnt]!;
    if (matchName(full, s, rp) && rp + full.length > longest) {
      longest = rp + full.length;
      mon = cnt;
    }
    if (matchName(ABMONTH_NAMES[cnt]!, s, rp) && rp + 3 > longest) {
      longest = rp + 3;
      mon = cnt;
    }
  }
  if (longest < 0) return false;
  rp = longest;
  num = mon;
  return true;
}

function skipSpace(s: string): void {
  while (isSpace(at(s, rp))) rp++;
}

/** Broken-down time read by the last successful strptimeHttp(). */
export interface HttpTm {
  year: number;
  mon: number;
  mday: number;
  hour: number;
  min: number;
  sec: number;
}

const tm: HttpTm = { year: 0, mon: 0, mday: 0, hour: 0, min: 0, sec: 0 };

/**
 * strptime(s, "%a, %d %b %Y %H:%M:%S %Z"): the fields (a shared object, overwritten by the
 * next call) or null when glibc would return NULL. `s` is the header value as p0f has it
 * (a C string: it ends at the first NUL byte).
 */
export function strptimeHttp(s: string): HttpTm | null {
  rp = 0;
  if (!matchWeekday(s)) return null;
  if (at(s, rp++) !== 44 /* , */) return null;
  skipSpace(s);
  if (!getNumber(s, 1, 31, 2)) return null;
  tm.mday = num;
  skipSpace(s);
  if (!matchMonth(s)) return null;
  tm.mon = num;
  skipSpace(s);
  if (!getNumber(s, 0, 9999, 4)) return null;
  tm.year = num;
  skipSpace(s);
  if (!getNumber(s, 0, 23, 2)) return null;
  tm.hour = num;
  if (at(s, rp++) !== 58 /* : */) return null;
  if (!getNumber(s, 0, 59, 2)) return null;
  tm.min = num;
  if (at(s, rp++) !== 58) return null;
  if (!getNumber(s, 0, 61, 2)) return null;
  tm.sec = num;
  // " %Z": skips white space and one word; cannot fail, and the rest is not looked at.
  return tm;
}

/** Days from 1970-01-01 to the given proleptic Gregorian date (any year, month 0-11). */
function daysFromCivil(year: number, mon: number, mday: number): number {
  const y = mon < 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const m = mon + 1;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + mday - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Proleptic Gregorian year containing day `z` (days since 1970-01-01). */
function yearOfDay(z: number): number {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  return yoe + era * 400 + (mp >= 10 ? 1 : 0);
}

/**
 * The zone's UTC offset (seconds east) at unix second `t`, to the second: old local mean
 * times have odd seconds that getTimezoneOffset() rounds away, so read the local fields.
 */
function offsetEastAt(t: number): number {
  const d = new Date(t * 1000);
  // Whole-minute offsets (all modern zones): getTimezoneOffset() is exact.
  if (d.getSeconds() === d.getUTCSeconds()) return -d.getTimezoneOffset() * 60;
  const local = daysFromCivil(d.getFullYear(), d.getMonth(), d.getDate()) * 86400 +
    d.getHours() * 3600 + d.getMinutes() * 60 + d.getSeconds();
  return local - Math.floor(t);
}

// Standard offset per year, remembered for the TZ it was computed under.
let stdTz: string | undefined = '\0';
const stdByYear = new Map<number, number>();

/** The zone's standard-time offset in year `y`: the smaller of its January and July offsets. */
function stdOffsetEast(y: number): number {
  const tz = process.env['TZ'];
  if (tz !== stdTz) {
    stdTz = tz;
    stdByYear.clear();
  }
  let std = stdByYear.get(y);
  if (std === undefined) {
    std = Math.min(offsetEastAt(daysFromCivil(y, 0, 1) * 86400), offsetEastAt(daysFromCivil(y, 6, 1) * 86400));
    if (stdByYear.size > 64) stdByYear.clear();
    stdByYear.set(y, std);
  }
  return std;
}

/**
 * mktime() with tm_isdst = 0: the fields are read as local standard time. Out-of-range
 * fields (second 60/61, day 31 of a short month) carry over as mktime normalises them.
 */
export function mktimeStd(t: HttpTm): number {
  const naive = daysFromCivil(t.year, t.mon, 1) * 86400 + (t.mday - 1) * 86400 +
    t.hour * 3600 + t.min * 60 + t.sec;
  // Offset in force at that wall-clock time (two steps settle it, as mktime's search does).
  let east = offsetEastAt(naive);
  east = offsetEastAt(naive - east);
  // If that is summer time, use the zone's standard offset for the year instead: the
  // smaller of its January and July offsets, whichever hemisphere.
  const std = stdOffsetEast(yearOfDay(Math.floor(naive / 86400)));
  if (east > std) east = std;
  return naive - east;
}

/** p0f's parse_date(): seconds since the epoch as a u32, 0 if the date does not parse. */
export function parseHttpDate(s: string): number {
  const t = strptimeHttp(s);
  if (!t) return 0;
  const v = mktimeStd(t);
  // time_t returned into a u32.
  return ((v % 4294967296) + 4294967296) % 4294967296;
}

// Dates seen recently, by their bytes: a busy server sends the same Date line for a whole
// second, and parsing it (strptime + mktime) costs far more than comparing ~30 bytes.
// The result depends only on the bytes and on TZ, so each slot remembers the TZ too.
const CACHE_SLOTS = 16;
const CACHE_MAX_LEN = 64;
const cacheBytes: Uint8Array[] = [];
const cacheLen = new Int32Array(CACHE_SLOTS).fill(-1);
const cacheVal = new Float64Array(CACHE_SLOTS);
const cacheTz: (string | undefined)[] = new Array<string | undefined>(CACHE_SLOTS).fill(undefined);
for (let i = 0; i < CACHE_SLOTS; i++) cacheBytes.push(new Uint8Array(CACHE_MAX_LEN));

/**
 * parseHttpDate() of the latin1 text `buf[start, end)` (a header value, already cut at its
 * first NUL), remembering recent answers.
 */
export function parseHttpDateBytes(buf: Buffer, start: number, end: number): number {
  const len = end - start;
  if (len > CACHE_MAX_LEN) return parseHttpDate(buf.toString('latin1', start, end));
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  const slot = (h ^ (h >>> 16)) & (CACHE_SLOTS - 1);
  const tz = process.env['TZ'];
  const cb = cacheBytes[slot]!;
  if (cacheLen[slot] === len && cacheTz[slot] === tz) {
    let i = 0;
    while (i < len && cb[i] === buf[start + i]) i++;
    if (i === len) return cacheVal[slot]!;
  }
  const v = parseHttpDate(buf.toString('latin1', start, end));
  cb.set(buf.subarray(start, end));
  cacheLen[slot] = len;
  cacheVal[slot] = v;
  cacheTz[slot] = tz;
  return v;
}
