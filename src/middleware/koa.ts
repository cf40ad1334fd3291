/**
 * Koa middleware: `app.use(p0f({ socketPath: '/run/p0f.sock' }))` sets `ctx.state.p0f` to
 * what p0f knows about the TCP peer (P0fHostInfo), or null.
 *
 * The peer is the connection's remote address. Behind a reverse proxy that is the proxy,
 * not the visitor: see docs/middleware.md.
 */
import type { IncomingMessage } from 'node:http';
import { type P0fHostInfo, P0fLookup, type P0fMiddlewareOptions } from './core.ts';

export type { P0fHostInfo, P0fMiddlewareOptions } from './core.ts';

/** The part of a Koa context this middleware touches. */
export interface P0fKoaContext {
  req: IncomingMessage;
  state: Record<string, unknown> & { p0f?: P0fHostInfo | null };
}

export interface P0fKoaMiddleware {
  (ctx: P0fKoaContext, next: () => Promise<unknown>): Promise<void>;
  readonly lookup: P0fLookup;
  close(): Promise<void>;
}

export function p0f(options: P0fMiddlewareOptions): P0fKoaMiddleware {
  const lookup = new P0fLookup(options);
  const mw = (async (ctx, next) => {
    ctx.state.p0f = lookup.enabled ? await lookup.lookup(ctx.req.socket?.remoteAddress) : null;
    await next();
  }) as P0fKoaMiddleware;
  Object.defineProperty(mw, 'lookup', { value: lookup });
  mw.close = () => lookup.close();
  return mw;
}

export default p0f;
