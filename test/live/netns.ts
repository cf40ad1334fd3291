/**
 * Test hosts for the live tests: a veth pair whose far end lives in a network namespace
 * the test creates (and deletes), with addresses that exist only there. Traffic between
 * the two ends never leaves this machine.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { loadAddon } from '../../src/capture/addon.ts';

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function have(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

/** Why the live tests cannot run here (false when they can). */
export function liveSkipReason(needs: string[] = []): string | false {
  if (process.platform !== 'linux') return 'live capture tests need Linux';
  if (!isRoot()) return 'live capture tests need root (packet sockets, network namespaces)';
  if (!loadAddon()) return 'native addon not built (apt-get install libpcap-dev; npm run build:native)';
  if (!have('ip', ['-V'])) return 'iproute2 (ip) not installed';
  for (const n of needs) {
    if (!have('sh', ['-c', `command -v ${n}`])) return `${n} not installed`;
  }
  return false;
}

export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

let seq = 0;

export interface TestNet {
  /** Namespace holding the far end. */
  ns: string;
  /** Interface in this (the test's) namespace, where p0f listens. */
  hostIf: string;
  nsIf: string;
  hostAddr: string;
  nsAddr: string;
  /** Runs a command inside the namespace (a client), resolving with its output. */
  run(cmd: string, args: string[], timeoutMs?: number): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** Starts a long-running command inside the namespace. */
  spawn(cmd: string, args: string[]): ChildProcess;
  destroy(): void;
}

/**
 * Creates namespace + veth. `nsMtu` sets the far end's MTU (its SYNs then carry MSS =
 * MTU - 40, which p0f reports as the link type).
 */
export function createTestNet(opts: { nsMtu?: number; hostMtu?: number } = {}): TestNet {
  const id = `${process.pid % 100000}${seq++}`;
  const ns = `p0ft-${id}`;
  const hostIf = `p0h${id}`.slice(0, 15);
  const nsIf = `p0n${id}`.slice(0, 15);
  const octet = 1 + ((process.pid + seq * 7) % 250);
  const hostAddr = `10.213.${octet}.1`;
  const nsAddr = `10.213.${octet}.2`;
  const ip = (...a: string[]) => sh('ip', a);
  const destroy = () => {
    spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    spawnSync('ip', ['link', 'del', hostIf], { stdio: 'ignore' });
  };
  try {
    ip('netns', 'add', ns);
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    ip('link', 'set', nsIf, 'netns', ns);
    ip('addr', 'add', `${hostAddr}/30`, 'dev', hostIf);
    if (opts.hostMtu) ip('link', 'set', hostIf, 'mtu', String(opts.hostMtu));
    ip('link', 'set', hostIf, 'up');
    ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${nsAddr}/30`, 'dev', nsIf);
    if (opts.nsMtu) ip('netns', 'exec', ns, 'ip', 'link', 'set', nsIf, 'mtu', String(opts.nsMtu));
    ip('netns', 'exec', ns, 'ip', 'link', 'set', nsIf, 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
  } catch (e) {
    destroy();
    throw e;
  }
  return {
    ns, hostIf, nsIf, hostAddr, nsAddr,
    run(cmd, args, timeoutMs = 20000) {
      return new Promise((resolve) => {
        const c = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        c.stdout.on('data', (b) => { stdout += b; });
        c.stderr.on('data', (b) => { stderr += b; });
        const t = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
        c.on('close', (code) => {
          clearTimeout(t);
          resolve({ code, stdout, stderr });
        });
      });
    },
    spawn(cmd, args) {
      return spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    },
    destroy,
  };
}

/** Waits until `pred` holds, polling; throws after `ms`. */
export async function waitFor(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Is a process alive (signal 0)? */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
