/**
 * The HTTP hot-path shortcuts against straightforward reference versions of the same
 * rules (the code they replaced): the byte-level Date cache, the hashed header lookup,
 * the indexed matcher for wire signatures and the table-driven raw_sig printer.
 * Random signatures are drawn from the header names and values of the stock database so
 * that matches, near-misses and banned headers all occur.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  HDR_HASH_SEED, REQ_COMMON, REQ_OPTIONAL, REQ_SKIPVAL, RESP_COMMON, RESP_OPTIONAL, RESP_SKIPVAL,
  bloomAdd, hdrCount, hdrHashStep, hdrName, httpFindMatch, lookupHdr, lookupHdrBytes, lookupHdrHashed,
  newHttpSig, type HttpId,
} from '../../src/db/http-sig.ts';
import type { HttpHdr, HttpSig, HttpSigRecord } from '../../src/db/types.ts';
import { parseHttpDate, parseHttpDateBytes } from '../../src/fingerprint/http-date.ts';
import { dumpHttpSig, showValue } from '../../src/fingerprint/http-dump.ts';
import { fpDb, stock } from './http-helpers.ts';

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ------------------------------------------------------------------ reference versions

function bloomHasRef(sig: HttpSig, id: number): boolean {
  const bit = id & 63;
  return bit < 32 ? (sig.hdrBloomLo & (1 << bit)) !== 0 : (sig.hdrBloomHi & (1 << (bit - 32))) !== 0;
}

/** http_find_match() for a wire signature, as written before the table index. */
function findMatchRef(table: readonly HttpSigRecord[], ts: HttpSig): void {
  let gmatch: HttpSigRecord | null = null;
  const th = ts.hdr;
  const tcnt = th.length;
  next_sig:
  for (const ref of table) {
    const rs = ref.sig;
    if (rs.httpVer !== -1 && rs.httpVer !== ts.httpVer) continue;
    if ((ts.hdrBloomLo & rs.hdrBloomLo) !== rs.hdrBloomLo || (ts.hdrBloomHi & rs.hdrBloomHi) !== rs.hdrBloomHi) continue;
    let ti = 0;
    let ri = 0;
    while (ri < rs.hdr.length) {
      const want = rs.hdr[ri]!;
      const origTs = ti;
      while (ti < tcnt && want.id !== th[ti]!.id) ti++;
      if (ti === tcnt) {
        if (!want.optional) continue next_sig;
        for (let k = 0; k < tcnt; k++) if (want.id === th[k]!.id) continue next_sig;
        ti = origTs;
        ri++;
        continue;
      }
      if (want.value !== null) {
        const v = th[ti]!.value;
        if (v === null || !v.includes(want.value)) continue next_sig;
      }
      ti++;
      ri++;
    }
    for (const id of rs.miss) {
      if (bloomHasRef(ts, id)) for (let k = 0; k < tcnt; k++) if (th[k]!.id === id) continue next_sig;
    }
    if (!ref.generic) {
      ts.matched = ref;
      if (rs.sw !== null && ts.sw !== null && !ts.sw.includes(rs.sw)) ts.dishonest = true;
      return;
    }
    if (!gmatch) gmatch = ref;
  }
  if (gmatch) {
    ts.matched = gmatch;
    if (gmatch.sig.sw !== null && ts.sw !== null && !ts.sw.includes(gmatch.sig.sw)) ts.dishonest = true;
  }
}

function inList(list: readonly HttpId[], id: number): boolean {
  return list.some((h) => h.id === id);
}

/** dump_sig() as written before the lookup tables. */
function dumpRef(toSrv: boolean, hsig: HttpSig): string {
  const optional = toSrv ? REQ_OPTIONAL : RESP_OPTIONAL;
  const skipval = toSrv ? REQ_SKIPVAL : RESP_SKIPVAL;
  const common = toSrv ? REQ_COMMON : RESP_COMMON;
  let ret = `${hsig.httpVer}:`;
  let hadPrev = false;
  for (const h of hsig.hdr) {
    if (h.id >= 0) {
      const opt = inList(optional, h.id);
      ret += (hadPrev ? ',' : '') + (opt ? '?' : '') + hdrName(h.id);
      hadPrev = true;
      if (h.value === null || opt || inList(skipval, h.id)) continue;
      const shown = showValue(h.value, true);
      if (shown.length) ret += `=[${shown}]`;
    } else {
      ret += (hadPrev ? ',' : '') + h.name!;
      hadPrev = true;
      if (h.value === null) continue;
      const shown = showValue(h.value, false);
      if (shown.length) ret += `=[${shown}]`;
    }
  }
  ret += ':';
  hadPrev = false;
  for (const c of common) {
    if (!hsig.hdr.some((h) => h.id === c.id)) {
      ret += (hadPrev ? ',' : '') + c.name;
      hadPrev = true;
    }
  }
  ret += ':';
  if (hsig.sw !== null) ret += showValue(hsig.sw, false);
  return ret;
}

