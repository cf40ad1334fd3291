#!/usr/bin/env node
// Entry point of the `p0f` command.
import { loadCommand } from './entry.js';

const { main } = await loadCommand('p0f');
process.exitCode = await main(process.argv.slice(2));
