/**
 * The p0f command on capture files as a user runs it: `-r -` from standard input, --json,
 * and the log file's append-only, 0600 behaviour.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { readLines, REPO } from '../diff/harness.ts';

const BIN = join(REPO, 'bin/p0f.js');
const FIX = join(REPO, 'test/fixtures/captures');
const CAP = join(FIX, 'lo-http-ipv4.pcap');
const work = mkdtempSync(join(tmpdir(), 'p0f-off-'));
const run = (args: string[], input?: Buffer) =>
  spawnSync(process.execPath, [BIN, '-f', '/etc/p0f/p0f.fp', ...args], {
    input, env: { ...process.env, TZ: 'UTC' }, encoding: 'latin1', maxBuffer: 1 << 26,
  });

describe('p0f command on files', () => {
  after(() => rmSync(work, { recursive: true, force: true }));

  test('-r - reads the capture from standard input, same log as from the file', () => {
    const log = join(work, 'stdin.log');
    const r = run(['-r', '-', '-o', log], readFileSync(CAP));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\[\+\] Will read pcap data from file '-'\./);
    assert.deepEqual(readLines(log), readLines(`${CAP}.p0f.log`));
  });

  test('--json: only NDJSON on stdout, one typed record per log line', () => {
    const log = join(work, 'json.log');
    const r = run(['-r', CAP, '-o', log, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const records = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const lines = readLines(log);
    assert.equal(records.length, lines.length);
    assert.match(r.stderr, /All done\. Processed \d+ packets\./);
    for (const [i, rec] of records.entries()) {
      assert.equal(`mod=${String(rec.mod)}`, /mod=[^|]+/.exec(lines[i]!)![0]);
      assert.equal(typeof (rec.client as { port: unknown }).port, 'number');
      if (rec.mod === 'syn' || rec.mod === 'syn+ack') {
        assert.ok(typeof rec.dist === 'number');
        assert.ok(Array.isArray(rec.params));
      }
      if (rec.mod === 'mtu') assert.equal(typeof rec.raw_mtu, 'number');
    }
  });

  test('the log is appended to, never truncated, and created 0600', () => {
    const log = join(work, 'append.log');
    writeFileSync(log, 'keep me\n', { mode: 0o644 });
    assert.equal(run(['-r', CAP, '-o', log]).status, 0);
    const text = readFileSync(log, 'latin1');
    assert.ok(text.startsWith('keep me\n'));
    const fresh = join(work, 'fresh.log');
    assert.equal(run(['-r', CAP, '-o', fresh]).status, 0);
    assert.equal(statSync(fresh).mode & 0o777, 0o600);
  });

  test('a truncated capture: packets before the cut are processed, then a warning', () => {
    const whole = readFileSync(CAP);
    const cut = join(work, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 10));
    const r = run(['-r', cut]);
    assert.equal(r.status, 0);
    assert.match(r.stderr, /\[!\] WARNING: Capture file '.*cut\.pcap' is truncated: /);
    assert.match(r.stdout, /All done\. Processed \d+ packets\./);
  });
});
