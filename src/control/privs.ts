/**
 * -u user: p0f's drop_privs(). Runs after the capture, log and API socket are open: chroot
 * to the user's home, then switch to its gid/uid, refusing what p0f refuses.
 *
 * Node cannot load code after the chroot (the module files are outside the new root), so
 * everything the running sensor needs must already be imported when this is called.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants as fsc } from 'node:fs';
import { type PcapAddon, loadAddon, requireAddon } from '../capture/addon.ts';
import { P0fFatalError, strerror } from '../errors.ts';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  dir: string;
}

/** getpwnam(): through the addon (NSS, like p0f), else `getent passwd`. */
export function lookupUser(name: string, addon: PcapAddon | null = loadAddon()): PasswdEntry | null {
  if (addon) {
    const pw = addon.getpwnam(name);
    return pw ? { name: pw.name, uid: pw.uid, gid: pw.gid, dir: pw.dir } : null;
  }
  // getent takes numeric ids as names too; getpwnam does not.
  if (name === '' || /^\d+$/.test(name)) return null;
  let line: string;
  try {
    line = execFileSync('getent', ['passwd', '--', name], { encoding: 'latin1', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
  const f = line.split('\n')[0]!.split(':');
  if (f.length < 7 || f[0] !== name) return null;
  return { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), dir: f[5]! };
}

/** Messages go to standard output, like p0f's SAYF. */
export function dropPrivs(user: string, say: (s: string) => void): PasswdEntry {
  const loc = (line: number) => `drop_privs(), p0f.c:${line}`;
  const pw = lookupUser(user);
  if (!pw) throw new P0fFatalError(`User '${user}' not found.`, loc(630));
  if (pw.dir === '/') throw new P0fFatalError(`User '${user}' must have a dedicated home directory.`, loc(633));
  if (pw.uid === 0 || pw.gid === 0) throw new P0fFatalError(`User '${user}' must be non-root.`, loc(636));

  // chroot() is the one step Node cannot do; refuse before changing anything.
  const addon = requireAddon(`Switching to user '${user}' (-u)`);

  try {
    (process as unknown as { initgroups(user: string, group: number): void }).initgroups(pw.name, pw.gid);
  } catch (e) {
    throw new P0fFatalError(`initgroups() for '${user}' failed.`, loc(639), strerror(e));
  }
  try {
    process.chdir(pw.dir);
  } catch (e) {
    throw new P0fFatalError(`chdir('${pw.dir}') failed.`, loc(642), strerror(e));
  }
  // Local time is read from /etc/localtime on first use: settle it while it is reachable.
  void new Date().toString();
  const err = addon.chroot(pw.dir);
  if (err !== 0) throw new P0fFatalError(`chroot('${pw.dir}') failed.`, loc(645), addon.strerror(err));
  try {
    process.chdir('/');
  } catch (e) {
    throw new P0fFatalError(`chdir('/') after chroot('${pw.dir}') failed.`, loc(648), strerror(e));
  }
  // A home that exposes /proc or /sys is no jail at all.
  if (exists('/proc/') || exists('/sys/')) {
    throw new P0fFatalError(`User '${user}' must have a dedicated home directory.`, loc(651));
  }
  try {
    process.setgid!(pw.gid);
  } catch (e) {
    throw new P0fFatalError(`setgid(${pw.gid}) failed.`, loc(654), strerror(e));
  }
  try {
    process.setuid!(pw.uid);
  } catch (e) {
    throw new P0fFatalError(`setuid(${pw.uid}) failed.`, loc(657), strerror(e));
  }
  if (process.getegid!() !== pw.gid || process.geteuid!() !== pw.uid) {
    throw new P0fFatalError('Inconsistent euid / egid after dropping privs.', loc(660));
  }
  say(`[+] Privileges dropped: uid ${pw.uid}, gid ${pw.gid}, root '${pw.dir}'.\n`);
  return pw;
}

function exists(path: string): boolean {
  try {
    accessSync(path, fsc.F_OK);
    return true;
  } catch {
    return false;
  }
}
