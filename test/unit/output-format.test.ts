/**
 * Console block and log line formatting against plain reference versions of p0f's
 * layout (start_observation / add_observation_field), on random observations: every
 * subject, ports at the edges, keys shorter and longer than the %-8s padding, ??? values.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Observation, ObservationField, ObservationKind } from '../../src/observation.ts';
import { formatConsole } from '../../src/output/console.ts';
import { formatLogLine } from '../../src/output/log.ts';
import { formatLocalTime } from '../../src/output/time.ts';

function consoleRef(o: Observation): string {
  const subj = o.subject === 'cli' ? o.client : o.server;
  let s = `.-[ ${o.client.addr}/${o.client.port} -> ${o.server.addr}/${o.server.port} (${o.kind}) ]-\n|\n`;
  s += `| ${o.subject === 'cli' ? 'client' : 'server'}   = ${subj.addr}/${subj.port}\n`;
  for (const [k, v] of o.fields) s += `| ${k.padEnd(8)} = ${v ?? '???'}\n`;
  return s + '|\n`----\n\n';
}

function logRef(o: Observation): string {
  let s = `[${formatLocalTime(o.time)}] mod=${o.kind}|cli=${o.client.addr}/${o.client.port}|` +
    `srv=${o.server.addr}/${o.server.port}|subj=${o.subject}`;
  for (const [k, v] of o.fields) s += `|${k}=${v ?? '???'}`;
  return s + '\n';
}

const KINDS: ObservationKind[] = ['syn', 'syn+ack', 'sendsyn probe', 'sendsyn response', 'mtu', 'uptime',
  'http request', 'http response', 'host change', 'ip sharing'];
const KEYS = ['os', 'app', 'dist', 'params', 'raw_sig', 'link', 'raw_mtu', 'uptime', 'raw_freq', 'lang',
  'reason', 'raw_hits', 'a_very_long_key', '12345678', ''];

test('console and log text = reference layout (random observations)', () => {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  for (let i = 0; i < 5000; i++) {
    const port = (k: number) => [0, 1, 80, 65535, 1024 + rnd(60000)][k % 5]!;
    const fields: ObservationField[] = [];
    const nf = rnd(6);
    for (let k = 0; k < nf; k++) fields.push([KEYS[rnd(KEYS.length)]!, rnd(4) === 0 ? null : `v${rnd(1000)}|x y`]);
    const time = 1700000000 + rnd(100) * (rnd(2) ? 1 : 86400);
    const o: Observation = {
      kind: KINDS[rnd(KINDS.length)]!,
      time,
      timeMs: time * 1000,
      ipVersion: 4,
      client: { addr: `10.0.${rnd(256)}.${rnd(256)}`, port: port(rnd(5)) },
      server: { addr: rnd(2) ? '192.168.0.1' : '2001:db8:0:0:0:0:0:1', port: port(rnd(5)) },
      subject: rnd(2) ? 'cli' : 'srv',
      fields,
    };
    assert.equal(formatConsole(o), consoleRef(o));
    assert.equal(formatLogLine(o), logRef(o));
  }
});
