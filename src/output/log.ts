/** p0f's grep-friendly `-o` log line (local time, one line per observation). */
import type { Observation } from '../observation.ts';
import { formatLocalTime } from './time.ts';

export function formatLogLine(obs: Observation): string {
  let s = `[${formatLocalTime(obs.time)}] mod=${obs.kind}|cli=${obs.client.addr}/${obs.client.port}|` +
    `srv=${obs.server.addr}/${obs.server.port}|subj=${obs.subject}`;
  for (const [key, value] of obs.fields) s += `|${key}=${value ?? '???'}`;
  return s + '\n';
}
