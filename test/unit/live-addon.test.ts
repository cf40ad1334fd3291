/**
 * The native addon's non-capture parts (filter compilation, flock, getpwnam, strerror)
 * and what happens without it. Capture itself is tested for real in test/live/.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ADDON_HELP, loadAddon, nativeFilterCompiler } from '../../src/capture/addon.ts';
import { BpfCompileError, compileFilterWithTcpdump } from '../../src/capture/tcpdump-compile.ts';
import { installLogLock } from '../../src/output/log-lock.ts';
import { lookupUser } from '../../src/control/privs.ts';
import { P0fFatalError } from '../../src/errors.ts';
import { openLogFile, setLogLocker } from '../../src/output/log-file.ts';

const addon = loadAddon();
const skip = addon ? false : 'native addon not built (apt-get install libpcap-dev; npm run build:native)';
const dir = mkdtempSync(join(tmpdir(), 'p0f-addon-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function hasTcpdump(): boolean {
  return spawnSync('tcpdump', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** An empty classic pcap file of the given link type, for `tcpdump -r`. */
function emptyPcap(linktype: number, bigEndian: boolean): string {
  const b = Buffer.alloc(24);
  const u32 = (v: number, o: number) => (bigEndian ? b.writeUInt32BE(v, o) : b.writeUInt32LE(v, o));
  const u16 = (v: number, o: number) => (bigEndian ? b.writeUInt16BE(v, o) : b.writeUInt16LE(v, o));
  u32(0xa1b2c3d4, 0);
  u16(2, 4);
  u16(4, 6);
  u32(65535, 16);
  u32(linktype, 20);
  const p = join(dir, `empty-${linktype}-${bigEndian ? 'be' : 'le'}.pcap`);
  writeFileSync(p, b);
  return p;
}

