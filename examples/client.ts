/**
 * The seed's client.py, in TypeScript: ask a running p0f (examples/run.ts, this package's
 * `p0f -s`, or p0f 3.09b itself) what it knows about a host.
 *
 *   node --import tsx examples/client.ts /path/to/socket host_ip
 *
 * Prints the answer as p0f-client does. Exit status 0 for an answer or "no matching
 * host", 1 otherwise.
 */
import { connect } from 'node:net';
import * as p0fmod from 'p0f/p0fmod';

const [path, ip] = process.argv.slice(2);
if (path === undefined || ip === undefined) {
  console.error('Usage: client.ts /path/to/socket host_ip');
  process.exit(1);
}

const query = p0fmod.mk_query(ip);
const sock = connect({ path });
const chunks: Buffer[] = [];
let got = 0;

sock.on('error', (e) => {
  console.error(e.message);
  process.exit(1);
});
sock.on('connect', () => sock.write(query));
sock.on('data', (d: Buffer) => {
  chunks.push(d);
  got += d.length;
  // One answer is 232 bytes (the seed read up to 300 in one go); then hang up, as the
  // seed and p0f-client do. (Half-closing instead would leave p0f 3.09b spinning on the
  // connection without ever closing it.)
  if (got >= 232) sock.destroy();
});
sock.on('close', () => {
  const rc = p0fmod.ck_response(Buffer.concat(chunks));
  process.exitCode = rc === 0 || rc === -3 ? 0 : 1;
});
