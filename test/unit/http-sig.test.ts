/**
 * [http:*] signature lines and ua_os (p0f's http_register_sig / http_parse_ua): syntax,
 * every FATAL with p0f's text and location, duplicate detection, and the header table.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  HDR_AL, HDR_DAT, HDR_SRV, HDR_UA, HDR_VIA, HDR_XFF, REQ_COMMON, REQ_OPTIONAL, REQ_SKIPVAL,
  RESP_COMMON, RESP_OPTIONAL, RESP_SKIPVAL, knownHttpHeaders, lookupHdr, lookupHdrBytes, parseUaOs,
  registerHttpSig,
} from '../../src/db/http-sig.ts';
import type { HttpSigRecord } from '../../src/db/types.ts';
import { DatabaseError } from '../../src/errors.ts';
import { fpDb, stock } from './http-helpers.ts';

function reg(table: HttpSigRecord[], val: string, line = 7, generic = false): void {
  registerHttpSig(table, true, generic, -1, 0, null, 1, [], val, line, 'x.fp');
}

function fatalOf(fn: () => void): { message: string; location: string; line: number } {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DatabaseError, `expected DatabaseError, got ${String(e)}`);
    return { message: e.message, location: e.location, line: e.line };
  }
  assert.fail('no error thrown');
}

describe('header table (http_init)', () => {
  test('the first six ids are fixed', () => {
    assert.deepEqual([HDR_UA, HDR_SRV, HDR_AL, HDR_VIA, HDR_XFF, HDR_DAT], [0, 1, 2, 3, 4, 5]);
  });

  test('config.h lists, in order', () => {
    assert.deepEqual(REQ_OPTIONAL.map((h) => h.name), ['Cookie', 'Referer', 'Origin', 'Range',
      'If-Modified-Since', 'If-None-Match', 'Via', 'X-Forwarded-For', 'Authorization',
      'Proxy-Authorization', 'Cache-Control']);
    assert.deepEqual(RESP_OPTIONAL.map((h) => h.name), ['Set-Cookie', 'Last-Modified', 'ETag',
      'Content-Length', 'Content-Disposition', 'Cache-Control', 'Expires', 'Pragma', 'Location',
      'Refresh', 'Content-Range', 'Vary']);
    assert.deepEqual(REQ_COMMON.map((h) => h.name), ['Host', 'User-Agent', 'Connection', 'Accept',
      'Accept-Encoding', 'Accept-Language', 'Accept-Charset', 'Keep-Alive']);
    assert.deepEqual(RESP_COMMON.map((h) => h.name), ['Content-Type', 'Connection', 'Keep-Alive',
      'Accept-Ranges', 'Date']);
    assert.deepEqual(REQ_SKIPVAL.map((h) => h.name), ['Host', 'User-Agent']);
    assert.deepEqual(RESP_SKIPVAL.map((h) => h.name), ['Date', 'Content-Type', 'Server']);
    // Shared names share ids.
    assert.equal(REQ_OPTIONAL[6]!.id, HDR_VIA);
    assert.equal(REQ_SKIPVAL[1]!.id, HDR_UA);
    assert.equal(RESP_COMMON[4]!.id, HDR_DAT);
  });

  test('lookups are exact and case-sensitive, from strings and from bytes', () => {
    assert.equal(lookupHdr('User-Agent'), HDR_UA);
    assert.equal(lookupHdr('user-agent'), -1);
    assert.equal(lookupHdr('User-Agen'), -1);
    const b = Buffer.from('xxUser-Agent: y', 'latin1');
    assert.equal(lookupHdrBytes(b, 2, 10), HDR_UA);
    assert.equal(lookupHdrBytes(b, 2, 9), -1);
    assert.equal(lookupHdrBytes(Buffer.from('USER-AGENT'), 0, 10), -1);
  });

  test('a database knows the built-in names and the names its signatures use, no others', () => {
    const a = fpDb('[http:request]\nlabel = s:!:A:\nsys = win\nsig = *:Host,X-Only-In-A:X-Banned-In-A:\n');
    const b = fpDb('[http:request]\nlabel = s:!:B:\nsys = win\nsig = *:Host,X-Only-In-B::\n');
    const ka = knownHttpHeaders(a.http);
    const kb = knownHttpHeaders(b.http);
    const idA = lookupHdr('X-Only-In-A');
    const idBan = lookupHdr('X-Banned-In-A');
    const idB = lookupHdr('X-Only-In-B');
    assert.ok(idA >= 0 && idB >= 0 && idBan >= 0);
    assert.equal(ka[idA], 1);
    assert.equal(ka[idBan], 1);
    assert.ok(!ka[idB]);
    assert.equal(kb[idB], 1);
    assert.ok(!kb[idA]);
    assert.equal(ka[lookupHdr('Keep-Alive')], 1);
  });
});

describe('http_register_sig', () => {
  test('parses version, order, optional, values, absent list and software', () => {
    const t: HttpSigRecord[] = [];
    reg(t, '1:Host,?Referer,Accept=[*/*],X-Custom_1=[a b]:Keep-Alive,Accept-Charset: Chrom', 42, true);
    const r = t[0]!;
    assert.equal(r.lineNo, 42);
    assert.equal(r.generic, true);
    assert.equal(r.sig.httpVer, 1);
    assert.deepEqual(r.sig.hdr.map((h) => [h.id, h.value, h.optional]), [
      [lookupHdr('Host'), null, false],
      [lookupHdr('Referer'), null, true],
      [lookupHdr('Accept'), '*/*', false],
      [lookupHdr('X-Custom_1'), 'a b', false],
    ]);
    assert.deepEqual(r.sig.miss, [lookupHdr('Keep-Alive'), lookupHdr('Accept-Charset')]);
    assert.equal(r.sig.sw, ' Chrom');
  });

  test('versions 0, 1 and *; empty lists; no software', () => {
    const t: HttpSigRecord[] = [];
    reg(t, '0:Host::');
    reg(t, '*:Host,User-Agent::');
    reg(t, '1:::');
    assert.deepEqual(t.map((r) => r.sig.httpVer), [0, -1, 1]);
    assert.equal(t[2]!.sig.hdr.length, 0);
    assert.equal(t[0]!.sig.sw, null);
  });

  test('values may hold anything but ]', () => {
    const t: HttpSigRecord[] = [];
    reg(t, '1:Accept=[a,b:c;q=0.5=[x]::');
    assert.equal(t[0]!.sig.hdr[0]!.value, 'a,b:c;q=0.5=[x');
  });

  const fatals: Array<[string, string, number]> = [
    ['', 'Malformed signature in line 7.', 305],
    ['1', 'Malformed signature in line 7.', 305],
    ['12:Host::', 'Malformed signature in line 7.', 305],
    ['2:Host::', 'Bad HTTP version in line 7.', 313],
    ['x:Host::', 'Bad HTTP version in line 7.', 313],
    ['1:', 'Malformed header name in line 7.', 335],
    ['1:,Host::', 'Malformed header name in line 7.', 335],
    ['1:?::', 'Malformed header name in line 7.', 335],
    ['1:Host=x::', "Missing '[' after '=' in line 7.", 349],
    ['1:Host=[]::', 'Malformed signature in line 7.', 357],
    ['1:Host=[abc', 'Malformed signature in line 7.', 357],
    ['1:Host', 'Malformed signature in line 7.', 368],
    ['1:Host;X::', 'Malformed signature in line 7.', 368],
    ['1:Host=[a]x::', 'Malformed signature in line 7.', 368],
    ['1:Host:', 'Malformed header name in line 7.', 387],
    ['1:Host:,X:', 'Malformed header name in line 7.', 387],
    ['1:Host:X', 'Malformed signature in line 7.', 398],
    ['1:Host:X=[1]:', 'Malformed signature in line 7.', 398],
    ['1:Host::a:b', 'Malformed signature in line 7.', 409],
  ];
  for (const [val, msg, line] of fatals) {
    test(`FATAL for ${JSON.stringify(val)}`, () => {
      const e = fatalOf(() => reg([], val));
      assert.equal(e.message, msg);
      assert.equal(e.location, `http_register_sig(), fp_http.c:${line}`);
      assert.equal(e.line, 7);
    });
  }

  test('more than 32 headers or 32 absent headers', () => {
    const names = Array.from({ length: 33 }, (_, i) => `H${i}`);
    assert.equal(fatalOf(() => reg([], `1:${names.join(',')}::`)).location, 'http_register_sig(), fp_http.c:326');
    reg([], `1:${names.slice(0, 32).join(',')}::`);
    assert.equal(fatalOf(() => reg([], `1:Host:${names.join(',')}:`)).location, 'http_register_sig(), fp_http.c:381');
    reg([], `1:Host:${names.slice(0, 32).join(',')}:`);
  });

  test('a NUL ends the line, as in C', () => {
    const t: HttpSigRecord[] = [];
    reg(t, '1:Host::abc\0:def');
    assert.equal(t[0]!.sig.sw, 'abc');
  });
});

