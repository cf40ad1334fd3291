/**
 * p0f's command line: getopt("+LS:df:i:m:o:pr:s:t:u:") with its duplicate-option
 * messages, one trailing filter rule, plus our long options (--json, --help, --version).
 */
import { P0fFatalError } from '../errors.ts';
import type { P0fSettings } from '../control/settings.ts';
import { DEFAULTS } from '../control/settings.ts';
import { inRange } from '../control/validate.ts';

export type CliAction =
  | { kind: 'run'; settings: P0fSettings }
  | { kind: 'list' }
  | { kind: 'usage'; error: string }
  | { kind: 'help' }
  | { kind: 'version' };

const WITH_ARG = new Set(['S', 'f', 'i', 'm', 'o', 'r', 's', 't', 'u']);
const FLAGS = new Set(['L', 'd', 'p']);

const fatal = (msg: string, line: number) => new P0fFatalError(msg, `main(), p0f.c:${line}`);

/** C atol(): leading blanks, optional sign, digits; anything else ends the number. */
export function atol(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m ? Number.parseInt(m[1]!, 10) : 0;
}

/** sscanf("%u,%u"): two unsigned numbers (negatives wrap to u32, as glibc does). */
export function scanPair(s: string): [number, number] | null {
  const m = /^\s*([+-]?\d+),\s*([+-]?\d+)/.exec(s);
  if (!m) return null;
  const u = (x: string) => {
    const n = Number.parseInt(x, 10);
    return n < 0 ? (n >>> 0) : (n > 0xffffffff ? 0xffffffff : n);
  };
  return [u(m[1]!), u(m[2]!)];
}

export function parseArgs(argv: readonly string[], prog = 'p0f'): CliAction {
  const s: P0fSettings = {};
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') { i++; break; }
    if (arg.startsWith('--')) {
      if (arg === '--json') { s.json = true; continue; }
      if (arg === '--help') return { kind: 'help' };
      if (arg === '--version') return { kind: 'version' };
      return { kind: 'usage', error: `${prog}: unrecognized option '${arg}'` };
    }
    // "+" in the optstring: the first non-option ends option parsing.
    if (arg[0] !== '-' || arg.length === 1) break;
    for (let j = 1; j < arg.length; j++) {
      const c = arg[j]!;
      if (FLAGS.has(c)) {
        if (c === 'L') return { kind: 'list' };
        if (c === 'd') {
          if (s.daemon) throw fatal('Double werewolf mode not supported yet.', 1061);
          s.daemon = true;
        } else {
          if (s.promisc) throw fatal('Even more promiscuous? People will start talking!', 1107);
          s.promisc = true;
        }
        continue;
      }
      if (!WITH_ARG.has(c)) return { kind: 'usage', error: `${prog}: invalid option -- '${c}'` };
      let val: string;
      if (j + 1 < arg.length) val = arg.slice(j + 1);
      else if (i + 1 < argv.length) val = argv[++i]!;
      else return { kind: 'usage', error: `${prog}: option requires an argument -- '${c}'` };
      applyOption(s, c, val);
      break;
    }
  }
  const rest = argv.slice(i);
  if (rest.length > 1) throw fatal('Filter rule must be a single parameter (use quotes).', 1166);
  if (rest.length === 1) s.filterRule = rest[0]!;
  return { kind: 'run', settings: s };
}

function applyOption(s: P0fSettings, c: string, val: string): void {
  switch (c) {
    case 'S': {
      if (s.apiMaxConn !== undefined && s.apiMaxConn !== DEFAULTS.apiMaxConn) {
        throw fatal('Multiple -S options not supported.', 1046);
      }
      const n = atol(val);
      // atol() into a u32: negatives wrap to huge values, which p0f then rejects.
      if (!inRange('apiMaxConn', n)) throw fatal('Outlandish value specified for -S.', 1051);
      s.apiMaxConn = n;
      return;
    }
    case 'f':
      if (s.fpFile !== undefined) throw fatal('Multiple -f options not supported.', 1069);
      s.fpFile = val;
      return;
    case 'i':
      if (s.iface !== undefined) throw fatal("Multiple -i options not supported (try '-i any').", 1077);
      s.iface = val;
      return;
    case 'm': {
      if ((s.maxConn ?? DEFAULTS.maxConn) !== DEFAULTS.maxConn ||
          (s.maxHosts ?? DEFAULTS.maxHosts) !== DEFAULTS.maxHosts) {
        throw fatal('Multiple -m options not supported.', 1086);
      }
      const p = scanPair(val);
      if (!p || !inRange('maxConn', p[0]) || !inRange('maxHosts', p[1])) {
        throw fatal('Outlandish value specified for -m.', 1091);
      }
      [s.maxConn, s.maxHosts] = p;
      return;
    }
    case 'o':
      if (s.logFile !== undefined) throw fatal('Multiple -o options not supported.', 1098);
      s.logFile = val;
      return;
    case 'r':
      if (s.readFile !== undefined) throw fatal('Multiple -r options not supported.', 1115);
      s.readFile = val;
      return;
    case 's':
      if (s.apiSock !== undefined) throw fatal('Multiple -s options not supported.', 1130);
      s.apiSock = val;
      return;
    case 't': {
      if ((s.connMaxAge ?? DEFAULTS.connMaxAge) !== DEFAULTS.connMaxAge ||
          (s.hostIdleLimit ?? DEFAULTS.hostIdleLimit) !== DEFAULTS.hostIdleLimit) {
        throw fatal('Multiple -t options not supported.', 1141);
      }
      const p = scanPair(val);
      if (!p || !inRange('connMaxAge', p[0]) || !inRange('hostIdleLimit', p[1])) {
        throw fatal('Outlandish value specified for -t.', 1146);
      }
      [s.connMaxAge, s.hostIdleLimit] = p;
      return;
    }
    case 'u':
      if (s.switchUser !== undefined) throw fatal('Split personality mode not supported.', 1153);
      s.switchUser = val;
      return;
  }
}
