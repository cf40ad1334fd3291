/**
 * HTTP fingerprinting (p0f's fp_http.c): request / response parsing edge by edge,
 * signature matching rules, raw_sig and params, the lang field, host updates and the HTTP
 * NAT signals. Uses small inline p0f.fp databases (and the stock one where noted).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lookupHdr } from '../../src/db/http-sig.ts';
import type { Database } from '../../src/db/types.ts';
import { MAX_FLOW_DATA } from '../../src/fingerprint/http.ts';
import { dumpHttpSig, showValue } from '../../src/fingerprint/http-dump.ts';
import { newHttpSig } from '../../src/db/http-sig.ts';
import type { Flow } from '../../src/state/types.ts';
import { exchange, feed, fpDb, hosts, newFlow, stock, TestCtx, type Seen } from './http-helpers.ts';

const DB_TEXT = `
[http:request]
ua_os = Linux,Windows,iOS=[iPad]
label = s:!:AppA:1.x
sys = Windows,@unix
sig = 1:Host,User-Agent,Accept=[text/html],?Referer,Connection=[keep-alive]:Keep-Alive:AppA/
label = g:!:Generic:
sys = Windows
sig = *:Host:X-Never:
label = s:!:AppOld:
sys = Linux
sig = 0:Host,User-Agent::
label = s:unix:Linux:via HTTP
sig = 1:Host,X-Linux-Only::
label = s:!:LinuxApp:
sys = Linux
sig = 1:Host,X-Linux-App::
[http:response]
label = s:!:Srv:1
sys = Linux
sig = *:Server,Date::Srv/1
label = s:!:Srv:2
sys = Linux
sig = *:Server,X-Two::Srv/2
label = s:!:Other:
sys = Linux
sig = *:Server,X-Other::
label = g:!:AnyServer:
sys = Linux
sig = *:Server::
`;

let dbCache: Database | null = null;
function db(): Database {
  dbCache ??= fpDb(DB_TEXT);
  return dbCache;
}

const REQ_A = 'GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: AppA/1.0 (Linux)\r\nAccept: text/html,*/*\r\n' +
  'Connection: keep-alive\r\n\r\n';

function one(seen: Seen[]): Seen {
  const h = seen.filter((s) => s.kind.startsWith('http'));
  assert.equal(h.length, 1, `expected one HTTP observation, got ${JSON.stringify(seen)}`);
  return h[0]!;
}

/** Request through a fresh flow; the raw_sig / fields of its observation (or null). */
function req(text: string, database: Database = db()): Seen['fields'] | null {
  const { ctx } = exchange(database, text);
  const h = ctx.http();
  return h.length ? h[0]!.fields : null;
}

