/**
 * Fuzz the p0f.fp reader with mutated copies of the packaged database's MTU and TCP
 * sections (byte replacements, insertions, deletions, cut lines, duplicated lines; NUL and
 * CR included). Every result must be a database or a p0f-style DatabaseError, never any
 * other exception. When the real p0f 3.09b is installed, a share of the mutants is also
 * loaded by it and the printed outcome (error text with location, or signature count)
 * must be identical.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { packagedDatabase } from '../../src/db/locate.ts';
import { parseDatabase, readDatabase } from '../../src/db/readfp.ts';
import { DatabaseError, P0fFatalError } from '../../src/errors.ts';

const P0F = '/usr/sbin/p0f';
const full = readFileSync(packagedDatabase(), 'latin1');
// Stop before the HTTP sections: those lines belong to the HTTP signature parser's tests.
const base = full.slice(0, full.indexOf('\n[http:request]') + 1);
const ALPHABET = '0123456789:,*+-%?eolnpmswstackdfid!@ \t=[]gx\r\n\0';

function mutants(seed: number, count: number): string[] {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const lines = base.split('\n');
    const edits = 1 + Math.floor(rnd() * 3);
    for (let j = 0; j < edits; j++) {
      const li = Math.floor(rnd() * lines.length);
      let l = lines[li]!;
      const pos = Math.floor(rnd() * (l.length + 1));
      const c = ALPHABET[Math.floor(rnd() * ALPHABET.length)]!;
      switch (Math.floor(rnd() * 5)) {
        case 0: l = l.slice(0, pos) + c + l.slice(pos + 1); break;
        case 1: l = l.slice(0, pos) + c + l.slice(pos); break;
        case 2: l = l.slice(0, pos) + l.slice(pos + 1); break;
        case 3: l = l.slice(0, pos); break;
        default: lines.splice(Math.floor(rnd() * lines.length), 0, l);
      }
      lines[li] = l;
    }
    out.push(lines.join('\n'));
  }
  return out;
}

function outcome(file: string): string {
  try {
    const db = readDatabase(file);
    return db.sigCount
      ? `[+] Loaded ${db.sigCount} signature${db.sigCount === 1 ? '' : 's'} from '${file}'.`
      : `[!] No signatures found in '${file}'.`;
  } catch (e) {
    if (e instanceof P0fFatalError) return e.format();
    throw e;
  }
}

describe('p0f.fp reader fuzz', () => {
  test('the unmutated sections load', () => {
    assert.equal(parseDatabase(base, 'base.fp').sigCount, 25 + 91 + 101);
  });

  test('mutants: a database or a DatabaseError, nothing else', () => {
    let loaded = 0;
    let failed = 0;
    for (const text of mutants(1, 1000)) {
      try {
        parseDatabase(Buffer.from(text, 'latin1'), 'm.fp');
        loaded++;
      } catch (e) {
        assert.ok(e instanceof DatabaseError, String((e as Error).stack));
        assert.ok(e.line >= 1);
        failed++;
      }
    }
    // Both paths must be exercised for the test to mean anything.
    assert.ok(loaded > 50 && failed > 50, `loaded ${loaded}, failed ${failed}`);
  });
});

describe('p0f.fp reader fuzz vs p0f 3.09b', { skip: existsSync(P0F) ? false : `${P0F} not installed` }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'p0f-dbfuzz-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('same outcome as the real p0f on 200 mutants', () => {
    const bad: string[] = [];
    mutants(7, 200).forEach((text, i) => {
      const file = join(dir, `m${i}.fp`);
      writeFileSync(file, text, 'latin1');
      const r = spawnSync(P0F, ['-f', file, '-r', join(dir, 'no-such.pcap')], { encoding: 'latin1' });
      const m = /\[[+!]\] (Loaded \d+ signatures? from '[^']*'\.|No signatures found in '[^']*'\.)/.exec(r.stdout);
      const theirs = m ? m[0] : r.stderr;
      const ours = outcome(file);
      if (theirs !== ours) bad.push(`${file}: p0f ${JSON.stringify(theirs)} vs ours ${JSON.stringify(ours)}`);
    });
    assert.deepEqual(bad, []);
  });
});
