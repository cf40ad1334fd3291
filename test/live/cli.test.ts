/**
 * The p0f command in live mode, for real: it listens on a veth whose far end is in a
 * network namespace this test creates, curl in that namespace talks HTTP to servers here,
 * and the log must hold p0f's observations (the real p0f 3.09b, when installed, listens on
 * the same interface at the same time and must log the same lines). Then -L, the
 * start-up failures (with p0f's exact messages), -d and -u. Needs root.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTestNet, liveSkipReason, type TestNet, waitFor } from './netns.ts';
import {
  afterBanner, fatalText, haveRealP0f, logRecords, REAL_FP, REPO, runOurs, runReal, startOurs, startReal, withoutClosedFds,
} from './p0f-proc.ts';

const skip = liveSkipReason(['curl']);
const real = haveRealP0f();
/** Same database as the real p0f when it is there, so start-up lines compare equal. */
const fpArgs = real ? ['-f', REAL_FP] : [];

let tn: TestNet;
let dir: string;
const servers: http.Server[] = [];
let port = 0;
let otherPort = 0;

async function httpServer(host: string): Promise<number> {
  const srv = http.createServer((req, res) => {
    res.setHeader('Server', 'p0f-test-server/1.0');
    res.end('ok\n');
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, host, () => r()));
  return (srv.address() as net.AddressInfo).port;
}

