/**
 * docs/reference.md is generated from the TypeScript exports (scripts/gen-reference.ts):
 * it must be current and name every export of src/index.ts and of each subpath export.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { generate, sourceOf } from '../../scripts/gen-reference.ts';
import { REPO } from './helpers.ts';

test('docs/reference.md is up to date (npm run docs)', () => {
  const text = generate();
  assert.equal(readFileSync(join(REPO, 'docs/reference.md'), 'utf8'), text, 'docs/reference.md is out of date: run npm run docs');
});

test('every runtime export of every entry point has an entry', async () => {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as
    { exports: Record<string, string | { import: string }> };
  const doc = readFileSync(join(REPO, 'docs/reference.md'), 'utf8');
  const sections = doc.split(/\n## /).slice(1);
  for (const [sub, target] of Object.entries(pkg.exports)) {
    const file = sourceOf(target);
    const spec = sub === '.' ? 'p0f' : `p0f/${sub.slice(2)}`;
    const section = sections.find((s) => s.startsWith(`\`${spec}\``));
    assert.ok(section, `a section for ${spec}`);
    const mod = (await import(join(REPO, file))) as Record<string, unknown>;
    for (const name of Object.keys(mod)) {
      if (name === 'default') continue;
      assert.ok(section.includes(`\n### ${name}\n`), `${spec}: ${name} is documented`);
    }
  }
});
