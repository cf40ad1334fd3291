/**
 * fingerprintTcp (fp_tcp.c fingerprint_tcp / tcp_find_match / dump_sig / dump_flags /
 * score_nat) on crafted packets and small inline databases.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { detectWinMulti, winMultiUseMtu } from '../../src/db/tcp-match.ts';
import { WIN_TYPE_NORMAL, type TcpSig } from '../../src/db/types.ts';
import { fingerprintTcp } from '../../src/fingerprint/tcp.ts';
import { mkDb, mkFlow, mkHost, mkPacket, MockCtx, type PkOpts } from './tcp-helpers.ts';

/** Fingerprint one SYN (or SYN+ACK with opts.type) against `body`; returns the observation. */
function run(body: string, o: PkOpts, synMss = 0) {
  const ctx = new MockCtx(mkDb(body));
  const flow = mkFlow({ ipVer: o.ver ?? 4 });
  flow.synMss = synMss;
  const toSrv = o.type !== 'synack';
  const sig = fingerprintTcp(ctx, toSrv, mkPacket(o), flow);
  const obs = ctx.seen[0]!;
  return { ctx, flow, sig, obs, f: obs.fields };
}

const REQ = (label: string, ...sigs: string[]) =>
  `[tcp:request]\nlabel = ${label}\n` + sigs.map((s) => `sig = ${s}\n`).join('');
const RESP = (label: string, ...sigs: string[]) =>
  `[tcp:response]\nlabel = ${label}\n` + sigs.map((s) => `sig = ${s}\n`).join('');

const LINUX = 's:unix:Linux:3.x';

describe('observation shape', () => {
  test('syn: keys os, dist, params, raw_sig in that order', () => {
    const { obs } = run(REQ(LINUX, '*:64:0:*:mss*20,7:mss,sok,ts,nop,ws:df,id+:0'), { win: 29200 });
    assert.equal(obs.kind, 'syn');
    assert.equal(obs.toSrv, true);
    assert.deepEqual(obs.keys, ['os', 'dist', 'params', 'raw_sig']);
    assert.deepEqual(obs.fields, {
      os: 'Linux 3.x', dist: '0', params: 'none',
      raw_sig: '4:64+0:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+:0',
    });
  });

  test('syn+ack: subject is the server', () => {
    const { obs } = run(RESP(LINUX, '*:64:0:*:mss*10,7:mss,sok,ts,nop,ws:df:0'),
      { type: 'synack', win: 14600, quirks: 'df' });
    assert.equal(obs.kind, 'syn+ack');
    assert.equal(obs.toSrv, false);
    assert.equal(obs.fields.os, 'Linux 3.x');
  });

  test('no match: os is null (???), dist guessed', () => {
    const { obs, sig } = run(REQ(LINUX, '*:64:0:*:mss*20,7:mss,sok,ts,nop,ws:df,id+:0'), { win: 1234, ttl: 60 });
    assert.equal(obs.fields.os, null);
    assert.equal(obs.fields.dist, '4');
    assert.equal(obs.fields.params, 'none');
    assert.ok(sig);
    assert.equal(sig.matched, null);
  });

  test('label without flavor prints the bare name', () => {
    const { f } = run(REQ('s:unix:FreeBSD:', '*:64:0:*:1234,7:mss,sok,ts,nop,ws:df,id+:0'), { win: 1234 });
    assert.equal(f.os, 'FreeBSD');
  });
});

