/**
 * NDJSON form of an observation (beyond p0f: for log pipelines).
 *
 * The same fields as the log line, with types: numbers as numbers, `???` as null, lists
 * as arrays, and p0f's composite strings split where a pipeline would want the parts.
 * Strings from the wire are latin1 internally; JSON carries them as UTF-8 text when the
 * bytes are valid UTF-8 (the common case for User-Agent / Server), else byte-for-byte.
 */
import type { Observation } from '../observation.ts';

export interface JsonObservation {
  timestamp: string;
  mod: string;
  ip_version: 4 | 6;
  client: { ip: string; port: number };
  server: { ip: string; port: number };
  subject: 'client' | 'server';
  [field: string]: unknown;
}

function wireText(s: string): string {
  // Only non-ASCII strings need the UTF-8 reinterpretation.
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(s)) return s;
  const bytes = Buffer.from(s, 'latin1');
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : s;
}

function list(value: string | null, none = 'none'): string[] {
  if (value === null || value === none) return [];
  return value.split(' ');
}

const UPTIME_RE = /^(\d+) days (\d+) hrs (\d+) min \(modulo (\d+) days\)$/;

export function toJson(obs: Observation): JsonObservation {
  const out: JsonObservation = {
    timestamp: new Date(obs.timeMs).toISOString(),
    mod: obs.kind,
    ip_version: obs.ipVersion,
    client: { ip: obs.client.addr, port: obs.client.port },
    server: { ip: obs.server.addr, port: obs.server.port },
    subject: obs.subject === 'cli' ? 'client' : 'server',
  };
  for (const [key, raw] of obs.fields) {
    const value = raw === null ? null : wireText(raw);
    switch (key) {
      case 'dist':
        if (value === null) out.dist = null;
        else if (value.startsWith('<= ')) {
          out.dist = Number(value.slice(3));
          out.dist_is_upper_bound = true;
        } else out.dist = Number(value);
        break;
      case 'params':
        out.params = list(value);
        break;
      case 'raw_mtu':
        out.raw_mtu = value === null ? null : Number(value);
        break;
      case 'raw_freq':
        out.raw_freq = value === null ? null : Number.parseFloat(value);
        break;
      case 'uptime': {
        const m = value === null ? null : UPTIME_RE.exec(value);
        out.uptime = value;
        if (m) {
          out.uptime_minutes = (Number(m[1]) * 24 + Number(m[2])) * 60 + Number(m[3]);
          out.uptime_modulo_days = Number(m[4]);
        }
        break;
      }
      case 'reason':
        out.reason = list(value, '');
        break;
      case 'raw_hits':
        out.raw_hits = value === null ? null : value.split(',').map(Number);
        break;
      case 'lang':
        out.lang = value === 'none' ? null : value;
        break;
      default:
        out[key] = value;
    }
  }
  return out;
}

export function formatJsonLine(obs: Observation): string {
  // Emitted through a latin1 writer: encode the UTF-8 bytes as latin1 chars.
  return Buffer.from(JSON.stringify(toJson(obs)) + '\n', 'utf8').toString('latin1');
}
