/**
 * Run by daemon.test.ts as root: drops privileges with the CLI's dropPrivs() and then tries
 * to read files, printing what happened as one JSON line. This is the proof that -u really
 * leaves the process unable to read what only root may read.
 *
 *   node --import tsx test/live/privs-probe.ts USER FILE...
 */
import { readFileSync } from 'node:fs';
import { dropPrivs } from '../../src/control/privs.ts';

const [user, ...files] = process.argv.slice(2);
let said = '';
const pw = dropPrivs(user!, (s) => { said += s; });
const results: Record<string, string> = {};
for (const f of files) {
  try {
    readFileSync(f);
    results[f] = 'read';
  } catch (e) {
    results[f] = (e as NodeJS.ErrnoException).code ?? String(e);
  }
}
process.stdout.write(JSON.stringify({ said, uid: process.getuid!(), gid: process.getgid!(), euid: process.geteuid!(), pw, results }) + '\n');
