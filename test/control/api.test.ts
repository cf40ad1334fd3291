/**
 * The idiomatic control API: typed refusals (same codes, integers and p0f words as the CLI
 * and p0fmod), the builder, createSensor/startSensor on a capture file and live on lo with
 * real curl traffic (lookups compared with the API socket's answers), listInterfaces(),
 * startDaemon() and settingsToArgv().
 */
process.env.TZ = 'UTC';

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { P0fClient } from '../../src/api/client.ts';
import { parseArgs } from '../../src/cli/args.ts';
import { memoryIo } from '../../src/cli/io.ts';
import {
  createSensor, listInterfaces, P0fConfig, parseFatal, settingsToArgv, startDaemon, startSensor, validateSettings,
} from '../../src/control/api.ts';
import {
  CONTROL_WARNINGS, type ControlErrorCode, controlError, P0fControlError, settingsWarnings,
} from '../../src/control/errors.ts';
import type { P0fSettings } from '../../src/control/settings.ts';
import { P0fFatalError } from '../../src/errors.ts';
import type { Observation } from '../../src/observation.ts';
import { formatConsole } from '../../src/output/console.ts';
import { curl, FIXTURES, FP, haveRealP0f, httpServer, loSkipReason, realP0f, tempDir, waitFor } from './helpers.ts';

const loSkip = loSkipReason();

function throwsCode(fn: () => unknown, code: ControlErrorCode, returnCode: number | null, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof P0fControlError, String(e));
    assert.ok(e instanceof P0fFatalError);
    assert.equal(e.name, 'P0fControlError');
    assert.equal(e.code, code);
    assert.equal(e.returnCode, returnCode);
    if (message) assert.match(e.message, message);
    return true;
  });
}

describe('P0fControlError: the same refusal in every entry point', () => {
  const dup: [ControlErrorCode, string[]][] = [
    ['MULTIPLE_FP_FILE', ['-f', 'a', '-f', 'b']],
    ['MULTIPLE_IFACE', ['-i', 'a', '-i', 'b']],
    ['MULTIPLE_READ_FILE', ['-r', 'a', '-r', 'b']],
    ['MULTIPLE_LOG_FILE', ['-o', 'a', '-o', 'b']],
    ['MULTIPLE_API_SOCK', ['-s', 'a', '-s', 'b']],
    ['MULTIPLE_API_MAX_CONN', ['-S', '5', '-S', '6']],
    ['MULTIPLE_TABLE_LIMITS', ['-m', '5,5', '-m', '6,6']],
    ['MULTIPLE_AGE_LIMITS', ['-t', '5,5', '-t', '6,6']],
    ['DAEMON_ALREADY_ON', ['-d', '-d']],
    ['PROMISC_ALREADY_ON', ['-p', '-p']],
    ['SWITCH_USER_ALREADY_SET', ['-u', 'a', '-u', 'b']],
    ['MULTIPLE_FILTER', ['a', 'b']],
  ];
  for (const [code, argv] of dup) {
    test(`${code}: the CLI's text (p0f ${argv.join(' ')})`, () => {
      const e = controlError(code as Parameters<typeof controlError>[0]);
      assert.equal(e.returnCode, -1);
      assert.throws(() => parseArgs(argv), (c: unknown) => {
        assert.ok(c instanceof P0fFatalError);
        assert.equal(c.format(), e.format());
        return true;
      });
    });
  }

  test('the combination refusals the CLI prints are P0fControlErrors with p0fmod\'s integers', () => {
    const combos: [P0fSettings, ControlErrorCode, number][] = [
      [{ readFile: 'x', apiSock: 'y' }, 'API_WITH_OFFLINE', -1],
      [{ apiMaxConn: 5 }, 'API_MAX_CONN_WITHOUT_API', -2],
      [{ daemon: true, readFile: 'x' }, 'DAEMON_WITH_OFFLINE', -3],
      [{ daemon: true, iface: 'lo' }, 'DAEMON_WITHOUT_OUTPUT', -4],
    ];
    for (const [s, code, rc] of combos) throwsCode(() => validateSettings(s), code, rc);
  });

  test('warnings: -6 in daemon mode without a user (not on Windows), -5 with one on Windows', () => {
    assert.deepEqual(settingsWarnings({ daemon: true }, 'linux'), [CONTROL_WARNINGS.CONSIDER_SWITCH_USER]);
    assert.deepEqual(settingsWarnings({ daemon: true, switchUser: '' }, 'linux'), [CONTROL_WARNINGS.CONSIDER_SWITCH_USER]);
    assert.deepEqual(settingsWarnings({ daemon: true, switchUser: 'p0f' }, 'linux'), []);
    assert.deepEqual(settingsWarnings({ daemon: true, switchUser: 'p0f' }, 'win32'), [CONTROL_WARNINGS.SWITCH_USER_USELESS]);
    assert.deepEqual(settingsWarnings({ daemon: true }, 'win32'), []);
    assert.deepEqual(settingsWarnings({ daemon: false }, 'linux'), []);
    assert.deepEqual(validateSettings({ daemon: true, logFile: 'x' }, { platform: 'linux' }).map((w) => w.returnCode), [-6]);
  });

  test('the CLI prints the -6 note as p0f does', { skip: !haveRealP0f() && 'p0f 3.09b not installed' }, () => {
    const t = tempDir('p0f-note-');
    try {
      const r = realP0f(['-d', '-o', t.path('x.log'), '-i', 'p0fnosuch0']);
      assert.ok(r.stdout.includes(`${CONTROL_WARNINGS.CONSIDER_SWITCH_USER.message}\n`));
    } finally {
      t.remove();
    }
  });
});

