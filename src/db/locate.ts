/**
 * Which p0f.fp to read: the one given with -f, else the database shipped with this
 * package (data/p0f.fp), found relative to this module so it works from a git clone and
 * from an installed package alike.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGED = path.join('data', 'p0f.fp');

export function locateDatabase(explicit?: string): string {
  if (explicit !== undefined && explicit !== '') return explicit;
  return packagedDatabase();
}

/** Absolute path of the packaged data/p0f.fp (the nearest one above this module). */
export function packagedDatabase(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // src/db/ -> package root; walk further up in case the sources get relocated (bundles).
  let dir = here;
  for (;;) {
    const candidate = path.join(dir, PACKAGED);
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return path.resolve(here, '..', '..', PACKAGED);
}
