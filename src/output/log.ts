/** p0f's grep-friendly `-o` log line (local time, one line per observation). */
import type { Observation } from '../observation.ts';
import { formatLocalTime } from './time.ts';

export function formatLogLine(obs: Observation): string {
  const cli = obs.client;
  const srv = obs.server;
  let s = '[' + formatLocalTime(obs.time) + '] mod=' + obs.kind + '|cli=' + cli.addr + '/' + cli.port +
    '|srv=' + srv.addr + '/' + srv.port + '|subj=' + obs.subject;
  const fields = obs.fields;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const value = f[1];
    s += '|' + f[0] + '=' + (value === null ? '???' : value);
  }
  return s + '\n';
}