describe('window size types', () => {
  const body = (w: string) => REQ(LINUX, `*:64:0:*:${w},7:mss,sok,ts,nop,ws:df,id+:0`);

  test('literal', () => {
    assert.equal(run(body('5840'), { win: 5840 }).f.os, 'Linux 3.x');
    assert.equal(run(body('5840'), { win: 5841 }).f.os, null);
  });

  test('%N modulo', () => {
    assert.equal(run(body('%512'), { win: 1024 }).f.os, 'Linux 3.x');
    assert.equal(run(body('%512'), { win: 1000 }).f.os, null);
  });

  test('* any', () => {
    assert.equal(run(body('*'), { win: 1 }).f.os, 'Linux 3.x');
  });

  test('mss*N matches only an MSS-type divisor', () => {
    assert.equal(run(body('mss*4'), { win: 5840, mss: 1460 }).f.os, 'Linux 3.x');
    // 6000 = 4 * (1460 + 40): an MTU multiple, not an MSS one.
    assert.equal(run(body('mss*4'), { win: 6000, mss: 1460, opts: 'mss,sok,ts,nop,ws' }).f.os, null);
  });

  test('mtu*N matches only an MTU-type divisor', () => {
    assert.equal(run(body('mtu*4'), { win: 6000, mss: 1460 }).f.os, 'Linux 3.x');
    assert.equal(run(body('mtu*4'), { win: 5840, mss: 1460 }).f.os, null);
  });

  test('raw_sig shows the window as mss*N / mtu*N / literal', () => {
    const b = body('1');
    assert.match(run(b, { win: 5840 }).f.raw_sig!, /:mss\*4,7:/);
    assert.match(run(b, { win: 6000 }).f.raw_sig!, /:mtu\*4,7:/);
    assert.match(run(b, { win: 1001 }).f.raw_sig!, /:1001,7:/);
    assert.match(run(b, { win: 0 }).f.raw_sig!, /:0,7:/);
    // MSS below 100: no multiplier detection.
    assert.match(run(b, { win: 990, mss: 99 }).f.raw_sig!, /:99:990,7:/);
  });
});

describe('detect_win_multi order', () => {
  const sig = (win: number, mss: number, o: Partial<TcpSig> = {}): TcpSig => ({
    optHash: 0, optLayout: new Uint8Array(0), quirks: 0, optEolPad: 0, ipOptLen: 0, ipVer: 4, ttl: 64,
    mss, win, winType: WIN_TYPE_NORMAL, wscale: 0, payClass: 0, totHdr: 40, ts1: 0, recvMs: 0,
    matched: null, fuzzy: false, dist: 0, ...o,
  });
  const d = (s: TcpSig, synMss = 0) => [detectWinMulti(s, synMss), winMultiUseMtu] as const;

  test('MSS first', () => assert.deepEqual(d(sig(1000 * 3, 1000)), [3, false]));
  test('MSS-12 only with a timestamp', () => {
    assert.deepEqual(d(sig(988 * 5, 1000, { ts1: 1 })), [5, false]);
    assert.deepEqual(d(sig(988 * 5, 1000)), [-1, false]);
  });
  test('1460 and 1448 hard-coded', () => {
    assert.deepEqual(d(sig(1460 * 3, 1000)), [3, false]);
    assert.deepEqual(d(sig(1448 * 3, 1000)), [3, false]);
  });
  test('1440 / 1428 only for IPv6', () => {
    assert.deepEqual(d(sig(1440 * 7, 1000, { totHdr: 60 })), [-1, false]);
    assert.deepEqual(d(sig(1440 * 7, 1000, { ipVer: 6, totHdr: 60 })), [7, false]);
    assert.deepEqual(d(sig(1428 * 7, 1000, { ipVer: 6, totHdr: 60 })), [7, false]);
  });
  test('MTU = MSS+40, then MSS + actual header length, then IPv6 MSS+60, then 1500', () => {
    assert.deepEqual(d(sig(1040 * 3, 1000)), [3, true]);
    assert.deepEqual(d(sig(1052 * 3, 1000, { totHdr: 52 })), [3, true]);
    assert.deepEqual(d(sig(1060 * 3, 1000, { ipVer: 6, totHdr: 40 })), [3, true]);
    assert.deepEqual(d(sig(1060 * 3, 1000, { ipVer: 4, totHdr: 40 })), [-1, false]);
    assert.deepEqual(d(sig(1500 * 3, 1000)), [3, true]);
  });
  test('peer SYN MSS, then peer MSS-12', () => {
    assert.deepEqual(d(sig(1380 * 3, 1000), 1380), [3, false]);
    assert.deepEqual(d(sig(1368 * 3, 1000), 1380), [3, false]);
    assert.deepEqual(d(sig(1368 * 3, 1000), 0), [-1, false]);
  });
  test('first divisor wins: MSS before 1460', () => {
    // 1460*1000 is divisible by both 1000 and 1460.
    // 14600 is a multiple of both the MSS (730) and 1460: the MSS comes first.
    assert.deepEqual(d(sig(14600, 730)), [20, false]);
  });
  test('zero window or MSS < 100: none', () => {
    assert.deepEqual(d(sig(0, 1000)), [-1, false]);
    assert.deepEqual(d(sig(990, 99)), [-1, false]);
  });
  test('a tiny peer MSS wraps the 16-bit result', () => {
    assert.equal(detectWinMulti(sig(40001, 1000), 1), (40001 << 16) >> 16);
  });
});

