/**
 * The p0fmod port: every call, every integer it returns, and the text it prints, checked
 * against the real p0f 3.09b (its refusals for the equivalent command lines) and the real
 * p0f-client (its output for the same answers). start_p0f() is run for real: on a capture
 * file (log and report compared with p0f's recorded output), on lo with curl traffic, and
 * in daemon mode (a detached p0f command). Live parts need root and the native addon.
 */
process.env.TZ = 'UTC';

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { after, describe, test } from 'node:test';
import * as p0fmod from '../../src/control/p0fmod.ts';
import { memoryIo } from '../../src/cli/io.ts';
import { CONTROL_WARNINGS, P0fControlError } from '../../src/control/errors.ts';
import { createP0fmod, type P0fmodOptions } from '../../src/control/p0fmod.ts';
import { P0fFatalError } from '../../src/errors.ts';
import {
  curl, FIXTURES, FP, haveRealP0f, httpServer, loSkipReason, REPO, realP0f, splitLines, tempDir, waitFor,
} from './helpers.ts';

const real = haveRealP0f();
const loSkip = loSkipReason();

function fresh(opts: P0fmodOptions = {}) {
  const io = memoryIo();
  return { m: createP0fmod({ io, signals: false, ...opts }), io };
}

/** p0f's FATAL text, as p0f prints it. */
const fatalText = (msg: string, loc: string) => `[-] PROGRAM ABORT : ${msg}\n         Location : ${loc}\n\n`;

describe('module exports', () => {
  test('every p0fmod call under its exact name', () => {
    const names = ['set_fp_file', 'set_iface', 'list_interfaces', 'set_read_file', 'set_log_file', 'set_api_sock',
      'en_daemon_mode', 'switch_user', 'en_promisc_mode', 'set_api_max_conn', 'set_max_conn', 'set_max_hosts',
      'set_conn_max_age', 'set_host_idle_limit', 'start_p0f', 'mk_query', 'ck_response'];
    for (const n of names) assert.equal(typeof (p0fmod as Record<string, unknown>)[n], 'function', n);
    // Beyond p0fmod, for Node.
    for (const n of ['stop_p0f', 'wait_p0f', 'last_error', 'is_running', 'reset_settings', 'set_filter', 'createP0fmod']) {
      assert.equal(typeof (p0fmod as Record<string, unknown>)[n], 'function', n);
    }
  });

  test('the functions work detached from the module object', () => {
    const { mk_query } = p0fmod;
    assert.equal(mk_query('1.2.3.4').length, 21);
  });
});

/** One setter row: the call twice, and the p0f command line that refuses the same. */
interface Row {
  name: string;
  first: (m: p0fmod.P0fmod) => number;
  again: (m: p0fmod.P0fmod) => number;
  code: string;
  argv: string[];
}

