/** Address helpers shared by the tables and the outputs. */

/** p0f's addr_to_str: dotted quad, or eight uncompressed lowercase hex groups (no "::"). */
export function addrToStr(bytes: Uint8Array, ipVer: 4 | 6): string {
  if (ipVer === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  let s = '';
  for (let i = 0; i < 16; i += 2) {
    if (i) s += ':';
    s += ((bytes[i]! << 8) | bytes[i + 1]!).toString(16);
  }
  return s;
}

/** A well-mixed 32-bit hash of an address (4 or 16 bytes). Only spreads buckets: not semantic. */
export function addrHash(bytes: Uint8Array, ipVer: 4 | 6): number {
  let h = 0x811c9dc5;
  const n = ipVer === 4 ? 4 : 16;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

export function addrEquals(a: Uint8Array, b: Uint8Array, ipVer: 4 | 6): boolean {
  if (a[0] !== b[0] || a[1] !== b[1] || a[2] !== b[2] || a[3] !== b[3]) return false;
  if (ipVer === 4) return true;
  for (let i = 4; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}