describe('exact, generic and fuzzy selection', () => {
  const S = '*:64:0:*:mss*20,7:mss,sok,ts,nop,ws:df,id+:0';

  test('specific beats an earlier generic', () => {
    const body = REQ('g:unix:Linux:generic', S) + `label = s:unix:Linux:specific\nsig = ${S.replace('*:64', '4:64')}\n`;
    const { f } = run(body, { win: 29200 });
    assert.equal(f.os, 'Linux specific');
    assert.equal(f.params, 'none');
  });

  test('generic used when nothing specific matches exactly', () => {
    const { f, sig } = run(REQ('g:unix:Linux:generic', S), { win: 29200 });
    assert.equal(f.os, 'Linux generic');
    assert.equal(f.params, 'generic');
    assert.equal(sig!.fuzzy, false);
  });

  test('exact generic beats fuzzy specific', () => {
    const body = REQ('s:unix:Linux:specific', S) + `label = g:unix:Linux:generic\nsig = 4:64:0:*:mss*20,7:mss,sok,ts,nop,ws::0\n`;
    // No df/id+: exact for the generic sig, fuzzy (df,id+ missing) for the specific one.
    const { f } = run(body, { win: 29200, quirks: '' });
    assert.equal(f.os, 'Linux generic');
  });

  test('first exact specific in file order wins', () => {
    const body = REQ('s:unix:Linux:first', S) + `label = s:unix:Linux:second\nsig = *:64:0:*:*,7:mss,sok,ts,nop,ws:df,id+:0\n`;
    assert.equal(run(body, { win: 29200 }).f.os, 'Linux first');
    assert.equal(run(body, { win: 1 }).f.os, 'Linux second');
  });

  test('first fuzzy candidate is kept', () => {
    const body = REQ('s:unix:Linux:a', '*:64:0:*:*,7:mss,sok,ts,nop,ws:df,id+:0') +
      'label = s:unix:Linux:b\nsig = *:64:0:*:*,7:mss,sok,ts,nop,ws:df:0\n';
    const { f } = run(body, { quirks: '' });
    assert.equal(f.os, 'Linux a');
    assert.equal(f.params, 'fuzzy');
  });

  test('fuzzy: df / id+ missing, id- / ecn extra', () => {
    const body = REQ(LINUX, S);
    assert.equal(run(body, { win: 29200, quirks: 'df' }).f.params, 'fuzzy');
    assert.equal(run(body, { win: 29200, quirks: '' }).f.params, 'fuzzy');
    assert.equal(run(body, { win: 29200, quirks: 'df,id+,ecn' }).f.params, 'fuzzy');
    assert.equal(run(body, { win: 29200, quirks: 'id-' }).f.params, 'fuzzy');
  });

  test('other quirk differences: no match', () => {
    const body = REQ(LINUX, S);
    assert.equal(run(body, { win: 29200, quirks: 'df,id+,pushf+' }).f.os, null);
    assert.equal(run(body, { win: 29200, quirks: 'df,id+,0+' }).f.os, null);
    const body2 = REQ(LINUX, '*:64:0:*:mss*20,7:mss,sok,ts,nop,ws:df,id+,ecn:0');
    assert.equal(run(body2, { win: 29200, quirks: 'df,id+' }).f.os, null);
  });

  test('fuzzy on TTL: packet TTL above the sig, or more than 35 below', () => {
    const body = REQ(LINUX, S);
    let r = run(body, { win: 29200, ttl: 65 });
    assert.equal(r.f.os, 'Linux 3.x');
    assert.equal(r.f.params, 'fuzzy excess_dist');
    assert.equal(r.f.dist, String(128 - 65)); // out of range: guessed
    r = run(body, { win: 29200, ttl: 28 });
    assert.equal(r.f.params, 'fuzzy');
    assert.equal(r.f.dist, '4'); // guessed from 32
    r = run(body, { win: 29200, ttl: 29 });
    assert.equal(r.f.params, 'none');
    assert.equal(r.f.dist, '35');
  });

  test('fuzzy within TTL range keeps the sig distance', () => {
    const { f } = run(REQ(LINUX, S), { win: 29200, ttl: 50, quirks: 'df' });
    assert.equal(f.params, 'fuzzy');
    assert.equal(f.dist, '14');
  });

  test('mss, wscale, pclass, eol padding and IP option length must match', () => {
    const body = REQ(LINUX, '*:64:0:1460:*,7:mss,eol+2::+');
    assert.equal(run(body, { opts: 'mss,eol+2', quirks: '', payLen: 1 }).f.os, 'Linux 3.x');
    assert.equal(run(body, { opts: 'mss,eol+2', quirks: '', payLen: 0 }).f.os, null);
    assert.equal(run(body, { opts: 'mss,eol+1', quirks: '', payLen: 1 }).f.os, null);
    assert.equal(run(body, { opts: 'mss,eol+2', quirks: '', payLen: 1, mss: 1400 }).f.os, null);
    assert.equal(run(body, { opts: 'mss,eol+2', quirks: '', payLen: 1, ws: 6 }).f.os, null);
    assert.equal(run(body, { opts: 'mss,eol+2', quirks: '', payLen: 1, olen: 4 }).f.os, null);
  });

  test('option layout must match exactly (order and count)', () => {
    const body = REQ(LINUX, '*:64:0:*:*,*:mss,sok,ts,nop,ws:df,id+:0');
    assert.equal(run(body, { opts: 'mss,sok,ts,ws,nop' }).f.os, null);
    assert.equal(run(body, { opts: 'mss,sok,ts,nop,ws,nop' }).f.os, null);
    assert.equal(run(body, { opts: 'mss,sok,ts,nop' }).f.os, null);
  });

  test('a sig\'s IP version is not compared (p0f only uses it to mask quirks)', () => {
    const v4 = REQ(LINUX, '4:64:0:*:*,*:mss::0');
    assert.equal(run(v4, { opts: 'mss', quirks: '' }).f.os, 'Linux 3.x');
    assert.equal(run(v4, { opts: 'mss', quirks: '', ver: 6 }).f.os, 'Linux 3.x');
    // ...but a `4:` sig keeps df/id+ for IPv6 packets, which never have them.
    const v4df = REQ(LINUX, '4:64:0:*:*,*:mss:df:0');
    assert.equal(run(v4df, { opts: 'mss', quirks: '', ver: 6 }).f.params, 'fuzzy');
  });

  test('* sigs: IPv6 packets ignore df/id+/id-, IPv4 packets ignore flow', () => {
    const body = REQ(LINUX, '*:64:0:*:*,*:mss:df,id+:0');
    const r6 = run(body, { opts: 'mss', quirks: '', ver: 6 });
    assert.equal(r6.f.os, 'Linux 3.x');
    assert.equal(r6.f.params, 'none');
    const bodyFlow = REQ(LINUX, '*:64:0:*:*,*:mss:flow:0');
    const r4 = run(bodyFlow, { opts: 'mss', quirks: '' });
    assert.equal(r4.f.os, 'Linux 3.x');
    assert.equal(r4.f.params, 'none');
    // But an IPv6 packet without the flow label only matches fuzzily? No: flow missing is not tolerated.
    assert.equal(run(bodyFlow, { opts: 'mss', quirks: '', ver: 6 }).f.os, null);
  });
});

