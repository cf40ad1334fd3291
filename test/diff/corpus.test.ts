/**
 * Differential test over the shared corpus of real captures (../shared/corpus): our log and
 * console output must equal p0f 3.09b's, except for the deviations named in
 * docs/deviations.md, each applied (by `truthFor` or here) only to the captures it concerns.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  diffLines, dropFilterLine, dropNatBlocks, isNatLine, normalizeConsole, readLines, runOurs,
  SHARED_CORPUS, tallyRaw, truthFor,
} from './harness.ts';

const DIRS = ['pcaps', 'no_observation'].map((d) => join(SHARED_CORPUS, d));
const present = existsSync(DIRS[0]!);

/** Captures whose p0f output depends on p0f's random tm_isdst (MANIFEST column). */
function dateFlagged(): Set<string> {
  const set = new Set<string>();
  const lines = readFileSync(join(SHARED_CORPUS, 'MANIFEST.tsv'), 'utf8').split('\n');
  const col = lines[0]!.split('\t').indexOf('date_check_nondeterministic');
  for (const l of lines.slice(1)) {
    const c = l.split('\t');
    if ((c[col] ?? '').startsWith('yes')) set.add(c[0]!);
  }
  return set;
}

const totals = {
  captures: 0, identical: 0, lines: 0, rawMatched: 0, matched: 0, expected: 0, excused: [] as string[],
};

describe('differential: shared corpus vs p0f 3.09b', { skip: present ? false : `shared corpus not found at ${DIRS[0]}` }, () => {
  const flagged = present ? dateFlagged() : new Set<string>();
  const work = mkdtempSync(join(tmpdir(), 'p0f-corpus-'));
  after(() => {
    rmSync(work, { recursive: true, force: true });
    console.log(`# corpus parity: ${totals.rawMatched}/${totals.lines} p0f log lines reproduced verbatim at their position; ` +
      `${totals.matched}/${totals.expected} with named deviations applied; ` +
      `${totals.identical}/${totals.captures} captures identical to p0f before any exception; ` +
      `exceptions: ${totals.excused.join(', ') || 'none'}`);
  });

  for (const dir of present ? DIRS : []) {
    const files = readdirSync(dir).filter((f) => !f.includes('.p0f.') && !f.endsWith('.tsv')).sort();
    for (const file of files) {
      test(file, async (t) => {
        const path = join(dir, file);
        const ours = await runOurs(path);
        const recLog = readLines(`${path}.p0f.log`);
        const recOut = readLines(`${path}.p0f.out`);
        const counted = dir === DIRS[0];
        if (counted) tallyRaw(totals, recLog, recOut, ours);

        const truth = truthFor(path, recLog, recOut, work);
        if (truth.skip) return t.skip(truth.skip);
        let expLog = truth.log;
        let expOut = truth.out;
        let ourLog = ours.log;
        let ourOut = normalizeConsole(ours.out);
        const applied = [...truth.applied];
        if (applied.length) ourOut = dropFilterLine(ourOut);

        // D3: our warning after a truncated capture (p0f is silent).
        if (ourOut.some((l) => l.includes(' is truncated: '))) {
          ourOut = ourOut.filter((l) => !l.includes(' is truncated: '));
          applied.push('D3-truncated-warning');
        }
        // D2: p0f's random tm_isdst: its isdst0 output where recorded, else NAT lines compared out.
        if (flagged.has(file)) {
          const isdst0 = `${path}.p0f.isdst0.log`;
          if (existsSync(isdst0) && !truth.applied.length) expLog = readLines(isdst0);
          else {
            expLog = expLog.filter((l) => !isNatLine(l));
            ourLog = ourLog.filter((l) => !isNatLine(l));
          }
          expOut = dropNatBlocks(expOut);
          ourOut = dropNatBlocks(ourOut);
          applied.push('D2-date-isdst');
        }
        if (applied.length) totals.excused.push(`${file} (${applied.join('+')})`);

        const logDiff = diffLines(expLog, ourLog);
        if (counted) {
          totals.matched += logDiff.matched;
          totals.expected += expLog.length;
        }
        assert.equal(logDiff.firstMismatch, null, `log differs from p0f (${logDiff.matched}/${logDiff.total} lines match), ${logDiff.firstMismatch}`);
        const outDiff = diffLines(expOut, ourOut);
        assert.equal(outDiff.firstMismatch, null, `console differs from p0f: ${outDiff.firstMismatch}`);
      });
    }
  }
});