describe('validateSettings', () => {
  test('types', () => {
    throwsCode(() => validateSettings({ iface: 5 } as unknown as P0fSettings), 'INVALID_OPTION', null, /iface must be a string/);
    throwsCode(() => validateSettings({ maxConn: '5' } as unknown as P0fSettings), 'INVALID_OPTION', null, /maxConn must be a number/);
    throwsCode(() => validateSettings({ promisc: 1 } as unknown as P0fSettings), 'INVALID_OPTION', null, /promisc must be a boolean/);
    throwsCode(() => validateSettings(null as unknown as P0fSettings), 'INVALID_OPTION', null);
  });
  test('ranges, with p0f\'s option letters', () => {
    throwsCode(() => validateSettings({ apiSock: 's', apiMaxConn: 101 }), 'OUTLANDISH_VALUE', -2, /-S\.$/);
    throwsCode(() => validateSettings({ maxHosts: 0 }), 'OUTLANDISH_VALUE', -2, /-m\.$/);
    throwsCode(() => validateSettings({ hostIdleLimit: 1.5 }), 'OUTLANDISH_VALUE', -2, /-t\.$/);
    assert.deepEqual(validateSettings({ maxConn: 100000, maxHosts: 500000, connMaxAge: 1, hostIdleLimit: 1000000 }), []);
  });
  test('the API where there are no unix sockets', () => {
    throwsCode(() => validateSettings({ apiSock: 's' }, { platform: 'win32' }), 'API_UNSUPPORTED', -2);
    throwsCode(() => validateSettings({ apiSock: 's', apiMaxConn: 4 }, { platform: 'win32' }), 'API_UNSUPPORTED', -3);
  });
  test('capture-file checks up front (p0f makes them after loading the database)', () => {
    throwsCode(() => validateSettings({ readFile: 'x', promisc: true }), 'PROMISC_WITH_OFFLINE', null,
      /^Dude, how am I supposed to make a file promiscuous\?$/);
    throwsCode(() => validateSettings({ readFile: 'x', iface: 'lo' }), 'IFACE_WITH_OFFLINE', null);
    assert.deepEqual(validateSettings({ readFile: 'x', iface: 'lo' }, { captureChecks: false }), []);
  });
});

