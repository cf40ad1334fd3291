/**
 * checkTsTcp (fp_tcp.c check_ts_tcp): TCP timestamp clock frequency and uptime.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WIN_TYPE_NORMAL, type TcpSig } from '../../src/db/types.ts';
import { TCP_ACK, TCP_SYN } from '../../src/decode/packet.ts';
import { checkTsTcp, formatFixed2 } from '../../src/fingerprint/uptime.ts';
import { mkDb, mkFlow, mkPacket, MockCtx } from './tcp-helpers.ts';

function prevSig(ts1: number, recvMs: number): TcpSig {
  return {
    optHash: 0, optLayout: new Uint8Array(0), quirks: 0, optEolPad: 0, ipOptLen: 0, ipVer: 4, ttl: 64, mss: 1460,
    win: 0, winType: WIN_TYPE_NORMAL, wscale: 0, payClass: 0, totHdr: 40, ts1, recvMs, matched: null, fuzzy: false,
    dist: 0,
  };
}

/**
 * The host's last SYN had TSval `ts0`; `ms` later a packet with TSval `ts1` arrives.
 * `type`: tcp flags of the new packet (default: a bare ACK).
 */
function check(ts0: number, ts1: number, ms: number, o: { toSrv?: boolean; type?: number; sendsyn?: boolean } = {}) {
  const ctx = new MockCtx(mkDb(''));
  const flow = mkFlow();
  const toSrv = o.toSrv ?? true;
  const prev = prevSig(ts0, ctx.nowMs);
  if (toSrv) flow.client.lastSyn = prev; else flow.server.lastSynack = prev;
  flow.sendsyn = o.sendsyn ?? false;
  ctx.advance(ms);
  const pk = mkPacket({ ts1 });
  pk.tcpType = o.type ?? TCP_ACK;
  checkTsTcp(ctx, toSrv, pk, flow);
  return { ctx, flow, obs: ctx.seen[0], tps: toSrv ? flow.cliTps : flow.srvTps };
}

