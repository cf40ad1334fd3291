/**
 * Typed views of observations: the same facts as p0f's key=value fields, as a
 * discriminated union on `mod` with numbers as numbers, lists as arrays and "???" as null.
 * The NDJSON output (--json) is exactly this object plus a timestamp and the endpoints.
 */
import type { Observation, ObservationKind } from '../observation.ts';

interface Base<K extends ObservationKind> {
  mod: K;
  /** Packet time. */
  time: Date;
  ip_version: 4 | 6;
  client: { ip: string; port: number };
  server: { ip: string; port: number };
  subject: 'client' | 'server';
}

/** syn, syn+ack (and p0f-sendsyn probes): the TCP handshake signature. */
export interface TcpObservation extends Base<'syn' | 'syn+ack' | 'sendsyn probe' | 'sendsyn response'> {
  /** Operating system ("Linux 3.x") when an OS signature matched. */
  os?: string | null;
  /** Application (e.g. "NMap SYN scan") when a tool signature matched. */
  app?: string | null;
  /** Hops from the observer; an upper bound when `dist_is_upper_bound` (random-TTL signatures). */
  dist: number | null;
  dist_is_upper_bound?: true;
  /** generic, fuzzy, random_ttl, excess_dist, tos:0xNN. */
  params: string[];
  raw_sig: string | null;
}

export interface MtuObservation extends Base<'mtu'> {
  /** Link type ("Ethernet or modem"), null when unknown. */
  link: string | null;
  raw_mtu: number | null;
}

export interface UptimeObservation extends Base<'uptime'> {
  /** p0f's text: "D days H hrs M min (modulo N days)". */
  uptime: string | null;
  uptime_minutes?: number;
  uptime_modulo_days?: number;
  /** Timestamp clock frequency in Hz. */
  raw_freq: number | null;
}

export interface HttpObservation extends Base<'http request' | 'http response'> {
  app?: string | null;
  os?: string | null;
  /** Language name from Accept-Language, null for "none"; "???" is an unknown code. */
  lang: string | null;
  /** dishonest, anonymous, generic. */
  params: string[];
  raw_sig: string | null;
}

export interface NatObservation extends Base<'host change' | 'ip sharing'> {
  /** Reason codes: os_diff, sig_diff, x_known, tstamp, ttl, port, mtu, fuzzy, via, date, ... */
  reason: string[];
  raw_hits: number[] | null;
}

export type TypedObservation = TcpObservation | MtuObservation | UptimeObservation | HttpObservation | NatObservation;

/** Strings from the wire are latin1 internally; give UTF-8 text when the bytes are valid UTF-8. */
function wireText(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(s)) return s;
  const bytes = Buffer.from(s, 'latin1');
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : s;
}

function list(value: string | null): string[] {
  if (value === null || value === 'none' || value === '') return [];
  return value.split(' ');
}

const UPTIME_RE = /^(\d+) days (\d+) hrs (\d+) min \(modulo (\d+) days\)$/;

export function toTyped(obs: Observation): TypedObservation {
  const out: Record<string, unknown> = {
    mod: obs.kind,
    time: new Date(obs.timeMs),
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
      case 'reason':
        out[key] = list(value);
        break;
      case 'raw_mtu':
        out.raw_mtu = value === null ? null : Number(value);
        break;
      case 'raw_freq':
        out.raw_freq = value === null ? null : Number.parseFloat(value);
        break;
      case 'uptime': {
        out.uptime = value;
        const m = value === null ? null : UPTIME_RE.exec(value);
        if (m) {
          out.uptime_minutes = (Number(m[1]) * 24 + Number(m[2])) * 60 + Number(m[3]);
          out.uptime_modulo_days = Number(m[4]);
        }
        break;
      }
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
  return out as unknown as TypedObservation;
}