describe('applications (class !)', () => {
  const NMAP = '[tcp:request]\nlabel = s:!:NMap:SYN scan\nsys = @unix,@win\nsig = *:64-:0:1460:1024,0:mss::0\n';

  test('exact app match: key app, dist "<= N", random_ttl, returns null', () => {
    const { f, sig, obs, flow } = run(NMAP, { ttl: 50, opts: 'mss', win: 1024, ws: 0, quirks: '' });
    assert.deepEqual(obs.keys, ['app', 'dist', 'params', 'raw_sig']);
    assert.equal(f.app, 'NMap SYN scan');
    assert.equal(f.dist, '<= 14');
    assert.equal(f.params, 'random_ttl');
    assert.equal(sig, null);
    // Random-TTL sigs do not set the host distance.
    assert.equal(flow.client.distance, 255);
  });

  test('random-TTL sig does not match a TTL above it', () => {
    assert.equal(run(NMAP, { ttl: 65, opts: 'mss', win: 1024, ws: 0, quirks: '' }).f.os, null);
  });

  test('fuzzy matches to apps are discarded (and p0f then leaves dist at 0)', () => {
    const { obs, f, flow } = run(NMAP, { ttl: 50, opts: 'mss', win: 1024, ws: 0, quirks: 'ecn' });
    assert.deepEqual(obs.keys, ['os', 'dist', 'params', 'raw_sig']);
    assert.equal(f.os, null);
    assert.equal(f.dist, '0');
    assert.equal(f.params, 'none');
    assert.equal(flow.client.distance, 0);
  });

  test('app on a host whose OS is not in sys: app_vs_os host change', () => {
    const ctx = new MockCtx(mkDb('[tcp:request]\nlabel = s:!:Tool:\nsys = Linux\nsig = 4:64:0:*:*,*:mss::0\n'));
    const flow = mkFlow();
    flow.client.lastClassId = 0;
    flow.client.lastNameId = 99;
    assert.equal(fingerprintTcp(ctx, true, mkPacket({ opts: 'mss', quirks: '' }), flow), null);
    assert.deepEqual(ctx.kinds(), ['syn', 'host change']);
    assert.equal(ctx.seen[1]!.fields.reason, 'app_vs_os');
  });
});