describe('P0fConfig', () => {
  test('chains, refuses a second value with p0f\'s words, keeps the first', () => {
    const c = new P0fConfig().iface('lo').logFile('x.log').maxConn(10).connMaxAge(5).filter('port 80');
    throwsCode(() => c.iface('eth0'), 'MULTIPLE_IFACE', -1, /try '-i any'/);
    throwsCode(() => c.maxHosts(0), 'OUTLANDISH_VALUE', -2);
    c.maxHosts(20);
    throwsCode(() => c.maxConn(11), 'MULTIPLE_TABLE_LIMITS', -1);
    throwsCode(() => c.hostIdleLimit(2000000), 'OUTLANDISH_VALUE', -2, /-t\.$/);
    assert.deepEqual(c.settings, {
      iface: 'lo', logFile: 'x.log', maxConn: 10, maxHosts: 20, connMaxAge: 5, filterRule: 'port 80',
    });
    assert.deepEqual(c.daemon().validate({ platform: 'linux' }).map((w) => w.code), ['CONSIDER_SWITCH_USER']);
    throwsCode(() => new P0fConfig({ platform: 'win32' }).apiSock('x'), 'API_UNSUPPORTED', -2);
    throwsCode(() => new P0fConfig().readFile('r').apiSock('s').validate(), 'API_WITH_OFFLINE', -1);
  });
});

describe('settingsToArgv', () => {
  test('the p0f command line for the settings reads back to the same settings', () => {
    const s: P0fSettings = {
      fpFile: 'db.fp', iface: 'lo', logFile: 'l.log', apiSock: '/tmp/s', apiMaxConn: 7, maxConn: 5, maxHosts: 6,
      connMaxAge: 9, hostIdleLimit: 10, switchUser: 'nobody', promisc: true, daemon: true, json: true,
      filterRule: '-not a flag',
    };
    const a = parseArgs(settingsToArgv(s));
    assert.equal(a.kind, 'run');
    assert.deepEqual(a.kind === 'run' && a.settings, s);
    assert.deepEqual(settingsToArgv({ maxHosts: 6 }), ['-m', '1000,6']);
    assert.deepEqual(settingsToArgv({ hostIdleLimit: 6 }), ['-t', '30,6']);
    assert.deepEqual(settingsToArgv({ readFile: 'x.pcap' }), ['-r', 'x.pcap']);
  });
});

