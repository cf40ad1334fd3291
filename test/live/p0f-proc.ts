/**
 * Running the p0f command (ours, and the real p0f 3.09b when installed) as child processes
 * for the live tests, and reading what they print.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(REPO, 'bin', 'p0f.js');
export const REAL_P0F = '/usr/sbin/p0f';
export const REAL_FP = '/etc/p0f/p0f.fp';

export function haveRealP0f(): boolean {
  return existsSync(REAL_P0F) && existsSync(REAL_FP);
}

export interface Proc {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exitCode: number | null;
  exited: Promise<number | null>;
  /** Resolves when stdout has shown `text` (rejects after ms or on exit). */
  waitOut(text: string, ms?: number): Promise<void>;
}

function track(child: ChildProcess): Proc {
  const p: Proc = {
    child,
    stdout: '',
    stderr: '',
    exitCode: null,
    exited: new Promise((r) => child.on('exit', (code, sig) => {
      p.exitCode = code ?? (sig ? 128 : null);
      r(p.exitCode);
    })),
    waitOut(text, ms = 15000) {
      return new Promise((res, rej) => {
        const t0 = Date.now();
        const tick = () => {
          if (p.stdout.includes(text)) return res();
          if (p.exitCode !== null) return rej(new Error(`exited (${p.exitCode}) before '${text}':\n${p.stdout}\n${p.stderr}`));
          if (Date.now() - t0 > ms) return rej(new Error(`timed out waiting for '${text}':\n${p.stdout}\n${p.stderr}`));
          setTimeout(tick, 20);
        };
        tick();
      });
    },
  };
  child.stdout?.on('data', (b: Buffer) => { p.stdout += b.toString('latin1'); });
  child.stderr?.on('data', (b: Buffer) => { p.stderr += b.toString('latin1'); });
  return p;
}

/** Our p0f command with `args`. */
export function startOurs(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  return track(spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TZ: 'UTC', ...env },
  }));
}

/** The real p0f 3.09b with `args` (its stock database unless -f is given). */
export function startReal(args: string[]): Proc {
  const withDb = args.includes('-f') ? args : ['-f', REAL_FP, ...args];
  return track(spawn(REAL_P0F, withDb, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TZ: 'UTC' } }));
}

/** Runs to completion (for commands that fail at start-up or -L). */
export function runOurs(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'latin1', env: { ...process.env, TZ: 'UTC', ...env }, timeout: 30000 });
}

export function runReal(args: string[]) {
  const withDb = args.includes('-f') ? args : ['-f', REAL_FP, ...args];
  return spawnSync(REAL_P0F, withDb, { encoding: 'latin1', env: { ...process.env, TZ: 'UTC' }, timeout: 30000 });
}

/** Log lines without their "[YYYY/MM/DD HH:MM:SS] " prefix, in order. */
export function logRecords(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'latin1').split('\n').filter((l) => l !== '').map((l) => l.replace(/^\[[^\]]*\] /, ''));
}

/** stderr from the first "[-]" line on: the part of a failure that must match p0f's. */
export function fatalText(stderr: string): string {
  const i = stderr.indexOf('[-]');
  return i < 0 ? '' : stderr.slice(i);
}

/** stdout after the banner line (ours names the package in it). */
export function afterBanner(stdout: string): string {
  const i = stdout.indexOf('---\n');
  return i < 0 ? stdout : stdout.slice(i + 4);
}

/** p0f's "Closed N file descriptors." depends on what the parent left open: drop it. */
export function withoutClosedFds(s: string): string {
  return s.replace(/^\[\+\] Closed \d+ file descriptors?\.\n/m, '');
}
