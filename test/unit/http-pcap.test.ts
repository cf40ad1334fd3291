/**
 * End to end: test/fixtures/http/http-corners.pcap (crafted by craft-http.py) through our
 * p0f with data/p0f.fp plus extra-request.fp / extra-response.fp (HTTP OS-class and generic
 * sigs the stock file lacks; assembled as build-db.sh does), compared with
 * what p0f 3.09b printed for it (truth.sh). Covers NUL bytes in values, header name/value
 * and request-line limits, lone-CR header end, repeated headers, the response rescan bug in
 * its variants (TAB in a rescanned value, eaten blank line, offsets past 1024, exactly
 * 1024), server Date checks with glibc's odd-but-valid dates, User-Agent vs OS, and HTTP
 * OS signatures (including p0f's label-check bug).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { memoryIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/p0f.ts';
import { normalizeConsole, splitLines } from '../diff/harness.ts';

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/http');
const PCAP = join(DIR, 'http-corners.pcap');

/** build-db.sh in TypeScript: request additions before [http:response], response ones at the end. */
function buildDb(path: string): void {
  const base = readFileSync(join(DIR, '../../../data/p0f.fp'), 'latin1');
  const req = readFileSync(join(DIR, 'extra-request.fp'), 'latin1');
  const resp = readFileSync(join(DIR, 'extra-response.fp'), 'latin1');
  const at = base.indexOf('\n[http:response]') + 1;
  assert.ok(at > 0);
  writeFileSync(path, base.slice(0, at) + req + base.slice(at) + resp, 'latin1');
}

test('http-corners.pcap matches p0f 3.09b line for line', { skip: existsSync(PCAP) ? false : 'fixture missing' }, async () => {
  const savedTz = process.env.TZ;
  process.env.TZ = 'UTC';
  const tmp = mkdtempSync(join(tmpdir(), 'p0f-http-'));
  const cwd = process.cwd();
  const io = memoryIo();
  try {
    const db = join(tmp, 'http-corners.fp');
    buildDb(db);
    process.chdir(DIR);
    const code = await main(['-f', db, '-r', 'http-corners.pcap', '-o', join(tmp, 'out.log')], io);
    assert.equal(code, 0);
    const ours = splitLines(readFileSync(join(tmp, 'out.log'), 'latin1'));
    const truth = splitLines(readFileSync(PCAP + '.p0f.log', 'latin1'));
    assert.ok(truth.filter((l) => l.includes('mod=http')).length > 50);
    assert.deepEqual(ours, truth);

    const dropLogLine = (l: string): boolean => !/^\[\+\] Log file '.*' opened for writing\.$/.test(l);
    const outOurs = normalizeConsole(splitLines(io.both)).filter(dropLogLine);
    const outTruth = normalizeConsole(splitLines(readFileSync(PCAP + '.p0f.out', 'latin1'))).filter(dropLogLine);
    assert.deepEqual(outOurs, outTruth);
  } finally {
    process.chdir(cwd);
    rmSync(tmp, { recursive: true, force: true });
    if (savedTz === undefined) delete process.env.TZ; else process.env.TZ = savedTz;
  }
});