describe('compileFilter', { skip }, () => {
  const rules = ['tcp', 'tcp or (vlan and tcp)', '(tcp and (port 80)) or (vlan and tcp and (port 80))',
    'tcp and (src net 10.0.0.0/8 and not dst port 22)', 'tcp and (ip6)'];
  const cases = [[1, 'EN10MB'], [113, 'LINUX_SLL'], [12, 'RAW'], [0, 'NULL'], [108, 'LOOP']] as const;
  for (const [lt, name] of cases) for (const order of [0, 1] as const) {
    test(`same program as tcpdump -ddd -r for ${name}, ${order ? 'swapped' : 'host-order'} file`, { skip: hasTcpdump() ? false : 'tcpdump not installed' }, () => {
      const file = emptyPcap(lt, order === 1);
      for (const rule of rules) {
        const r = addon!.compileFilter(rule, lt, 65535, 1, 0, order);
        if (r.error !== undefined) {
          // Some rules make no sense on some link types; tcpdump must refuse them too.
          assert.notEqual(spawnSync('tcpdump', ['-ddd', '-r', file, rule], { stdio: 'ignore' }).status, 0);
          continue;
        }
        const out = execFileSync('tcpdump', ['-ddd', '-r', file, rule], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        const nums = out.trim().split(/\s+/).map(Number);
        assert.equal(nums[0], r.insns.length / 4, rule);
        assert.deepEqual(Array.from(r.insns), nums.slice(1), rule);
      }
    });
  }

  test('nativeFilterCompiler gives the programs compileFilterWithTcpdump gives', { skip: hasTcpdump() ? false : 'tcpdump not installed' }, () => {
    const native = nativeFilterCompiler()!;
    // DLTs whose file LINKTYPE_ differs (DLT_RAW 12 -> LINKTYPE_RAW 101) included.
    for (const lt of [1, 12, 14, 0, 113, 276, 228]) {
      for (const swapped of [false, true]) {
        for (const rule of ['tcp', 'tcp and (port 80 or port 8080)', 'tcp and (ip6 and src host ::1)', 'tcp port (']) {
          let a: string; let b: string;
          try { a = Array.from(native(rule, lt, 65535, { swapped }).insns).join(','); } catch (e) { assert.ok(e instanceof BpfCompileError); a = `error: ${e.message}`; }
          try { b = Array.from(compileFilterWithTcpdump(rule, lt, 65535, { swapped }).insns).join(','); } catch (e) { assert.ok(e instanceof BpfCompileError); b = `error: ${e.message}`; }
          assert.equal(a, b, `${rule} on DLT ${lt}${swapped ? ' (swapped)' : ''}`);
        }
      }
    }
  });

  test('a dead handle (live semantics) differs for DLT_NULL, as libpcap intends', () => {
    const dead = addon!.compileFilter('tcp', 0, 65535);
    const file = addon!.compileFilter('tcp', 0, 65535, 1, 0, 0);
    assert.notDeepEqual(Array.from(dead.insns!), Array.from(file.insns!));
  });

  test('syntax errors carry libpcap\'s text', () => {
    assert.deepEqual(addon!.compileFilter('tcp port (', 1, 65535), { error: "can't parse filter expression: syntax error" });
    assert.deepEqual(addon!.compileFilter('port 99999', 1, 65535), { error: 'illegal port number 99999 > 65535' });
  });
});

describe('flock and the log file lock', { skip }, () => {
  test('a second open file description cannot take the lock', () => {
    const p = join(dir, 'lock.log');
    writeFileSync(p, '');
    const a = openSync(p, 'r');
    const b = openSync(p, 'r');
    try {
      const op = addon!.LOCK_EX | addon!.LOCK_NB;
      assert.equal(addon!.flock(a, op), 0);
      assert.equal(addon!.strerror(addon!.flock(b, op)), 'Resource temporarily unavailable');
      assert.equal(addon!.flock(a, addon!.LOCK_UN), 0);
      assert.equal(addon!.flock(b, op), 0);
    } finally {
      closeSync(a);
      closeSync(b);
    }
  });

  test("openLogFile refuses a locked log with p0f's message", () => {
    assert.equal(installLogLock(), true);
    const p = join(dir, 'busy.log');
    const first = openLogFile(p);
    try {
      assert.throws(() => openLogFile(p), (e: unknown) => {
        assert.ok(e instanceof P0fFatalError);
        assert.equal(e.message, `'${p}' is being used by another process.`);
        assert.equal(e.location, 'open_log(), p0f.c:243');
        return true;
      });
    } finally {
      closeSync(first);
      setLogLocker(null);
    }
    // Released with the descriptor: a new open locks fine.
    installLogLock();
    closeSync(openLogFile(p));
    setLogLocker(null);
  });
});

describe('getpwnam', { skip }, () => {
  test('root and a missing user', () => {
    const root = addon!.getpwnam('root');
    assert.equal(root?.uid, 0);
    assert.equal(root?.gid, 0);
    assert.equal(addon!.getpwnam('no-such-user-p0f'), null);
  });

  test('the getent fallback agrees with NSS', () => {
    for (const name of ['root', 'nobody', 'daemon']) {
      const a = lookupUser(name, addon);
      const b = lookupUser(name, null);
      assert.deepEqual(b, a, name);
    }
    assert.equal(lookupUser('no-such-user-p0f', null), null);
    assert.equal(lookupUser('0', null), null);
  });

  test('strerror is the C library\'s', () => {
    assert.equal(addon!.strerror(2), 'No such file or directory');
    assert.equal(addon!.strerror(1), 'Operation not permitted');
  });
});

describe('without the addon', () => {
  test('live mode fails with what to install', () => {
    const code = `
      import { LiveCapture } from './src/capture/live.ts';
      try { LiveCapture.open({ iface: 'lo' }); console.log('opened'); }
      catch (e) { console.log(e.format()); }`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { ...process.env, P0F_NO_ADDON: '1' },
      encoding: 'utf8',
    });
    assert.match(r.stdout, /PROGRAM ABORT : Live capture: this needs the package's native libpcap addon/);
    assert.match(r.stdout, /apt-get install libpcap-dev/);
    assert.match(r.stdout, /npm run build:native/);
    assert.ok(ADDON_HELP.includes('apt-get install libpcap-dev'));
  });

  test('p0f -i and -L say so and exit 1; nothing else is opened', () => {
    const root = join(import.meta.dirname, '..', '..');
    for (const args of [['-i', 'lo'], ['-L']]) {
      const r = spawnSync(process.execPath, [join(root, 'bin', 'p0f.js'), ...args], {
        env: { ...process.env, P0F_NO_ADDON: '1' }, encoding: 'latin1',
      });
      assert.equal(r.status, 1, args.join(' '));
      assert.match(r.stderr, /^\[-\] PROGRAM ABORT : (Live capture|Listing interfaces \(-L\)): this needs the package's native libpcap addon, which is not built\. Install libpcap's development files \(apt-get install libpcap-dev\) and rebuild it/);
      assert.ok(!r.stdout.includes('Intercepting traffic'));
    }
  });
});
