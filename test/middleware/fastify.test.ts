/** The Fastify plugin in a real Fastify app over loopback (scenario in harness.ts). */
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import p0f from '../../src/middleware/fastify.ts';
import { middlewareSuite } from './harness.ts';

middlewareSuite('fastify', async (opts) => {
  const app = Fastify();
  await app.register(p0f, opts);
  // A route in a child context: the plugin's hook must reach it too.
  await app.register(async (child) => {
    child.get('/who', async (request, reply) => {
      reply.type('application/json');
      return JSON.stringify(request.p0f);
    });
  });
  await app.listen({ port: 0, host: '::' });
  return {
    port: (app.server.address() as AddressInfo).port,
    close: () => app.close(),
  };
});
