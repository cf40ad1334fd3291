/**
 * Tiny helpers for reading p0f.fp the way readfp.c does: a line is a C string scanned
 * with a cursor, the ctype tests are those of the "C" locale (ASCII only), and numbers
 * go through atol() and then into a 32-bit int, overflow and all.
 */

/** Byte at `i`, or 0 (the C string terminator) past the end. */
export function ch(s: string, i: number): number {
  return s.charCodeAt(i) | 0;
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

export function isAlnum(c: number): boolean {
  return isDigit(c) || isAlpha(c);
}

/** isblank(): space and tab. */
export function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/** isspace(): space, \t \n \v \f \r. */
export function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** p0f's NAME_CHARS (besides alphanumerics) allowed in OS / application names. */
const NAME_CHARS = ' ./-_!?()';

export function isNameChar(c: number): boolean {
  return isAlnum(c) || (c !== 0 && NAME_CHARS.includes(String.fromCharCode(c)));
}

/** Index of the first non-digit at or after `i`. */
export function skipDigits(s: string, i: number): number {
  while (isDigit(ch(s, i))) i++;
  return i;
}

const LONG_MAX = (1n << 63n) - 1n;
const LONG_MIN = -(1n << 63n);

/**
 * `(s32) atol(s + i)`: leading white space, an optional sign, digits; glibc saturates at
 * the 64-bit long range and the assignment to a 32-bit int then keeps the low 32 bits.
 */
export function atolS32(s: string, i: number): number {
  while (isSpace(ch(s, i))) i++;
  let neg = false;
  const sign = ch(s, i);
  if (sign === 43 /* + */ || sign === 45 /* - */) {
    neg = sign === 45;
    i++;
  }
  const start = i;
  while (isDigit(ch(s, i))) i++;
  if (i === start) return 0;
  const digits = s.slice(start, i);
  if (digits.length <= 15) {
    const v = Number(digits);
    return (neg ? -v : v) | 0;
  }
  let v = BigInt(digits);
  if (neg) v = -v;
  if (v > LONG_MAX) v = LONG_MAX;
  if (v < LONG_MIN) v = LONG_MIN;
  return Number(BigInt.asIntN(32, v));
}

/** ASCII-only lower-casing, as strcasecmp() folds in the "C" locale. */
export function asciiLower(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : s[i];
  }
  return out;
}
