/**
 * p0f's packet filter (prepare_bpf in p0f.c): which rule it compiles for a link type, the
 * precompiled default programs, a fallback compiler that runs tcpdump, and p0f's
 * messages when compiling fails.
 *
 * p0f always filters: "tcp or (vlan and tcp)" on Ethernet, "tcp" elsewhere; a user rule R
 * becomes "(tcp and (R)) or (vlan and tcp and (R))" on Ethernet (or "tcp and (R)" if that
 * does not compile) and "tcp and (R)" elsewhere. Packets the filter rejects never reach
 * p0f: they are neither counted nor used for link-offset detection.
 */
import { P0fFatalError } from '../errors.ts';
import { type BpfProgram, bpfProgram } from './bpf.ts';
import { DEFAULT_BY_DLT, DEFAULT_ERRORS, DEFAULT_PROGRAMS } from './bpf-defaults.generated.ts';
import { DLT_EN10MB } from './linktype.ts';
import { BpfCompileError, type CompileOptions, compileFilterWithTcpdump, type FilterCompiler } from './tcpdump-compile.ts';

export { BpfCompileError, compileFilterWithTcpdump };
export type { CompileOptions, FilterCompiler };

/** The rule p0f compiles (with or without its VLAN variant). */
export function p0fRule(userRule: string | null, vlan: boolean): string {
  if (userRule === null) return vlan ? 'tcp or (vlan and tcp)' : 'tcp';
  return vlan ? `(tcp and (${userRule})) or (vlan and tcp and (${userRule}))` : `tcp and (${userRule})`;
}

/** The default rule for a link type: p0f asks for VLAN matching on Ethernet only. */
export function defaultFilterRule(linktype: number): string {
  return p0fRule(null, linktype === DLT_EN10MB);
}

const programCache: (BpfProgram | undefined)[] = [];

function cachedProgram(index: number): BpfProgram {
  let p = programCache[index];
  if (p === undefined) {
    p = bpfProgram(DEFAULT_PROGRAMS[index]!);
    programCache[index] = p;
  }
  return p;
}

/**
 * The compiled default filter for a capture's link type (DLT_ value), as libpcap 1.10.3
 * compiles it for a savefile, or null when libpcap cannot compile "tcp" for that link
 * type (p0f aborts there: see `defaultFilterError`). The program's accept value is
 * 262144; for savefiles only zero/non-zero matters.
 */
export function defaultFilter(linktype: number, swapped = false): BpfProgram | null {
  const e = DEFAULT_BY_DLT[linktype];
  if (e === undefined) return null;
  const index = typeof e === 'number' ? e : e[swapped ? 1 : 0];
  return cachedProgram(index);
}

/** libpcap's pcap_compile() message for a link type without a default program, else null. */
export function defaultFilterError(linktype: number): string | null {
  if (DEFAULT_BY_DLT[linktype] !== undefined) return null;
  const known = DEFAULT_ERRORS[linktype];
  if (known !== undefined) return known;
  if (linktype >= 104 && linktype <= 289) return `DLT ${linktype} link-layer type filtering not implemented`;
  return `unknown data link type ${linktype} (min 104, max 289)`;
}

/** What p0f ends up filtering with, and the line it prints about it. */
export interface PreparedFilter {
  program: BpfProgram;
  /** The VLAN variant of the rule compiled (Ethernet only). */
  vlan: boolean;
  /** The rule given to pcap_compile(). */
  rule: string;
  /** p0f's status line, e.g. "[+] Default packet filtering configured [+VLAN].\n". */
  banner: string;
}

/**
 * p0f's FATAL after a failed pcap_compile(), preceded on stderr by pcap_perror()'s line
 * "[-] pcap_compile: <libpcap message>", which `format()` includes.
 */
export class FilterFatalError extends P0fFatalError {
  readonly libpcapMessage: string;
  constructor(message: string, location: string, libpcapMessage: string) {
    super(message, location);
    this.libpcapMessage = libpcapMessage;
  }
  override format(): string {
    return `[-] pcap_compile: ${this.libpcapMessage}\n${super.format()}`;
  }
}

/** What p0f settled on: the rule compiled, whether it is the VLAN form, p0f's status line. */
export interface RuleChoice {
  rule: string;
  vlan: boolean;
  /** p0f's status line, e.g. "[+] Default packet filtering configured [+VLAN].\n". */
  banner: string;
}

/**
 * prepare_bpf()'s choice over any compiler: the VLAN form first on Ethernet, then the plain
 * form; p0f's fatal errors when neither compiles. `tryRule` compiles (or installs) a rule and
 * returns null, or libpcap's error text. Used for live handles (pcap_setfilter) and files.
 */
export function chooseP0fRule(userRule: string | null, linktype: number,
                              tryRule: (rule: string, vlan: boolean) => string | null): RuleChoice {
  let vlan = linktype === DLT_EN10MB;
  for (;;) {
    const rule = p0fRule(userRule, vlan);
    const error = tryRule(rule, vlan);
    if (error === null) {
      const tag = vlan ? ' [+VLAN]' : '';
      const banner = userRule === null
        ? `[+] Default packet filtering configured${tag}.\n`
        : `[+] Custom filtering rule enabled: ${userRule}${tag}\n`;
      return { rule, vlan, banner };
    }
    if (vlan) {
      vlan = false;
      continue;
    }
    if (userRule === null) {
      throw new FilterFatalError('pcap_compile() didn\'t work, strange', 'prepare_bpf(), p0f.c:593', error);
    }
    throw new FilterFatalError('Syntax error! See \'man tcpdump\' for help on filters.', 'prepare_bpf(), p0f.c:595', error);
  }
}

/**
 * prepare_bpf() for a capture file: the compiled program p0f filters with. The default
 * rule comes from the precompiled table (no compiler needed); user rules go to `compile`:
 * the native addon's pcap_compile() when available, else `compileFilterWithTcpdump`.
 */
export function prepareP0fFilter(userRule: string | null, linktype: number, snaplen: number,
                                 compile: FilterCompiler = compileFilterWithTcpdump,
                                 opts: CompileOptions = {}): PreparedFilter {
  let program: BpfProgram | null = null;
  const choice = chooseP0fRule(userRule, linktype, (rule) => {
    if (userRule === null) {
      // The table holds the rule p0f settles on for each link type.
      program = defaultFilter(linktype, opts.swapped ?? false);
      return program === null ? defaultFilterError(linktype)! : null;
    }
    try {
      program = compile(rule, linktype, snaplen, opts);
      return null;
    } catch (e) {
      if (!(e instanceof BpfCompileError)) throw e;
      return e.message;
    }
  });
  return { program: program!, ...choice };
}
