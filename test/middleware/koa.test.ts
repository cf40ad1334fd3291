/** The Koa middleware in a real Koa app over loopback (scenario in harness.ts). */
import Koa from 'koa';
import type { AddressInfo } from 'node:net';
import p0f from '../../src/middleware/koa.ts';
import { middlewareSuite } from './harness.ts';

middlewareSuite('koa', async (opts) => {
  const app = new Koa();
  const mw = p0f(opts);
  app.use(mw);
  app.use(async (ctx) => {
    if (ctx.path === '/who') {
      ctx.type = 'application/json';
      ctx.body = JSON.stringify(ctx.state.p0f ?? null);
    }
  });
  const server = app.listen(0, '::');
  await new Promise<void>((r) => server.once('listening', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await mw.close();
    },
  };
});
