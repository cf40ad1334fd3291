/**
 * Fastify plugin: `app.register(p0f, { socketPath: '/run/p0f.sock' })` sets `request.p0f`
 * to what p0f knows about the TCP peer (P0fHostInfo), or null, for every route of the
 * instance (the plugin is not encapsulated).
 *
 * The peer is the connection's remote address. Behind a reverse proxy that is the proxy,
 * not the visitor: see docs/middleware.md.
 */
import type { FastifyInstance } from 'fastify';
import { type P0fHostInfo, P0fLookup, type P0fMiddlewareOptions } from './core.ts';

export type { P0fHostInfo, P0fMiddlewareOptions } from './core.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** What p0f knows about the TCP peer; null when p0f has no data or is unreachable. */
    p0f: P0fHostInfo | null;
  }
  interface FastifyInstance {
    /** The plugin's lookup (state, close()). */
    p0fLookup: P0fLookup;
  }
}

async function plugin(fastify: FastifyInstance, options: P0fMiddlewareOptions): Promise<void> {
  const lookup = new P0fLookup(options);
  fastify.decorateRequest('p0f', null);
  fastify.decorate('p0fLookup', lookup);
  fastify.addHook('onRequest', async (request) => {
    request.p0f = lookup.enabled ? await lookup.lookup(request.raw.socket?.remoteAddress) : null;
  });
  fastify.addHook('onClose', async () => {
    await lookup.close();
  });
}

/** Fastify reads this marker (as fastify-plugin sets it) to apply the hooks app-wide. */
export const p0f = Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'p0f',
});

export default p0f;
