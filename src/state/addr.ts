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

/** An address as four big-endian int32 words (IPv4: w0 only, the rest 0). */
export interface AddrWords {
  w0: number;
  w1: number;
  w2: number;
  w3: number;
}

function word(b: Uint8Array, i: number): number {
  return (b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!;
}

/** Fill `out` with the words of an address (reusable scratch: no allocation). */
export function addrWords(bytes: Uint8Array, ipVer: 4 | 6, out: AddrWords): AddrWords {
  out.w0 = word(bytes, 0);
  if (ipVer === 4) {
    out.w1 = out.w2 = out.w3 = 0;
  } else {
    out.w1 = word(bytes, 4);
    out.w2 = word(bytes, 8);
    out.w3 = word(bytes, 12);
  }
  return out;
}

/** A well-mixed 32-bit hash of an address. Only spreads buckets: not semantic. */
export function wordsHash(w: AddrWords): number {
  let h = Math.imul(w.w0 ^ 0x811c9dc5, 0x01000193);
  h = Math.imul(h ^ w.w1, 0x01000193);
  h = Math.imul(h ^ w.w2, 0x01000193);
  h = Math.imul(h ^ w.w3, 0x01000193);
  return (h ^ (h >>> 15)) >>> 0;
}