const rows: Row[] = [
  { name: 'set_fp_file', first: (m) => m.set_fp_file('a.fp'), again: (m) => m.set_fp_file('b.fp'), code: 'MULTIPLE_FP_FILE', argv: ['-f', 'a', '-f', 'b'] },
  { name: 'set_iface', first: (m) => m.set_iface('lo'), again: (m) => m.set_iface('eth0'), code: 'MULTIPLE_IFACE', argv: ['-i', 'lo', '-i', 'eth0'] },
  { name: 'set_read_file', first: (m) => m.set_read_file('a.pcap'), again: (m) => m.set_read_file('b.pcap'), code: 'MULTIPLE_READ_FILE', argv: ['-r', 'a', '-r', 'b'] },
  { name: 'set_log_file', first: (m) => m.set_log_file('a.log'), again: (m) => m.set_log_file('b.log'), code: 'MULTIPLE_LOG_FILE', argv: ['-o', 'a', '-o', 'b'] },
  { name: 'set_api_sock', first: (m) => m.set_api_sock('/tmp/a'), again: (m) => m.set_api_sock('/tmp/b'), code: 'MULTIPLE_API_SOCK', argv: ['-s', 'a', '-s', 'b'] },
  { name: 'en_daemon_mode', first: (m) => m.en_daemon_mode(), again: (m) => m.en_daemon_mode(), code: 'DAEMON_ALREADY_ON', argv: ['-d', '-d'] },
  { name: 'switch_user', first: (m) => m.switch_user('nobody'), again: (m) => m.switch_user('daemon'), code: 'SWITCH_USER_ALREADY_SET', argv: ['-u', 'a', '-u', 'b'] },
  { name: 'en_promisc_mode', first: (m) => m.en_promisc_mode(), again: (m) => m.en_promisc_mode(), code: 'PROMISC_ALREADY_ON', argv: ['-p', '-p'] },
  { name: 'set_api_max_conn', first: (m) => m.set_api_max_conn(5), again: (m) => m.set_api_max_conn(6), code: 'MULTIPLE_API_MAX_CONN', argv: ['-S', '5', '-S', '6'] },
  { name: 'set_max_conn', first: (m) => m.set_max_conn(5), again: (m) => m.set_max_conn(6), code: 'MULTIPLE_TABLE_LIMITS', argv: ['-m', '5,5', '-m', '6,6'] },
  { name: 'set_max_hosts', first: (m) => m.set_max_hosts(5), again: (m) => m.set_max_hosts(6), code: 'MULTIPLE_TABLE_LIMITS', argv: ['-m', '5,5', '-m', '6,6'] },
  { name: 'set_conn_max_age', first: (m) => m.set_conn_max_age(5), again: (m) => m.set_conn_max_age(6), code: 'MULTIPLE_AGE_LIMITS', argv: ['-t', '5,5', '-t', '6,6'] },
  { name: 'set_host_idle_limit', first: (m) => m.set_host_idle_limit(5), again: (m) => m.set_host_idle_limit(6), code: 'MULTIPLE_AGE_LIMITS', argv: ['-t', '5,5', '-t', '6,6'] },
  { name: 'set_filter', first: (m) => m.set_filter('port 80'), again: (m) => m.set_filter('port 25'), code: 'MULTIPLE_FILTER', argv: ['port 80', 'port 25'] },
];

describe('setters: 0, then -1 with p0f\'s refusal for the same option given twice', () => {
  for (const r of rows) {
    test(r.name, () => {
      const { m, io } = fresh();
      assert.equal(r.first(m), 0);
      assert.equal(io.stderr, '');
      assert.equal(m.last_error(), null);
      assert.equal(r.again(m), -1);
      const e = m.last_error();
      assert.ok(e instanceof P0fControlError);
      assert.equal(e.code, r.code);
      assert.equal(e.returnCode, -1);
      assert.equal(io.stderr, e.format());
      if (real) assert.equal(io.stderr, realP0f(r.argv).stderr, `p0f ${r.argv.join(' ')}`);
    });
  }

  test('a refused call leaves the first value in place', () => {
    const { m } = fresh();
    m.set_iface('lo');
    m.set_iface('eth0');
    m.set_max_conn(7);
    m.set_max_conn(0);
    m.set_max_conn(8);
    // start_p0f would use them: check through the settings the next run is made from.
    const s = (m as unknown as { config: { settings: Record<string, unknown> } }).config.settings;
    assert.equal(s.iface, 'lo');
    assert.equal(s.maxConn, 7);
  });

  test('reset_settings forgets them', () => {
    const { m } = fresh();
    assert.equal(m.set_iface('lo'), 0);
    m.reset_settings();
    assert.equal(m.set_iface('eth0'), 0);
  });

  test('a wrong argument type throws (as the Python module raised TypeError)', () => {
    const { m } = fresh();
    assert.throws(() => m.set_iface(3 as unknown as string), { code: 'INVALID_OPTION' });
    assert.throws(() => m.set_max_conn('5' as unknown as number), { code: 'INVALID_OPTION' });
  });
});