describe('request line', () => {
  test('GET and HEAD only, case-sensitive, with the slash', () => {
    for (const bad of ['POST / HTTP/1.1\r\nHost: h\r\n\r\n', 'get / HTTP/1.1\r\nHost: h\r\n\r\n',
      'GET http://x/ HTTP/1.1\r\n\r\n', 'HEADER / HTTP/1.1\r\n\r\n']) {
      const ctx = new TestCtx(db());
      const f = newFlow();
      assert.equal(feed(ctx, f, true, bad), false);
      assert.equal(f.inHttp, -1);
      assert.equal(ctx.seen.length, 0);
    }
    assert.ok(req('HEAD / HTTP/1.1\r\nHost: h\r\n\r\n'));
    assert.ok(req('GET /index.html?a=b HTTP/1.0\r\nHost: h\r\n\r\n'));
  });

  test('fewer than 15 bytes: wait (nothing decided)', () => {
    const ctx = new TestCtx(db());
    const f = newFlow();
    assert.equal(feed(ctx, f, true, 'POST / HTTP/1'), true); // 13 bytes: not even looked at
    assert.equal(f.inHttp, 0);
  });

  test('a request line split over segments resumes where it stopped', () => {
    const ctx = new TestCtx(db());
    const f = newFlow();
    assert.equal(feed(ctx, f, true, 'GET /aaaaaaaaaaaa'), true);
    assert.equal(f.httpPos, 17);
    assert.equal(f.inHttp, 0);
    assert.equal(feed(ctx, f, true, 'aaa HTTP/1.1'), true);
    assert.equal(feed(ctx, f, true, '\r\nHost: h\r\n\r\n'), true);
    assert.equal(f.httpReqDone, true);
    assert.equal(one(ctx.seen).fields['raw_sig'], '1:Host:User-Agent,Connection,Accept,Accept-Encoding,' +
      'Accept-Language,Accept-Charset,Keep-Alive:');
  });

  test('HTTP/1.0 vs 1.1, CRLF or LF', () => {
    assert.match(req('GET / HTTP/1.0\r\nHost: h\r\n\r\n')!['raw_sig']!, /^0:Host:/);
    assert.match(req('GET / HTTP/1.1\nHost: h\n\n')!['raw_sig']!, /^1:Host:/);
    assert.match(req('GET / HTTP/1.9\nHost: h\n\n')!['raw_sig']!, /^0:Host:/); // only '1' means 1.1
  });

  test('version must be HTTP/1.x at the end of the line', () => {
    for (const bad of ['GET / HTTP/2.0\r\nHost: h\r\n\r\n', 'GET / http/1.1\r\nHost: h\r\n\r\n',
      'GET / HTTP/1.1 \r\nHost: h\r\n\r\n', 'GET / HTTP/1.1\r\r\nHost: h\r\n\r\n']) {
      const ctx = new TestCtx(db());
      const f = newFlow();
      assert.equal(feed(ctx, f, true, bad), false, JSON.stringify(bad));
      assert.equal(f.inHttp, -1);
    }
  });

  test('newline before offset 14 is rejected', () => {
    const ctx = new TestCtx(db());
    const f = newFlow();
    assert.equal(feed(ctx, f, true, 'GET / HTTP/1\nHost: h\n\n'), false);
    assert.equal(f.inHttp, -1);
    // 'GET /x HTTP/1.1' is 15 chars: fine; 'GET / HTTP/1.1' (14) too.
    assert.ok(req('GET / HTTP/1.1\nHost: h\n\n'));
  });

  test('control and non-ASCII bytes in the line reject; CR and DEL do not', () => {
    for (const c of ['\x01', '\t', '\x80', '\xff', '\0']) {
      const ctx = new TestCtx(db());
      const f = newFlow();
      assert.equal(feed(ctx, f, true, `GET /${c} HTTP/1.1\r\nHost: h\r\n\r\n`), false, JSON.stringify(c));
      assert.equal(f.inHttp, -1);
    }
    assert.ok(req('GET /\x7f\r HTTP/1.1\r\nHost: h\r\n\r\n'));
  });

  test('line length limit: LF at offset 1023 is fine, at 1024 it is not', () => {
    const ok = 'GET /' + 'a'.repeat(1023 - 5 - 9) + ' HTTP/1.1' + '\nHost: h\n\n';
    assert.equal(ok.indexOf('\n'), 1023);
    assert.ok(req(ok));
    const tooLong = 'GET /' + 'a'.repeat(1024 - 5 - 9) + ' HTTP/1.1' + '\nHost: h\n\n';
    const ctx = new TestCtx(db());
    const f = newFlow();
    assert.equal(feed(ctx, f, true, tooLong), false);
    assert.equal(f.inHttp, -1);
  });

  test('no line end before the buffer is full: give up', () => {
    const ctx = new TestCtx(db());
    const f = newFlow();
    f.inHttp = 0;
    // Fill up to the cap through the header section without an empty line.
    let data = 'GET / HTTP/1.1\r\n';
    while (data.length < MAX_FLOW_DATA) data += 'X-Pad: ' + 'p'.repeat(50) + '\r\n';
    assert.equal(feed(ctx, f, true, data), false);
    assert.equal(f.inHttp, -1);
    assert.equal(ctx.seen.length, 0);
  });
});

