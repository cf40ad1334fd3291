#!/usr/bin/env node
// Entry point of the `p0f-client` command.
import { loadCommand } from './entry.js';

const { main } = await loadCommand('p0f-client');
process.exitCode = await main(process.argv.slice(2));
