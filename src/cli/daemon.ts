/**
 * -d: p0f's fork_off(), for a runtime that cannot fork.
 *
 * The command started by the user (the "parent") does not open anything itself: it starts
 * the same command again, detached in a new session (setsid), with an internal variable set.
 * That child runs p0f's whole start-up (database, capture, filter, log, API socket, -u);
 * its start-up messages reach the parent through pipes and are copied to the parent's own
 * stdout/stderr, so the user sees exactly p0f's text. Where p0f forks, the child instead
 * re-points its standard descriptors as p0f's child does (stdin from /dev/null; stdout and
 * stderr to /dev/null when the original stderr is a terminal, else both to that stderr) and
 * tells the parent over a third pipe. Only then does the parent print "[+] Daemon process
 * created, PID N (...)." and exit 0: unlike p0f, it never proclaims success for a child
 * that failed to start. A child that fails exits 1 with p0f's message, which the parent
 * passes on, and the parent exits with the child's code.
 */
import { spawn } from 'node:child_process';
import { closeSync, constants as fsc, openSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isatty } from 'node:tty';
import { fileURLToPath } from 'node:url';
import { requireAddon } from '../capture/addon.ts';
import { P0fFatalError, strerror } from '../errors.ts';
import type { CliIo } from './io.ts';

/** Set in the child's environment; its value says whether the user's stderr was a TTY. */
export const DAEMON_ENV = 'P0F_DAEMON_CHILD';

/** Descriptors the child is given besides 0-2. */
const READY_FD = 3;
const ORIG_STDERR_FD = 4;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function isDaemonChild(): boolean {
  return process.env[DAEMON_ENV] === 'tty' || process.env[DAEMON_ENV] === 'file';
}

export interface DaemonSpawnOptions {
  /** Program and leading arguments that run the p0f command (default: node bin/p0f.js). */
  command?: string;
  args?: string[];
}

/**
 * Parent side: start the daemon child with `argv` and relay its start-up output.
 * Resolves to the exit code for the parent (0 once the child is running on its own).
 */
export function spawnDaemon(argv: readonly string[], io: CliIo, opts: DaemonSpawnOptions = {}): Promise<number> {
  const stderrTty = isatty(2);
  const command = opts.command ?? process.execPath;
  const args = opts.args ?? [join(ROOT, 'bin', 'p0f.js')];
  io.flush();
  const child = spawn(command, [...args, ...argv], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe', 2],
    env: { ...process.env, [DAEMON_ENV]: stderrTty ? 'tty' : 'file' },
  });
  return new Promise((resolvePromise) => {
    let ready = false;
    let open = 3;
    let exitCode: number | null = null;
    let done = false;
    const finish = () => {
      if (done) return;
      if (ready && open === 0) {
        done = true;
        io.out(`[+] Daemon process created, PID ${child.pid} (stderr ${stderrTty ? 'not kept' : 'kept as-is'}).\n`);
        io.out("\nGood luck, you're on your own now!\n");
        io.flush();
        child.removeAllListeners('exit');
        child.unref();
        resolvePromise(0);
      } else if (!ready && exitCode !== null && open === 0) {
        done = true;
        io.flush();
        resolvePromise(exitCode === 0 ? 1 : exitCode);
      }
    };
    const closed = () => {
      open--;
      finish();
    };
    child.stdout!.on('data', (b: Buffer) => io.out(b.toString('latin1')));
    child.stderr!.on('data', (b: Buffer) => io.err(b.toString('latin1')));
    child.stdout!.on('close', closed);
    child.stderr!.on('close', closed);
    const readyPipe = child.stdio[READY_FD] as NodeJS.ReadableStream;
    readyPipe.on('data', (b: Buffer) => {
      if (b.includes(0x52 /* 'R' */)) ready = true;
    });
    readyPipe.on('close', closed);
    child.on('error', (e) => {
      io.err(new P0fFatalError('fork() failed.', 'fork_off(), p0f.c:678', strerror(e)).format());
      exitCode = 1;
      open = 0;
      finish();
    });
    child.on('exit', (code, signal) => {
      exitCode = code ?? (signal ? 1 : 0);
      finish();
    });
  });
}

/**
 * Child side, before -u: p0f opens /dev/null while it still can (the chroot hides it).
 * Returns the descriptor for daemonDetach().
 */
export function openNullFd(): number {
  try {
    // Read-write (p0f opens it read-only, and then its stdout writes fail quietly; ours
    // would throw).
    return openSync('/dev/null', fsc.O_RDWR);
  } catch (e) {
    throw new P0fFatalError("Cannot open '/dev/null'.", 'main(), p0f.c:1217', strerror(e));
  }
}

/**
 * Child side, where p0f forks: re-point stdin/stdout/stderr, leave the working directory,
 * and tell the parent that start-up succeeded. The session was created by the spawn.
 */
export function daemonDetach(nullFd: number): void {
  const addon = requireAddon('Daemon mode (-d)');
  const dup2 = (from: number, to: number) => {
    const err = addon.dup2(from, to);
    if (err !== 0) throw new P0fFatalError('dup2() failed.', 'fork_off(), p0f.c:685', addon.strerror(err));
  };
  dup2(nullFd, 0);
  if (process.env[DAEMON_ENV] === 'tty') {
    dup2(nullFd, 1);
    dup2(nullFd, 2);
  } else {
    // stderr was redirected by the user: keep it, and send normal output there too.
    dup2(ORIG_STDERR_FD, 2);
    dup2(2, 1);
  }
  closeQuietly(ORIG_STDERR_FD);
  closeQuietly(nullFd);
  try {
    process.chdir('/');
  } catch (e) {
    throw new P0fFatalError("chdir('/') failed.", 'fork_off(), p0f.c:704', strerror(e));
  }
  try {
    writeSync(READY_FD, 'R');
  } catch { /* the parent is gone: nothing to tell */ }
  closeQuietly(READY_FD);
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch { /* already closed */ }
}
