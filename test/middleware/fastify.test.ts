/** The fastify middleware in a real fastify app over loopback (scenario in harness.ts). */
import { fastifyApp } from './apps.ts';
import { middlewareSuite } from './harness.ts';

middlewareSuite('fastify', fastifyApp);
