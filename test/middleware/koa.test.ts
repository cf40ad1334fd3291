/** The koa middleware in a real koa app over loopback (scenario in harness.ts). */
import { koaApp } from './apps.ts';
import { middlewareSuite } from './harness.ts';

middlewareSuite('koa', koaApp);
