import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeQuery, decodeResponse, encodeQuery, encodeResponse, encodeStatusResponse, handleQuery, NATIVE_LE,
  P0F_QUERY_MAGIC, P0F_RESP_MAGIC, P0F_STATUS_BADQUERY, P0F_STATUS_NOMATCH, P0F_STATUS_OK, parseAddress,
  QUERY_SIZE, readStrField, RESP, RESPONSE_SIZE, type ApiHost,
} from '../../src/api/protocol.ts';
import { parseHostInfo, P0fDuration } from '../../src/api/result.ts';
import { P0fProtocolError } from '../../src/api/errors.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function host(over: Partial<ApiHost> = {}): ApiHost {
  return {
    firstSeen: 1700000000, lastSeen: 1700000100, totalConn: 3, lastNameId: -1, lastFlavor: null,
    httpNameId: -1, httpFlavor: null, linkType: null, language: null, badSw: 0, lastNat: 0, lastChg: 0,
    upModDays: 0, distance: 255, lastQuality: 0, lastUpMin: -1, ...over,
  };
}

test('parseAddress: IPv4, IPv6 forms, IPv4-mapped, zone ids, brackets, junk', () => {
  const cases: [string, 4 | 6 | null, string][] = [
    ['1.2.3.4', 4, '01020304'],
    ['255.255.255.255', 4, 'ffffffff'],
    ['::1', 6, '0'.repeat(31) + '1'],
    ['::', 6, '0'.repeat(32)],
    ['1::', 6, '0001' + '0'.repeat(28)],
    ['2001:db8::1', 6, '20010db8' + '0'.repeat(23) + '1'],
    ['2001:DB8:0:0:1:0:0:1', 6, '20010db8000000000001000000000001'],
    ['1:2:3:4:5:6:7:8', 6, '00010002000300040005000600070008'],
    ['::ffff:1.2.3.4', 4, '01020304'],
    ['::FFFF:7f00:1', 4, '7f000001'],
    ['0:0:0:0:0:ffff:a00:1', 4, '0a000001'],
    ['::1.2.3.4', 6, '0'.repeat(24) + '01020304'],
    ['1:2:3:4:5:6:1.2.3.4', 6, '00010002000300040005000601020304'],
    ['64:ff9b::1.2.3.4', 6, '0064ff9b000000000000000001020304'],
    ['fe80::1%eth0', 6, 'fe80' + '0'.repeat(27) + '1'],
    ['[2001:db8::2]', 6, '20010db8' + '0'.repeat(23) + '2'],
  ];
  for (const [ip, v, h] of cases) {
    const a = parseAddress(ip);
    assert.ok(a, ip);
    assert.equal(a.ipVer, v, ip);
    assert.equal(hex(a.addr), h, ip);
  }
  for (const bad of ['', 'x', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1:2:3:4:5:6:7:8:9', ':::', '1.2.3.4 ', 'localhost']) {
    assert.equal(parseAddress(bad), null, bad);
  }
});

test('encodeQuery / decodeQuery: 21 bytes, native order, left-aligned IPv4', () => {
  const q = encodeQuery('10.1.2.3');
  assert.equal(q.length, QUERY_SIZE);
  assert.equal(NATIVE_LE ? q.readUInt32LE(0) : q.readUInt32BE(0), P0F_QUERY_MAGIC);
  assert.equal(q[4], 4);
  assert.equal(hex(q.subarray(5)), '0a010203' + '0'.repeat(24));
  const le = encodeQuery('10.1.2.3', undefined, 0, true);
  assert.equal(hex(le.subarray(0, 5)), '0146305004');
  const be = encodeQuery('10.1.2.3', undefined, 0, false);
  assert.equal(hex(be.subarray(0, 5)), '5030460104');
  const d = decodeQuery(encodeQuery('2001:db8::7'));
  assert.equal(d.magic, P0F_QUERY_MAGIC);
  assert.equal(d.addrType, 6);
  assert.equal(d.valid, true);
  assert.equal(hex(d.addr), '20010db8' + '0'.repeat(23) + '7');
  // explicit form, written into a larger buffer at an offset
  const big = Buffer.alloc(30, 0xaa);
  encodeQuery({ ipVer: 4, addr: Uint8Array.of(1, 2, 3, 4) }, big, 4);
  assert.equal(big[3], 0xaa);
  assert.equal(big[8], 4, 'addr_type after the magic');
  assert.equal(hex(big.subarray(9, 25)), '01020304' + '0'.repeat(24));
  assert.equal(big[25], 0xaa);
  assert.throws(() => encodeQuery('nope'), TypeError);
  const bad = Buffer.from(encodeQuery('1.2.3.4'));
  bad[4] = 5;
  assert.equal(decodeQuery(bad).valid, false);
  assert.throws(() => decodeQuery(Buffer.alloc(20)), RangeError);
});

test('encodeResponse: no match is magic + 0x20 and zeros', () => {
  const r = encodeResponse(null, []);
  assert.equal(r.length, RESPONSE_SIZE);
  const d = decodeResponse(r);
  assert.equal(d.magic, P0F_RESP_MAGIC);
  assert.equal(d.status, P0F_STATUS_NOMATCH);
  assert.ok(r.subarray(8).every((b) => b === 0));
});

test('encodeResponse: fields at p0f offsets, little-endian bytes exactly', () => {
  const names = ['Linux', 'Firefox'];
  const h = host({
    lastNameId: 0, lastFlavor: '3.11 and newer', httpNameId: 1, httpFlavor: '10.x or newer',
    linkType: 'Ethernet or modem', language: 'English', badSw: 1, lastNat: 0x11223344, lastChg: 0x55667788,
    upModDays: 49, distance: 12, lastQuality: 2, lastUpMin: 0x01020304, totalConn: 0xfffffffe,
  });
  const r = encodeResponse(h, names, undefined, 0, true);
  assert.equal(hex(r.subarray(0, 40)),
    '02463050' + '10000000' + '00f15365' + '64f15365' + 'feffffff' + '04030201' + '31000000' +
    '44332211' + '88776655' + '0c00' + '01' + '02');
  assert.equal(readStrField(r, RESP.osName), 'Linux');
  assert.equal(readStrField(r, RESP.osFlavor), '3.11 and newer');
  assert.equal(readStrField(r, RESP.httpName), 'Firefox');
  assert.equal(readStrField(r, RESP.httpFlavor), '10.x or newer');
  assert.equal(readStrField(r, RESP.linkType), 'Ethernet or modem');
  assert.equal(readStrField(r, RESP.language), 'English');
  // strncpy pads with NULs
  assert.ok(r.subarray(RESP.osName + 5, RESP.osFlavor).every((b) => b === 0));
  const be = encodeResponse(h, names, undefined, 0, false);
  assert.equal(hex(be.subarray(0, 8)), '5030460200000010');
  assert.equal(hex(be.subarray(36, 38)), '000c');
  assert.equal(decodeResponse(be, 0, false).uptimeMin, 0x01020304);
});

test('encodeResponse: p0f quirks (distance 255, 32+ char strings unterminated, -1 ids)', () => {
  const long = '10.9 or newer (sometimes iPhone or iPad)';
  const r = encodeResponse(host({ lastNameId: 0, lastFlavor: long, distance: 255, lastUpMin: -1 }), ['Mac OS X']);
  const d = decodeResponse(r);
  assert.equal(d.distance, 255, 'u8 -1 widened to s16 is 255, not -1');
  assert.equal(d.osFlavor, long.slice(0, 32));
  assert.equal(r[RESP.osFlavor + 31], long.charCodeAt(31), 'no NUL in the last byte');
  assert.equal(d.uptimeMin, 0, 'unknown uptime is 0');
  // flavor without a name: p0f copies neither
  const r2 = decodeResponse(encodeResponse(host({ lastNameId: -1, lastFlavor: 'x', httpNameId: -1, httpFlavor: 'y' }), ['A']));
  assert.equal(r2.osFlavor, '');
  assert.equal(r2.httpFlavor, '');
  // exactly 31 characters keep their NUL; 32 fill the field
  const r3 = encodeResponse(host({ lastNameId: 0 }), ['B'.repeat(31)]);
  assert.equal(r3[RESP.osName + 31], 0);
  const r4 = encodeResponse(host({ lastNameId: 0 }), ['C'.repeat(32)]);
  assert.equal(r4[RESP.osName + 31], 0x43);
  assert.equal(r4[RESP.osFlavor], 0);
  // latin1: one char one byte; a NUL ends the copy as strncpy's does
  const r5 = encodeResponse(host({ linkType: 'a\u00e9b', language: 'x\u0000yz' }), []);
  assert.equal(hex(r5.subarray(RESP.linkType, RESP.linkType + 4)), '61e96200');
  assert.equal(hex(r5.subarray(RESP.language, RESP.language + 4)), '78000000');
});

test('encodeResponse into a dirty buffer at an offset clears its 232 bytes only', () => {
  const out = Buffer.alloc(RESPONSE_SIZE + 20, 0xee);
  encodeResponse(null, [], out, 10);
  assert.equal(out[9], 0xee);
  assert.equal(out[10 + RESPONSE_SIZE], 0xee);
  assert.ok(out.subarray(18, 10 + RESPONSE_SIZE).every((b) => b === 0));
  encodeStatusResponse(P0F_STATUS_BADQUERY, out, 10);
  assert.equal(decodeResponse(out, 10).status, 0);
});

test('handleQuery: bad magic and bad address type answer status 0 with p0f warnings', () => {
  const warnings: string[] = [];
  const out = Buffer.alloc(RESPONSE_SIZE);
  const looked: string[] = [];
  const lookup = (v: 4 | 6, a: Uint8Array) => {
    looked.push(`${v}:${hex(a)}`);
    return v === 4 && a[0] === 9 ? host({ lastNameId: 0 }) : null;
  };
  const q = Buffer.from(encodeQuery('9.8.7.6'));
  assert.equal(handleQuery(q, 0, lookup, ['X'], out, 0, (m) => warnings.push(m)), P0F_STATUS_OK);
  assert.equal(decodeResponse(out).osName, 'X');
  assert.equal(looked[0], '4:09080706' + '0'.repeat(24), 'all 16 bytes are passed; the table compares 4');
  assert.equal(handleQuery(encodeQuery('8.8.8.8'), 0, lookup, ['X'], out, 0), P0F_STATUS_NOMATCH);
  const badMagic = Buffer.from(q);
  badMagic.writeUInt32LE(0x12345678, 0);
  if (!NATIVE_LE) badMagic.writeUInt32BE(0x12345678, 0);
  assert.equal(handleQuery(badMagic, 0, lookup, [], out, 0, (m) => warnings.push(m)), P0F_STATUS_BADQUERY);
  const badType = Buffer.from(q);
  badType[4] = 0;
  assert.equal(handleQuery(badType, 0, lookup, [], out, 0, (m) => warnings.push(m)), P0F_STATUS_BADQUERY);
  assert.deepEqual(warnings, ['Query with bad magic (0x12345678).', 'Query with unknown address type 0.\n']);
  assert.equal(decodeResponse(out).magic, P0F_RESP_MAGIC);
  assert.equal(looked.length, 2);
});

test('parseHostInfo: python-client conventions', () => {
  const r = decodeResponse(encodeResponse(host({
    lastNameId: 0, lastFlavor: '', distance: 3, lastUpMin: 1500, upModDays: 49, lastNat: 1700000050,
    lastQuality: 3, badSw: 2,
  }), ['Linux']));
  const p = parseHostInfo(r);
  assert.deepEqual(p.firstSeen, new Date(1700000000 * 1000));
  assert.deepEqual(p.lastSeen, new Date(1700000100 * 1000));
  assert.equal(p.totalConn, 3);
  assert.equal(p.uptimeMinutes, 1500);
  assert.equal(p.uptimeSeconds, 90000);
  assert.ok(p.uptime instanceof P0fDuration);
  assert.equal(p.uptime!.days, 1);
  assert.equal(p.uptime!.hours, 1);
  assert.equal(p.uptime!.minutes, 0);
  assert.equal(p.uptime!.toISOString(), 'P1DT1H');
  assert.equal(p.upModDays!.days, 49);
  assert.equal(JSON.stringify(p.upModDays), '"P49D"');
  assert.deepEqual(p.lastNat, new Date(1700000050 * 1000));
  assert.equal(p.lastChange, null);
  assert.equal(p.distance, 3);
  assert.equal(p.badSw, 2);
  assert.equal(p.osMatchQ, 3);
  assert.equal(p.osName, 'Linux');
  assert.equal(p.osFlavor, null);
  assert.equal(p.httpName, null);
  assert.equal(p.linkType, null);
  assert.equal(p.language, null);

  const unknown = parseHostInfo(decodeResponse(encodeResponse(host(), [])));
  assert.equal(unknown.distance, null, '255 = unknown');
  assert.equal(unknown.uptime, null);
  assert.equal(unknown.uptimeMinutes, null);
  assert.equal(unknown.uptimeSeconds, null);
  assert.equal(unknown.upModDays, null);
  assert.equal(parseHostInfo({ ...r, distance: -1 }).distance, null, '-1 = unknown (documented value)');
  assert.equal(parseHostInfo({ ...r, distance: 0 }).distance, 0);
  assert.equal(new P0fDuration(0).toISOString(), 'PT0S');
  assert.equal(new P0fDuration(61).toISOString(), 'PT1M1S');
  assert.equal(+new P0fDuration(2), 2000);
});

test('parseHostInfo: out-of-range bad_sw / os_match_q are protocol errors', () => {
  const r = decodeResponse(encodeResponse(host(), []));
  assert.throws(() => parseHostInfo({ ...r, badSw: 3 }), P0fProtocolError);
  assert.throws(() => parseHostInfo({ ...r, osMatchQ: 4 }), P0fProtocolError);
  for (const b of [0, 1, 2]) assert.equal(parseHostInfo({ ...r, badSw: b }).badSw, b);
  for (const q of [0, 1, 2, 3]) assert.equal(parseHostInfo({ ...r, osMatchQ: q }).osMatchQ, q);
});

test('fuzz: handleQuery on random bytes always writes one well-formed answer and never throws', () => {
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 0xff;
  const out = Buffer.alloc(RESPONSE_SIZE);
  const lookup = () => host({ lastNameId: 0, lastFlavor: 'f' });
  for (let i = 0; i < 5000; i++) {
    const q = Buffer.alloc(QUERY_SIZE);
    for (let j = 0; j < QUERY_SIZE; j++) q[j] = rnd();
    if (i % 3 === 0) (NATIVE_LE ? q.writeUInt32LE(P0F_QUERY_MAGIC, 0) : q.writeUInt32BE(P0F_QUERY_MAGIC, 0));
    if (i % 6 === 0) q[4] = i % 12 === 0 ? 4 : 6;
    const st = handleQuery(q, 0, lookup, ['N'], out, 0);
    const d = decodeResponse(out);
    assert.equal(d.magic, P0F_RESP_MAGIC);
    assert.equal(d.status, st);
    assert.equal(st === P0F_STATUS_OK, decodeQuery(q).valid);
  }
  for (let i = 0; i < 2000; i++) {
    const b = Buffer.alloc(RESPONSE_SIZE);
    for (let j = 0; j < RESPONSE_SIZE; j++) b[j] = rnd();
    const d = decodeResponse(b);
    try {
      parseHostInfo(d);
    } catch (e) {
      assert.ok(e instanceof P0fProtocolError);
    }
  }
});