describe('headers', () => {
  test('header name: 32 chars ok, 33 rejected; [A-Za-z0-9_-] only; colon required', () => {
    assert.ok(req(`GET / HTTP/1.1\r\n${'N'.repeat(32)}: v\r\n\r\n`));
    const cases = [`${'N'.repeat(33)}: v`, 'Bad Name: v', 'NoColon', ': empty', 'X.Y: v', 'X :v'];
    for (const line of cases) {
      const ctx = new TestCtx(db());
      const f = newFlow();
      assert.equal(feed(ctx, f, true, `GET / HTTP/1.1\r\nHost: h\r\n${line}\r\n\r\n`), false, line);
      assert.equal(f.inHttp, -1, line);
      assert.equal(ctx.seen.length, 0);
    }
    assert.match(req('GET / HTTP/1.1\r\nX_y-9: v\r\n\r\n')!['raw_sig']!, /^1:X_y-9=\[v\]:/);
  });

  test('value limit: 1024 bytes ok; longer drops the flow but still says "need more"', () => {
    const v1024 = 'v'.repeat(1024);
    assert.ok(req(`GET / HTTP/1.1\r\nX-A: ${v1024}\n\n`));
    // With CRLF the CR counts toward the scan limit (it is dropped afterwards).
    assert.ok(req(`GET / HTTP/1.1\r\nX-A: ${'v'.repeat(1023)}\r\n\r\n`));
    const ctx = new TestCtx(db());
    const f = newFlow();
    assert.equal(feed(ctx, f, true, `GET / HTTP/1.1\r\nX-A: ${'v'.repeat(1024)}\r\n\r\n`), true);
    assert.equal(f.inHttp, -1);
    assert.equal(ctx.seen.length, 0);
    assert.equal(feed(ctx, f, true, 'more'), false);
  });

  test('32 headers are fine, a 33rd gives up', () => {
    const hdrs = (n: number): string => Array.from({ length: n }, (_, i) => `X-H${i}: ${i}\r\n`).join('');
    const r = req(`GET / HTTP/1.1\r\n${hdrs(32)}\r\n`);
    assert.ok(r);
    assert.match(r['raw_sig']!, /X-H31=\[31\]:/);
    const ctx = new TestCtx(db());
    const f = newFlow();
    assert.equal(feed(ctx, f, true, `GET / HTTP/1.1\r\n${hdrs(33)}\r\n`), false);
    assert.equal(f.inHttp, -1);
    assert.equal(ctx.seen.length, 0);
  });

  test('one blank (space or tab) after the colon is skipped, not more', () => {
    assert.match(req('GET / HTTP/1.1\r\nX-A:  two\r\n\r\n')!['raw_sig']!, /X-A=\[ two\]/);
    assert.match(req('GET / HTTP/1.1\r\nX-A:\tt\r\n\r\n')!['raw_sig']!, /X-A=\[t\]/);
    assert.match(req('GET / HTTP/1.1\r\nX-A:v\r\n\r\n')!['raw_sig']!, /X-A=\[v\]/);
  });

  test('a lone CR line or LF line ends the headers; CR inside a value stays', () => {
    assert.match(req('GET / HTTP/1.1\nHost: h\n\rjunk')!['raw_sig']!, /^1:Host:/);
    assert.match(req('GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n')!['raw_sig']!, /X-A=\[a\]/); // \r stops display
  });

  test('empty values: no value at all vs a NUL-led value', () => {
    const empty = req('GET / HTTP/1.1\r\nHost: h\r\nUser-Agent:\r\n\r\n')!;
    assert.equal(empty['params'], 'anonymous generic');
    assert.equal(empty['raw_sig'], '1:Host,User-Agent:Connection,Accept,Accept-Encoding,Accept-Language,' +
      'Accept-Charset,Keep-Alive:');
    const nul = req('GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: \0x\r\n\r\n')!;
    assert.equal(nul['params'], 'generic'); // a value exists (empty C string)
    assert.match(nul['raw_sig']!, /Keep-Alive:$/);
  });

  test('a NUL ends the value for matching and display', () => {
    const r = req('GET / HTTP/1.1\r\nX-A: ab\0cd\r\nUser-Agent: tool\0/1\r\n\r\n')!;
    assert.match(r['raw_sig']!, /X-A=\[ab\],User-Agent:/);
    assert.match(r['raw_sig']!, /:tool$/);
  });

  test('header names are case-sensitive', () => {
    const r = req('GET / HTTP/1.1\r\nhost: h\r\nuser-agent: AppA/1\r\n\r\n')!;
    assert.equal(r['params'], 'anonymous');
    assert.equal(r['raw_sig'], '1:host=[h],user-agent=[AppA/1]:Host,User-Agent,Connection,Accept,' +
      'Accept-Encoding,Accept-Language,Accept-Charset,Keep-Alive:');
  });

  test('headers split anywhere across segments', () => {
    const full = REQ_A;
    const want = req(full);
    for (let cut = 16; cut < full.length; cut++) {
      const ctx = new TestCtx(db());
      const f = newFlow();
      assert.equal(feed(ctx, f, true, full.slice(0, cut)), true);
      assert.equal(feed(ctx, f, true, full.slice(cut)), true);
      assert.deepEqual(one(ctx.seen).fields, want, `cut at ${cut}`);
    }
  });

  test('after the request, more client data is ignored and "need more" holds', () => {
    const ctx = new TestCtx(db());
    const f = newFlow();
    assert.equal(feed(ctx, f, true, REQ_A), true);
    assert.equal(f.httpReqDone, true);
    assert.equal(f.httpPos, 0);
    assert.equal(f.httpTmp!.hdr.length, 0);
    assert.equal(feed(ctx, f, true, REQ_A), true);
    assert.equal(ctx.http().length, 1);
  });
});