describe('distance and params', () => {
  const S = REQ(LINUX, '*:128:0:*:*,*:mss::0');

  test('exact: sig TTL minus packet TTL, stored on the host', () => {
    const { f, flow } = run(S, { ttl: 120, opts: 'mss', quirks: '' });
    assert.equal(f.dist, '8');
    assert.equal(flow.client.distance, 8);
  });

  test('syn+ack distance goes to the server', () => {
    const { flow } = run(RESP(LINUX, '*:128:0:*:*,*:mss::0'), { type: 'synack', ttl: 100, opts: 'mss', quirks: '' });
    assert.equal(flow.server.distance, 28);
    assert.equal(flow.client.distance, 255);
  });

  test('guessed distances and excess_dist / ttl+?', () => {
    const none = REQ(LINUX, '*:64:0:*:*,*:nop::0');
    const g = (ttl: number) => run(none, { ttl, opts: 'mss', quirks: '' }).f;
    assert.equal(g(32).dist, '0');
    assert.equal(g(1).dist, '31');
    assert.equal(g(33).dist, '31');
    assert.equal(g(129).dist, '126');
    assert.equal(g(129).params, 'excess_dist');
    assert.match(g(129).raw_sig!, /^4:129\+\?:0:/);
    assert.match(g(128).raw_sig!, /^4:128\+0:0:/);
    assert.match(g(92).raw_sig!, /^4:92\+\?:/); // guessed 36 > MAX_DIST
    assert.match(g(93).raw_sig!, /^4:93\+35:/);
    assert.equal(g(255).dist, '0');
  });

  test('excess_dist from a sig distance', () => {
    const { f } = run(REQ(LINUX, '*:255:0:*:*,*:mss::0'), { ttl: 219, opts: 'mss', quirks: '' });
    assert.equal(f.dist, '36');
    assert.equal(f.params, 'fuzzy excess_dist');
  });

  test('params order: generic fuzzy random_ttl excess_dist tos', () => {
    const body = '[tcp:request]\nlabel = g:unix:Linux:x\nsig = *:255-:0:*:*,*:mss:df:0\n';
    const { f } = run(body, { ttl: 200, opts: 'mss', quirks: '', tos: 0x3f });
    assert.equal(f.params, 'generic fuzzy random_ttl excess_dist tos:0x3f');
    assert.equal(f.dist, '<= 55');
  });

  test('tos printed as two hex digits', () => {
    assert.equal(run(S, { ttl: 128, opts: 'mss', quirks: '', tos: 1 }).f.params, 'tos:0x01');
    assert.equal(run(S, { ttl: 128, opts: 'mss', quirks: '', tos: 0x2e }).f.params, 'tos:0x2e');
  });
});

