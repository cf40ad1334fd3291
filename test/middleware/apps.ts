/** The three frameworks, each with the p0f middleware and GET /who answering the p0f data as JSON. */
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import type { AddressInfo } from 'node:net';
import p0fExpress from '../../src/middleware/express.ts';
import p0fFastify from '../../src/middleware/fastify.ts';
import p0fKoa from '../../src/middleware/koa.ts';
import type { P0fMiddlewareOptions } from '../../src/middleware/core.ts';

export interface AppUnderTest {
  port: number;
  close(): Promise<void>;
}

export type AppFactory = (opts: P0fMiddlewareOptions, host?: string) => Promise<AppUnderTest>;

export const expressApp: AppFactory = async (opts, host = '::') => {
  const app = express();
  const mw = p0fExpress(opts);
  app.use(mw);
  app.get('/who', (req, res) => {
    res.json(req.p0f ?? null);
  });
  const server = app.listen(0, host);
  await new Promise<void>((r) => server.once('listening', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await mw.close();
    },
  };
};

export const koaApp: AppFactory = async (opts, host = '::') => {
  const app = new Koa();
  const mw = p0fKoa(opts);
  app.use(mw);
  app.use(async (ctx) => {
    if (ctx.path === '/who') {
      ctx.type = 'application/json';
      ctx.body = JSON.stringify(ctx.state.p0f ?? null);
    }
  });
  const server = app.listen(0, host);
  await new Promise<void>((r) => server.once('listening', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await mw.close();
    },
  };
};

export const fastifyApp: AppFactory = async (opts, host = '::') => {
  const app = Fastify();
  await app.register(p0fFastify, opts);
  // A route in a child context: the plugin's hook must reach it too.
  await app.register(async (child) => {
    child.get('/who', async (request, reply) => {
      reply.type('application/json');
      return JSON.stringify(request.p0f);
    });
  });
  await app.listen({ port: 0, host });
  return {
    port: (app.server.address() as AddressInfo).port,
    close: () => app.close(),
  };
};

export const APPS: [string, AppFactory][] = [['express', expressApp], ['fastify', fastifyApp], ['koa', koaApp]];
