/**
 * Differential test over the project's own captures (test/fixtures/captures): recorded on
 * loopback / network namespaces or crafted, each with p0f 3.09b's output beside it. Runs
 * without ../shared. Deviations are the named ones of docs/deviations.md.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { readCaptureFileSync } from '../../src/capture/read.ts';
import {
  diffLines, dropNatBlocks, normalizeConsole, readLines, REPO, runOurs, runRealP0f, stripVlan,
} from './harness.ts';

const DIR = join(REPO, 'test/fixtures/captures');
const CAPTURE = /\.(pcap|pcapng|cap|bin|dat|txt)$/;

/** Does the capture hold 802.1Q / 802.1ad tagged Ethernet frames (deviation D1-vlan)? */
function hasVlan(path: string): boolean {
  let found = false;
  try {
    readCaptureFileSync(path, (lt, _s, _u, buf, off, caplen) => {
      if (lt === 1 && caplen >= 14) {
        const et = (buf[off + 12]! << 8) | buf[off + 13]!;
        if (et === 0x8100 || et === 0x88a8 || et === 0x9100) found = true;
      }
    });
  } catch { /* unreadable: an error-path fixture */ }
  return found;
}

const totals = { captures: 0, identical: 0, lines: 0, matched: 0 };

describe('differential: own fixtures vs p0f 3.09b', () => {
  const work = mkdtempSync(join(tmpdir(), 'p0f-fix-'));
  after(() => {
    rmSync(work, { recursive: true, force: true });
    console.log(`# fixture parity: ${totals.matched}/${totals.lines} p0f log lines reproduced; ` +
      `${totals.identical}/${totals.captures} captures identical before deviations`);
  });
  const files = readdirSync(DIR).filter((f) => CAPTURE.test(f) && existsSync(join(DIR, `${f}.p0f.out`))).sort();
  for (const file of files) {
    test(file, async (t) => {
      const path = join(DIR, file);
      const ours = await runOurs(path);
      const rcFile = `${path}.p0f.rc`;
      const expRc = existsSync(rcFile) ? Number(readFileSync(rcFile, 'utf8').trim()) : 0;
      let expLog = readLines(`${path}.p0f.log`);
      let expOut = normalizeConsole(readLines(`${path}.p0f.out`));
      let ourOut = normalizeConsole(ours.out).filter((l) => !l.includes(' is truncated: '));
      let ourLog = ours.log;
      totals.captures++;
      totals.lines += expLog.length;
      totals.matched += diffLines(expLog, ourLog).matched;
      if (!diffLines(expLog, ourLog).firstMismatch && !diffLines(expOut, normalizeConsole(ours.out)).firstMismatch) totals.identical++;

      if (hasVlan(path)) {
        // D1-vlan: truth is p0f on the same frames without their tags.
        const stripped = stripVlan(path, work);
        const real = stripped ? runRealP0f(stripped) : null;
        if (!real) return t.skip('D1-vlan: p0f is needed to build the truth for tagged frames');
        expLog = real.log;
        expOut = normalizeConsole(real.out).map((l) => l.replace(/^(\[\+\] Will read pcap data from file ').*('\.)$/, `$1${file}$2`));
      }
      if (existsSync(`${path}.p0f.isdst0.log`)) {
        // D2-date-isdst: p0f's output with tm_isdst forced to 0.
        expLog = readLines(`${path}.p0f.isdst0.log`);
        expOut = dropNatBlocks(expOut);
        ourOut = dropNatBlocks(ourOut);
      }
      const logDiff = diffLines(expLog, ourLog);
      assert.equal(logDiff.firstMismatch, null, `log differs (${logDiff.matched}/${logDiff.total}): ${logDiff.firstMismatch}`);
      const outDiff = diffLines(expOut, ourOut);
      assert.equal(outDiff.firstMismatch, null, `console differs: ${outDiff.firstMismatch}`);
      assert.equal(ours.code, expRc, 'exit code');
    });
  }
});
