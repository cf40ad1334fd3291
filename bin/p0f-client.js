#!/usr/bin/env node
// Entry point of the `p0f-client` command: loads the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/p0f-client.ts');
process.exitCode = await main(process.argv.slice(2));