// ------------------------------------------------------------------ random signatures

interface Vocab {
  ids: number[];
  values: string[];
  sws: string[];
}

function vocab(tables: readonly (readonly HttpSigRecord[])[]): Vocab {
  const ids = new Set<number>();
  const values = new Set<string>(['', 'x', ' ]|', '\u00e9t\u00e9', 'a'.repeat(250)]);
  const sws = new Set<string>(['Mozilla/5.0 (Windows NT 6.1)', 'curl/7.1', 'Linux]x']);
  for (const t of tables) {
    for (const r of t) {
      for (const h of r.sig.hdr) {
        ids.add(h.id);
        if (h.value !== null) {
          values.add(h.value);
          values.add('pre ' + h.value + ' post');
          values.add(h.value.slice(1));
        }
      }
      for (const id of r.sig.miss) ids.add(id);
      if (r.sig.sw !== null) {
        sws.add(r.sig.sw);
        sws.add('Mozilla/5.0 ' + r.sig.sw + '/1.0');
      }
    }
  }
  for (const l of [REQ_OPTIONAL, RESP_OPTIONAL, REQ_SKIPVAL, RESP_SKIPVAL, REQ_COMMON, RESP_COMMON]) {
    for (const h of l) ids.add(h.id);
  }
  return { ids: [...ids], values: [...values], sws: [...sws] };
}

function randomSig(r: () => number, v: Vocab, base: readonly HttpSigRecord[]): HttpSig {
  const s = newHttpSig();
  s.httpVer = r() < 0.8 ? 1 : 0;
  const hdr: HttpHdr[] = [];
  // Often start from a database signature's own layout, then disturb it.
  if (r() < 0.6 && base.length) {
    const ref = base[Math.floor(r() * base.length)]!;
    for (const h of ref.sig.hdr) {
      if (h.optional && r() < 0.5) continue;
      if (r() < 0.05) continue;
      hdr.push({ id: h.id, name: null, value: h.value ?? (r() < 0.5 ? v.values[Math.floor(r() * v.values.length)]! : null), optional: false });
    }
    if (r() < 0.3 && ref.sig.miss.length) {
      hdr.splice(Math.floor(r() * (hdr.length + 1)), 0, { id: ref.sig.miss[0]!, name: null, value: 'x', optional: false });
    }
  }
  const extra = Math.floor(r() * 6);
  for (let i = 0; i < extra && hdr.length < 32; i++) {
    const unknown = r() < 0.15;
    hdr.splice(Math.floor(r() * (hdr.length + 1)), 0, {
      id: unknown ? -1 : v.ids[Math.floor(r() * v.ids.length)]!,
      name: unknown ? 'X-Custom-' + i : null,
      value: r() < 0.2 ? null : v.values[Math.floor(r() * v.values.length)]!,
      optional: false,
    });
  }
  s.hdr = hdr;
  for (const h of hdr) if (h.id >= 0) bloomAdd(s, h.id);
  if (r() < 0.85) s.sw = v.sws[Math.floor(r() * v.sws.length)]!;
  return s;
}

// ------------------------------------------------------------------ tests

