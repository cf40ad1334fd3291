/**
 * Classic BPF: program representation, validation and an interpreter with libpcap's
 * userland semantics (bpf_filter.c, `pcap_filter()`): a load outside the captured bytes
 * makes the program return 0 (reject), as does division by zero; the accumulator and
 * index register are unsigned 32-bit; `len` loads the wire length.
 *
 * A program is four 32-bit words per instruction (code, jt, jf, k), the layout the
 * native addon's `compileFilter()` returns and `tcpdump -ddd` prints.
 */

export interface BpfProgram {
  /** code, jt, jf, k for each instruction, in order. */
  readonly insns: Uint32Array;
}

// Instruction classes, sizes, modes and operations (bpf.h).
const BPF_LD = 0x00;
const BPF_LDX = 0x01;
const BPF_ST = 0x02;
const BPF_STX = 0x03;
const BPF_ALU = 0x04;
const BPF_JMP = 0x05;
const BPF_RET = 0x06;
const BPF_MISC = 0x07;

const BPF_W = 0x00;
const BPF_H = 0x08;
const BPF_B = 0x10;

const BPF_IMM = 0x00;
const BPF_ABS = 0x20;
const BPF_IND = 0x40;
const BPF_MEM = 0x60;
const BPF_LEN = 0x80;
const BPF_MSH = 0xa0;

const BPF_ADD = 0x00;
const BPF_SUB = 0x10;
const BPF_MUL = 0x20;
const BPF_DIV = 0x30;
const BPF_OR = 0x40;
const BPF_AND = 0x50;
const BPF_LSH = 0x60;
const BPF_RSH = 0x70;
const BPF_NEG = 0x80;
const BPF_MOD = 0x90;
const BPF_XOR = 0xa0;

const BPF_JA = 0x00;
const BPF_JEQ = 0x10;
const BPF_JGT = 0x20;
const BPF_JGE = 0x30;
const BPF_JSET = 0x40;

const BPF_K = 0x00;
const BPF_X = 0x08;
const BPF_A = 0x10;

const BPF_TAX = 0x00;
const BPF_TXA = 0x80;

const BPF_MEMWORDS = 16;

/** Every opcode the interpreter implements (and libpcap's optimizer can emit). */
const VALID = new Set<number>([
  BPF_LD | BPF_W | BPF_ABS, BPF_LD | BPF_H | BPF_ABS, BPF_LD | BPF_B | BPF_ABS,
  BPF_LD | BPF_W | BPF_IND, BPF_LD | BPF_H | BPF_IND, BPF_LD | BPF_B | BPF_IND,
  BPF_LD | BPF_W | BPF_LEN, BPF_LDX | BPF_W | BPF_LEN,
  BPF_LD | BPF_IMM, BPF_LDX | BPF_IMM, BPF_LD | BPF_MEM, BPF_LDX | BPF_MEM,
  BPF_LDX | BPF_MSH | BPF_B, BPF_ST, BPF_STX,
  BPF_RET | BPF_K, BPF_RET | BPF_A,
  BPF_JMP | BPF_JA,
  BPF_JMP | BPF_JEQ | BPF_K, BPF_JMP | BPF_JGT | BPF_K, BPF_JMP | BPF_JGE | BPF_K, BPF_JMP | BPF_JSET | BPF_K,
  BPF_JMP | BPF_JEQ | BPF_X, BPF_JMP | BPF_JGT | BPF_X, BPF_JMP | BPF_JGE | BPF_X, BPF_JMP | BPF_JSET | BPF_X,
  ...[BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_MOD, BPF_OR, BPF_AND, BPF_XOR, BPF_LSH, BPF_RSH]
    .flatMap((op) => [BPF_ALU | op | BPF_K, BPF_ALU | op | BPF_X]),
  BPF_ALU | BPF_NEG, BPF_MISC | BPF_TAX, BPF_MISC | BPF_TXA,
]);

/**
 * Why a program is unsafe to run, or null if it is fine: libpcap's `pcap_validate_filter()`
 * (jumps inside the program, scratch memory indexes below 16, no division by a constant
 * zero, ends with a return), plus: every opcode must be one the interpreter knows (libpcap
 * would abort() on the others) and jt/jf must be bytes.
 */
