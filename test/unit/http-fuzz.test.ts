/**
 * Fuzz: random, truncated and mutated requests/responses, cut into random segments, fed
 * through processHttp. Nothing may throw, and the parser state must stay within p0f's
 * invariants. Seeded (P0F_FUZZ_SEED overrides) so failures reproduce.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_FLOW_DATA } from '../../src/fingerprint/http.ts';
import { feed, hosts, newFlow, stock, TestCtx } from './http-helpers.ts';

const SEED = Number(process.env['P0F_FUZZ_SEED'] ?? 0x5eed);
let state = SEED >>> 0 || 1;
function rnd(n: number): number {
  // xorshift32
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state % n;
}

const REQUESTS = [
  'GET / HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive\r\nAccept: text/html,*/*;q=0.8\r\n' +
    'User-Agent: Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/31.0 Safari/537.36\r\n' +
    'Accept-Encoding: gzip,deflate,sdch\r\nAccept-Language: en-US,en;q=0.8\r\nCookie: a=b\r\n\r\n',
  'HEAD /x HTTP/1.0\nUser-Agent: curl/7.1\nHost: h\nAccept: */*\n\n',
  'GET / HTTP/1.1\r\nHost: h\r\nVia: 1.1 proxy\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n',
];
const RESPONSES = [
  'HTTP/1.1 200 OK\r\nDate: Mon, 01 Jan 2018 00:00:00 GMT\r\nServer: Apache/2.4.29 (Ubuntu)\r\n' +
    'Last-Modified: x\r\nETag: "y"\r\nAccept-Ranges: bytes\r\nContent-Length: 3\r\nContent-Type: text/html\r\n\r\nabc',
  'HTTP/1.0 404 Not Found\nServer: nginx/1.2\nDate: Tue, 15 Nov 1994 08:12:31 GMT\n\n',
];
const TOKENS = ['\r\n', '\n', '\r', ':', ': ', '\0', '|', ']', 'Date', 'Server', 'User-Agent', 'Host',
  'HTTP/1.1', 'GET /', ' ', '\t', 'Accept-Language: ', 'en', '\xff', 'Via: x\r\n'];

function mutate(s: string): string {
  const ops = rnd(6) + 1;
  for (let i = 0; i < ops; i++) {
    const p = rnd(s.length + 1);
    switch (rnd(6)) {
      case 0: s = s.slice(0, p) + String.fromCharCode(rnd(256)) + s.slice(p); break;
      case 1: s = s.slice(0, p) + s.slice(p + 1 + rnd(8)); break;
      case 2: s = s.slice(0, p) + String.fromCharCode(rnd(256)) + s.slice(p + 1); break;
      case 3: s = s.slice(0, p) + TOKENS[rnd(TOKENS.length)]! + s.slice(p); break;
      case 4: s = s.slice(0, p) + s.slice(p, p + rnd(64)).repeat(rnd(40)) + s.slice(p); break;
      default: s = s.slice(0, p); break;
    }
  }
  return s;
}

function randomBytes(): string {
  let s = '';
  const n = rnd(300);
  for (let i = 0; i < n; i++) s += String.fromCharCode(rnd(256));
  return rnd(2) ? 'GET / HTTP/1.1\r\n' + s : s;
}

/** Feed `data` in random segments; stop when HTTP says it is done. */
function segments(ctx: TestCtx, f: ReturnType<typeof newFlow>, toSrv: boolean, data: string): boolean {
  let pos = 0;
  let more = true;
  while (pos < data.length && more) {
    const n = 1 + rnd(Math.min(data.length - pos, rnd(4) ? 64 : 2000));
    more = feed(ctx, f, toSrv, data.slice(pos, pos + n));
    pos += n;
    const len = toSrv ? f.reqLen : f.respLen;
    assert.ok(f.inHttp === -1 || f.inHttp === 0 || f.inHttp === 1);
    // httpPos indexes the request until it is complete, then the response.
    const posLen = f.httpReqDone ? f.respLen : f.reqLen;
    assert.ok(f.httpPos >= 0 && f.httpPos <= posLen, `httpPos ${f.httpPos} > ${posLen}`);
    assert.ok(len <= MAX_FLOW_DATA);
    assert.equal(typeof more, 'boolean');
  }
  return more;
}

test(`HTTP fuzz (seed ${SEED})`, () => {
  const db = stock();
  const { cli, srv } = hosts();
  const ctx = new TestCtx(db);
  let observed = 0;
  for (let i = 0; i < 4000; i++) {
    ctx.nowSec += rnd(100);
    const f = newFlow(cli, srv, rnd(3) ? 80 : 8080);
    const req = rnd(5) ? mutate(REQUESTS[rnd(REQUESTS.length)]!) : randomBytes();
    const resp = rnd(5) ? mutate(RESPONSES[rnd(RESPONSES.length)]!) : randomBytes();
    try {
      const more = segments(ctx, f, true, req);
      if (more) segments(ctx, f, false, resp);
    } catch (e) {
      assert.fail(`iteration ${i} (seed ${SEED}): ${String((e as Error).stack)}\nreq=${JSON.stringify(req)}\n` +
        `resp=${JSON.stringify(resp)}`);
    }
    observed = ctx.http().length;
  }
  // The mutations must leave enough valid traffic to exercise fingerprinting.
  assert.ok(observed > 500, `only ${observed} HTTP observations`);
  for (const s of ctx.http()) {
    assert.deepEqual(Object.keys(s.fields).slice(1), ['lang', 'params', 'raw_sig']);
    assert.ok(/^[01]:/.test(s.fields['raw_sig']!));
  }
});

test('HTTP fuzz: long and oversized streams', () => {
  const ctx = new TestCtx(stock());
  for (let i = 0; i < 50; i++) {
    const f = newFlow();
    let big = 'GET / HTTP/1.1\r\n';
    while (big.length < MAX_FLOW_DATA + 3000) big += `X-${rnd(1000)}: ${'v'.repeat(rnd(1100))}\r\n`;
    segments(ctx, f, true, mutate(big));
  }
});
