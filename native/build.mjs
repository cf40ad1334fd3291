#!/usr/bin/env node
// Builds the live-capture addon (build/Release/p0f_pcap.node) from source against the
// system's libpcap. Run by `npm install` / `npm ci` (the package's own install script)
// and by `npm run build:native`.
//
// A failed build does not fail the install: reading capture files needs no addon, and
// live mode explains what to install when the addon is missing. Pass --strict (as
// `npm run build:native` does) to make a failure exit non-zero.

import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const strict = process.argv.includes('--strict');
const require = createRequire(join(root, 'package.json'));

function warn(msg) {
  process.stderr.write(`[p0f] ${msg}\n`);
}

function giveUp(why) {
  warn(`native addon not built: ${why}`);
  warn('Reading capture files (-r) works without it; live capture (-i) needs it.');
  warn('To enable live capture: apt-get install libpcap-dev, then: npm run build:native');
  // Leave no stale binary behind that could be loaded against another Node version.
  process.exit(strict ? 1 : 0);
}

if (process.env.P0F_SKIP_NATIVE === '1') {
  warn('P0F_SKIP_NATIVE=1: skipping the native addon build.');
  process.exit(0);
}

// node-gyp: the one npm runs scripts with, else a local install, else npm's own copy.
function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch { /* not installed locally */ }
  if (process.env.npm_execpath) {
    candidates.push(join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  const prefix = dirname(dirname(process.execPath));
  candidates.push(join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((p) => p.endsWith('.js') && existsSync(p));
}

// Headers: Node's own installed headers (Debian's nodejs, nodesource, official tarballs
// all ship include/node next to bin/node). node-gyp cannot download them here.
function findNodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = dirname(dirname(process.execPath));
  if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) return prefix;
  return undefined;
}

function hasPcapHeader() {
  const dirs = ['/usr/include', '/usr/local/include', '/opt/homebrew/include'];
  return dirs.some((d) => existsSync(join(d, 'pcap.h')) || existsSync(join(d, 'pcap', 'pcap.h')));
}

try {
  require.resolve('node-addon-api');
} catch {
  giveUp('the node-addon-api package is not installed');
}

if (!hasPcapHeader()) giveUp("libpcap's headers (pcap.h) were not found");

const gyp = findNodeGyp();
if (!gyp) giveUp('node-gyp was not found (it ships with npm)');

const args = [gyp, 'rebuild'];
const nodedir = findNodeDir();
if (nodedir) args.push(`--nodedir=${nodedir}`);

const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  rmSync(join(root, 'build', 'Release', 'p0f_pcap.node'), { force: true });
  giveUp(`node-gyp exited with ${r.status ?? r.signal}`);
}
process.stderr.write('[p0f] native addon built: build/Release/p0f_pcap.node\n');