describe('checkTsTcp', () => {
  test('100 Hz clock, 3 days 1 hr 1 min up', () => {
    const ts = (3 * 1440 + 61) * 60 * 100;
    const { obs, tps, flow } = check(ts - 200, ts, 2000);
    assert.ok(obs);
    assert.equal(obs.kind, 'uptime');
    assert.equal(obs.toSrv, true);
    assert.deepEqual(obs.keys, ['uptime', 'raw_freq']);
    assert.deepEqual(obs.fields, { uptime: '3 days 1 hrs 1 min (modulo 497 days)', raw_freq: '100.00 Hz' });
    assert.equal(tps, 100);
    assert.equal(flow.client.lastUpMin, 3 * 1440 + 61);
    assert.equal(flow.client.upModDays, 497);
  });

  test('server side uses last SYN+ACK and srvTps', () => {
    const { obs, flow } = check(1000, 2000, 1000, { toSrv: false });
    assert.equal(obs?.toSrv, false);
    assert.equal(obs?.fields.raw_freq, '1000.00 Hz');
    assert.equal(obs?.fields.uptime, '0 days 0 hrs 0 min (modulo 49 days)');
    assert.equal(flow.srvTps, 1000);
    assert.equal(flow.cliTps, 0);
    assert.equal(flow.server.upModDays, 49);
  });

  test('frequency rounding table', () => {
    // ffreq = ticks per second with a 1 s gap (10 s for the sub-1 Hz case).
    const round = (ticks: number, ms = 1000) => check(1000, 1000 + ticks, ms).tps;
    assert.equal(round(8, 10000), 1);   // 0.8 Hz -> 0 -> 1
    assert.equal(round(7, 10000), 1);   // 0.7 Hz is the floor
    assert.equal(round(6, 10000), -1);  // below: rejected
    assert.equal(round(5), 5);
    assert.equal(round(10), 10);
    assert.equal(round(11), 10);
    assert.equal(round(12), 15);
    assert.equal(round(50), 50);
    assert.equal(round(51), 50);
    assert.equal(round(53), 60);
    assert.equal(round(100), 100);
    assert.equal(round(101), 100);
    assert.equal(round(117), 150);
    assert.equal(round(500), 500);
    assert.equal(round(501), 500);
    assert.equal(round(533), 600);
    assert.equal(round(1499), 1500);
    assert.equal(round(1500), 1500);
    assert.equal(round(1501), -1);
  });

  test('fractional frequency is truncated before rounding, printed with 2 decimals', () => {
    const { obs, tps } = check(0x1000, 0x1000 + 1001, 8000);
    assert.equal(tps, 150);
    // 125.125 is an exact tie: glibc rounds it to even.
    assert.equal(obs?.fields.raw_freq, '125.12 Hz');
  });

  test('elapsed time window: 25 ms .. 10 min', () => {
    assert.equal(check(1000, 1024, 24).obs, undefined);
    assert.equal(check(1000, 1025, 25).obs?.fields.raw_freq, '1000.00 Hz');
    assert.equal(check(1000, 1000 + 600000, 600000).obs?.fields.raw_freq, '1000.00 Hz');
    assert.equal(check(1000, 1000 + 600001, 600001).obs, undefined);
    // Clock going backwards (u64 wrap in p0f): ignored.
    assert.equal(check(1000, 2000, -1000).obs, undefined);
  });

  test('fewer than 5 ticks: ignored', () => {
    assert.equal(check(1000, 1004, 1000).obs, undefined);
    assert.equal(check(1000, 1005, 1000).tps, 5);
  });

  test('counter slightly behind within 100 ms: ignored, flow not marked', () => {
    const r = check(1000, 997, 50);
    assert.equal(r.obs, undefined);
    assert.equal(r.tps, 0);
  });

  test('counter behind after 100 ms: negative frequency, flow marked bad unless SYN', () => {
    assert.equal(check(1000, 997, 200).tps, -1);
    assert.equal(check(1000, 997, 200, { type: TCP_SYN }).tps, 0);
    assert.equal(check(1000, 997, 200, { type: TCP_SYN }).obs, undefined);
  });

  test('too fast: rejected, marked bad unless SYN', () => {
    assert.equal(check(1000, 4000, 1000).tps, -1);
    assert.equal(check(1000, 4000, 1000, { type: TCP_SYN }).tps, 0);
  });

  test('TSval wrap-around is 32-bit', () => {
    const { obs, tps } = check(0xffffff00, 0x64, 1000);
    assert.equal(tps, 350); // 356 ticks
    assert.equal(obs?.fields.raw_freq, '356.00 Hz');
    assert.equal(obs?.fields.uptime, '0 days 0 hrs 0 min (modulo 142 days)');
  });

  test('large TSval uptime', () => {
    const { obs } = check(0xfffffff0 - 1000, 0xfffffff0, 1000);
    // 4294967280 / 1000 / 60 = 71582 min
    assert.equal(obs?.fields.uptime, '49 days 17 hrs 2 min (modulo 49 days)');
  });

  test('runs once per flow side; needs TS on both packets; not for sendsyn', () => {
    const ctx = new MockCtx(mkDb(''));
    const flow = mkFlow();
    flow.client.lastSyn = prevSig(1000, ctx.nowMs);
    ctx.advance(1000);
    const pk = mkPacket({ ts1: 2000 });
    pk.tcpType = TCP_ACK;
    checkTsTcp(ctx, true, pk, flow);
    checkTsTcp(ctx, true, pk, flow);
    assert.equal(ctx.seen.length, 1);

    assert.equal(check(0, 2000, 1000).obs, undefined);            // previous TSval 0
    assert.equal(check(1000, 0, 1000).obs, undefined);            // packet TSval 0
    assert.equal(check(1000, 2000, 1000, { sendsyn: true }).obs, undefined);
    const f2 = mkFlow();
    checkTsTcp(ctx, true, pk, f2);                                // no previous SYN
    assert.equal(ctx.seen.length, 1);
  });
});

describe('formatFixed2 (printf %.02f)', () => {
  test('matches glibc, ties to even', () => {
    const cases: Array<[number, string]> = [
      [0.125, '0.12'], [0.375, '0.38'], [0.625, '0.62'], [0.875, '0.88'], [2.5, '2.50'], [1.005, '1.00'],
      [100.125, '100.12'], [1.115, '1.11'], [8.875, '8.88'], [976.1904761904761, '976.19'], [1500, '1500.00'],
      [0.7, '0.70'], [1499.995, '1499.99'], [187.625, '187.62'], [12.345, '12.35'], [0.005, '0.01'],
    ];
    for (const [x, s] of cases) assert.equal(formatFixed2(x), s, String(x));
  });
});
