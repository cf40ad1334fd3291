/**
 * Fixed-width integer reads from byte arrays. `be` selects big-endian; capture files are
 * read in their own byte order, which libpcap calls "swapped" when it is not the host's
 * (little-endian here, as on the x86 machines p0f's behaviour is defined by).
 */

export function u16(b: Uint8Array, o: number, be: boolean): number {
  return be ? (b[o]! << 8) | b[o + 1]! : b[o]! | (b[o + 1]! << 8);
}

export function u32(b: Uint8Array, o: number, be: boolean): number {
  return be
    ? ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0
    : (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/** A 32-bit field read as C's `int32_t`. */
export function i32(b: Uint8Array, o: number, be: boolean): number {
  return be
    ? (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!
    : b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
}

/** A 64-bit unsigned field as a BigInt (only for rare fields: pcapng time offsets). */
export function u64big(b: Uint8Array, o: number, be: boolean): bigint {
  const a = BigInt(u32(b, o, be));
  const c = BigInt(u32(b, o + 4, be));
  return be ? (a << 32n) | c : (c << 32n) | a;
}

/** Byte-swap a 32-bit value (libpcap's SWAPLONG), unsigned result. */
export function swap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}