describe('raw_sig', () => {
  const none = REQ(LINUX, '*:64:0:*:*,*:nop::0');
  const raw = (o: PkOpts, synMss = 0) => run(none, o, synMss).f.raw_sig;

  test('every option', () => {
    assert.equal(raw({ opts: 'mss,nop,ws,sok,sack,ts,?30,eol+3', quirks: '', win: 1, ws: 5 }),
      '4:64+0:0:1460:1,5:mss,nop,ws,sok,sack,ts,?30,eol+3::0');
    assert.equal(raw({ opts: 'eol+0', quirks: '', win: 1, ws: 0 }), '4:64+0:0:1460:1,0:eol+0::0');
    assert.equal(raw({ opts: '', quirks: '', win: 1, ws: 0, mss: 0 }), '4:64+0:0:0:1,0:::0');
  });

  test('every quirk, in p0f order', () => {
    assert.equal(
      raw({ opts: 'mss', win: 1, ws: 0,
        quirks: 'bad,exws,opt+,ts2+,ts1-,pushf+,urgf+,uptr+,ack-,ack+,seq-,flow,0+,ecn,id-,id+,df' }),
      '4:64+0:0:1460:1,0:mss:df,id+,id-,ecn,0+,flow,seq-,ack+,ack-,uptr+,urgf+,pushf+,ts1-,ts2+,opt+,exws,bad:0');
    for (const q of ['df', 'id+', 'id-', 'ecn', '0+', 'flow', 'seq-', 'ack+', 'ack-', 'uptr+', 'urgf+', 'pushf+',
      'ts1-', 'ts2+', 'opt+', 'exws', 'bad']) {
      assert.equal(raw({ opts: 'mss', win: 1, ws: 0, quirks: q }), `4:64+0:0:1460:1,0:mss:${q}:0`);
    }
  });

  test('payload class, IP options, IPv6', () => {
    assert.equal(raw({ opts: 'mss', win: 1, ws: 0, quirks: '', payLen: 10, olen: 8 }), '4:64+0:8:1460:1,0:mss::+');
    assert.equal(raw({ ver: 6, opts: 'mss', win: 1, ws: 0, quirks: 'flow' }), '6:64+0:0:1460:1,0:mss:flow:0');
  });

  test('SYN+ACK echoing the sendsyn MSS shows *', () => {
    const body = RESP(LINUX, '*:64:0:*:*,*:nop::0');
    assert.equal(run(body, { type: 'synack', mss: 1331, opts: 'mss', win: 1, ws: 0, quirks: '' }).f.raw_sig,
      '4:64+0:0:*:1,0:mss::0');
    assert.equal(raw({ mss: 1331, opts: 'mss', win: 1, ws: 0, quirks: '' }), '4:64+0:0:1331:1,0:mss::0');
  });

  test('SYN+ACK window as a multiple of the peer SYN MSS', () => {
    const body = RESP(LINUX, '*:64:0:*:*,*:nop::0');
    const r = run(body, { type: 'synack', mss: 1000, win: 1380 * 2, opts: 'mss', ws: 0, quirks: '' }, 1380);
    assert.equal(r.f.raw_sig, '4:64+0:0:1000:mss*2,0:mss::0');
  });
});

