/**
 * What the engine reports: one record per p0f observation ("syn", "mtu", ...).
 *
 * `fields` hold the key/value pairs exactly as p0f prints them, in p0f's order (a `null`
 * value prints as `???`). Every output (console, log, JSON, API) is derived from this one
 * record, so parity with p0f is decided in one place: where the fields are produced.
 * Strings made from packet bytes are latin1 strings (one char per byte); writers encode
 * them back with 'latin1' so the bytes on disk are the bytes on the wire.
 */

export type ObservationKind =
  | 'syn'
  | 'syn+ack'
  | 'sendsyn probe'
  | 'sendsyn response'
  | 'mtu'
  | 'uptime'
  | 'http request'
  | 'http response'
  | 'host change'
  | 'ip sharing';

export type ObservationField = readonly [key: string, value: string | null];

export interface Endpoint {
  /** Address as p0f prints it (dotted quad, or 8 uncompressed lowercase hex groups). */
  readonly addr: string;
  readonly port: number;
}

export interface Observation {
  readonly kind: ObservationKind;
  /** Packet time, unix seconds (the capture's clock). */
  readonly time: number;
  /** Packet time in milliseconds. */
  readonly timeMs: number;
  readonly ipVersion: 4 | 6;
  readonly client: Endpoint;
  readonly server: Endpoint;
  /** Whom the observation is about: the client or the server of the connection. */
  readonly subject: 'cli' | 'srv';
  readonly fields: readonly ObservationField[];
}