export function validateBpf(insns: ArrayLike<number>): string | null {
  if (insns.length % 4 !== 0) return 'program length is not a multiple of 4 words';
  const n = insns.length / 4;
  if (n < 1) return 'empty program';
  for (let i = 0; i < n; i++) {
    const code = insns[i * 4]!;
    const jt = insns[i * 4 + 1]!;
    const jf = insns[i * 4 + 2]!;
    const k = insns[i * 4 + 3]!;
    for (const [name, v, max] of [['code', code, 0xffff], ['jt', jt, 0xff], ['jf', jf, 0xff], ['k', k, 0xffffffff]] as const) {
      if (!Number.isInteger(v) || v < 0 || v > max) return `instruction ${i}: bad ${name} ${v}`;
    }
    if (!VALID.has(code)) return `instruction ${i}: unknown opcode 0x${code.toString(16)}`;
    const cls = code & 0x07;
    const mode = code & 0xe0;
    if ((cls === BPF_LD || cls === BPF_LDX) && mode === BPF_MEM && k >= BPF_MEMWORDS) {
      return `instruction ${i}: scratch memory index ${k} out of range`;
    }
    if ((cls === BPF_ST || cls === BPF_STX) && k >= BPF_MEMWORDS) {
      return `instruction ${i}: scratch memory index ${k} out of range`;
    }
    if (cls === BPF_ALU && ((code & 0xf0) === BPF_DIV || (code & 0xf0) === BPF_MOD) &&
        (code & 0x08) === BPF_K && k === 0) {
      return `instruction ${i}: division by zero`;
    }
    if (cls === BPF_JMP) {
      const from = i + 1;
      if ((code & 0xf0) === BPF_JA) {
        if (from + k >= n) return `instruction ${i}: jump out of range`;
      } else if (from + jt >= n || from + jf >= n) {
        return `instruction ${i}: jump out of range`;
      }
    }
  }
  if ((insns[(n - 1) * 4]! & 0x07) !== BPF_RET) return 'program does not end with a return';
  return null;
}

/** Build a program from code/jt/jf/k words; throws if it does not validate. */
export function bpfProgram(insns: ArrayLike<number>): BpfProgram {
  const why = validateBpf(insns);
  if (why !== null) throw new Error(`invalid BPF program: ${why}`);
  return { insns: Uint32Array.from(insns) };
}

/** The program's length in instructions. */
export function bpfLength(prog: BpfProgram): number {
  return prog.insns.length >> 2;
}

/** Scratch memory, shared: programs run synchronously and never re-enter. */
const mem = new Uint32Array(BPF_MEMWORDS);

/**
 * Run a (validated) program over `buf[off .. off + caplen)` whose length on the wire was
 * `wirelen`. Returns the program's result: 0 rejects the packet, anything else accepts it
 * (libpcap passes it on whole for savefiles; the value is a snapshot length).
 */