describe('matching', () => {
  test('exact match, other headers interleaved, optional header absent', () => {
    const r = req('GET / HTTP/1.1\r\nHost: h\r\nX-1: a\r\nUser-Agent: AppA/1\r\nAccept: text/html\r\n' +
      'X-2: b\r\nConnection: keep-alive\r\n\r\n')!;
    assert.equal(r['app'], 'AppA 1.x');
    assert.equal(r['params'], 'none');
  });

  test('optional header in its place is fine; out of place it breaks the match', () => {
    const inPlace = req('GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: AppA/1\r\nAccept: text/html\r\n' +
      'Referer: r\r\nConnection: keep-alive\r\n\r\n')!;
    assert.equal(inPlace['app'], 'AppA 1.x');
    const early = req('GET / HTTP/1.1\r\nReferer: r\r\nHost: h\r\nUser-Agent: AppA/1\r\nAccept: text/html\r\n' +
      'Connection: keep-alive\r\n\r\n')!;
    assert.equal(early['app'], 'Generic'); // falls through to the generic sig
  });

  test('required headers out of order, a value not contained, a banned header: no match', () => {
    const order = req('GET / HTTP/1.1\r\nUser-Agent: AppA/1\r\nHost: h\r\nAccept: text/html\r\n' +
      'Connection: keep-alive\r\n\r\n')!;
    assert.equal(order['app'], 'Generic');
    const value = req('GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: AppA/1\r\nAccept: text/plain\r\n' +
      'Connection: keep-alive\r\n\r\n')!;
    assert.equal(value['app'], 'Generic');
    const caseValue = req('GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: AppA/1\r\nAccept: TEXT/HTML\r\n' +
      'Connection: keep-alive\r\n\r\n')!;
    assert.equal(caseValue['app'], 'Generic');
    const banned = req(REQ_A.replace('\r\n\r\n', '\r\nKeep-Alive: 300\r\n\r\n'))!;
    assert.equal(banned['app'], 'Generic');
    const bannedGeneric = req('GET / HTTP/1.1\r\nHost: h\r\nX-Never: 1\r\n\r\n')!;
    assert.equal(bannedGeneric['app'], null);
  });

  test('version must match unless the sig says *', () => {
    assert.equal(req('GET / HTTP/1.0\r\nHost: h\r\nUser-Agent: x\r\n\r\n')!['app'], 'AppOld');
    assert.equal(req('GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: x\r\n\r\n')!['app'], 'Generic');
  });

  test('generic match is flagged and loses to any specific match, wherever it is', () => {
    const g = req('GET / HTTP/1.1\r\nHost: h\r\n\r\n')!;
    assert.equal(g['app'], 'Generic');
    assert.equal(g['params'], 'anonymous generic');
    // AppOld comes after the generic sig in the file and still wins.
    assert.equal(req('GET / HTTP/1.0\r\nHost: h\r\nUser-Agent: x\r\n\r\n')!['params'], 'none');
  });

  test('dishonest: expected software string missing from User-Agent', () => {
    const { ctx, f } = exchange(db(), REQ_A.replace('AppA/1.0 (Linux)', 'Mozilla/5.0'));
    const r = one(ctx.seen).fields;
    assert.equal(r['app'], 'AppA 1.x');
    assert.equal(r['params'], 'dishonest');
    assert.equal(f.client.badSw, 2);
    assert.equal(f.client.httpNameId, db().names.indexOf('AppA'));
    assert.equal(f.client.httpFlavor, '1.x');
  });

  test('dishonest check is case-sensitive substring; anonymous skips it', () => {
    assert.equal(req(REQ_A.replace('AppA/1.0', 'appa/1.0'))!['params'], 'dishonest');
    // No User-Agent at all: the AppA sig needs one, so test anonymity on a response sig.
    const { ctx } = exchange(db(), REQ_A, 'HTTP/1.1 200 OK\r\nServer:\r\nX-Other: 1\r\n\r\n');
    assert.equal(ctx.http()[1]!.fields['params'], 'anonymous');
    assert.equal(ctx.http()[1]!.fields['app'], 'Other');
  });

  test('OS signature: reported as os, host OS updated', () => {
    const { ctx, f } = exchange(db(), 'GET / HTTP/1.1\r\nHost: h\r\nX-Linux-Only: 1\r\n\r\n');
    const r = one(ctx.seen).fields;
    assert.deepEqual(Object.keys(r), ['os', 'lang', 'params', 'raw_sig']);
    assert.equal(r['os'], 'Linux via HTTP');
    assert.equal(f.client.lastNameId, db().names.indexOf('Linux'));
    assert.equal(f.client.lastClassId, db().classes.indexOf('unix'));
    assert.equal(f.client.lastFlavor, 'via HTTP');
    assert.equal(f.client.lastQuality, 0);
    assert.ok(f.client.httpReqOs);
    assert.equal(f.client.httpReqOs!.hdr.length, 0);
    assert.equal(f.client.httpReqOs!.sw, null);
  });

  test('no match: app = null (???), empty flavor prints no trailing blank', () => {
    assert.equal(req('GET / HTTP/1.1\r\nX-A: 1\r\n\r\n')!['app'], null);
    assert.equal(req('GET / HTTP/1.0\r\nHost: h\r\nUser-Agent: x\r\n\r\n')!['app'], 'AppOld');
  });
});

