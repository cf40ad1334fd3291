/**
 * p0f's prepare_bpf(): which BPF rule is actually compiled, its VLAN variant and fallback,
 * and the messages. Shared by live capture (compiling on the live handle) and by anything
 * else that compiles with libpcap's semantics (file captures through the addon or tcpdump).
 */
import { P0fFatalError } from '../errors.ts';

/** DLT_EN10MB: the only link type on which p0f asks for VLAN matching. */
export const DLT_EN10MB = 1;

/** The rule p0f compiles for a user rule (or none) with or without VLAN support. */
export function wrapFilterRule(rule: string | undefined, vlan: boolean): string {
  if (rule === undefined) return vlan ? 'tcp or (vlan and tcp)' : 'tcp';
  return vlan ? `(tcp and (${rule})) or (vlan and tcp and (${rule}))` : `tcp and (${rule})`;
}

export interface BpfChoice {
  /** The rule that compiled. */
  finalRule: string;
  vlan: boolean;
  /** p0f's "[+] ..." line (with its newline) for standard output. */
  message: string;
}

/**
 * Runs p0f's choice: the VLAN form first on Ethernet, then the plain form. `compile`
 * installs a rule and returns null, or returns libpcap's error text. On failure the
 * "[-] pcap_compile: <error>" line goes to `stderr` and p0f's FATAL is thrown.
 */
export function prepareBpf(rule: string | undefined, linktype: number,
                           compile: (finalRule: string) => string | null,
                           stderr: (s: string) => void): BpfChoice {
  let vlan = linktype === DLT_EN10MB;
  for (;;) {
    const finalRule = wrapFilterRule(rule, vlan);
    const err = compile(finalRule);
    if (err === null) {
      const tag = vlan ? ' [+VLAN]' : '';
      const message = rule === undefined
        ? `[+] Default packet filtering configured${tag}.\n`
        : `[+] Custom filtering rule enabled: ${rule}${tag}\n`;
      return { finalRule, vlan, message };
    }
    if (vlan) {
      vlan = false;
      continue;
    }
    // pcap_perror(pt, "[-] pcap_compile")
    stderr(`[-] pcap_compile: ${err}\n`);
    if (rule === undefined) throw new P0fFatalError("pcap_compile() didn't work, strange", 'prepare_bpf(), p0f.c:593');
    throw new P0fFatalError("Syntax error! See 'man tcpdump' for help on filters.", 'prepare_bpf(), p0f.c:595');
  }
}
