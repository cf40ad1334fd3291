/**
 * The package as a plain-JavaScript user gets it: `npm run build` emits dist/, and the
 * entry points named in package.json "exports" load in a bare Node process (no tsx).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO } from '../diff/harness.ts';

test('exports load without tsx and run a capture', () => {
  execFileSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', join(REPO, 'tsconfig.build.json')],
    { cwd: REPO, stdio: 'pipe' });
  const script = `
    import { startSensor, toTyped } from 'p0f';
    import * as p0fmod from 'p0f/p0fmod';
    import { p0f as express } from 'p0f/middleware/express';
    import { p0f as koa } from 'p0f/middleware/koa';
    const s = await startSensor({ readFile: ${JSON.stringify(join(REPO, 'examples/sample.pcap'))} });
    let syn = 0;
    for await (const o of s.observations()) if (toTyped(o).mod === 'syn') syn++;
    console.log(JSON.stringify({ syn, q: p0fmod.mk_query('127.0.0.1').length, mw: typeof express + typeof koa }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { syn: number; q: number; mw: string };
  assert.ok(out.syn > 0);
  assert.equal(out.q, 21);
  assert.equal(out.mw, 'functionfunction');
});
