/**
 * The p0f command's refusals, checked against the real p0f 3.09b on the same arguments:
 * same messages (stdout and stderr as a terminal shows them), same exit codes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { main } from '../../src/cli/p0f.ts';
import { memoryIo } from '../../src/cli/io.ts';
import { normalizeConsole, P0F_BIN, P0F_DB, REPO, splitLines } from '../diff/harness.ts';

const work = mkdtempSync(join(tmpdir(), 'p0f-cli-'));
const cap = join(REPO, 'examples/sample.pcap');
const notCapture = join(work, 'not-a-capture.txt');
writeFileSync(notCapture, 'hello, this is not a capture file\n');
const unreadable = join(work, 'secret.pcap');
writeFileSync(unreadable, '');
chmodSync(unreadable, 0o000);

/** Argument sets p0f refuses (or accepts), as a user would type them. */
const CASES: string[][] = [
  ['-f', 'a.fp', '-f', 'b.fp'],
  ['-i', 'lo', '-i', 'eth0'],
  ['-r', 'a', '-r', 'b'],
  ['-o', 'a', '-o', 'b'],
  ['-s', 'a', '-s', 'b'],
  ['-u', 'a', '-u', 'b'],
  ['-d', '-d'],
  ['-p', '-p'],
  ['-pp'],
  ['-S', '0'],
  ['-S', '101'],
  ['-S', 'abc'],
  ['-S', '5', '-S', '6'],
  ['-S', '5', '-r', cap],
  ['-m', '0,10'],
  ['-m', '10,0'],
  ['-m', '100001,10'],
  ['-m', '10,500001'],
  ['-m', 'x'],
  ['-m', '5,5', '-m', '6,6'],
  ['-t', '0,5'],
  ['-t', '5,1000001'],
  ['-t', '5'],
  ['-t', '5,5', '-t', '6,6'],
  ['-r', cap, '-s', join(work, 'sock')],
  ['-d', '-r', cap],
  ['-d', '-i', 'lo'],
  ['-r', cap, 'tcp', 'port', '80'],
  ['-r', cap, '-p'],
  ['-r', cap, '-i', 'lo'],
  ['-r', join(work, 'missing.pcap')],
  ['-r', notCapture],
  ['-r', work],
  ['-f', join(work, 'missing.fp'), '-r', cap],
  ['-r', cap, 'not a valid ( filter'],
];
if (process.getuid?.() === 0) {
  // root reads anything; the unreadable case only means something for others
} else {
  CASES.push(['-r', unreadable]);
}

function real(args: string[]): { out: string[]; code: number } {
  const r = spawnSync(P0F_BIN, args, { cwd: work, env: { TZ: 'UTC' }, encoding: 'latin1' });
  return { out: splitLines((r.stdout ?? '') + (r.stderr ?? '')), code: r.status ?? -1 };
}

/** p0f's usage text differs (ours names the bundled database and our long options). */
function comparable(lines: string[]): string[] {
  const i = lines.findIndex((l) => l.startsWith('Usage: p0f'));
  return normalizeConsole(i >= 0 ? lines.slice(0, i) : lines);
}

describe('p0f command messages vs p0f 3.09b', { skip: existsSync(P0F_BIN) ? false : 'p0f 3.09b not installed' }, () => {
  after(() => rmSync(work, { recursive: true, force: true }));
  for (const args of CASES) {
    test(args.map((a) => a.replace(work, '$TMP').replace(REPO, '$REPO')).join(' '), async () => {
      // p0f reads its database before opening the capture; give both the same one.
      const full = args.includes('-f') ? args : ['-f', P0F_DB, ...args];
      const exp = real(full);
      const io = memoryIo();
      const cwd = process.cwd();
      process.chdir(work);
      let code: number;
      try {
        code = await main(full, io);
      } finally {
        process.chdir(cwd);
      }
      // Stop comparing where a run that p0f accepted starts processing packets.
      const cut = (l: string[]) => {
        const i = l.findIndex((x) => x.startsWith('[+] Processing capture data.'));
        return i >= 0 ? l.slice(0, i + 1) : l;
      };
      assert.deepEqual(cut(comparable(splitLines(io.both))), cut(comparable(exp.out)));
      assert.equal(code, exp.code, 'exit code');
    });
  }
});