export function bpfFilter(prog: BpfProgram, buf: Uint8Array, off: number, caplen: number, wirelen: number): number {
  const ins = prog.insns;
  let A = 0;
  let X = 0;
  let pc = 0;
  for (;;) {
    const i = pc << 2;
    const code = ins[i]!;
    const k = ins[i + 3]!;
    pc++;
    switch (code) {
      case BPF_RET | BPF_K:
        return k;
      case BPF_RET | BPF_A:
        return A;

      case BPF_LD | BPF_W | BPF_ABS:
        if (k > caplen || 4 > caplen - k) return 0;
        A = ((buf[off + k]! << 24) | (buf[off + k + 1]! << 16) | (buf[off + k + 2]! << 8) | buf[off + k + 3]!) >>> 0;
        continue;
      case BPF_LD | BPF_H | BPF_ABS:
        if (k > caplen || 2 > caplen - k) return 0;
        A = (buf[off + k]! << 8) | buf[off + k + 1]!;
        continue;
      case BPF_LD | BPF_B | BPF_ABS:
        // (Linux's negative "ancillary data" offsets land here too, out of range: 0.)
        if (k >= caplen) return 0;
        A = buf[off + k]!;
        continue;
      case BPF_LD | BPF_W | BPF_LEN:
        A = wirelen >>> 0;
        continue;
      case BPF_LDX | BPF_W | BPF_LEN:
        X = wirelen >>> 0;
        continue;
      case BPF_LD | BPF_W | BPF_IND: {
        const p = X + k;
        if (k > caplen || X > caplen - k || 4 > caplen - p) return 0;
        A = ((buf[off + p]! << 24) | (buf[off + p + 1]! << 16) | (buf[off + p + 2]! << 8) | buf[off + p + 3]!) >>> 0;
        continue;
      }
      case BPF_LD | BPF_H | BPF_IND: {
        const p = X + k;
        if (X > caplen || k > caplen - X || 2 > caplen - p) return 0;
        A = (buf[off + p]! << 8) | buf[off + p + 1]!;
        continue;
      }
      case BPF_LD | BPF_B | BPF_IND:
        if (k >= caplen || X >= caplen - k) return 0;
        A = buf[off + X + k]!;
        continue;
      case BPF_LDX | BPF_MSH | BPF_B:
        if (k >= caplen) return 0;
        X = (buf[off + k]! & 0xf) << 2;
        continue;
      case BPF_LD | BPF_IMM:
        A = k;
        continue;
      case BPF_LDX | BPF_IMM:
        X = k;
        continue;
      case BPF_LD | BPF_MEM:
        A = mem[k]!;
        continue;
      case BPF_LDX | BPF_MEM:
        X = mem[k]!;
        continue;
      case BPF_ST:
        mem[k] = A;
        continue;
      case BPF_STX:
        mem[k] = X;
        continue;

      case BPF_JMP | BPF_JA:
        pc += k;
        continue;
      case BPF_JMP | BPF_JGT | BPF_K:
        pc += A > k ? ins[i + 1]! : ins[i + 2]!;
        continue;
      case BPF_JMP | BPF_JGE | BPF_K:
        pc += A >= k ? ins[i + 1]! : ins[i + 2]!;
        continue;
      case BPF_JMP | BPF_JEQ | BPF_K:
        pc += A === k ? ins[i + 1]! : ins[i + 2]!;
        continue;
      case BPF_JMP | BPF_JSET | BPF_K:
        pc += (A & k) !== 0 ? ins[i + 1]! : ins[i + 2]!;
        continue;
      case BPF_JMP | BPF_JGT | BPF_X:
        pc += A > X ? ins[i + 1]! : ins[i + 2]!;
        continue;
      case BPF_JMP | BPF_JGE | BPF_X:
        pc += A >= X ? ins[i + 1]! : ins[i + 2]!;
        continue;
      case BPF_JMP | BPF_JEQ | BPF_X:
        pc += A === X ? ins[i + 1]! : ins[i + 2]!;
        continue;
      case BPF_JMP | BPF_JSET | BPF_X:
        pc += (A & X) !== 0 ? ins[i + 1]! : ins[i + 2]!;
        continue;

      case BPF_ALU | BPF_ADD | BPF_X: A = (A + X) >>> 0; continue;
      case BPF_ALU | BPF_SUB | BPF_X: A = (A - X) >>> 0; continue;
      case BPF_ALU | BPF_MUL | BPF_X: A = Math.imul(A, X) >>> 0; continue;
      case BPF_ALU | BPF_DIV | BPF_X:
        if (X === 0) return 0;
        A = Math.floor(A / X) >>> 0;
        continue;
      case BPF_ALU | BPF_MOD | BPF_X:
        if (X === 0) return 0;
        A = (A % X) >>> 0;
        continue;
      case BPF_ALU | BPF_AND | BPF_X: A = (A & X) >>> 0; continue;
      case BPF_ALU | BPF_OR | BPF_X: A = (A | X) >>> 0; continue;
      case BPF_ALU | BPF_XOR | BPF_X: A = (A ^ X) >>> 0; continue;
      case BPF_ALU | BPF_LSH | BPF_X: A = X < 32 ? (A << X) >>> 0 : 0; continue;
      case BPF_ALU | BPF_RSH | BPF_X: A = X < 32 ? A >>> X : 0; continue;
      case BPF_ALU | BPF_ADD | BPF_K: A = (A + k) >>> 0; continue;
      case BPF_ALU | BPF_SUB | BPF_K: A = (A - k) >>> 0; continue;
      case BPF_ALU | BPF_MUL | BPF_K: A = Math.imul(A, k) >>> 0; continue;
      case BPF_ALU | BPF_DIV | BPF_K:
        if (k === 0) return 0;
        A = Math.floor(A / k) >>> 0;
        continue;
      case BPF_ALU | BPF_MOD | BPF_K:
        if (k === 0) return 0;
        A = (A % k) >>> 0;
        continue;
      case BPF_ALU | BPF_AND | BPF_K: A = (A & k) >>> 0; continue;
      case BPF_ALU | BPF_OR | BPF_K: A = (A | k) >>> 0; continue;
      case BPF_ALU | BPF_XOR | BPF_K: A = (A ^ k) >>> 0; continue;
      // A shift by 32 or more is undefined in C; x86 (and JavaScript) use the count mod 32.
      case BPF_ALU | BPF_LSH | BPF_K: A = (A << k) >>> 0; continue;
      case BPF_ALU | BPF_RSH | BPF_K: A = A >>> k; continue;
      case BPF_ALU | BPF_NEG: A = (0 - A) >>> 0; continue;

      case BPF_MISC | BPF_TAX: X = A; continue;
      case BPF_MISC | BPF_TXA: A = X; continue;

      default:
        // Unreachable for validated programs; reject rather than abort().
        return 0;
    }
  }
}

/** Parse `tcpdump -ddd` output: a count line, then "code jt jf k" per instruction. */
export function parseBpfDecimal(text: string): BpfProgram {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines.length === 0) throw new Error('empty BPF listing');
  const n = Number(lines[0]);
  if (!Number.isInteger(n) || n !== lines.length - 1) throw new Error('malformed BPF listing: bad instruction count');
  const words: number[] = [];
  for (const l of lines.slice(1)) {
    const parts = l.split(/\s+/).map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p))) throw new Error(`malformed BPF instruction: ${l}`);
    words.push(...parts);
  }
  return bpfProgram(words);
}

/** The inverse of parseBpfDecimal (tcpdump -ddd format). */
export function formatBpfDecimal(prog: BpfProgram): string {
  const n = bpfLength(prog);
  let s = `${n}\n`;
  for (let i = 0; i < n; i++) {
    const w = prog.insns;
    s += `${w[i * 4]} ${w[i * 4 + 1]} ${w[i * 4 + 2]} ${w[i * 4 + 3]}\n`;
  }
  return s;
}
