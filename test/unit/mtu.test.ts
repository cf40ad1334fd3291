/**
 * fingerprintMtu (fp_mtu.c): MTU from the MSS option, first [mtu] record in file order.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fingerprintMtu } from '../../src/fingerprint/mtu.ts';
import { mkDb, mkFlow, mkPacket, MockCtx } from './tcp-helpers.ts';

const DB = '[mtu]\nlabel = Ethernet or modem\nsig = 576\nsig = 1500\nlabel = dup\nsig = 1500\n' +
  'label = IPv6 tunnel\nsig = 1280\n';

function mtu(o: Parameters<typeof mkPacket>[0], toSrv = true, sendsyn = false) {
  const ctx = new MockCtx(mkDb(DB));
  const flow = mkFlow({ ipVer: o?.ver ?? 4 });
  flow.sendsyn = sendsyn;
  fingerprintMtu(ctx, toSrv, mkPacket(o), flow);
  return { ctx, flow };
}

describe('fingerprintMtu', () => {
  test('IPv4: MSS + 40; first label with that MTU wins', () => {
    const { ctx, flow } = mtu({ mss: 1460 });
    assert.equal(ctx.seen.length, 1);
    assert.equal(ctx.last().kind, 'mtu');
    assert.equal(ctx.last().toSrv, true);
    assert.deepEqual(ctx.last().keys, ['link', 'raw_mtu']);
    assert.deepEqual(ctx.last().fields, { link: 'Ethernet or modem', raw_mtu: '1500' });
    assert.equal(flow.client.linkType, 'Ethernet or modem');
    assert.equal(flow.server.linkType, null);
  });

  test('IPv6: MSS + 60', () => {
    const { ctx } = mtu({ ver: 6, mss: 1220 });
    assert.deepEqual(ctx.last().fields, { link: 'IPv6 tunnel', raw_mtu: '1280' });
  });

  test('server side sets the server link type', () => {
    const { ctx, flow } = mtu({ type: 'synack', mss: 536 }, false);
    assert.equal(ctx.last().toSrv, false);
    assert.equal(ctx.last().fields.link, 'Ethernet or modem');
    assert.equal(flow.server.linkType, 'Ethernet or modem');
  });

  test('unknown MTU: link ??? (null), link type untouched', () => {
    const ctx = new MockCtx(mkDb(DB));
    const flow = mkFlow();
    flow.client.linkType = 'previous';
    fingerprintMtu(ctx, true, mkPacket({ mss: 1000 }), flow);
    assert.deepEqual(ctx.last().fields, { link: null, raw_mtu: '1040' });
    assert.equal(flow.client.linkType, 'previous');
  });

  test('large MSS is not truncated', () => {
    const { ctx } = mtu({ mss: 65535 });
    assert.equal(ctx.last().fields.raw_mtu, '65575');
  });

  test('no MSS option, or a sendsyn flow: no observation', () => {
    assert.equal(mtu({ mss: 0 }).ctx.seen.length, 0);
    assert.equal(mtu({ mss: 1460 }, true, true).ctx.seen.length, 0);
  });
});
