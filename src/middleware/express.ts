/**
 * Express middleware: `app.use(p0f({ socketPath: '/run/p0f.sock' }))` sets `req.p0f` to
 * what p0f knows about the TCP peer (P0fHostInfo), or null.
 *
 * The peer is the connection's remote address. Behind a reverse proxy that is the proxy,
 * not the visitor: see docs/middleware.md.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type P0fHostInfo, P0fLookup, type P0fMiddlewareOptions } from './core.ts';

export type { P0fHostInfo, P0fMiddlewareOptions } from './core.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** What p0f knows about the TCP peer; null when p0f has no data or is unreachable. */
      p0f?: P0fHostInfo | null;
    }
  }
}

export interface P0fExpressMiddleware {
  (req: IncomingMessage & { p0f?: P0fHostInfo | null }, res: ServerResponse, next: (err?: unknown) => void): void;
  /** The shared lookup (state, close()). */
  readonly lookup: P0fLookup;
  /** Close the p0f connection. */
  close(): Promise<void>;
}

export function p0f(options: P0fMiddlewareOptions): P0fExpressMiddleware {
  const lookup = new P0fLookup(options);
  const mw = ((req, _res, next) => {
    if (!lookup.enabled) {
      req.p0f = null;
      next();
      return;
    }
    // lookup() never rejects: p0f being down or unaware of the host is a null, not an error.
    void lookup.lookup(req.socket?.remoteAddress).then((info) => {
      req.p0f = info;
      next();
    });
  }) as P0fExpressMiddleware;
  Object.defineProperty(mw, 'lookup', { value: lookup });
  mw.close = () => lookup.close();
  return mw;
}

export default p0f;
