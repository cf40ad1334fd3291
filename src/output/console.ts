/** p0f's console report block (start_observation / add_observation_field, not in daemon mode). */
import type { Observation } from '../observation.ts';
import { KeyTexts, KindTexts, PortTexts } from './parts.ts';

const PAD = '        ';

// Pieces of the block (see parts.ts). Each field line is emitted as "\n| key      = value",
// the newline ending the line before it.
const CLI_PORT = new PortTexts('/', ' -> ');
const SRV_PORT = new PortTexts('/', ' (');
const SUBJ_PORT = new PortTexts('/', '');
/** p0f's "| %-8s = ". */
const FIELD = new KeyTexts((key) => '\n| ' + (key.length >= 8 ? key : key + PAD.slice(key.length)) + ' = ');
const KIND_CLI = new KindTexts((kind) => kind + ') ]-\n|\n| client   = ', FIELD);
const KIND_SRV = new KindTexts((kind) => kind + ') ]-\n|\n| server   = ', FIELD);

export function formatConsole(obs: Observation): string {
  const toSrv = obs.subject === 'cli';
  const cli = obs.client;
  const srv = obs.server;
  const subject = toSrv ? cli : srv;
  const kinds = toSrv ? KIND_CLI : KIND_SRV;
  const kind = kinds.entry(obs.kind);
  let s = '.-[ ' + cli.addr + CLI_PORT.get(cli.port) + srv.addr + SRV_PORT.get(srv.port) +
    kind.text + subject.addr + SUBJ_PORT.get(subject.port);
  const fields = obs.fields;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const value = f[1];
    s += kinds.field(kind, i, f[0]) + (value === null ? '???' : value);
  }
  return s + '\n|\n`----\n\n';
}
