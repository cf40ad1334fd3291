/** p0f's console report block (start_observation / add_observation_field, not in daemon mode). */
import type { Observation } from '../observation.ts';

const PAD = '        ';

function padKey(key: string): string {
  return key.length >= 8 ? key : key + PAD.slice(key.length);
}

export function formatConsole(obs: Observation): string {
  const toSrv = obs.subject === 'cli';
  const subject = toSrv ? obs.client : obs.server;
  let s = `.-[ ${obs.client.addr}/${obs.client.port} -> ${obs.server.addr}/${obs.server.port} (${obs.kind}) ]-\n|\n` +
    `| ${toSrv ? 'client  ' : 'server  '} = ${subject.addr}/${subject.port}\n`;
  for (const [key, value] of obs.fields) s += `| ${padKey(key)} = ${value ?? '???'}\n`;
  return s + '|\n`----\n\n';
}
