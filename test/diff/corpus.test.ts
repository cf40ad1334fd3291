/**
 * Differential test over the shared corpus of real captures (../shared/corpus): our log and
 * console output must equal p0f 3.09b's, except for the deviations named below.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  diffLines, dropNatBlocks, isNatLine, normalizeConsole, readLines, runOurs, runRealP0f,
  SHARED_CORPUS, stripVlan,
} from './harness.ts';

/** Deliberate differences from p0f (docs/deviations.md), by name. */
const DEVIATION = {
  /** D1: 802.1Q/802.1ad frames on Ethernet are parsed (p0f drops them): truth = p0f on the untagged capture. */
  VLAN: 'D1-vlan',
  /** D2: HTTP Date parsed with tm_isdst = 0 (p0f's is random): truth = p0f's isdst0 log, else NAT lines masked. */
  DATE: 'D2-date-isdst',
  /** D3: a truncated capture gets a warning after processing (p0f is silent). */
  TRUNCATED: 'D3-truncated-warning',
} as const;

const PCAPS = join(SHARED_CORPUS, 'pcaps');
const present = existsSync(PCAPS);

interface ManifestRow { vlanFrames: number; dateFlag: boolean }

function manifest(): Map<string, ManifestRow> {
  const rows = new Map<string, ManifestRow>();
  const lines = readFileSync(join(SHARED_CORPUS, 'MANIFEST.tsv'), 'utf8').split('\n');
  const head = lines[0]!.split('\t');
  const vlanCol = head.indexOf('vlan_frames');
  const dateCol = head.indexOf('date_check_nondeterministic');
  for (const l of lines.slice(1)) {
    if (!l) continue;
    const c = l.split('\t');
    rows.set(c[0]!, { vlanFrames: Number(c[vlanCol]), dateFlag: (c[dateCol] ?? '').startsWith('yes') });
  }
  return rows;
}

const totals = { captures: 0, identical: 0, lines: 0, linesMatched: 0, linesExpected: 0, rawLinesMatched: 0, excused: [] as string[] };

describe('differential: shared corpus vs p0f 3.09b', { skip: present ? false : `shared corpus not found at ${PCAPS}` }, () => {
  const rows = present ? manifest() : new Map<string, ManifestRow>();
  const files = present ? readdirSync(PCAPS).filter((f) => !f.includes('.p0f.')).sort() : [];
  const work = mkdtempSync(join(tmpdir(), 'p0f-corpus-'));
  after(() => {
    rmSync(work, { recursive: true, force: true });
    console.log(`# corpus parity: ${totals.rawLinesMatched}/${totals.lines} p0f log lines reproduced verbatim; ` +
      `${totals.linesMatched}/${totals.linesExpected} with named deviations applied; ` +
      `${totals.identical}/${totals.captures} captures fully identical (log and console); ` +
      `deviations applied: ${totals.excused.join(', ') || 'none'}`);
  });

  for (const file of files) {
    test(file, async (t) => {
      const path = join(PCAPS, file);
      const row = rows.get(file) ?? { vlanFrames: 0, dateFlag: false };
      const ours = await runOurs(path);
      const p0fLog = readLines(`${path}.p0f.log`);
      const p0fOut = normalizeConsole(readLines(`${path}.p0f.out`));
      let ourOut = normalizeConsole(ours.out);
      let ourLog = ours.log;

      totals.captures++;
      totals.lines += p0fLog.length;
      totals.rawLinesMatched += diffLines(p0fLog, ourLog).matched;
      const rawIdentical = diffLines(p0fLog, ourLog).firstMismatch === null &&
        diffLines(p0fOut, ourOut).firstMismatch === null;
      if (rawIdentical) totals.identical++;

      let expLog = p0fLog;
      let expOut = p0fOut;
      const applied: string[] = [];

      if (ourOut.some((l) => l.includes(' is truncated: '))) {
        ourOut = ourOut.filter((l) => !l.includes(' is truncated: '));
        applied.push(DEVIATION.TRUNCATED);
      }
      if (row.vlanFrames > 0) {
        const stripped = stripVlan(path, work);
        const real = stripped ? runRealP0f(stripped) : null;
        if (!real) {
          // Without p0f and tcprewrite the tagged frames' truth cannot be made: check the rest.
          t.skip(`${DEVIATION.VLAN}: needs tcprewrite and p0f to build the truth`);
          return;
        }
        expLog = real.log;
        expOut = normalizeConsole(real.out).map((l) => l.replace(/^(\[\+\] Will read pcap data from file ').*('\.)$/, `$1${file}$2`));
        applied.push(DEVIATION.VLAN);
      }
      if (row.dateFlag) {
        const isdst0 = `${path}.p0f.isdst0.log`;
        if (existsSync(isdst0) && row.vlanFrames === 0) {
          expLog = readLines(isdst0);
          expOut = dropNatBlocks(expOut);
          ourOut = dropNatBlocks(ourOut);
        } else {
          expLog = expLog.filter((l) => !isNatLine(l));
          ourLog = ourLog.filter((l) => !isNatLine(l));
          expOut = dropNatBlocks(expOut);
          ourOut = dropNatBlocks(ourOut);
        }
        applied.push(DEVIATION.DATE);
      }
      if (applied.length) totals.excused.push(`${file} (${applied.join('+')})`);

      const logDiff = diffLines(expLog, ourLog);
      totals.linesMatched += logDiff.matched;
      totals.linesExpected += expLog.length;
      assert.equal(logDiff.firstMismatch, null, `log differs from p0f (${logDiff.matched}/${logDiff.total} lines match), ${logDiff.firstMismatch}`);
      const outDiff = diffLines(expOut, ourOut);
      assert.equal(outDiff.firstMismatch, null, `console differs from p0f: ${outDiff.firstMismatch}`);
      assert.equal(ours.code, 0);
    });
  }
});