describe('HTTP hot-path shortcuts', () => {
  test('indexed matcher = reference matcher (stock database, random signatures)', () => {
    const db = stock();
    const v = vocab(db.http);
    const r = rng(12345);
    let matched = 0;
    let dishonest = 0;
    for (let i = 0; i < 20000; i++) {
      const dir = i & 1;
      const table = db.http[dir];
      const a = randomSig(r, v, table);
      const b: HttpSig = { ...a, hdr: a.hdr.slice() };
      httpFindMatch(table, a, false);
      findMatchRef(table, b);
      assert.equal(a.matched, b.matched, `signature ${i}`);
      assert.equal(a.dishonest, b.dishonest, `signature ${i}`);
      if (a.matched) matched++;
      if (a.dishonest) dishonest++;
    }
    // The generator must reach the interesting cases.
    assert.ok(matched > 2000, `matched ${matched}`);
    assert.ok(dishonest > 100, `dishonest ${dishonest}`);
  });

  test('signatures longer than the wire limit take the record-by-record path, same answers', () => {
    const db = stock();
    const v = vocab(db.http);
    const r = rng(31337);
    for (let i = 0; i < 2000; i++) {
      const table = db.http[i & 1];
      const a = randomSig(r, v, table);
      while (a.hdr.length <= 32) {
        const id = v.ids[Math.floor(r() * v.ids.length)]!;
        a.hdr.splice(Math.floor(r() * (a.hdr.length + 1)), 0, { id, name: null, value: 'v', optional: false });
        bloomAdd(a, id);
      }
      const b: HttpSig = { ...a, hdr: a.hdr.slice() };
      httpFindMatch(table, a, false);
      findMatchRef(table, b);
      assert.equal(a.matched, b.matched, `signature ${i}`);
      assert.equal(a.dishonest, b.dishonest, `signature ${i}`);
    }
  });

  test('the matcher index follows a table that grows, and a second database', () => {
    const small = fpDb('[http:request]\nlabel = s:!:A:\nsys = Linux\nsig = *:Host,User-Agent::\n');
    const table = small.http[1];
    const s = newHttpSig();
    s.httpVer = 1;
    for (const name of ['Host', 'User-Agent', 'X-Late']) {
      const id = lookupHdr(name);
      s.hdr.push({ id, name: id < 0 ? name : null, value: 'v', optional: false });
      if (id >= 0) bloomAdd(s, id);
    }
    httpFindMatch(table, s, false);
    assert.equal(s.matched, table[0]);
    // Same signature against the stock table, then the small one again: no stale index.
    s.matched = null;
    httpFindMatch(stock().http[1], s, false);
    s.matched = null;
    httpFindMatch(table, s, false);
    assert.equal(s.matched, table[0]);
    // A record appended later (as the loader does) is seen.
    const generic = { ...table[0]!, generic: false, lineNo: 99 };
    (table as HttpSigRecord[]).unshift(generic);
    s.matched = null;
    httpFindMatch(table, s, false);
    assert.equal(s.matched, generic);
  });

  test('table-driven raw_sig = reference dump_sig (random signatures)', () => {
    const db = stock();
    const v = vocab(db.http);
    const r = rng(777);
    for (let i = 0; i < 20000; i++) {
      const toSrv = (i & 1) === 1;
      const s = randomSig(r, v, db.http[toSrv ? 1 : 0]);
      if (r() < 0.1) s.httpVer = -1;
      assert.equal(dumpHttpSig(toSrv, s), dumpRef(toSrv, s), `signature ${i}`);
    }
  });

  test('hashed header lookup agrees with the name table, also after the table grows', () => {
    // Register enough names (through a database) to force the hash table to grow.
    const names = Array.from({ length: 300 }, (_, i) => `X-Grow-${i}`);
    const lines = names.map((n, i) => `label = s:!:G${i}:\nsys = Linux\nsig = *:Host,${n}::\n`).join('');
    fpDb('[http:request]\n' + lines);
    assert.ok(hdrCount() > 300);
    for (let id = 0; id < hdrCount(); id++) {
      const name = hdrName(id);
      const b = Buffer.from('..' + name + ':', 'latin1');
      assert.equal(lookupHdrBytes(b, 2, name.length), id, name);
      let h = HDR_HASH_SEED;
      for (let k = 0; k < name.length; k++) h = hdrHashStep(h, name.charCodeAt(k));
      assert.equal(lookupHdrHashed(h, b, 2, name.length), id, name);
    }
    for (const miss of ['X-Grow-300', 'host', 'Host ', 'X-Grow-', '']) {
      const b = Buffer.from(miss, 'latin1');
      assert.equal(lookupHdrBytes(b, 0, b.length), -1, miss);
    }
  });

  test('Date from bytes (cached) = parseHttpDate, across repeats and TZ changes', () => {
    const saved = process.env.TZ;
    try {
      const r = rng(99);
      const samples = ['Tue, 14 Nov 2023 22:13:20 GMT', 'Wed, 01 Jul 2015 12:00:00 GMT',
        'Sun, 29 Mar 2015 02:30:00 GMT', ' Tue, 15 Nov 1994 08:12:31 GMT', 'Tue, 15 Nov 1994 23:59:61 GMT',
        'x'.repeat(100), 'Mon, 01 Jan 2018 00:00:00 GMT' + ' pad'.repeat(20), ''];
      for (let i = 0; i < 200; i++) {
        const d = new Date(Date.UTC(1990 + Math.floor(r() * 60), Math.floor(r() * 12), 1 + Math.floor(r() * 28),
          Math.floor(r() * 24), Math.floor(r() * 60), Math.floor(r() * 60)));
        samples.push(d.toUTCString());
      }
      for (const tz of ['UTC', 'Europe/Berlin', 'America/New_York', 'UTC', 'Australia/Lord_Howe']) {
        process.env.TZ = tz;
        for (let rep = 0; rep < 3; rep++) {
          for (const s of samples) {
            const buf = Buffer.from('Date: ' + s + '\r\n', 'latin1');
            assert.equal(parseHttpDateBytes(buf, 6, 6 + s.length), parseHttpDate(s), `${tz} ${JSON.stringify(s)}`);
          }
        }
      }
    } finally {
      if (saved === undefined) delete process.env.TZ; else process.env.TZ = saved;
    }
  });
});
