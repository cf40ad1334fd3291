// Loads a command's module: the built JavaScript in dist/ when it is at least as new as
// every TypeScript source (a fresh `npm ci` / `npm run build`), else the sources through
// tsx, so an edited checkout never runs stale code.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Import `cli/<name>` from dist/ (fast start) or src/ (through tsx). */
export async function loadCommand(name) {
  const built = join(root, 'dist', 'cli', `${name}.js`);
  const builtAt = existsSync(join(root, 'dist', 'index.js')) ? statSync(join(root, 'dist', 'index.js')).mtimeMs : -1;
  if (builtAt >= 0 && existsSync(built) && builtAt >= newestSource(join(root, 'src'))) {
    return import(pathToFileURL(built).href);
  }
  const { register } = await import('tsx/esm/api');
  register();
  return import(pathToFileURL(join(root, 'src', 'cli', `${name}.ts`)).href);
}