describe('numeric setters: -2 outlandish value, with p0f\'s limits', () => {
  const cases: [string, (m: p0fmod.P0fmod, v: number) => number, number, number, (v: number) => string[]][] = [
    ['set_api_max_conn', (m, v) => m.set_api_max_conn(v), 1, 100, (v) => ['-S', String(v)]],
    ['set_max_conn', (m, v) => m.set_max_conn(v), 1, 100000, (v) => ['-m', `${v},10`]],
    ['set_max_hosts', (m, v) => m.set_max_hosts(v), 1, 500000, (v) => ['-m', `10,${v}`]],
    ['set_conn_max_age', (m, v) => m.set_conn_max_age(v), 1, 1000000, (v) => ['-t', `${v},10`]],
    ['set_host_idle_limit', (m, v) => m.set_host_idle_limit(v), 1, 1000000, (v) => ['-t', `10,${v}`]],
  ];
  for (const [name, call, min, max, argv] of cases) {
    test(`${name}: ${min}..${max}`, () => {
      for (const ok of [min, max]) assert.equal(call(fresh().m, ok), 0, `${name}(${ok})`);
      for (const bad of [min - 1, max + 1, -5, 2.5, Number.NaN]) {
        const { m, io } = fresh();
        assert.equal(call(m, bad), -2, `${name}(${bad})`);
        const e = m.last_error() as P0fControlError;
        assert.equal(e.code, 'OUTLANDISH_VALUE');
        assert.equal(e.returnCode, -2);
        if (real && Number.isInteger(bad) && bad >= 0) assert.equal(io.stderr, realP0f(argv(bad)).stderr);
        else assert.match(io.stderr, /^\[-\] PROGRAM ABORT : Outlandish value specified for -[Smt]\.\n/);
      }
    });
  }
});

describe('the API on a platform without unix sockets (p0f\'s Windows build)', () => {
  test('set_api_sock -2, set_api_max_conn -3, with p0f\'s message', () => {
    const { m, io } = fresh({ platform: 'win32' });
    assert.equal(m.set_api_sock('/tmp/x'), -2);
    assert.equal((m.last_error() as P0fControlError).code, 'API_UNSUPPORTED');
    assert.equal(io.stderr, fatalText('API mode not supported on Windows (see README).', 'main(), p0f.c:1125'));
    assert.equal(m.set_api_max_conn(5), -3);
    assert.equal((m.last_error() as P0fControlError).code, 'API_UNSUPPORTED');
    assert.match(io.stderr, /p0f\.c:1041\n\n$/);
  });
  test('on Linux both are accepted', () => {
    const { m } = fresh({ platform: 'linux' });
    assert.equal(m.set_api_sock('/tmp/x'), 0);
    assert.equal(m.set_api_max_conn(5), 0);
  });
});

describe('start_p0f: refusals -1 .. -4 (nothing is started)', () => {
  const cases: [number, string, (m: p0fmod.P0fmod) => void, string[]][] = [
    [-1, 'API_WITH_OFFLINE', (m) => { m.set_read_file('x.pcap'); m.set_api_sock('/tmp/s'); }, ['-r', 'x', '-s', 'y']],
    [-2, 'API_MAX_CONN_WITHOUT_API', (m) => { m.set_api_max_conn(5); }, ['-S', '5']],
    [-3, 'DAEMON_WITH_OFFLINE', (m) => { m.en_daemon_mode(); m.set_read_file('x.pcap'); }, ['-d', '-r', 'x']],
    [-4, 'DAEMON_WITHOUT_OUTPUT', (m) => { m.en_daemon_mode(); m.set_iface('lo'); }, ['-d', '-i', 'lo']],
  ];
  for (const [rc, code, setup, argv] of cases) {
    test(`${rc} ${code}`, async () => {
      const { m, io } = fresh();
      setup(m);
      assert.equal(m.start_p0f(), rc);
      assert.equal((m.last_error() as P0fControlError).code, code);
      assert.equal(m.is_running(), false);
      assert.equal(await m.wait_p0f(), -1);
      assert.equal(io.stdout, '');
      if (real) assert.equal(io.stderr, realP0f(argv).stderr, `p0f ${argv.join(' ')}`);
    });
  }

  test('-S at its default value without -s is accepted, as p0f accepts -S 20', async () => {
    const { m } = fresh();
    m.set_api_max_conn(20);
    m.set_read_file(`${FIXTURES}/crafted-tcp-sigs.pcap`);
    m.set_fp_file(FP);
    assert.equal(m.start_p0f(), 0);
    assert.equal(await m.wait_p0f(), 0);
  });
});

