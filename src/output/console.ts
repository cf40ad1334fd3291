/** p0f's console report block (start_observation / add_observation_field, not in daemon mode). */
import type { Observation } from '../observation.ts';

const PAD = '        ';

/** Field keys padded to p0f's %-8s, remembered (there are only a dozen distinct keys). */
const padded = new Map<string, string>();

function padKey(key: string): string {
  if (key.length >= 8) return key;
  let p = padded.get(key);
  if (p === undefined) {
    p = key + PAD.slice(key.length);
    if (padded.size < 256) padded.set(key, p);
  }
  return p;
}

export function formatConsole(obs: Observation): string {
  const toSrv = obs.subject === 'cli';
  const cli = obs.client;
  const srv = obs.server;
  const subject = toSrv ? cli : srv;
  let s = '.-[ ' + cli.addr + '/' + cli.port + ' -> ' + srv.addr + '/' + srv.port + ' (' + obs.kind + ') ]-\n|\n' +
    (toSrv ? '| client   = ' : '| server   = ') + subject.addr + '/' + subject.port + '\n';
  const fields = obs.fields;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const value = f[1];
    s += '| ' + padKey(f[0]) + ' = ' + (value === null ? '???' : value) + '\n';
  }
  return s + '|\n`----\n\n';
}