describe('raw_sig and params', () => {
  test('optional-list headers print as ?Name without value; skip-list values are hidden', () => {
    const r = req('GET / HTTP/1.1\r\nHost: example\r\nUser-Agent: UA/1\r\nCookie: a=b\r\nReferer: http://r/\r\n' +
      'Accept: */*\r\nCache-Control: no-cache\r\n\r\n')!;
    assert.equal(r['raw_sig'], '1:Host,User-Agent,?Cookie,?Referer,Accept=[*/*],?Cache-Control:' +
      'Connection,Accept-Encoding,Accept-Language,Accept-Charset,Keep-Alive:UA/1');
  });

  test('known header values stop at | ] control or non-ASCII; unknown ones only not at |', () => {
    const r = req('GET / HTTP/1.1\r\nAccept: a|b\r\nX-U: a|b]c\r\nConnection: x]y\r\nAccept-Encoding: g\x01z\r\n' +
      'Accept-Charset: \xe9t\r\nKeep-Alive: |\r\n\r\n')!;
    assert.equal(r['raw_sig'], '1:Accept=[a],X-U=[a|b],Connection=[x],Accept-Encoding=[g],Accept-Charset,' +
      'Keep-Alive:Host,User-Agent,Accept-Language:');
  });

  test('a header the database knows filters | even when it is not built in', () => {
    const custom = fpDb('[http:request]\nlabel = s:!:C:\nsys = win\nsig = *:X-Custom::\n');
    assert.match(req('GET / HTTP/1.1\r\nX-Custom: a|b\r\n\r\n', custom)!['raw_sig']!, /^1:X-Custom=\[a\]:/);
    // The same name is unknown to a database that never mentions it.
    assert.match(req('GET / HTTP/1.1\r\nX-Custom: a|b\r\n\r\n', db())!['raw_sig']!, /^1:X-Custom=\[a\|b\]:/);
  });

  test('values are cut at 200 characters; software string too, and it keeps |', () => {
    const long = 'x'.repeat(250);
    const r = req(`GET / HTTP/1.1\r\nAccept: ${long}\r\nUser-Agent: a|b]c\r\n\r\n`)!;
    assert.ok(r['raw_sig']!.includes(`Accept=[${'x'.repeat(200)}]`));
    assert.match(r['raw_sig']!, /:a\|b$/);
    const r2 = req(`GET / HTTP/1.1\r\nUser-Agent: ${long}\r\n\r\n`)!;
    assert.ok(r2['raw_sig']!.endsWith(':' + 'x'.repeat(200)));
  });

  test('showValue', () => {
    assert.equal(showValue('abc', true), 'abc');
    assert.equal(showValue(']abc', false), '');
    assert.equal(showValue('a\x7fb', false), 'a\x7fb'); // 0x7f is shown
    assert.equal(showValue('a\x80b', false), 'a');
    assert.equal(showValue('a|b', false), 'a|b');
    assert.equal(showValue('a|b', true), 'a');
    assert.equal(showValue('y'.repeat(201), false).length, 200);
  });

  test('response lists: optional, skipval, common', () => {
    const { ctx } = exchange(db(), REQ_A, 'HTTP/1.1 200 OK\r\nServer: Srv/1.2\r\n' +
      'Date: Mon, 01 Jan 2018 00:00:00 GMT\r\nContent-Type: text/html\r\nSet-Cookie: a\r\nETag: "x"\r\nVary: *\r\n' +
      'Accept-Ranges: bytes\r\nConnection: close\r\n\r\n');
    const r = ctx.http()[1]!.fields;
    assert.equal(r['app'], 'Srv 1');
    assert.equal(r['raw_sig'], '1:Server,Date,Content-Type,?Set-Cookie,?ETag,?Vary,Accept-Ranges=[bytes],' +
      'Connection=[close]:Keep-Alive:Srv/1.2');
    // Required headers in the wrong order: only the generic server sig matches.
    const swapped = exchange(db(), REQ_A, 'HTTP/1.1 200 OK\r\nDate: x\r\nServer: Srv/1.2\r\n\r\n');
    assert.equal(swapped.ctx.http()[1]!.fields['app'], 'AnyServer');
    assert.equal(swapped.ctx.http()[1]!.fields['params'], 'generic');
  });

  test('dumpHttpSig on an empty signature', () => {
    const s = newHttpSig();
    assert.equal(dumpHttpSig(true, s), '0::Host,User-Agent,Connection,Accept,Accept-Encoding,Accept-Language,' +
      'Accept-Charset,Keep-Alive:');
    assert.equal(dumpHttpSig(false, s), '0::Content-Type,Connection,Keep-Alive,Accept-Ranges,Date:');
  });

  test('lang field and host language', () => {
    const { ctx, f } = exchange(db(), 'GET / HTTP/1.1\r\nHost: h\r\nAccept-Language: de-DE,de;q=0.9\r\n\r\n');
    assert.equal(one(ctx.seen).fields['lang'], 'German');
    assert.equal(f.client.language, 'German');
    const unk = exchange(db(), 'GET / HTTP/1.1\r\nHost: h\r\nAccept-Language: xx\r\n\r\n');
    assert.equal(one(unk.ctx.seen).fields['lang'], null);
    assert.equal(unk.f.client.language, null);
    // Accept-Language is only read from requests.
    const { ctx: c2, f: f2 } = exchange(db(), REQ_A, 'HTTP/1.1 200 OK\r\nServer: x\r\nAccept-Language: en\r\n\r\n');
    assert.equal(c2.http()[1]!.fields['lang'], 'none');
    assert.equal(f2.server.language, null);
  });

  test('stock database: real browser request', () => {
    const r = req('GET / HTTP/1.1\r\nHost: 10.0.0.2\r\nConnection: keep-alive\r\nAccept: text/html,' +
      'application/xhtml+xml,application/xml;q=0.9,image/webp,*/*;q=0.8\r\nUser-Agent: Mozilla/5.0 (Macintosh; ' +
      'Intel Mac OS X 10_8_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/31.0.1650.63 Safari/537.36\r\n' +
      'Accept-Encoding: gzip,deflate,sdch\r\nAccept-Language: en-US,en;q=0.8\r\n\r\n', stock())!;
    assert.deepEqual(r, {
      app: 'Chrome 27.x to 42.x',
      lang: 'English',
      params: 'none',
      raw_sig: '1:Host,Connection=[keep-alive],Accept=[text/html,application/xhtml+xml,application/xml;q=0.9,' +
        'image/webp,*/*;q=0.8],User-Agent,Accept-Encoding=[gzip,deflate,sdch],Accept-Language=[en-US,en;q=0.8]:' +
        'Accept-Charset,Keep-Alive:Mozilla/5.0 (Macintosh; Intel Mac OS X 10_8_5) AppleWebKit/537.36 (KHTML, ' +
        'like Gecko) Chrome/31.0.1650.63 Safari/537.36',
    });
  });
});

