/** The Express middleware in a real Express app over loopback (scenario in harness.ts). */
import express from 'express';
import type { AddressInfo } from 'node:net';
import p0f from '../../src/middleware/express.ts';
import { middlewareSuite } from './harness.ts';

middlewareSuite('express', async (opts) => {
  const app = express();
  const mw = p0f(opts);
  app.use(mw);
  app.get('/who', (req, res) => {
    res.json(req.p0f ?? null);
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
