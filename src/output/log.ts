/** p0f's grep-friendly `-o` log line (local time, one line per observation). */
import type { Observation } from '../observation.ts';
import { flat, KeyTexts, KindTexts, PortTexts } from './parts.ts';
import { formatLocalTime } from './time.ts';

const KIND = new KindTexts((kind) => '] mod=' + kind + '|cli=', new KeyTexts((key) => '|' + key + '='));
const CLI_PORT = new PortTexts('/', '|srv=');
const SRV_PORT_CLI = new PortTexts('/', '|subj=cli');
const SRV_PORT_SRV = new PortTexts('/', '|subj=srv');

/** '[' + the time text, for the last time text seen. */
let stampTime = '';
let stampText = '';

export function formatLogLine(obs: Observation): string {
  const time = formatLocalTime(obs.time);
  if (time !== stampTime) {
    stampTime = time;
    stampText = flat('[' + time);
  }
  const cli = obs.client;
  const srv = obs.server;
  const kind = KIND.entry(obs.kind);
  let s = stampText + kind.text + cli.addr + CLI_PORT.get(cli.port) + srv.addr +
    (obs.subject === 'cli' ? SRV_PORT_CLI : SRV_PORT_SRV).get(srv.port);
  const fields = obs.fields;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const value = f[1];
    s += KIND.field(kind, i, f[0]) + (value === null ? '???' : value);
  }
  return s + '\n';
}
