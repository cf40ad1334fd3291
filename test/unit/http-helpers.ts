import { addrWords } from '../../src/state/addr.ts';
/**
 * Shared scaffolding for the HTTP tests: a recording FpContext, flows between two hosts,
 * and a feeder that appends segments the way the engine does (in order, capped at
 * MAX_FLOW_DATA) before calling processHttp.
 */
import { parseDatabase, readDatabase } from '../../src/db/readfp.ts';
import type { Database } from '../../src/db/types.ts';
import type { FpContext } from '../../src/fingerprint/context.ts';
import { MAX_FLOW_DATA, processHttp } from '../../src/fingerprint/http.ts';
import type { ObservationField, ObservationKind } from '../../src/observation.ts';
import { Flow, HostData } from '../../src/state/types.ts';

export interface Seen {
  kind: ObservationKind;
  toSrv: boolean;
  fields: Record<string, string | null>;
}

export class TestCtx implements FpContext {
  nowSec = 1_500_000_000;
  nowMs = 1_500_000_000_000;
  readonly seen: Seen[] = [];
  constructor(readonly db: Database) {}
  observe(kind: ObservationKind, toSrv: boolean, _flow: Flow, fields: ObservationField[]): void {
    const rec: Record<string, string | null> = {};
    for (const [k, v] of fields) rec[k] = v;
    this.seen.push({ kind, toSrv, fields: rec });
  }
  /** The HTTP observations only. */
  http(): Seen[] {
    return this.seen.filter((s) => s.kind === 'http request' || s.kind === 'http response');
  }
}

let stockDb: Database | null = null;
export function stock(): Database {
  stockDb ??= readDatabase('/etc/p0f/p0f.fp');
  return stockDb;
}

/** A small database from p0f.fp text (classes line added). */
export function fpDb(body: string): Database {
  return parseDatabase('classes = win,unix,other\n' + body, 'test.fp');
}

export function hosts(): { cli: HostData; srv: HostData } {
  const cli = new HostData(4, '10.0.0.1', addrWords(new Uint8Array([10, 0, 0, 1]), 4, { w0: 0, w1: 0, w2: 0, w3: 0 }), 1, 0);
  const srv = new HostData(4, '10.0.0.2', addrWords(new Uint8Array([10, 0, 0, 2]), 4, { w0: 0, w1: 0, w2: 0, w3: 0 }), 2, 0);
  return { cli, srv };
}

export function newFlow(cli?: HostData, srv?: HostData, srvPort = 80): Flow {
  const h = hosts();
  return new Flow(0, cli ?? h.cli, srv ?? h.srv, 40000, srvPort, 1000, 0);
}

/** Append `data` to the flow in direction `toSrv` and run processHttp (as the engine does). */
export function feed(ctx: FpContext, f: Flow, toSrv: boolean, data: string | Uint8Array): boolean {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data);
  const len = toSrv ? f.reqLen : f.respLen;
  let buf = toSrv ? f.request : f.response;
  if (len < MAX_FLOW_DATA && bytes.length) {
    const n = Math.min(bytes.length, MAX_FLOW_DATA - len);
    if (!buf) {
      buf = Buffer.alloc(MAX_FLOW_DATA, 0xee); // junk past the end, as allocUnsafe may leave
    }
    bytes.copy(buf, len, 0, n);
    if (toSrv) { f.request = buf; f.reqLen += n; } else { f.response = buf; f.respLen += n; }
  }
  if (!bytes.length) return true;
  return processHttp(ctx, toSrv, f);
}

/** Request then response through one flow; returns the context's HTTP observations. */
export function exchange(db: Database, req: string, resp?: string): { ctx: TestCtx; f: Flow } {
  const ctx = new TestCtx(db);
  const f = newFlow();
  feed(ctx, f, true, req);
  if (resp !== undefined) feed(ctx, f, false, resp);
  return { ctx, f };
}
