/** The express middleware in a real express app over loopback (scenario in harness.ts). */
import { expressApp } from './apps.ts';
import { middlewareSuite } from './harness.ts';

middlewareSuite('express', expressApp);
