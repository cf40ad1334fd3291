/**
 * `p0f-client` against what p0f 3.09b's tools/p0f-client printed for the same answers
 * (test/fixtures/api/p0f-client-cases.json, recorded with TZ=UTC), plus the command's
 * own argument errors checked against the same binary.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { readFileSync, rmSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { main, parseAddr4, parseAddr6, clientAddress } from '../../src/cli/p0f-client.ts';
import { memoryIo } from '../../src/cli/io.ts';
import { NATIVE_LE } from '../../src/api/protocol.ts';

process.env.TZ = 'UTC';

interface Case {
  name: string; host: string; query: string; response: string; close: boolean;
  stdout: string; stderr: string; code: number;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/api/p0f-client-cases.json', import.meta.url), 'utf8')) as { cases: Case[] };
const dir = mkdtempSync(join(tmpdir(), 'p0f-client-'));

/** A one-answer-per-connection server replaying a recorded response. */
async function replayServer(path: string, c: () => Case, seen: Buffer[]): Promise<Server> {
  const srv = createServer((s) => {
    let q = Buffer.alloc(0);
    s.on('error', () => {});
    s.on('data', (d) => {
      q = Buffer.concat([q, d]);
      if (q.length >= 21) {
        seen.push(q);
        const cur = c();
        s.write(Buffer.from(cur.response, 'hex'), () => { if (cur.close) s.end(); });
      }
    });
  });
  await new Promise<void>((r) => srv.listen(path, r));
  return srv;
}

test('p0f-client prints what p0f 3.09b\'s p0f-client prints, exit codes included', { skip: !NATIVE_LE && 'fixtures are little-endian' }, async () => {
  const path = join(dir, 'replay.sock');
  let cur: Case = fixture.cases[0]!;
  const seen: Buffer[] = [];
  const srv = await replayServer(path, () => cur, seen);
  try {
    assert.ok(fixture.cases.length >= 20);
    for (const c of fixture.cases) {
      cur = c;
      seen.length = 0;
      const io = memoryIo();
      const code = await main([path, c.host], io);
      assert.equal(io.stdout, c.stdout, `${c.name}: stdout`);
      assert.equal(io.stderr, c.stderr, `${c.name}: stderr`);
      assert.equal(code, c.code, `${c.name}: exit code`);
      if (seen.length) assert.equal(seen[0]!.toString('hex'), c.query, `${c.name}: query bytes`);
    }
  } finally {
    srv.close();
  }
});

test('p0f-client argument and connection errors match p0f-client', async () => {
  const run = async (args: string[]) => {
    const io = memoryIo();
    const code = await main(args, io);
    return { code, out: io.stdout, err: io.stderr };
  };
  assert.deepEqual(await run([]), { code: 1, out: '', err: 'Usage: p0f-client /path/to/socket host_ip\n' });
  assert.deepEqual(await run(['a', 'b', 'c']), { code: 1, out: '', err: 'Usage: p0f-client /path/to/socket host_ip\n' });
  const missing = join(dir, 'nope.sock');
  assert.deepEqual(await run([missing, '1.2.3.4']), {
    code: 1, out: '',
    err: "[-] SYSTEM ERROR : Can't connect to API socket.\n        Location : main(), p0f-client.c:128\n" +
      '      OS message : No such file or directory\n\n',
  });
  const regular = join(dir, 'regular');
  writeFileSync(regular, '');
  assert.equal((await run([regular, '1.2.3.4'])).err.includes('OS message : Connection refused'), true);
  assert.deepEqual(await run(['x'.repeat(108), '1.2.3.4']), {
    code: 1, out: '',
    err: '[-] PROGRAM ABORT : API socket filename is too long for sockaddr_un (blame Unix).\n' +
      '         Location : main(), p0f-client.c:123\n\n',
  });
  // The address is read before the socket path is looked at.
  const v4 = (await run(['x'.repeat(200), '1.2.3']));
  assert.equal(v4.err, '[-] PROGRAM ABORT : Malformed IPv4 address.\n         Location : parse_addr4(), p0f-client.c:42\n\n');
  assert.equal((await run([regular, '1.2.3.256'])).err,
    '[-] PROGRAM ABORT : Malformed IPv4 address.\n         Location : parse_addr4(), p0f-client.c:45\n\n');
  assert.equal((await run([regular, '1:2:3:4:5:6:7:8:9'])).err,
    '[-] PROGRAM ABORT : Malformed IPv6 address (too many segments).\n         Location : parse_addr6(), p0f-client.c:64\n\n');
  assert.equal((await run([regular, '1:2:3:4:5:6:7:10000'])).err,
    '[-] PROGRAM ABORT : Malformed IPv6 address (bad octet value).\n         Location : parse_addr6(), p0f-client.c:67\n\n');
  assert.equal((await run([regular, '1:2::g'])).err,
    '[-] PROGRAM ABORT : Malformed IPv6 address (bad octet value).\n         Location : parse_addr6(), p0f-client.c:67\n\n',
    'valid for neither parser: p0f-client\'s message');
  assert.equal((await run([regular, '1:2:3:4:5:6:7'])).err,
    "[-] PROGRAM ABORT : Malformed IPv6 address (don't abbreviate).\n         Location : parse_addr6(), p0f-client.c:79\n\n");
});

test('p0f-client address parsing follows sscanf', () => {
  const h = (b: Uint8Array) => Buffer.from(b).toString('hex');
  assert.equal(h(parseAddr4('1.2.3.4')), '01020304');
  assert.equal(h(parseAddr4(' 1. 2.+3.4trailing')), '01020304', 'white space and signs as %u takes them');
  assert.equal(h(parseAddr4('-0.0.0.1')), '00000001');
  assert.equal(h(parseAddr4('4294967296.1.2.3')), '00010203', 'strtoul wraps into the u32');
  assert.throws(() => parseAddr4('-1.2.3.4'));
  assert.throws(() => parseAddr4('1 .2.3.4'), 'no white space before a literal dot');
  assert.equal(h(parseAddr6('2001:db8:0:0:0:0:0:1')), '20010db8000000000000000000000001');
  assert.equal(h(parseAddr6('1-2-3-4-5-6-7-8')), '00010002000300040005000600070008', 'any separator');
  assert.equal(h(parseAddr6('0X1:2:3:4:5:6:7')), '00010001000200030004000500060007', '"0X1" is read twice');
  assert.throws(() => parseAddr6('::1'));
  // Our deviation: valid abbreviated addresses are accepted, IPv4-mapped ones asked as IPv4.
  assert.deepEqual(clientAddress('::1'), { ipVer: 6, addr: Uint8Array.from([...new Array(15).fill(0), 1]) });
  assert.deepEqual(clientAddress('::ffff:10.0.0.1'), { ipVer: 4, addr: Uint8Array.of(10, 0, 0, 1) });
  // ...but a full form is p0f-client's, mapped or not.
  assert.equal(clientAddress('0:0:0:0:0:ffff:a00:1').ipVer, 6);
});

test('bin/p0f-client.js runs as a command', () => {
  const bin = new URL('../../bin/p0f-client.js', import.meta.url).pathname;
  const r = spawnSync(process.execPath, [bin], { encoding: 'latin1' });
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'Usage: p0f-client /path/to/socket host_ip\n');
  const r2 = spawnSync(process.execPath, [bin, join(dir, 'none.sock'), '10.0.0.1'], { encoding: 'latin1' });
  assert.equal(r2.status, 1);
  assert.match(r2.stderr, /Can't connect to API socket/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