describe('response', () => {
  test('a response before the request is complete ends HTTP tracking', () => {
    const ctx = new TestCtx(db());
    const f = newFlow();
    assert.equal(feed(ctx, f, false, 'HTTP/1.1 200 OK\r\n\r\n'), false);
    assert.equal(f.inHttp, -1);
    const f2 = newFlow();
    feed(ctx, f2, true, 'GET / HTTP/1.1\r\nHost: h\r\n'); // headers not finished
    assert.equal(feed(ctx, f2, false, 'HTTP/1.1 200 OK\r\n\r\n'), false);
    assert.equal(f2.inHttp, -1);
  });

  test('status line: at least 13 bytes to look, LF at 13 or later, must start HTTP/1.', () => {
    const start = (): { ctx: TestCtx; f: Flow } => exchange(db(), REQ_A);
    let { ctx, f } = start();
    assert.equal(feed(ctx, f, false, 'HTTP/1.1 200'), true); // 12 bytes: wait
    assert.equal(f.inHttp, 1);
    ({ ctx, f } = start());
    assert.equal(feed(ctx, f, false, 'HTTP/1.1 200\nServer: x\n\n'), false); // LF at 12
    assert.equal(f.inHttp, -1);
    ({ ctx, f } = start());
    assert.equal(feed(ctx, f, false, 'HTTP/2.0 200 OK\r\n\r\n'), false);
    ({ ctx, f } = start());
    assert.equal(feed(ctx, f, false, 'HTTP/1.1 200 \x01K\r\n\r\n'), false);
    ({ ctx, f } = start());
    assert.equal(feed(ctx, f, false, 'HTTP/1.0 200 OK\nServer: x\n\n'), false);
    assert.match(ctx.http()[1]!.fields['raw_sig']!, /^0:Server:/);
    assert.equal(f.inHttp, -1);
  });

  test('headers in several segments: p0f re-scans the status line and loses a header line', () => {
    const { ctx, f } = exchange(db(), REQ_A);
    assert.equal(feed(ctx, f, false, 'HTTP/1.1 200 OK\r\nServer: Srv/1\r\nX-A'), true);
    assert.equal(feed(ctx, f, false, 'aa: 1\r\nX-B: 2\r\nDate: Mon, 01 Jan 2018 00:00:00 GMT\r\n\r\n'), false);
    // "X-Aaa: 1" was consumed by the status-line scan.
    assert.equal(ctx.http()[1]!.fields['raw_sig'], '1:Server,X-B=[2],Date:Content-Type,Connection,Keep-Alive,' +
      'Accept-Ranges:Srv/1');
  });

  test('status line split over segments', () => {
    const { ctx, f } = exchange(db(), REQ_A);
    assert.equal(feed(ctx, f, false, 'HTTP/1.1 200 OK, really'), true);
    assert.equal(f.httpPos, 23);
    assert.equal(feed(ctx, f, false, '\r\nServer: x\r\n\r\n'), false);
    assert.match(ctx.http()[1]!.fields['raw_sig']!, /^1:Server:/);
  });

  test('server host record: app, flavor, kept signature and port', () => {
    const { ctx, f } = exchange(db(), REQ_A, 'HTTP/1.1 200 OK\r\nServer: Srv/1.2\r\n' +
      'Date: Mon, 01 Jan 2018 00:00:00 GMT\r\n\r\n');
    assert.equal(ctx.http()[1]!.fields['app'], 'Srv 1');
    assert.equal(f.server.httpNameId, db().names.indexOf('Srv'));
    assert.equal(f.server.httpFlavor, '1');
    assert.equal(f.server.httpRespPort, 80);
    assert.equal(f.server.httpResp!.date, 1514764800);
    assert.equal(f.server.httpResp!.recvDate, ctx.nowSec);
    assert.equal(f.server.httpResp!.hdr.length, 0);
    assert.equal(f.server.badSw, 0);
  });

  test('dishonest server', () => {
    const { ctx, f } = exchange(db(), REQ_A, 'HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: x\r\n\r\n');
    assert.equal(ctx.http()[1]!.fields['params'], 'dishonest');
    assert.equal(f.server.badSw, 2);
  });
});