describe('start_p0f on a capture file', () => {
  const t = tempDir('p0fmod-offline-');
  after(() => t.remove());

  test('returns 0 at once; the log and the report are p0f 3.09b\'s', async () => {
    const name = 'crafted-tcp-sigs.pcap';
    const log = t.path('tcp-sigs.log');
    const { m, io } = fresh();
    m.set_fp_file(FP);
    m.set_read_file(`${FIXTURES}/${name}`);
    m.set_log_file(log);
    const rc = m.start_p0f();
    // Not blocking: nothing has been read yet when start_p0f() returns.
    assert.equal(existsSync(log), false);
    assert.equal(m.is_running(), true);
    assert.equal(rc, 0);
    assert.equal(await m.wait_p0f(), 0, io.stderr);
    assert.equal(m.is_running(), false);
    assert.equal(readFileSync(log, 'latin1'), readFileSync(`${FIXTURES}/${name}.p0f.log`, 'latin1'));
    const norm = (l: string[]) => l
      .filter((x) => !x.startsWith('--- p0f ') && !/^\[\+\] Closed \d+ file descriptors?\.$/.test(x) &&
        !/^\[\+\] Log file '.*' opened for writing\.$/.test(x))
      .map((x) => x.replace(/^(\[\+\] Loaded \d+ signatures? from ')[^']*('\.)$/, '$1DB$2')
        .replace(/^(\[\+\] Will read pcap data from file ')(?:[^']*\/)?([^'/]*'\.)$/, '$1$2'));
    assert.deepEqual(norm(splitLines(io.both)), norm(splitLines(readFileSync(`${FIXTURES}/${name}.p0f.out`, 'latin1'))));
    assert.equal(await m.wait_p0f(), 0, 'wait_p0f keeps answering after the end');
    assert.equal(await m.stop_p0f(), 0, 'stop_p0f after the end is harmless');
  });

  test('a failure after start (missing database) is printed, kept in last_error(), and wait_p0f() gives 1', async () => {
    const { m, io } = fresh();
    m.set_fp_file(t.path('no-such.fp'));
    m.set_read_file(`${FIXTURES}/crafted-tcp-sigs.pcap`);
    assert.equal(m.start_p0f(), 0);
    assert.equal(await m.wait_p0f(), 1);
    const e = m.last_error();
    assert.ok(e instanceof P0fFatalError);
    assert.ok(io.stderr.endsWith(e.format()));
    assert.match(e.format(), /no-such\.fp/);
  });

  test('-i with -r: refused where p0f refuses it, after loading the database (wait_p0f 1)', async () => {
    const { m, io } = fresh();
    m.set_fp_file(FP);
    m.set_iface('lo');
    m.set_read_file(`${FIXTURES}/crafted-tcp-sigs.pcap`);
    assert.equal(m.start_p0f(), 0);
    assert.equal(await m.wait_p0f(), 1);
    assert.equal((m.last_error() as P0fControlError).code, 'IFACE_WITH_OFFLINE');
    assert.match(io.stdout, /\[\+\] Loaded \d+ signatures/);
    if (real) {
      const r = realP0f(['-f', FP, '-i', 'lo', '-r', `${FIXTURES}/crafted-tcp-sigs.pcap`]);
      assert.equal(io.stderr, r.stderr);
    }
  });

  test('-7 while running; stop_p0f() stops a long read (p0f\'s user-initiated shutdown)', async () => {
    const big = bigCapture(t.path('big.pcap'));
    const { m, io } = fresh();
    m.set_fp_file(FP);
    m.set_read_file(big);
    assert.equal(m.start_p0f(), 0);
    assert.equal(m.start_p0f(), -7);
    assert.equal((m.last_error() as P0fControlError).code, 'ALREADY_RUNNING');
    assert.equal(m.last_error()!.message, 'p0f is already running (stop it first).');
    assert.equal(await m.stop_p0f(), 0);
    assert.equal(m.is_running(), false);
    assert.match(io.stderr, /\[!\] WARNING: User-initiated shutdown\.\n/);
    const done = /All done\. Processed (\d+) packets\./.exec(io.stdout);
    assert.ok(done && Number(done[1]) < 400000, 'stopped before the end of the file');
    assert.equal(await m.stop_p0f(), 0, 'stop_p0f again reports the same status');
    // Stopped runs can be started again with the same settings.
    assert.equal(m.start_p0f(), 0);
    assert.equal(await m.stop_p0f(), 0);
  });

  test('stop_p0f and wait_p0f before any start: -1', async () => {
    const { m } = fresh();
    assert.equal(await m.stop_p0f(), -1);
    assert.equal(await m.wait_p0f(), -1);
  });
});

/** A capture of ~400k packets (the TCP fixture's records over and over), to have a read to stop. */
function bigCapture(path: string): string {
  const src = readFileSync(`${FIXTURES}/crafted-tcp-sigs.pcap`);
  const recs = src.subarray(24);
  const per = Math.max(1, Math.ceil(400000 / countRecords(src)));
  writeFileSync(path, Buffer.concat([src.subarray(0, 24), ...new Array<Buffer>(per).fill(recs)]));
  return path;
}

function countRecords(pcap: Buffer): number {
  let n = 0;
  for (let off = 24; off + 16 <= pcap.length; n++) off += 16 + pcap.readUInt32LE(off + 8);
  return n;
}

describe('mk_query / ck_response (checked against p0f-client 3.09b)', () => {
  const cases = JSON.parse(readFileSync(`${REPO}/test/fixtures/api/p0f-client-cases.json`, 'utf8')).cases as {
    name: string; host: string; query: string; response: string; stdout: string; stderr: string; code: number;
  }[];

  test('mk_query gives p0f-client\'s 21 bytes, for IPv4 and IPv6', () => {
    const seen = new Set<string>();
    for (const c of cases) {
      if (/Malformed/.test(c.stderr) || seen.has(c.host)) continue;
      seen.add(c.host);
      const q = p0fmod.mk_query(c.host);
      assert.ok(Buffer.isBuffer(q));
      assert.equal(q.length, 21);
      assert.equal(q.toString('hex'), c.query, c.host);
    }
    assert.ok(seen.size >= 2);
    // Valid addresses p0f-client cannot read are taken (IPv4-mapped ones as IPv4).
    assert.deepEqual(p0fmod.mk_query('::ffff:192.0.2.7'), p0fmod.mk_query('192.0.2.7'));
    assert.equal(p0fmod.mk_query('::1').toString('hex'), `0146305006${'00'.repeat(15)}01`);
  });

  test('mk_query refuses what p0f-client refuses, in its words', () => {
    const c = cases.find((x) => x.name === 'ipv6-hexprefix')!;
    assert.throws(() => p0fmod.mk_query(c.host), (e: unknown) => {
      assert.ok(e instanceof P0fControlError);
      assert.equal(e.code, 'BAD_ADDRESS');
      assert.equal(e.format(), c.stderr);
      return true;
    });
    assert.throws(() => p0fmod.mk_query('1.2.3'), { code: 'BAD_ADDRESS', message: 'Malformed IPv4 address.' });
    assert.throws(() => p0fmod.mk_query('300.1.1.1'), { code: 'BAD_ADDRESS' });
  });

  test('ck_response prints what p0f-client prints; 0 / -1 bad magic / -2 bad query / -3 no match / -4 short', () => {
    let n = 0;
    for (const c of cases) {
      if (/Malformed/.test(c.stderr)) continue;
      const { m, io } = fresh();
      const rc = m.ck_response(Buffer.from(c.response ?? '', 'hex'));
      const want = c.name === 'bad-magic' ? -1 : c.name === 'bad-query' ? -2 : c.name === 'no-match' ? -3
        : c.name === 'short-read' || c.name === 'no-answer' ? -4 : 0;
      assert.equal(rc, want, c.name);
      assert.equal(io.stdout, c.stdout, c.name);
      assert.equal(io.stderr, c.stderr, c.name);
      n++;
    }
    assert.ok(n >= 20);
  });

  test('ck_response reads the first answer of a longer read (the seed read 300 bytes)', () => {
    const c = cases.find((x) => x.name === 'full')!;
    const { m, io } = fresh();
    assert.equal(m.ck_response(Buffer.concat([Buffer.from(c.response, 'hex'), Buffer.alloc(68)])), 0);
    assert.equal(io.stdout, c.stdout);
    assert.throws(() => m.ck_response('x' as unknown as Buffer), { code: 'INVALID_OPTION' });
  });
});

describe('list_interfaces', { skip: loSkip && loSkip.includes('addon') ? loSkip : false }, () => {
  test('prints the list as p0f -L does; returns 0', () => {
    const { m, io } = fresh();
    assert.equal(m.list_interfaces(), 0);
    assert.match(io.stdout, /^\n-- Available interfaces --\n/);
    assert.match(io.stdout, /: Name {8}: lo\n/);
    if (real) {
      const r = realP0f(['-L']);
      assert.equal(io.stdout, r.stdout.replace(/^--- p0f [^\n]*\n\n/, ''));
    }
  });
  test('-1 with p0f\'s text when libpcap is not there', () => {
    const code = `
      import { createP0fmod } from './src/control/p0fmod.ts';
      import { memoryIo } from './src/cli/io.ts';
      const io = memoryIo();
      const rc = createP0fmod({ io }).list_interfaces();
      process.stdout.write(JSON.stringify({ rc, err: io.stderr }));`;
    const r = spawnSyncNode(code, { P0F_NO_ADDON: '1' });
    const out = JSON.parse(r) as { rc: number; err: string };
    assert.equal(out.rc, -1);
    assert.match(out.err, /^\[-\] PROGRAM ABORT : Listing interfaces \(-L\): this needs the package's native libpcap addon/);
  });
});

function spawnSyncNode(code: string, env: Record<string, string>): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: REPO, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30000,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe('start_p0f live on lo', { skip: loSkip, timeout: 120000 }, () => {
  const t = tempDir('p0fmod-live-');
  after(() => t.remove());

  test('0: observations for real curl traffic, the API socket answers, stop_p0f() closes everything', async () => {
    const { server, port } = await httpServer();
    const sock = t.path('api.sock');
    const log = t.path('live.log');
    const { m, io } = fresh();
    try {
      assert.equal(m.set_fp_file(FP), 0);
      assert.equal(m.set_iface('lo'), 0);
      assert.equal(m.set_api_sock(sock), 0);
      assert.equal(m.set_log_file(log), 0);
      assert.equal(m.set_filter(`tcp port ${port}`), 0);
      assert.equal(m.start_p0f(), 0);
      await waitFor(() => io.stdout.includes('[+] Entered main event loop.\n\n'), 10000, 'the main loop');
      assert.match(io.stdout, /\[\+\] Custom filtering rule enabled: tcp port \d+/);
      const r = await curl(`http://127.0.0.1:${port}/hello`);
      assert.equal(r.stdout, 'ok\n');
      await waitFor(() => io.stdout.includes('(http response) ]-'), 10000, 'the http response observation');
      assert.match(io.stdout, new RegExp(`\\.-\\[ 127\\.0\\.0\\.1/\\d+ -> 127\\.0\\.0\\.1/${port} \\(syn\\) \\]-`));
      assert.match(io.stdout, /\| raw_sig  = 1:Host,User-Agent,Accept=\[\*\/\*\],Accept-Language=\[en-US,en;q=0\.5\]/);

      // The API socket answers about the curl client, as p0f-client would print it.
      const answer = await new Promise<Buffer>((res, rej) => {
        const c = connect({ path: sock });
        const parts: Buffer[] = [];
        c.on('connect', () => c.write(m.mk_query('127.0.0.1')));
        c.on('data', (d) => { parts.push(d); if (Buffer.concat(parts).length >= 232) c.end(); });
        c.on('close', () => res(Buffer.concat(parts)));
        c.on('error', rej);
      });
      const before = io.stdout.length;
      assert.equal(m.ck_response(answer), 0);
      const printed = io.stdout.slice(before);
      assert.match(printed, /^First seen {4}= /);
      assert.match(printed, /Detected OS {3}= Linux/);
      assert.match(printed, /Language {6}= English/);

      assert.equal(await m.stop_p0f(), 0);
      assert.equal(m.is_running(), false);
      assert.equal(existsSync(sock), false, 'the API socket is removed');
      assert.match(io.stderr, /\[!\] WARNING: User-initiated shutdown\.\n/);
      assert.match(io.stdout, /\nAll done\. Processed \d+ packets\.\n$/);
      assert.match(readFileSync(log, 'latin1'), new RegExp(`mod=http request\\|cli=127\\.0\\.0\\.1/\\d+\\|srv=127\\.0\\.0\\.1/${port}\\|`));
    } finally {
      await m.stop_p0f();
      server.close();
    }
  });

  test('-6 in daemon mode without switch_user: p0f\'s note, and the daemon runs all the same', async () => {
    const { server, port } = await httpServer();
    const log = t.path('daemon.log');
    const { m, io } = fresh();
    try {
      m.set_fp_file(FP);
      m.set_iface('lo');
      m.set_log_file(log);
      m.set_filter(`tcp port ${port}`);
      m.en_daemon_mode();
      assert.equal(m.start_p0f(), -6);
      assert.equal(m.is_running(), true);
      await waitFor(() => io.stdout.includes("Good luck, you're on your own now!"), 20000, 'the daemon');
      assert.match(io.stdout, /^\[!\] Consider specifying -u in daemon mode \(see README\)\.$/m);
      const pid = Number(/Daemon process created, PID (\d+)/.exec(io.stdout)![1]);
      assert.notEqual(pid, process.pid);
      if (real) {
        // p0f prints the same line (and goes on to its start-up, which fails here on the interface).
        const r = realP0f(['-d', '-o', t.path('real.log'), '-i', 'p0fnosuch0']);
        assert.match(r.stdout, /^\[!\] Consider specifying -u in daemon mode \(see README\)\.$/m);
      }
      await curl(`http://127.0.0.1:${port}/daemon`);
      await waitFor(() => existsSync(log) && /mod=http request/.test(readFileSync(log, 'latin1')), 10000, 'the daemon\'s log');
      assert.equal(await m.stop_p0f(), 0);
      assert.equal(m.is_running(), false);
      assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
    } finally {
      await m.stop_p0f();
      server.close();
    }
  });
});

describe('-5: switch_user in daemon mode on Windows', { timeout: 60000 }, () => {
  test('returns -5; the daemon is started all the same (its note is printed by the daemon itself, on Windows)', async () => {
    const t = tempDir('p0fmod-w-');
    const { m, io } = fresh({ platform: 'win32' });
    try {
      m.set_fp_file(FP);
      m.set_iface('p0fnosuch0');
      m.set_log_file(t.path('x.log'));
      m.switch_user('nobody');
      m.en_daemon_mode();
      assert.equal(m.start_p0f(), -5);
      assert.equal(m.is_running(), true);
      // This machine is not Windows: the daemon (started for real) fails on the missing
      // interface, which comes back as its exit status and last_error().
      assert.equal(await m.wait_p0f(), 1);
      const e = m.last_error();
      assert.ok(e instanceof P0fFatalError);
      assert.match(io.stderr, /\[-\] (PROGRAM ABORT|SYSTEM ERROR) : /);
      assert.ok(statSync(t.dir).isDirectory());
    } finally {
      t.remove();
    }
  });
  test('the note is p0f\'s', () => {
    assert.equal(CONTROL_WARNINGS.SWITCH_USER_USELESS.returnCode, -5);
    const src = '/tmp/p0fsrc/p0f.c';
    if (existsSync(src)) {
      assert.ok(readFileSync(src, 'latin1').includes(`SAYF("${CONTROL_WARNINGS.SWITCH_USER_USELESS.message}\\n");`));
    }
  });
});