describe('duplicate detection', () => {
  test('a signature covered by an earlier specific one is fatal', () => {
    const t: HttpSigRecord[] = [];
    reg(t, '1:Host,User-Agent::', 10);
    const e = fatalOf(() => reg(t, '1:Host,Accept,User-Agent::', 11));
    assert.equal(e.message, 'Signature in line 11 is already covered by line 10.');
    assert.equal(e.location, 'http_register_sig(), fp_http.c:418');
  });

  test('generic signatures never cover later ones', () => {
    const t: HttpSigRecord[] = [];
    reg(t, '1:Host::', 10, true);
    reg(t, '1:Host::', 11);
    assert.equal(t.length, 2);
  });

  test('different version, values, or more bans in the earlier one: no dupe', () => {
    const t: HttpSigRecord[] = [];
    reg(t, '0:Host::', 10);
    reg(t, '1:Host::', 11); // version
    reg(t, '*:Accept=[gzip]::', 12);
    reg(t, '*:Accept=[deflate]::', 13); // value not contained
    reg(t, '*:Connection:Keep-Alive:', 14);
    reg(t, '*:Connection::', 15); // earlier bans a header this one does not
    assert.equal(t.length, 6);
    // Same bans (and more) in the new one: covered.
    assert.match(fatalOf(() => reg(t, '*:Connection:Keep-Alive,TE:', 16)).message, /covered by line 14/);
  });

  test('an optional header in the new signature does not satisfy a required one', () => {
    const t: HttpSigRecord[] = [];
    reg(t, '1:Host,Referer::', 10);
    reg(t, '1:Host,?Referer::', 11);
    assert.equal(t.length, 2);
  });

  test('the stock p0f.fp loads with its 85 request and 20 response signatures', () => {
    const db = stock();
    assert.equal(db.http[1].length, 85);
    assert.equal(db.http[0].length, 20);
  });
});