describe('NAT signals from HTTP', () => {
  function natOf(ctx: TestCtx): Seen[] {
    return ctx.seen.filter((s) => s.kind === 'host change' || s.kind === 'ip sharing');
  }

  function clientOn(os: string, database = db()): ReturnType<typeof hosts> {
    const h = hosts();
    h.cli.lastClassId = database.classes.indexOf(os === 'Windows' ? 'win' : 'unix');
    h.cli.lastNameId = database.names.indexOf(os);
    assert.ok(h.cli.lastNameId >= 0);
    return h;
  }

  test('User-Agent naming another OS than the host runs: ua_vs_os, bad_sw 1', () => {
    const h = clientOn('Windows');
    const ctx = new TestCtx(db());
    const f = newFlow(h.cli, h.srv);
    feed(ctx, f, true, REQ_A); // UA says Linux; app sys allows Windows
    assert.deepEqual(natOf(ctx).map((s) => s.fields), [{ reason: 'ua_vs_os', raw_hits: '0,1,1,1' }]);
    assert.equal(h.cli.badSw, 1);
    assert.equal(ctx.seen[0]!.kind, 'http request'); // the HTTP observation comes first
  });

  test('User-Agent agreeing with the host resets bad_sw; no UA match leaves it', () => {
    const h = clientOn('Linux');
    h.cli.badSw = 1;
    const ctx = new TestCtx(db());
    feed(ctx, newFlow(h.cli, h.srv), true, REQ_A);
    assert.equal(h.cli.badSw, 0);
    assert.equal(natOf(ctx).length, 0);
    h.cli.badSw = 1;
    feed(ctx, newFlow(h.cli, h.srv), true, REQ_A.replace('(Linux)', '(Plan9)'));
    assert.equal(h.cli.badSw, 1);
  });

  test('ua_os entries are tried in order; explicit strings and DB spelling are used', () => {
    const h = clientOn('Windows');
    const ctx = new TestCtx(db());
    // List order decides, not the position in the User-Agent: "Windows" precedes "iPad".
    h.cli.badSw = 1;
    feed(ctx, newFlow(h.cli, h.srv), true, REQ_A.replace('(Linux)', '(iPad; Windows)'));
    assert.equal(natOf(ctx).length, 0);
    assert.equal(h.cli.badSw, 0);
    // "iPad" maps to iOS.
    feed(ctx, newFlow(h.cli, h.srv), true, REQ_A.replace('(Linux)', '(iPad)'));
    assert.equal(natOf(ctx)[0]!.fields['reason'], 'ua_vs_os');
    // Entry "Linux" searches for "Linux" case-sensitively.
    const h2 = clientOn('Windows');
    const ctx2 = new TestCtx(db());
    feed(ctx2, newFlow(h2.cli, h2.srv), true, REQ_A.replace('(Linux)', '(linux)'));
    assert.equal(natOf(ctx2).length, 0);
  });

  test('dishonest User-Agents are not checked against the OS', () => {
    const h = clientOn('Windows');
    const ctx = new TestCtx(db());
    feed(ctx, newFlow(h.cli, h.srv), true, REQ_A.replace('AppA/1.0 (Linux)', 'Mozilla (Linux)'));
    assert.equal(natOf(ctx).length, 0);
    assert.equal(h.cli.badSw, 2);
  });

  test('application not supported on the host OS: app_vs_os (verify_tool_class)', () => {
    const h = clientOn('Windows');
    const ctx = new TestCtx(db());
    feed(ctx, newFlow(h.cli, h.srv), true, 'GET / HTTP/1.1\r\nHost: h\r\nX-Linux-App: 1\r\n\r\n');
    assert.deepEqual(natOf(ctx).map((s) => s.fields['reason']), ['app_vs_os']);
  });

  test('Via or X-Forwarded-For: via (+8), even without a match', () => {
    const ctx = new TestCtx(db());
    feed(ctx, newFlow(), true, 'GET / HTTP/1.1\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n');
    assert.deepEqual(natOf(ctx).map((s) => s.fields), [{ reason: 'via', raw_hits: '1,1,1,1' }]);
    const ctx2 = new TestCtx(db());
    feed(ctx2, newFlow(), true, 'GET / HTTP/1.1\r\nVia:\r\n\r\n'); // empty value: not recorded
    assert.equal(natOf(ctx2).length, 0);
  });

  test('the UA check runs even when the host OS is unknown (last name -1)', () => {
    const ctx = new TestCtx(db());
    const f = newFlow();
    feed(ctx, f, true, REQ_A);
    assert.deepEqual(natOf(ctx).map((s) => s.fields['reason']), ['ua_vs_os']);
    assert.equal(f.client.badSw, 1);
  });

  function serverSeq(responses: Array<[number, string, number?]>): TestCtx {
    const h = hosts();
    const ctx = new TestCtx(db());
    for (const [now, resp, port] of responses) {
      ctx.nowSec = now;
      const f = newFlow(h.cli, h.srv, port ?? 80);
      feed(ctx, f, true, REQ_A.replace('(Linux)', '(Plan9)'));
      feed(ctx, f, false, resp);
    }
    return ctx;
  }

  const resp = (server: string, extra: string, date = 'Mon, 01 Jan 2018 00:00:00 GMT'): string =>
    `HTTP/1.1 200 OK\r\nServer: ${server}\r\nDate: ${date}\r\n${extra}\r\n`;

  test('server Date going backwards or running fast: date', () => {
    const back = serverSeq([[1000, resp('Srv/1', '')], [1030, resp('Srv/1', '', 'Sun, 31 Dec 2017 23:59:49 GMT')]]);
    assert.deepEqual(natOf(back).map((s) => s.fields['reason']), ['date']);
    const ok = serverSeq([[1000, resp('Srv/1', '')], [1030, resp('Srv/1', '', 'Sun, 31 Dec 2017 23:59:50 GMT')]]);
    assert.equal(natOf(ok).length, 0);
    const fast = serverSeq([[1000, resp('Srv/1', '')], [1030, resp('Srv/1', '', 'Mon, 01 Jan 2018 00:00:41 GMT')]]);
    assert.deepEqual(natOf(fast).map((s) => s.fields['reason']), ['date']);
    const inTime = serverSeq([[1000, resp('Srv/1', '')], [1030, resp('Srv/1', '', 'Mon, 01 Jan 2018 00:00:40 GMT')]]);
    assert.equal(natOf(inTime).length, 0);
    // An unparsable date is 0 and skips the check; so does another server port.
    const bad = serverSeq([[1000, resp('Srv/1', '')], [1030, resp('Srv/1', '', 'yesterday')]]);
    assert.equal(natOf(bad).length, 0);
    const port = serverSeq([[1000, resp('Srv/1', '')], [1030, resp('Srv/1', '', 'Sun, 31 Dec 2017 23:00:00 GMT'), 8080]]);
    assert.equal(natOf(port).length, 0);
  });

  test('server software changes: name +8 / label +2 (srv_sig_lb); known to unknown +4 (x_known)', () => {
    const name = serverSeq([[1000, resp('Srv/1', '')], [1001, 'HTTP/1.1 200 OK\r\nServer: nope\r\nX-Other: 1\r\n\r\n']]);
    assert.deepEqual(natOf(name).map((s) => s.fields), [{ reason: 'srv_sig_lb', raw_hits: '1,1,1,1' }]);
    const label = serverSeq([[1000, resp('Srv/1', '')], [1001, 'HTTP/1.1 200 OK\r\nServer: Srv/2\r\nX-Two: 1\r\n\r\n']]);
    assert.deepEqual(natOf(label).map((s) => s.fields), [{ reason: 'srv_sig_lb', raw_hits: '0,0,1,1' }]);
    const unknown = serverSeq([[1000, resp('Srv/1', '')], [1001, 'HTTP/1.1 200 OK\r\nX-Q: 1\r\n\r\n']]);
    assert.deepEqual(natOf(unknown).map((s) => s.fields), [{ reason: 'x_known', raw_hits: '0,1,1,1' }]);
  });

  test('HTTP OS signature against the host record and previous HTTP OS sig', () => {
    // Host thinks Windows; HTTP says Linux: +4 os_diff.
    const h = clientOn('Windows');
    const ctx = new TestCtx(db());
    feed(ctx, newFlow(h.cli, h.srv), true, 'GET / HTTP/1.1\r\nHost: h\r\nX-Linux-Only: 1\r\n\r\n');
    assert.deepEqual(natOf(ctx).map((s) => s.fields), [{ reason: 'os_diff', raw_hits: '0,1,1,1' }]);
    // Same sig again: p0f compares the old name id with the new label id, which differ here.
    feed(ctx, newFlow(h.cli, h.srv), true, 'GET / HTTP/1.1\r\nHost: h\r\nX-Linux-Only: 1\r\n\r\n');
    const linux = db().names.indexOf('Linux');
    const label = db().http[1].find((r) => r.classId >= 0)!.labelId;
    assert.equal(natOf(ctx).length, linux !== label ? 2 : 1);
  });
});
