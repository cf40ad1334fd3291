/**
 * -d and -u for real: the daemon keeps running in its own session after the command
 * returns, logs what curl does, ignores SIGHUP and stops cleanly on SIGTERM; -u really
 * chroots and switches to an unprivileged user that cannot read a root-only file. Needs root.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { alive, createTestNet, liveSkipReason, type TestNet, waitFor } from './netns.ts';
import { afterBanner, fatalText, haveRealP0f, logRecords, REAL_FP, REPO, runOurs, runReal, startOurs, startReal, withoutClosedFds } from './p0f-proc.ts';

const skip = liveSkipReason(['curl', 'useradd', 'userdel']);
const real = haveRealP0f();
const fpArgs = real ? ['-f', REAL_FP] : [];

let tn: TestNet;
let dir: string;
let server: http.Server;
let port = 0;

async function curl(): Promise<void> {
  const r = await tn.run('curl', ['-s', `http://${tn.hostAddr}:${port}/`]);
  assert.equal(r.code, 0, r.stderr);
}

/** Field 6 of /proc/PID/stat: the session id. */
function sessionOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
}

function statusField(pid: number, name: string): string {
  const m = new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return m ? m[1]!.trim().replace(/\s+/g, ' ') : '';
}

describe('daemon and privileges', { skip }, () => {
  before(async () => {
    tn = createTestNet();
    dir = mkdtempSync(join(tmpdir(), 'p0f-daemon-'));
    chmodSync(dir, 0o755);
    server = http.createServer((_req, res) => res.end('ok\n'));
    await new Promise<void>((r) => server.listen(0, tn.hostAddr, () => r()));
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => {
    server?.close();
    tn?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('-d: PID printed, new session, logging, SIGHUP ignored, SIGTERM stops it cleanly', async () => {
    const log = join(dir, 'daemon.log');
    const sock = join(dir, 'daemon.sock');
    const p = startOurs([...fpArgs, '-d', '-i', tn.hostIf, '-o', log, '-s', sock, `port ${port}`]);
    assert.equal(await p.exited, 0, p.stdout + p.stderr);
    const m = /\[\+\] Daemon process created, PID (\d+) \(stderr kept as-is\)\.\n\nGood luck, you're on your own now!\n$/.exec(p.stdout);
    assert.ok(m, p.stdout);
    const pid = Number(m[1]);
    try {
      assert.ok(alive(pid));
      assert.match(p.stdout, /\[!\] Consider specifying -u in daemon mode \(see README\)\.\n/);
      assert.match(p.stdout, new RegExp(`\\[\\+\\] Log file '${log}' opened for writing\\.\\n`));
      assert.ok(!p.stdout.includes('Entered main event loop'));
      assert.equal(sessionOf(pid), pid, 'the daemon leads its own session');
      assert.equal(readlinkSync(`/proc/${pid}/cwd`), '/');
      assert.equal(readlinkSync(`/proc/${pid}/fd/0`), '/dev/null');

      await curl();
      await waitFor(() => logRecords(log).some((l) => l.startsWith('mod=http response')), 5000, 'the daemon logging');
      assert.ok(logRecords(log).some((l) => l.startsWith('mod=syn|')));
      const api = spawnSync(process.execPath, [join(REPO, 'bin', 'p0f-client.js'), sock, tn.nsAddr], { encoding: 'latin1', timeout: 10000 });
      assert.equal(api.status, 0, api.stderr);
      assert.match(api.stdout, /\nDetected OS   = Linux /);

      process.kill(pid, 'SIGHUP');
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(alive(pid), 'SIGHUP is ignored in daemon mode');

      process.kill(pid, 'SIGTERM');
      await waitFor(() => !alive(pid), 5000, 'the daemon to stop');
    } finally {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    // stderr was not a terminal, so the daemon kept it: its shutdown warning arrives there.
    await waitFor(() => p.stderr.includes('[!] WARNING: User-initiated shutdown.\n'), 3000, 'the shutdown warning');
    assert.equal(existsSync(sock), false, 'API socket removed');
    // The lock went with the process.
    assert.equal(spawnSync('flock', ['-xn', log, 'true']).status, 0);

    if (real) {
      const rlog = join(dir, 'real-daemon.log');
      const rsock = join(dir, 'real-daemon.sock');
      const r = runReal(['-d', '-i', tn.hostIf, '-o', rlog, '-s', rsock, `port ${port}`]);
      const rm = /PID (\d+) /.exec(r.stdout);
      if (rm) process.kill(Number(rm[1]), 'SIGKILL');
      const norm = (s: string) => withoutClosedFds(afterBanner(s)).replace(/PID \d+/, 'PID N').replace(rlog, log).replace(rsock, sock);
      assert.equal(norm(p.stdout), norm(r.stdout));
    }
  });

  test('-d from a terminal: stderr not kept, the daemon writes nowhere', { skip: spawnSync('sh', ['-c', 'command -v script'], { stdio: 'ignore' }).status === 0 ? false : 'script (util-linux) not installed' }, async () => {
    const log = join(dir, 'tty.log');
    // script(1) gives the command a pseudo-terminal for stdin, stdout and stderr.
    const cmd = [process.execPath, join(REPO, 'bin', 'p0f.js'), ...fpArgs, '-d', '-i', tn.hostIf, '-o', log].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'latin1', timeout: 30000 });
    assert.equal(r.status, 0, r.stdout);
    const out = r.stdout.replace(/\r\n/g, '\n');
    const m = /\[\+\] Daemon process created, PID (\d+) \(stderr not kept\)\.\n\nGood luck, you're on your own now!\n$/.exec(out);
    assert.ok(m, out);
    const pid = Number(m[1]);
    try {
      assert.ok(alive(pid));
      for (const fd of [0, 1, 2]) assert.equal(readlinkSync(`/proc/${pid}/fd/${fd}`), '/dev/null');
      await curl();
      await waitFor(() => logRecords(log).some((l) => l.startsWith('mod=http response')), 5000, 'the daemon logging');
      process.kill(pid, 'SIGTERM');
      await waitFor(() => !alive(pid), 5000, 'the daemon to stop');
    } finally {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  test('-d without -o or -s, and a daemon that cannot start: exit 1, no daemon left', async () => {
    const a = runOurs(['-d', '-i', tn.hostIf]);
    assert.equal(a.status, 1);
    assert.equal(fatalText(a.stderr), '[-] PROGRAM ABORT : Daemon mode requires -o or -s.\n         Location : main(), p0f.c:1182\n\n');
    const log = join(dir, 'bad.log');
    const b = runOurs(['-d', '-i', 'p0f-nosuch0', '-o', log]);
    assert.equal(b.status, 1);
    assert.ok(!b.stdout.includes('Daemon process created'));
    assert.match(fatalText(b.stderr), /pcap_open_live: p0f-nosuch0: No such device exists/);
    // No process of ours is still running with those arguments.
    const left = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'latin1').includes('-d\0-i\0p0f-nosuch0');
      } catch {
        return false;
      }
    });
    assert.deepEqual(left, [], 'no daemon process left');
  });

  describe('-u', () => {
    const user = `p0ft${process.pid % 100000}`;
    let home: string;
    let uid = 0;
    let gid = 0;
    before(() => {
      home = mkdtempSync(join(tmpdir(), 'p0f-home-'));
      chmodSync(home, 0o755);
      execFileSync('useradd', ['-r', '-M', '-d', home, '-s', '/usr/sbin/nologin', user]);
      uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }));
      gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }));
      writeFileSync(join(home, 'secret'), 'root only\n', { mode: 0o600 });
      writeFileSync(join(home, 'public'), 'anyone\n', { mode: 0o644 });
    });
    after(() => {
      spawnSync('userdel', [user], { stdio: 'ignore' });
      if (home) rmSync(home, { recursive: true, force: true });
    });

    test('dropPrivs: chrooted, unprivileged, cannot read a root-only file', () => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'test/live/privs-probe.ts'), user, '/secret', '/public', '/etc/shadow'],
        { encoding: 'utf8', cwd: REPO });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { said: string; uid: number; gid: number; euid: number; results: Record<string, string> };
      assert.equal(out.said, `[+] Privileges dropped: uid ${uid}, gid ${gid}, root '${home}'.\n`);
      assert.equal(out.uid, uid);
      assert.equal(out.euid, uid);
      assert.equal(out.gid, gid);
      assert.equal(out.results['/secret'], 'EACCES');
      assert.equal(out.results['/public'], 'read');
      // /etc is outside the new root.
      assert.equal(out.results['/etc/shadow'], 'ENOENT');
    });

    test('p0f -u: the running sensor is chrooted to the home and runs as the user', async () => {
      const log = join(dir, 'u.log');
      const p = startOurs([...fpArgs, '-u', user, '-i', tn.hostIf, '-o', log, `port ${port}`]);
      try {
        await p.waitOut('[+] Entered main event loop.\n\n');
        assert.match(p.stdout, new RegExp(`\\[\\+\\] Privileges dropped: uid ${uid}, gid ${gid}, root '${home}'\\.\\n`));
        const pid = p.child.pid!;
        assert.equal(statusField(pid, 'Uid'), `${uid} ${uid} ${uid} ${uid}`);
        assert.equal(statusField(pid, 'Gid'), `${gid} ${gid} ${gid} ${gid}`);
        assert.equal(statusField(pid, 'CapEff'), '0000000000000000');
        assert.equal(readlinkSync(`/proc/${pid}/root`), home);
        // Capture and log keep working after the switch.
        await curl();
        await waitFor(() => logRecords(log).some((l) => l.startsWith('mod=http response')), 5000, 'logging after -u');
      } finally {
        p.child.kill('SIGINT');
      }
      assert.equal(await p.exited, 0, p.stderr);
      assert.match(p.stdout, /All done\. Processed \d+ packets\.\n$/);
    });

    test('a home that shows /proc, and the home "/", are refused as p0f refuses them', () => {
      const procHome = mkdtempSync(join(tmpdir(), 'p0f-prochome-'));
      chmodSync(procHome, 0o755);
      mkdirSync(join(procHome, 'proc'));
      const u2 = `${user}p`;
      const u3 = `${user}r`;
      execFileSync('useradd', ['-r', '-M', '-d', procHome, '-s', '/usr/sbin/nologin', u2]);
      execFileSync('useradd', ['-r', '-M', '-d', '/', '-s', '/usr/sbin/nologin', u3]);
      try {
        for (const [u, line] of [[u2, 651], [u3, 633]] as const) {
          const r = runOurs([...fpArgs, '-u', u, '-i', tn.hostIf]);
          assert.equal(r.status, 1);
          assert.equal(fatalText(r.stderr),
            `[-] PROGRAM ABORT : User '${u}' must have a dedicated home directory.\n         Location : drop_privs(), p0f.c:${line}\n\n`);
          if (real) assert.equal(fatalText(runReal(['-u', u, '-i', tn.hostIf]).stderr), fatalText(r.stderr));
        }
      } finally {
        spawnSync('userdel', [u2], { stdio: 'ignore' });
        spawnSync('userdel', [u3], { stdio: 'ignore' });
        rmSync(procHome, { recursive: true, force: true });
      }
    });
  });
});
