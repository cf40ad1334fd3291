/**
 * Differential test over the project's own captures (recorded on loopback / network
 * namespaces, or crafted), each with p0f 3.09b's output beside it: runs without ../shared.
 * Deviations are the named ones of docs/deviations.md (see `truthFor`).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  diffLines, dropFilterLine, dropNatBlocks, normalizeConsole, readLines, REPO, runOurs, tallyRaw, truthFor,
} from './harness.ts';

const DIRS = ['test/fixtures/captures', 'test/fixtures/decode', 'test/fixtures/http'].map((d) => join(REPO, d));
const totals = { captures: 0, identical: 0, lines: 0, rawMatched: 0 };

describe('differential: own fixtures vs p0f 3.09b', () => {
  const work = mkdtempSync(join(tmpdir(), 'p0f-fix-'));
  after(() => {
    rmSync(work, { recursive: true, force: true });
    console.log(`# fixture parity: ${totals.rawMatched}/${totals.lines} recorded p0f log lines reproduced; ` +
      `${totals.identical}/${totals.captures} captures identical to p0f before any exception`);
  });
  for (const dir of DIRS.filter((d) => existsSync(d))) {
    const files = readdirSync(dir).filter((f) => existsSync(join(dir, `${f}.p0f.out`))).sort();
    for (const file of files) {
      test(file, async (t) => {
        const path = join(dir, file);
        // A folder with build-db.sh recorded its truth with a database that script builds.
        let db: string | undefined;
        if (existsSync(join(dir, 'build-db.sh'))) {
          db = join(work, 'fixture.fp');
          execFileSync('sh', [join(dir, 'build-db.sh'), db]);
        }
        const ours = await runOurs(path, [], db);
        const rcFile = `${path}.p0f.rc`;
        const expRc = existsSync(rcFile) ? Number(readFileSync(rcFile, 'utf8').trim()) : 0;
        const recLog = readLines(`${path}.p0f.log`);
        const recOut = readLines(`${path}.p0f.out`);
        tallyRaw(totals, recLog, recOut, ours);

        const truth = truthFor(path, recLog, recOut, work);
        if (truth.skip) return t.skip(truth.skip);
        let expLog = truth.log;
        let expOut = truth.out;
        let ourOut = normalizeConsole(ours.out).filter((l) => !l.includes(' is truncated: '));
        if (truth.applied.length) ourOut = dropFilterLine(ourOut);
        if (existsSync(`${path}.p0f.isdst0.log`)) {
          // D2-date-isdst: p0f's output with tm_isdst forced to 0.
          expLog = readLines(`${path}.p0f.isdst0.log`);
          expOut = dropNatBlocks(expOut);
          ourOut = dropNatBlocks(ourOut);
        }
        const logDiff = diffLines(expLog, ours.log);
        assert.equal(logDiff.firstMismatch, null, `log differs (${logDiff.matched}/${logDiff.total}): ${logDiff.firstMismatch}`);
        const outDiff = diffLines(expOut, ourOut);
        assert.equal(outDiff.firstMismatch, null, `console differs: ${outDiff.firstMismatch}`);
        assert.equal(ours.code, expRc, 'exit code');
      });
    }
  }
});