describe('flow side effects and sendsyn', () => {
  test('SYN sets flow.synMss after matching (SYN+ACK leaves it)', () => {
    const ctx = new MockCtx(mkDb(REQ(LINUX, '*:64:0:*:*,*:nop::0')));
    const flow = mkFlow();
    fingerprintTcp(ctx, true, mkPacket({ mss: 1380 }), flow);
    assert.equal(flow.synMss, 1380);
    fingerprintTcp(ctx, false, mkPacket({ type: 'synack', mss: 1200 }), flow);
    assert.equal(flow.synMss, 1380);
  });

  test('peer MSS used for SYN+ACK matching', () => {
    const ctx = new MockCtx(mkDb(RESP(LINUX, '*:64:0:*:mss*2,0:mss::0')));
    const flow = mkFlow();
    flow.synMss = 1380;
    fingerprintTcp(ctx, false, mkPacket({ type: 'synack', mss: 1000, win: 2760, opts: 'mss', ws: 0, quirks: '' }), flow);
    assert.equal(ctx.last().fields.os, 'Linux 3.x');
  });

  test('sendsyn probe and response', () => {
    const body = '[tcp:request]\nlabel = s:unix:p0f:sendsyn utility\nsig = *:192:0:1331:1337,0:mss,nop,eol+18::0\n' +
      RESP(LINUX, '*:64:0:*:*,*:mss::0');
    const ctx = new MockCtx(mkDb(body));
    const flow = mkFlow();
    const probe = fingerprintTcp(ctx, true,
      mkPacket({ ttl: 192, mss: 1331, win: 1337, ws: 0, opts: 'mss,nop,eol+18', quirks: '' }), flow);
    assert.equal(probe, null);
    assert.equal(flow.sendsyn, true);
    assert.equal(ctx.last().kind, 'sendsyn probe');
    assert.deepEqual(ctx.last().keys, ['app', 'dist', 'params', 'raw_sig']);
    assert.equal(ctx.last().fields.app, 'p0f sendsyn utility');
    const resp = fingerprintTcp(ctx, false, mkPacket({ type: 'synack', mss: 1331, opts: 'mss', quirks: '' }), flow);
    assert.equal(resp, null);
    assert.equal(ctx.last().kind, 'sendsyn response');
    assert.equal(ctx.last().fields.app, 'Linux 3.x');
    assert.match(ctx.last().fields.raw_sig!, /:\*:/);
    // No NAT scoring, no host OS update.
    assert.equal(flow.server.lastClassId, -1);
    assert.equal(ctx.seen.length, 2);
  });

  test('window 1337 with another MSS is not sendsyn', () => {
    const { flow, obs } = run(REQ(LINUX, '*:64:0:*:*,*:nop::0'), { win: 1337, mss: 1330 });
    assert.equal(flow.sendsyn, false);
    assert.equal(obs.kind, 'syn');
  });

  test('returned sig copies the packet', () => {
    const ctx = new MockCtx(mkDb(REQ(LINUX, '*:64:0:*:*,*:mss,sok,ts,nop,ws:df,id+:0')));
    const flow = mkFlow();
    const pk = mkPacket({ ts1: 12345, ttl: 60, payLen: 0 });
    const sig = fingerprintTcp(ctx, true, pk, flow)!;
    assert.equal(sig.ts1, 12345);
    assert.equal(sig.ttl, 60);
    assert.equal(sig.recvMs, ctx.nowMs);
    assert.deepEqual([...sig.optLayout], [2, 4, 8, 1, 3]);
    assert.equal(sig.dist, 4);
    // Host OS record updated.
    assert.equal(flow.client.lastNameId, ctx.db.names.indexOf('Linux'));
    assert.equal(flow.client.lastQuality, 0);
    assert.equal(flow.client.lastPort, 40000);
    pk.optLayout[0] = 99; // the packet buffer is reused by the decoder
    assert.equal(sig.optLayout[0], 2);
  });

  test('unknown layout: the sig still gets its own copy', () => {
    const ctx = new MockCtx(mkDb(REQ(LINUX, '*:64:0:*:*,*:nop::0')));
    const pk = mkPacket({ opts: 'mss,ws' });
    const sig = fingerprintTcp(ctx, true, pk, mkFlow())!;
    pk.optLayout[0] = 99;
    assert.deepEqual([...sig.optLayout], [2, 3]);
  });
});

