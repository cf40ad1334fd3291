/**
 * The -o log file's exclusive advisory lock (p0f's flock(LOCK_EX | LOCK_NB) in open_log)
 * needs flock(), which only the native addon provides. Without it the log opens unlocked.
 */
import { loadAddon } from '../capture/addon.ts';
import { setLogLocker } from './log-file.ts';

/** Installs flock(LOCK_EX|LOCK_NB) for log files; false when the addon is missing. */
export function installLogLock(): boolean {
  const a = loadAddon();
  if (!a) return false;
  const op = a.LOCK_EX | a.LOCK_NB;
  setLogLocker((fd) => a.flock(fd, op) === 0);
  return true;
}

/** p0f has no such warning: it is ours, for a log opened without the lock. */
export function logLockWarning(path: string): string {
  return `Native addon missing: '${path}' is not locked against other writers.`;
}
