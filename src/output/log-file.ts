/**
 * Opening the -o log as p0f's open_log does: append to an existing regular file (never
 * truncate, never follow a symlink), else create it exclusively with mode 0600; then take
 * an exclusive advisory lock so two sensors never interleave lines in one file.
 */
import { closeSync, constants as fsc, fstatSync, openSync } from 'node:fs';
import { P0fFatalError, strerror } from '../errors.ts';

/** p0f's LOG_MODE. */
const LOG_MODE = 0o600;

export type LockFn = (fd: number) => boolean;

/** Lock implementation; the native addon installs flock(LOCK_EX|LOCK_NB) here when present. */
let lockFd: LockFn | null = null;

export function setLogLocker(fn: LockFn | null): void {
  lockFd = fn;
}

export function openLogFile(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_NOFOLLOW);
    let st;
    try {
      st = fstatSync(fd);
    } catch (e) {
      throw new P0fFatalError(`fstat() on '${path}' failed.`, 'open_log(), p0f.c:227', strerror(e));
    }
    if (!st.isFile()) {
      closeSync(fd);
      throw new P0fFatalError(`'${path}' is not a regular file.`, 'open_log(), p0f.c:229');
    }
  } catch (e) {
    if (e instanceof P0fFatalError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new P0fFatalError(`Cannot open '${path}'.`, 'open_log(), p0f.c:233', strerror(e));
    }
    try {
      fd = openSync(path, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, LOG_MODE);
    } catch (e2) {
      throw new P0fFatalError(`Cannot open '${path}'.`, 'open_log(), p0f.c:238', strerror(e2));
    }
  }
  if (lockFd && !lockFd(fd)) {
    closeSync(fd);
    throw new P0fFatalError(`'${path}' is being used by another process.`, 'open_log(), p0f.c:243');
  }
  return fd;
}