describe('createSensor / startSensor on a capture file', () => {
  const t = tempDir('p0f-api-');
  after(() => t.remove());
  const name = 'crafted-http-sigs.pcap';

  test('refuses at once (synchronously), with typed errors', () => {
    throwsCode(() => createSensor({ readFile: 'x', apiSock: 'y' }), 'API_WITH_OFFLINE', -1);
    throwsCode(() => createSensor({ daemon: true } as never), 'INVALID_OPTION', null, /startDaemon/);
    throwsCode(() => createSensor({ json: true } as never), 'INVALID_OPTION', null);
    throwsCode(() => createSensor({ readFile: 'x', promisc: true }), 'PROMISC_WITH_OFFLINE', null);
  });

  test('observations are the p0f report, the log is p0f\'s; lookups answer from the host table', async () => {
    const log = t.path('http.log');
    const seen: Observation[] = [];
    const ends: unknown[] = [];
    const status: string[] = [];
    const h = createSensor({ fpFile: FP, readFile: `${FIXTURES}/${name}`, logFile: log }, { status: (l) => status.push(l) });
    h.on('observation', (o) => seen.push(o));
    h.on('end', (r) => ends.push(r));
    assert.equal(h.running, false);
    assert.equal(h.lookup('10.10.0.2'), null, 'nothing known before start');
    await h.start();
    assert.equal(await h.start(), h, 'start() twice gives the same promise');
    const r = await h.finished;
    assert.deepEqual(ends, [r]);
    assert.equal(r.stopped, false);
    assert.equal(h.running, false);
    assert.ok(h.packets > 0);
    assert.equal(h.packets, r.packets);
    assert.match(status.join(''), /\[\+\] Will read pcap data from file '.*crafted-http-sigs\.pcap'\.\n/);

    // Same observations as the p0f command's report and log.
    const truthOut = readFileSync(`${FIXTURES}/${name}.p0f.out`, 'latin1');
    const blocks = seen.map(formatConsole).join('');
    assert.ok(truthOut.includes(blocks), 'the observation blocks are p0f\'s report');
    assert.equal(readFileSync(log, 'latin1'), readFileSync(`${FIXTURES}/${name}.p0f.log`, 'latin1'));

    // Lookups: every client seen is known, with Dates and nulls.
    const clients = [...new Set(seen.map((o) => o.client.addr))];
    assert.ok(clients.length > 0);
    for (const ip of clients) {
      const info = h.lookup(ip);
      assert.ok(info, ip);
      assert.ok(info.firstSeen instanceof Date);
      assert.ok(info.lastSeen.getTime() >= info.firstSeen.getTime());
      assert.ok(info.totalConn >= 1);
    }
    const withHttp = clients.map((ip) => h.lookup(ip)!).find((i) => i.httpName !== null);
    assert.ok(withHttp, 'an HTTP client is recognised');
    assert.equal(h.lookup('192.0.2.254'), null);
    assert.deepEqual(h.lookup(`::ffff:${clients[0]}`), h.lookup(clients[0]!));
    throwsCode(() => h.lookup('not-an-ip'), 'BAD_ADDRESS', null);
    assert.deepEqual(await h.stop(), r, 'stop() after the end resolves with the result');
  });

  test('startSensor with an observation hook sees every observation of a small file', async () => {
    let n = 0;
    const h = await startSensor({ fpFile: FP, readFile: `${FIXTURES}/${name}` }, { observation: () => n++ });
    await h.finished;
    const truth = readFileSync(`${FIXTURES}/${name}.p0f.log`, 'latin1').split('\n').filter(Boolean).length;
    assert.equal(n, truth);
  });

  test('observations() as an async iterator', async () => {
    const h = createSensor({ fpFile: FP, readFile: `${FIXTURES}/${name}` });
    const it = h.observations();
    await h.start();
    const kinds: string[] = [];
    for await (const o of it) kinds.push(o.kind);
    const truth = readFileSync(`${FIXTURES}/${name}.p0f.log`, 'latin1').split('\n').filter(Boolean)
      .map((l) => / mod=([^|]*)\|/.exec(l)![1]);
    assert.deepEqual(kinds, truth);
  });

  test('start-up failures reject with p0f\'s fatal error and leave nothing running', async () => {
    await assert.rejects(startSensor({ fpFile: FP, readFile: t.path('missing.pcap') }), (e: unknown) => {
      assert.ok(e instanceof P0fFatalError);
      assert.match(e.format(), /Can't access file '.*missing\.pcap'/);
      return true;
    });
    await assert.rejects(startSensor({ fpFile: t.path('missing.fp'), readFile: `${FIXTURES}/${name}` }), P0fFatalError);
  });
});

describe('startSensor live on lo', { skip: loSkip, timeout: 120000 }, () => {
  const t = tempDir('p0f-api-live-');
  after(() => t.remove());

  test('observations for real curl traffic; lookup() equals the API socket\'s answer; stop() cleans up', async () => {
    const { server, port } = await httpServer();
    const sock = t.path('api.sock');
    const kinds = new Set<string>();
    const warnings: string[] = [];
    const h = await startSensor({ fpFile: FP, iface: 'lo', apiSock: sock, filterRule: `tcp port ${port}` });
    const client = new P0fClient(sock);
    try {
      h.on('observation', (o) => {
        if (o.server.port === port) kinds.add(o.kind);
      });
      h.on('warning', (w) => warnings.push(w));
      assert.equal(h.running, true);
      const r = await curl(`http://127.0.0.1:${port}/x`);
      assert.equal(r.stdout, 'ok\n');
      await waitFor(() => kinds.has('http response'), 10000, 'the http response');
      for (const k of ['syn', 'syn+ack', 'mtu', 'http request', 'http response']) assert.ok(kinds.has(k), k);
      const mine = h.lookup('127.0.0.1');
      assert.ok(mine);
      assert.equal(mine.osName, 'Linux');
      assert.equal(mine.language, 'English');
      assert.deepEqual(await client.getInfo('127.0.0.1'), mine);
      assert.deepEqual(await client.getInfo('::ffff:127.0.0.1'), h.lookup('::ffff:127.0.0.1'));
    } finally {
      await client.close();
      const ended = new Promise((res) => h.once('end', res));
      const result = await h.stop();
      assert.equal(result.stopped, true);
      await ended;
      server.close();
    }
    assert.equal(h.running, false);
    assert.equal(existsSync(sock), false);
    assert.deepEqual(warnings, []);
  });

  test('stop() right after start() (still starting) stops it', async () => {
    const h = createSensor({ fpFile: FP, iface: 'lo' });
    const started = h.start();
    const r = await h.stop();
    await started;
    assert.equal(r.stopped, true);
    assert.equal(h.running, false);
  });

  test('a missing interface rejects with p0f\'s error', async () => {
    await assert.rejects(startSensor({ fpFile: FP, iface: 'p0fnosuch0' }), P0fFatalError);
  });
});

describe('listInterfaces', { skip: loSkip && loSkip.includes('addon') ? loSkip : false }, () => {
  test('data for what p0f -L lists', () => {
    const list = listInterfaces();
    const lo = list.find((i) => i.name === 'lo');
    assert.ok(lo);
    assert.equal(lo.loopback, true);
    assert.equal(lo.up, true);
    assert.ok(lo.addresses.some((a) => a.family === 4 && a.address === '127.0.0.1'));
    for (const i of list) {
      for (const a of i.addresses) assert.ok(a.family === 4 ? /^\d+\.\d+\.\d+\.\d+$/.test(a.address) : a.address.includes(':'));
    }
    if (haveRealP0f()) {
      const names = [...realP0f(['-L']).stdout.matchAll(/: Name {8}: (.*)\n/g)].map((m) => m[1]);
      assert.deepEqual(list.map((i) => i.name), names);
    }
  });
});

describe('startDaemon', { skip: loSkip && loSkip.includes('addon') ? loSkip : false }, () => {
  test('a daemon that fails to start rejects with its fatal error; its text is relayed', async () => {
    const t = tempDir('p0f-daemon-');
    const io = memoryIo();
    try {
      await assert.rejects(startDaemon({ fpFile: FP, iface: 'p0fnosuch0', logFile: t.path('d.log'), switchUser: 'nobody' }, { io }),
        (e: unknown) => {
          assert.ok(e instanceof P0fFatalError);
          assert.ok(io.stderr.includes(e.format().trimEnd()), io.stderr);
          return true;
        });
      assert.match(io.stdout, /^--- p0f /);
    } finally {
      t.remove();
    }
  });
  test('settings are checked before anything is spawned', async () => {
    await assert.rejects(startDaemon({ iface: 'lo' }), { code: 'DAEMON_WITHOUT_OUTPUT' });
  });
  test('parseFatal reads p0f\'s two error formats back', () => {
    const a = new P0fFatalError('Boom.', 'main(), p0f.c:1');
    assert.deepEqual({ ...parseFatal(`x\n${a.format()}`) }, { ...a });
    const b = new P0fFatalError("Can't access file 'x'.", 'prepare_pcap(), p0f.c:472', 'No such file or directory');
    const pb = parseFatal(b.format())!;
    assert.equal(pb.message, b.message);
    assert.equal(pb.osMessage, b.osMessage);
    assert.equal(parseFatal('nothing'), null);
  });
});