describe('ua_os (http_parse_ua)', () => {
  function names(): { ids: Map<string, number>; list: string[]; lookup: (n: string) => number } {
    const list = ['Linux', 'Windows'];
    const ids = new Map<string, number>();
    const lookup = (n: string): number => {
      const i = list.findIndex((x) => x.toLowerCase() === n.toLowerCase());
      if (i >= 0) return i;
      list.push(n);
      return list.length - 1;
    };
    return { ids, list, lookup };
  }

  test('names and explicit substrings', () => {
    const n = names();
    const r = parseUaOs('linux,Windows,iOS=[iPad],iOS=[iPhone],Mac OS X,Solaris=[SunOS]', 3, 'x.fp', n.lookup);
    assert.deepEqual(r, [
      { name: null, id: 0 }, { name: null, id: 1 }, { name: 'iPad', id: 2 }, { name: 'iPhone', id: 2 },
      { name: null, id: 3 }, { name: 'SunOS', id: 4 },
    ]);
    assert.deepEqual(n.list, ['Linux', 'Windows', 'iOS', 'Mac OS X', 'Solaris']);
  });

  test('text after ] that is not a comma starts the next name; trailing comma is fine', () => {
    const n = names();
    assert.deepEqual(parseUaOs('A=[x]B,', 1, 'x.fp', n.lookup), [{ name: 'x', id: 2 }, { name: null, id: 3 }]);
  });

  const fatals: Array<[string, string, number]> = [
    [',Linux', 'Malformed system name in line 3.', 452],
    ['Linux,,Windows', 'Malformed system name in line 3.', 452],
    ['Linux=x', "Missing '[' after '=' in line 3.", 461],
    ['Linux=[]', 'Malformed signature in line 3.', 469],
    ['Linux=[abc', 'Malformed signature in line 3.', 469],
    ['Linux;', 'Malformed system name in line 3.', 452],
  ];
  for (const [val, msg, line] of fatals) {
    test(`FATAL for ${JSON.stringify(val)}`, () => {
      const e = fatalOf(() => parseUaOs(val, 3, 'x.fp', names().lookup));
      assert.equal(e.message, msg);
      assert.equal(e.location, `http_parse_ua(), fp_http.c:${line}`);
    });
  }

  test('stock database ua_os', () => {
    const db = stock();
    const shown = db.uaMap.map((u) => `${db.names[u.id]}=${u.name ?? ''}`);
    assert.deepEqual(shown, ['Linux=', 'Windows=', 'iOS=iPad', 'iOS=iPhone', 'Mac OS X=', 'FreeBSD=',
      'OpenBSD=', 'NetBSD=', 'Solaris=SunOS']);
  });
});