describe('NAT scoring (score_nat)', () => {
  const body = REQ('s:unix:Linux:3.x', '*:64:0:*:*,*:mss,sok,ts,nop,ws:df,id+:0') +
    'label = s:win:Windows:7\nsig = *:128:0:*:*,*:mss,nop,ws,nop,nop,sok:df,id+:0\n' +
    'label = s:unix:Linux:other label\nsig = *:64:0:*:*,*:mss,nop,ws:df,id+:0\n';

  function twoSyns(a: PkOpts, b: PkOpts, opts: { portA?: number; portB?: number; gapMs?: number } = {}) {
    const ctx = new MockCtx(mkDb(body));
    const client = mkHost();
    const f1 = mkFlow({ client, cliPort: opts.portA ?? 40000 });
    client.lastSyn = fingerprintTcp(ctx, true, mkPacket(a), f1);
    ctx.advance(opts.gapMs ?? 1000);
    const f2 = mkFlow({ client, cliPort: opts.portB ?? 40001 });
    client.lastSyn = fingerprintTcp(ctx, true, mkPacket(b), f2);
    return { ctx, client, nat: ctx.seen.filter((s) => s.kind === 'host change' || s.kind === 'ip sharing') };
  }
  const LIN: PkOpts = { ttl: 64 };
  const WIN: PkOpts = { ttl: 128, opts: 'mss,nop,ws,nop,nop,sok' };

  test('same OS twice: nothing', () => {
    assert.deepEqual(twoSyns(LIN, LIN).nat, []);
  });

  test('different OS: os_diff host change reported after the syn', () => {
    const { ctx, nat, client } = twoSyns(LIN, WIN);
    assert.equal(nat.length, 1);
    assert.deepEqual(nat[0]!.fields, { reason: 'os_diff', raw_hits: '1,1,1,1' });
    assert.deepEqual(ctx.kinds(), ['syn', 'syn', 'host change']);
    assert.equal(client.lastNameId, ctx.db.names.indexOf('Windows'));
    assert.equal(client.lastClassId, 0);
  });

  test('same name, different label: score 2 (os_diff)', () => {
    const { nat } = twoSyns(LIN, { ttl: 64, opts: 'mss,nop,ws' });
    assert.deepEqual(nat[0]?.fields, { reason: 'os_diff', raw_hits: '0,0,1,1' });
  });

  test('TTL change near by: +4 ttl', () => {
    const { nat } = twoSyns(LIN, { ttl: 62 });
    assert.deepEqual(nat[0]?.fields, { reason: 'ttl', raw_hits: '0,1,1,1' });
  });

  test('TTL change by 1 on a distant host: ignored', () => {
    const { nat } = twoSyns({ ttl: 50 }, { ttl: 49 });
    assert.deepEqual(nat, []);
  });

  test('MSS change alone: score 1, silent', () => {
    const { nat } = twoSyns(LIN, { ttl: 64, mss: 1400 });
    assert.deepEqual(nat, []);
  });

  test('source port drop by >= 64 plus MSS change: port mtu', () => {
    const { nat } = twoSyns(LIN, { ttl: 64, mss: 1400 }, { portA: 50000, portB: 49936 });
    assert.deepEqual(nat[0]?.fields, { reason: 'port mtu', raw_hits: '0,0,1,1' });
  });

  test('consistent timestamps halve the score', () => {
    // ttl (+4) halved to 2.
    const { nat } = twoSyns({ ttl: 64, ts1: 1000 }, { ttl: 62, ts1: 2000 }, { gapMs: 1000 });
    assert.deepEqual(nat[0]?.fields, { reason: 'ttl', raw_hits: '0,0,1,1' });
  });

  test('timestamps running too fast add tstamp', () => {
    const { nat } = twoSyns({ ttl: 64, ts1: 1000 }, { ttl: 62, ts1: 1000 + 1501 }, { gapMs: 1000 });
    assert.deepEqual(nat[0]?.fields, { reason: 'tstamp ttl', raw_hits: '1,1,1,1' });
  });

  test('known to unknown SYN: x_known + sig_diff', () => {
    const { nat } = twoSyns(LIN, { ttl: 64, opts: 'mss,ws' });
    assert.deepEqual(nat[0]?.fields, { reason: 'sig_diff x_known', raw_hits: '0,0,1,1' });
  });

  test('fuzziness change within the same sig: fuzzy (score 1, silent) -- recorded in reasons', () => {
    const { client } = twoSyns(LIN, { ttl: 64, quirks: 'df' });
    assert.equal(client.natReasons & 0x80, 0x80);
    assert.equal(client.lastQuality, 1);
  });

  test('first SYN of a host whose OS came from elsewhere: +8 if the name differs', () => {
    const ctx = new MockCtx(mkDb(body));
    const f = mkFlow();
    f.client.lastClassId = 0;
    f.client.lastNameId = ctx.db.names.indexOf('Windows');
    fingerprintTcp(ctx, true, mkPacket(LIN), f);
    assert.deepEqual(ctx.kinds(), ['syn', 'host change']);
    assert.equal(ctx.last().fields.reason, 'os_diff');
  });

  test('server side: last_port takes the client port too', () => {
    const ctx = new MockCtx(mkDb(RESP(LINUX, '*:64:0:*:*,*:mss::0')));
    const f = mkFlow({ cliPort: 1234 });
    fingerprintTcp(ctx, false, mkPacket({ type: 'synack', opts: 'mss', quirks: '' }), f);
    assert.equal(f.server.lastPort, 1234);
  });
});