/** Asks a p0f API socket about an address with this package's p0f-client. */
async function client(sock: string, ip: string): Promise<string> {
  const r = spawnSync(process.execPath, [join(REPO, 'bin', 'p0f-client.js'), sock, ip], { encoding: 'latin1', timeout: 10000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

async function curl(p: number, path = '/'): Promise<void> {
  const r = await tn.run('curl', ['-s', '-H', 'Accept-Language: en-US,en;q=0.5', `http://${tn.hostAddr}:${p}${path}`]);
  assert.equal(r.code, 0, `curl failed: ${r.stderr}`);
  assert.equal(r.stdout, 'ok\n');
}

describe('p0f live', { skip }, () => {
  before(async () => {
    // The namespace side has a DSL-like MTU, so its SYNs carry MSS 1452 (p0f: link = DSL).
    tn = createTestNet({ nsMtu: 1492 });
    dir = mkdtempSync(join(tmpdir(), 'p0f-live-'));
    chmodSync(dir, 0o755);
    port = await httpServer(tn.hostAddr);
    otherPort = await httpServer(tn.hostAddr);
  });
  after(() => {
    for (const s of servers) s.close();
    tn?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('syn, syn+ack, mtu and http observations; the filter rule excludes other ports; same log as p0f 3.09b', async () => {
    const ourLog = join(dir, 'ours.log');
    const realLog = join(dir, 'real.log');
    const ourSock = join(dir, 'ours.sock');
    const realSock = join(dir, 'real.sock');
    const rule = `port ${port}`;
    const ours = startOurs([...fpArgs, '-i', tn.hostIf, '-o', ourLog, '-s', ourSock, rule]);
    const ref = real ? startReal(['-i', tn.hostIf, '-o', realLog, '-s', realSock, rule]) : null;
    let apiOurs = '';
    let apiReal = '';
    try {
      await ours.waitOut('[+] Entered main event loop.\n\n');
      if (ref) await ref.waitOut('[+] Entered main event loop.\n\n');
      await curl(port, '/one');
      await curl(otherPort, '/excluded');
      await curl(port, '/two');
      await waitFor(() => logRecords(ourLog).filter((l) => l.startsWith('mod=http response')).length >= 2, 5000, 'two http responses in the log');
      if (ref) await waitFor(() => logRecords(realLog).filter((l) => l.startsWith('mod=http response')).length >= 2, 5000, 'p0f 3.09b log');
      // Let both see the connection teardown before stopping.
      await new Promise((r) => setTimeout(r, 300));
      // The API answers while the capture runs (p0f-client's text, through our client).
      apiOurs = await client(ourSock, tn.nsAddr);
      if (ref) apiReal = await client(realSock, tn.nsAddr);
      await curl(port, '/three');
      await waitFor(() => logRecords(ourLog).filter((l) => l.startsWith('mod=http response')).length >= 3, 5000, 'capture after the API query');
      // p0f drops what is still in its capture buffer when signalled: let it log the third
      // connection first (it flushes its log when idle).
      if (ref) await waitFor(() => logRecords(realLog).filter((l) => l.startsWith('mod=http response')).length >= 3, 5000, 'p0f 3.09b log, third connection');
    } finally {
      ours.child.kill('SIGINT');
      ref?.child.kill('SIGINT');
    }
    assert.equal(await ours.exited, 0, ours.stderr);
    assert.match(apiOurs, /^First seen    = \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\n/);
    assert.match(apiOurs, /\nTotal flows   = 2\n/);
    assert.match(apiOurs, /\nDetected OS   = Linux /);
    assert.match(apiOurs, /\nNetwork link  = DSL\n/);
    assert.match(apiOurs, /\nLanguage      = English\n/);
    // The socket is closed and removed on the way out.
    assert.equal(existsSync(ourSock), false);
    const cli = `${tn.nsAddr}/`;
    const srv = `${tn.hostAddr}/${port}`;
    const recs = logRecords(ourLog);
    const kinds = recs.map((l) => l.split('|')[0]);
    for (const k of ['mod=syn', 'mod=syn+ack', 'mod=mtu', 'mod=http request', 'mod=http response']) {
      assert.ok(kinds.includes(k), `${k} missing from:\n${recs.join('\n')}`);
    }
    for (const l of recs) {
      assert.ok(l.includes(`|cli=${cli}`) && l.includes(`|srv=${srv}|`), `unexpected endpoints: ${l}`);
      assert.ok(!l.includes(`/${otherPort}|`), `filtered port leaked: ${l}`);
    }
    assert.ok(recs.some((l) => l.startsWith('mod=syn|') && l.includes('|subj=cli|os=Linux')), recs.join('\n'));
    assert.ok(recs.some((l) => l.startsWith('mod=mtu|') && l.includes('|subj=cli|link=DSL|raw_mtu=1492')), recs.join('\n'));
    assert.ok(recs.some((l) => l.startsWith('mod=http request|') && l.includes('|lang=English|')), recs.join('\n'));
    assert.ok(recs.some((l) => l.startsWith('mod=http response|') && l.includes('|subj=srv|')), recs.join('\n'));

    // Console report and shutdown as p0f prints them.
    assert.match(ours.stdout, new RegExp(`\\[\\+\\] Intercepting traffic on interface '${tn.hostIf}'\\.\\n`));
    assert.match(ours.stdout, new RegExp(`\\[\\+\\] Custom filtering rule enabled: port ${port} \\[\\+VLAN\\]\\n`));
    assert.match(ours.stdout, /\n\.-\[ [\d.]+\/\d+ -> [\d.]+\/\d+ \(syn\) \]-\n/);
    assert.match(ours.stdout, /\nAll done\. Processed \d+ packets\.\n$/);
    assert.equal(ours.stderr, '[!] WARNING: User-initiated shutdown.\n');

    if (ref) {
      assert.equal(await ref.exited, 0, ref.stderr);
      assert.deepEqual(recs, logRecords(realLog));
      // Everything after the banner is the same, down to the packet count.
      assert.equal(withoutClosedFds(afterBanner(ours.stdout)), withoutClosedFds(afterBanner(ref.stdout)).replace(realLog, ourLog).replace(realSock, ourSock));
      assert.equal(ours.stderr, ref.stderr);
      // Same answer from both APIs, apart from the clock.
      const noTimes = (t: string) => t.replace(/^(First seen|Last update|Last (SYN|HTTP)[^=]*)= .*$/gm, '$1= T');
      assert.equal(noTimes(apiOurs), noTimes(apiReal));
    }
  });

  test('SIGHUP (not a daemon) stops like SIGINT: log flushed and closed, exit 0', async () => {
    const log = join(dir, 'hup.log');
    const p = startOurs([...fpArgs, '-i', tn.hostIf, '-o', log, `port ${port}`]);
    await p.waitOut('[+] Entered main event loop.\n\n');
    await curl(port, '/hup');
    await new Promise((r) => setTimeout(r, 200));
    p.child.kill('SIGHUP');
    assert.equal(await p.exited, 0, p.stderr);
    assert.equal(p.stderr, '[!] WARNING: User-initiated shutdown.\n');
    assert.ok(logRecords(log).some((l) => l.startsWith('mod=http request|')));
    assert.equal(spawnSync('flock', ['-xn', log, 'true']).status, 0);
  });

  test('-L lists the test\'s interfaces as p0f does', () => {
    const r = runOurs(['-L']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes(`: Name        : ${tn.hostIf}\n     Description : -\n     IP address  : ${tn.hostAddr}\n`), r.stdout);
    assert.ok(r.stdout.includes(': Name        : lo\n     Description : -\n     IP address  : 127.0.0.1\n'));
    assert.ok(r.stdout.includes(': Name        : any\n     Description : Pseudo-device that captures on all interfaces\n     IP address  : (none)\n'));
    if (real) {
      const p = runReal(['-L']);
      assert.equal(afterBanner(r.stdout), afterBanner(p.stdout));
    }
  });

  describe('start-up failures: p0f\'s message, exit 1, nothing left behind', () => {
    function compare(args: string[], expected: string, env: NodeJS.ProcessEnv = {}) {
      const r = runOurs([...fpArgs, ...args], env);
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.equal(fatalText(r.stderr), expected);
      if (real) {
        const p = runReal(args);
        assert.equal(p.status, 1);
        assert.equal(fatalText(r.stderr), fatalText(p.stderr));
        assert.equal(withoutClosedFds(afterBanner(r.stdout)), withoutClosedFds(afterBanner(p.stdout)));
      }
      return r;
    }

    test('unknown interface', () => {
      const r = compare(['-i', 'p0f-nosuch0'],
        '[-] PROGRAM ABORT : pcap_open_live: p0f-nosuch0: No such device exists (No such device exists)\n' +
        '         Location : prepare_pcap(), p0f.c:526\n\n');
      assert.match(r.stdout, /\[\+\] Intercepting traffic on interface 'p0f-nosuch0'\.\n$/);
    });

    test('bad filter rule (and no log file created)', () => {
      const log = join(dir, 'never.log');
      compare(['-i', tn.hostIf, '-o', log, 'tcp port ('],
        "[-] pcap_compile: can't parse filter expression: syntax error\n" +
        "[-] PROGRAM ABORT : Syntax error! See 'man tcpdump' for help on filters.\n" +
        '         Location : prepare_bpf(), p0f.c:595\n\n');
      assert.equal(existsSync(log), false);
    });

    test('busy log file (and no API socket created)', async () => {
      const log = join(dir, 'busy.log');
      const sock = join(dir, 'busy.sock');
      writeFileSync(log, '');
      const holder = spawn('flock', ['-x', log, 'sleep', '30'], { stdio: 'ignore' });
      try {
        await waitFor(() => spawnSync('flock', ['-xn', log, 'true']).status !== 0, 3000, 'the lock holder');
        compare(['-i', tn.hostIf, '-o', log],
          `[-] PROGRAM ABORT : '${log}' is being used by another process.\n` +
          '         Location : open_log(), p0f.c:243\n\n');
        const r = runOurs(['-i', tn.hostIf, '-o', log, '-s', sock]);
        assert.equal(r.status, 1);
        assert.equal(existsSync(sock), false);
      } finally {
        holder.kill();
      }
    });

    test('a log path that is a symlink, a directory or not a regular file', () => {
      compare(['-i', tn.hostIf, '-o', '/dev/null'],
        "[-] PROGRAM ABORT : '/dev/null' is not a regular file.\n         Location : open_log(), p0f.c:229\n\n");
      compare(['-i', tn.hostIf, '-o', dir],
        `[-] SYSTEM ERROR : Cannot open '${dir}'.\n        Location : open_log(), p0f.c:233\n      OS message : Is a directory\n\n`);
      const target = join(dir, 'target.log');
      const link = join(dir, 'link.log');
      writeFileSync(target, '');
      symlinkSync(target, link);
      compare(['-i', tn.hostIf, '-o', link],
        `[-] SYSTEM ERROR : Cannot open '${link}'.\n        Location : open_log(), p0f.c:233\n      OS message : Too many levels of symbolic links\n\n`);
      assert.equal(readFileSync(target, 'latin1'), '');
    });

    test('missing user (the API socket opened before it is removed again)', () => {
      const sock = join(dir, 'nouser.sock');
      const r = runOurs([...fpArgs, '-i', tn.hostIf, '-s', sock, '-u', 'p0f-no-such-user']);
      assert.equal(r.status, 1);
      assert.match(r.stdout, /\[\+\] Listening on API socket/);
      assert.equal(existsSync(sock), false);
      compare(['-i', tn.hostIf, '-u', 'p0f-no-such-user'],
        "[-] PROGRAM ABORT : User 'p0f-no-such-user' not found.\n         Location : drop_privs(), p0f.c:630\n\n");
    });

    test('root is refused', () => {
      compare(['-i', tn.hostIf, '-u', 'root'],
        "[-] PROGRAM ABORT : User 'root' must be non-root.\n         Location : drop_privs(), p0f.c:636\n\n");
    });
  });
});
