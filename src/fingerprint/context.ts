/**
 * What a fingerprint module is handed besides the packet and the flow: the database,
 * the packet clock and a way to report observations. The engine implements it.
 */
import type { Database } from '../db/types.ts';
import type { ObservationField, ObservationKind } from '../observation.ts';
import type { Flow } from '../state/types.ts';

export interface FpContext {
  readonly db: Database;
  /** Current packet time, unix seconds (p0f's get_unix_time()). */
  readonly nowSec: number;
  /** Current packet time, unix milliseconds (p0f's get_unix_time_ms()). */
  readonly nowMs: number;
  /** Report one observation about `flow`; `toSrv` true = subject is the client. */
  observe(kind: ObservationKind, toSrv: boolean, flow: Flow, fields: ObservationField[]): void;
}
