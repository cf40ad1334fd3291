/**
 * The BPF interpreter, program validation, p0f's default filters per link type and its
 * filter set-up messages; a differential test against libpcap (through tcpdump) when
 * tcpdump is installed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bpfFilter, bpfLength, bpfProgram, formatBpfDecimal, parseBpfDecimal, validateBpf } from '../../src/capture/bpf.ts';
import { DEFAULT_BY_DLT } from '../../src/capture/bpf-defaults.generated.ts';
import {
  BpfCompileError, compileFilterWithTcpdump, defaultFilter, defaultFilterError, defaultFilterRule, FilterFatalError,
  p0fRule, prepareP0fFilter,
} from '../../src/capture/filter.ts';
import { P0fFatalError } from '../../src/errors.ts';
import { cat, eth, ip4, ip6, parseAll, pcapFile, SYN, tcpSeg } from './capture-build.ts';

const HAVE_TCPDUMP = spawnSync('tcpdump', ['--version']).status === 0;
const skipNoTcpdump = HAVE_TCPDUMP ? false : 'tcpdump is not installed';

/** A program from [code, jt, jf, k] tuples. */
const prog = (...ins: [number, number, number, number][]) => bpfProgram(ins.flat());
const run = (p: ReturnType<typeof prog>, bytes: number[], wirelen = bytes.length) =>
  bpfFilter(p, Uint8Array.from(bytes), 0, bytes.length, wirelen);
const RET_A: [number, number, number, number] = [0x16, 0, 0, 0];

describe('bpf: interpreter', () => {
  it('loads words, halves and bytes big-endian, at an offset into the buffer', () => {
    const buf = Uint8Array.of(9, 9, 0x81, 0x00, 0x12, 0x34, 0xff);
    assert.equal(bpfFilter(prog([0x20, 0, 0, 0], RET_A), buf, 2, 5, 5), 0x81001234);
    assert.equal(bpfFilter(prog([0x28, 0, 0, 2], RET_A), buf, 2, 5, 5), 0x1234);
    assert.equal(bpfFilter(prog([0x30, 0, 0, 4], RET_A), buf, 2, 5, 5), 0xff);
  });

  it('rejects (returns 0) when a load leaves the captured bytes', () => {
    const b = [1, 2, 3, 4, 5, 6];
    assert.equal(run(prog([0x20, 0, 0, 2], RET_A), b), 0x03040506);
    assert.equal(run(prog([0x20, 0, 0, 3], [0x06, 0, 0, 1]), b), 0);
    assert.equal(run(prog([0x28, 0, 0, 5], [0x06, 0, 0, 1]), b), 0);
    assert.equal(run(prog([0x30, 0, 0, 6], [0x06, 0, 0, 1]), b), 0);
    assert.equal(run(prog([0x30, 0, 0, 0xfffff02c], [0x06, 0, 0, 1]), b), 0); // Linux ancillary data
    assert.equal(run(prog([0x20, 0, 0, 0xfffffffe], [0x06, 0, 0, 1]), b), 0);
    // Indirect loads: X + k, both parts checked.
    assert.equal(run(prog([0x01, 0, 0, 2], [0x40, 0, 0, 0], RET_A), b), 0x03040506);
    assert.equal(run(prog([0x01, 0, 0, 3], [0x40, 0, 0, 0], [0x06, 0, 0, 1]), b), 0);
    assert.equal(run(prog([0x01, 0, 0, 0xffffffff], [0x48, 0, 0, 2], [0x06, 0, 0, 1]), b), 0);
    assert.equal(run(prog([0x01, 0, 0, 4], [0x48, 0, 0, 0], RET_A), b), 0x0506);
    assert.equal(run(prog([0x01, 0, 0, 5], [0x50, 0, 0, 0], RET_A), b), 6);
    assert.equal(run(prog([0x01, 0, 0, 5], [0x50, 0, 0, 1], [0x06, 0, 0, 1]), b), 0);
    assert.equal(run(prog([0xb1, 0, 0, 6], [0x06, 0, 0, 1]), b), 0);
  });

  it('ldx 4*([k]&0xf), len, immediates and scratch memory', () => {
    const b = [0x45, 0, 0, 0];
    assert.equal(run(prog([0xb1, 0, 0, 0], [0x87, 0, 0, 0], RET_A), b), 20);
    assert.equal(run(prog([0x80, 0, 0, 0], RET_A), b, 1514), 1514);
    assert.equal(run(prog([0x81, 0, 0, 0], [0x87, 0, 0, 0], RET_A), b, 99), 99);
    assert.equal(run(prog([0x00, 0, 0, 0xdeadbeef], [0x02, 0, 0, 15], [0x00, 0, 0, 0], [0x61, 0, 0, 15], [0x87, 0, 0, 0], RET_A), b), 0xdeadbeef);
    assert.equal(run(prog([0x01, 0, 0, 7], [0x03, 0, 0, 3], [0x60, 0, 0, 3], RET_A), b), 7);
  });

  it('ALU operations are unsigned 32-bit', () => {
    const alu = (a: number, op: number, k: number) => run(prog([0x00, 0, 0, a], [0x04 | op, 0, 0, k], RET_A), []);
    const aluX = (a: number, op: number, x: number) => run(prog([0x01, 0, 0, x], [0x00, 0, 0, a], [0x0c | op, 0, 0, 0], RET_A), []);
    const cases: [number, number, number, number][] = [
      [0xffffffff, 0x00, 2, 1], [1, 0x10, 2, 0xffffffff], [0x10000, 0x20, 0x10000, 0], [0xfffffffe, 0x20, 3, 0xfffffffa],
      [7, 0x30, 2, 3], [0xffffffff, 0x30, 0x10, 0x0fffffff], [7, 0x90, 4, 3], [0xf0, 0x40, 0x0f, 0xff], [0xff, 0x50, 0x0f, 0x0f],
      [0xff, 0xa0, 0x0f, 0xf0], [1, 0x60, 31, 0x80000000], [0x80000000, 0x70, 31, 1],
    ];
    for (const [a, op, k, want] of cases) {
      assert.equal(alu(a, op, k), want, `op 0x${op.toString(16)} k`);
      assert.equal(aluX(a, op, k), want, `op 0x${op.toString(16)} x`);
    }
    assert.equal(run(prog([0x00, 0, 0, 5], [0x84, 0, 0, 0], RET_A), []), 0xfffffffb);
    assert.equal(aluX(1, 0x60, 32), 0);
    assert.equal(aluX(0x80000000, 0x70, 40), 0);
    // Division or modulo by X = 0 rejects the packet.
    assert.equal(aluX(5, 0x30, 0), 0);
    assert.equal(aluX(5, 0x90, 0), 0);
  });

  it('jumps: ja, jeq/jgt/jge/jset against k and x, unsigned compares', () => {
    const j = (a: number, code: number, k: number) =>
      run(prog([0x00, 0, 0, a], [0x01, 0, 0, k], [code, 0, 1, k], [0x06, 0, 0, 1], [0x06, 0, 0, 2]), []);
    assert.equal(j(5, 0x15, 5), 1);
    assert.equal(j(5, 0x15, 6), 2);
    assert.equal(j(0xffffffff, 0x25, 1), 1); // unsigned
    assert.equal(j(5, 0x25, 5), 2);
    assert.equal(j(5, 0x35, 5), 1);
    assert.equal(j(4, 0x35, 5), 2);
    assert.equal(j(6, 0x45, 2), 1);
    assert.equal(j(5, 0x45, 2), 2);
    assert.equal(j(5, 0x1d, 5), 1);
    assert.equal(j(0x80000000, 0x2d, 5), 1);
    assert.equal(j(5, 0x3d, 6), 2);
    assert.equal(j(6, 0x4d, 2), 1);
    assert.equal(run(prog([0x05, 0, 0, 1], [0x06, 0, 0, 1], [0x06, 0, 0, 9]), []), 9);
    assert.equal(run(prog([0x00, 0, 0, 0x80000000], [0x06 | 0x10, 0, 0, 0]), []), 0x80000000);
  });
});

describe('bpf: validation and listings', () => {
  it('rejects unsafe programs (libpcap pcap_validate_filter and unknown opcodes)', () => {
    assert.match(validateBpf([]) ?? '', /empty/);
    assert.match(validateBpf([0x06, 0, 0]) ?? '', /multiple of 4/);
    assert.match(validateBpf([0x15, 1, 0, 0, 0x06, 0, 0, 0]) ?? '', /jump out of range/);
    assert.match(validateBpf([0x05, 0, 0, 1, 0x06, 0, 0, 0]) ?? '', /jump out of range/);
    assert.match(validateBpf([0x05, 0, 0, 0xffffffff, 0x06, 0, 0, 0]) ?? '', /jump out of range/);
    assert.match(validateBpf([0x60, 0, 0, 16, 0x06, 0, 0, 0]) ?? '', /scratch/);
    assert.match(validateBpf([0x02, 0, 0, 16, 0x06, 0, 0, 0]) ?? '', /scratch/);
    assert.match(validateBpf([0x34, 0, 0, 0, 0x06, 0, 0, 0]) ?? '', /division by zero/);
    assert.match(validateBpf([0x94, 0, 0, 0, 0x06, 0, 0, 0]) ?? '', /division by zero/);
    assert.match(validateBpf([0x00, 0, 0, 0]) ?? '', /return/);
    assert.match(validateBpf([0x38, 0, 0, 0, 0x06, 0, 0, 0]) ?? '', /unknown opcode/);
    assert.match(validateBpf([0x0e, 0, 0, 0]) ?? '', /unknown opcode/);
    assert.match(validateBpf([0x06, 256, 0, 0]) ?? '', /bad jt/);
    assert.match(validateBpf([0x06, 0, 0, -1]) ?? '', /bad k/);
    assert.equal(validateBpf([0x06, 0, 0, 0]), null);
    assert.throws(() => bpfProgram([0x00, 0, 0, 0]), /invalid BPF program/);
  });

  it('reads and writes tcpdump -ddd listings', () => {
    const text = '3\n40 0 0 12\n21 0 1 2048\n6 0 0 262144\n';
    // (not valid: the jf of 1 from instruction 1 goes past the end)
    assert.throws(() => parseBpfDecimal(text), /invalid BPF program/);
    const ok = '4\n40 0 0 12\n21 0 1 2048\n6 0 0 262144\n6 0 0 0\n';
    const p = parseBpfDecimal(ok);
    assert.equal(bpfLength(p), 4);
    assert.equal(formatBpfDecimal(p), ok);
    assert.throws(() => parseBpfDecimal('2\n6 0 0 0\n'), /count/);
    assert.throws(() => parseBpfDecimal('1\n6 0 0\n'), /malformed/);
    assert.throws(() => parseBpfDecimal(''), /empty/);
  });
});

describe('bpf: p0f default filters', () => {
  const frame = (p: Uint8Array) => p;
  const synV4 = ip4(tcpSeg({ flags: SYN }));
  const synV6 = ip6(tcpSeg({ flags: SYN }));
  const udp = ip4(Buffer.alloc(8), { proto: 17 });
  const pass = (dlt: number, b: Uint8Array, swapped = false) => bpfFilter(defaultFilter(dlt, swapped)!, b, 0, b.length, b.length) !== 0;

  it('Ethernet: TCP over IPv4/IPv6, one VLAN tag of any TPID; not UDP, not QinQ, not cut short', () => {
    assert.equal(defaultFilterRule(1), 'tcp or (vlan and tcp)');
    assert.equal(defaultFilterRule(113), 'tcp');
    assert.ok(pass(1, eth(synV4)));
    assert.ok(pass(1, eth(synV6, 0x86dd)));
    assert.ok(pass(1, eth(ip6(cat(Uint8Array.of(6, 0, 0, 0, 0, 0, 0, 1), tcpSeg()), { nxt: 44 }), 0x86dd))); // fragment header
    assert.ok(!pass(1, eth(udp)));
    for (const tpid of [0x8100, 0x88a8, 0x9100]) assert.ok(pass(1, eth(synV4, 0x0800, [[tpid, 5]])), tpid.toString(16));
    assert.ok(!pass(1, eth(synV4, 0x0800, [[0x88a8, 5], [0x8100, 6]])));
    assert.ok(!pass(1, eth(synV4).subarray(0, 23)));
  });

  it('the DLT_NULL program depends on the file byte order', () => {
    const le = Buffer.from([2, 0, 0, 0]);
    const be = Buffer.from([0, 0, 0, 2]);
    assert.ok(pass(0, cat(le, synV4)));
    assert.ok(!pass(0, cat(be, synV4)));
    assert.ok(pass(0, cat(be, synV4), true));
    for (const af of [24, 28, 30]) assert.ok(pass(0, cat(Buffer.from([af, 0, 0, 0]), synV6)), `AF ${af}`);
    assert.ok(!pass(0, cat(Buffer.from([10, 0, 0, 0]), synV6)));
    assert.notEqual(defaultFilter(0, false), defaultFilter(0, true));
    assert.equal(defaultFilter(1, false), defaultFilter(1, true));
  });

  it('other link types see IP where libpcap puts it', () => {
    assert.ok(pass(113, cat(Buffer.alloc(14), Buffer.from([8, 0]), synV4)));
    assert.ok(pass(276, cat(Buffer.from([0x86, 0xdd]), Buffer.alloc(18), synV6)));
    assert.ok(pass(12, frame(synV4)) && pass(12, synV6));
    assert.ok(pass(228, synV4) && pass(229, synV6) && !pass(228, udp));
  });

  it('knows libpcap\'s message for link types it cannot filter', () => {
    assert.equal(defaultFilter(239), null);
    assert.equal(defaultFilterError(239), 'NFLOG link-layer type filtering not implemented');
    assert.equal(defaultFilterError(258), 'Apple DLT_PKTAP link-layer type filtering not implemented');
    assert.equal(defaultFilterError(114), 'expression rejects all packets');
    assert.equal(defaultFilterError(147), 'DLT 147 link-layer type filtering not implemented');
    assert.equal(defaultFilterError(5), 'unknown data link type 5 (min 104, max 289)');
    assert.equal(defaultFilterError(101), 'unknown data link type 101 (min 104, max 289)');
    assert.equal(defaultFilterError(290), 'unknown data link type 290 (min 104, max 289)');
    assert.equal(defaultFilterError(65535), 'unknown data link type 65535 (min 104, max 289)');
    assert.equal(defaultFilterError(1), null);
  });

  it('prepareP0fFilter: p0f\'s banners', () => {
    const never = () => assert.fail('no compile for the default rule');
    assert.equal(prepareP0fFilter(null, 1, 65535, never).banner, '[+] Default packet filtering configured [+VLAN].\n');
    assert.equal(prepareP0fFilter(null, 113, 65535, never).banner, '[+] Default packet filtering configured.\n');
    const seen: string[] = [];
    const fake = (rule: string) => { seen.push(rule); return bpfProgram([6, 0, 0, 1]); };
    const r = prepareP0fFilter('port 80', 1, 65535, fake);
    assert.deepEqual([r.banner, r.vlan, r.rule], ['[+] Custom filtering rule enabled: port 80 [+VLAN]\n', true,
      '(tcp and (port 80)) or (vlan and tcp and (port 80))']);
    assert.equal(prepareP0fFilter('port 80', 12, 65535, fake).banner, '[+] Custom filtering rule enabled: port 80\n');
    assert.deepEqual(seen, ['(tcp and (port 80)) or (vlan and tcp and (port 80))', 'tcp and (port 80)']);
    assert.equal(p0fRule(null, false), 'tcp');
  });

  it('prepareP0fFilter: retries without VLAN, then aborts as p0f does', () => {
    const seen: string[] = [];
    const vlanless = (rule: string) => {
      seen.push(rule);
      if (rule.includes('vlan')) throw new BpfCompileError('no vlan here');
      return bpfProgram([6, 0, 0, 1]);
    };
    const r = prepareP0fFilter('host 1.2.3.4', 1, 65535, vlanless);
    assert.equal(r.banner, '[+] Custom filtering rule enabled: host 1.2.3.4\n');
    assert.equal(seen.length, 2);
    const failing = () => { throw new BpfCompileError('can\'t parse filter expression: syntax error'); };
    assert.throws(() => prepareP0fFilter('port 80 and (', 1, 65535, failing), (e: unknown) => {
      assert.ok(e instanceof FilterFatalError && e instanceof P0fFatalError);
      assert.equal(e.format(), '[-] pcap_compile: can\'t parse filter expression: syntax error\n' +
        '[-] PROGRAM ABORT : Syntax error! See \'man tcpdump\' for help on filters.\n' +
        '         Location : prepare_bpf(), p0f.c:595\n\n');
      return true;
    });
    assert.throws(() => prepareP0fFilter('x', 1, 65535, () => { throw new Error('boom'); }), /boom/);
  });

  it('prepareP0fFilter: NFLOG and PKTAP abort with p0f\'s text (corpus no_observation outputs)', () => {
    for (const [dlt, text] of [[239, 'NFLOG'], [258, 'Apple DLT_PKTAP']] as const) {
      assert.throws(() => prepareP0fFilter(null, dlt, 65535), (e: unknown) => {
        assert.ok(e instanceof FilterFatalError);
        assert.equal(e.format(), `[-] pcap_compile: ${text} link-layer type filtering not implemented\n` +
          '[-] PROGRAM ABORT : pcap_compile() didn\'t work, strange\n         Location : prepare_bpf(), p0f.c:593\n\n');
        return true;
      });
    }
  });
});

describe('bpf: against libpcap', { skip: skipNoTcpdump }, () => {
  it('the generated table is what this libpcap compiles (sample of link types, both byte orders)', () => {
    for (const dlt of [0, 1, 9, 10, 12, 104, 105, 108, 109, 113, 117, 127, 228, 229, 276]) {
      for (const swapped of [false, true]) {
        const want = compileFilterWithTcpdump(defaultFilterRule(dlt), dlt, 262144, { swapped });
        assert.deepEqual(defaultFilter(dlt, swapped)!.insns, want.insns, `DLT ${dlt} swapped ${swapped}`);
      }
    }
    assert.equal(Object.keys(DEFAULT_BY_DLT).length, 61);
  });

  it('compileFilterWithTcpdump reports libpcap\'s errors', () => {
    assert.throws(() => compileFilterWithTcpdump('tcp and (', 1, 65535), { name: 'BpfCompileError', message: 'can\'t parse filter expression: syntax error' });
    assert.throws(() => compileFilterWithTcpdump('tcp', 239, 65535), { message: 'NFLOG link-layer type filtering not implemented' });
    assert.throws(() => compileFilterWithTcpdump('tcp and (ether host 1:2:3:4:5:6)', 228, 65535),
      { message: 'ethernet addresses supported only on ethernet/FDDI/token ring/802.11/ATM LANE/Fibre Channel' });
    assert.throws(() => compileFilterWithTcpdump('tcp and (vlan 5)', 1, 65535), { message: 'expression rejects all packets' });
    assert.throws(() => compileFilterWithTcpdump('tcp', 106, 65535), /cannot be expressed/);
    // The snapshot length is the accept value.
    const p = compileFilterWithTcpdump('tcp', 12, 1234);
    assert.equal(p.insns[p.insns.length - 5], 1234);
    // A rule starting with '-' is not taken for an option.
    assert.throws(() => compileFilterWithTcpdump('-x', 1, 65535), BpfCompileError);
  });

  it('accepts exactly the packets libpcap accepts (differential, many opcodes)', () => {
    const rules = [
      'tcp or (vlan and tcp)', 'tcp and port 80', 'tcp[13] & 2 != 0', 'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn',
      'ip[2:2] > 60', 'len > 90', 'len <= 80', 'net 10.0.0.0/8', 'ip6 and tcp', 'ip[6] & 0x40 != 0',
      'tcp[(tcp[12]>>4)*4:4] = 0x47455420', 'ip[1] % 3 = 1', 'ip[8] * 2 - 1 > 100', 'ip[8] / 3 < 20',
      'ip[8] ^ 0xff > 0xbf', '(ip[8] << 2) >> 1 > 128', 'ip[2:2] - ip[0] & 0xf * 4 > 40', 'tcp[4:4] & 0xff00ff00 = 0',
      'ip6[40+13] & 2 != 0', 'ip6 or (vlan and ip6)', 'not tcp', 'ether[len - 1] = 0', 'ip[9] + 0 - 6 = 0 and ip[0] | 0 = 0x45',
    ];
    const rnd = (() => { let s = 12345; return () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x80000000; })();
    const packets: Buffer[] = [];
    for (let i = 0; i < 400; i++) {
      const v6 = rnd() < 0.3;
      const seg = tcpSeg({ sport: 1 + ((rnd() * 65000) | 0), dport: rnd() < 0.5 ? 80 : 443, flags: (rnd() * 256) | 0,
        opts: Array.from({ length: (rnd() * 20) | 0 }, () => (rnd() * 256) | 0),
        payload: rnd() < 0.3 ? Buffer.from('GET / HTTP/1.1\r\n') : Buffer.alloc((rnd() * 40) | 0) });
      let ip = v6 ? ip6(seg) : ip4(seg, { ttl: (rnd() * 256) | 0, tos: (rnd() * 256) | 0, proto: rnd() < 0.8 ? 6 : 17,
        src: rnd() < 0.5 ? [10, 1, 2, 3] : [192, 168, 0, 1], flagsOff: rnd() < 0.8 ? 0x4000 : 0x2001 });
      if (rnd() < 0.1) ip = ip.subarray(0, (rnd() * ip.length) | 0);
      let f = rnd() < 0.2 ? eth(ip, v6 ? 0x86dd : 0x0800, [[[0x8100, 0x88a8, 0x9100][(rnd() * 3) | 0]!, 7]]) : eth(ip, v6 ? 0x86dd : 0x0800);
      // Random byte flips.
      if (rnd() < 0.3) { f = Buffer.from(f); f[(rnd() * f.length) | 0] = (rnd() * 256) | 0; }
      packets.push(f);
    }
    const dir = mkdtempSync(join(tmpdir(), 'bpf-diff-'));
    try {
      const input = join(dir, 'in.pcap');
      // Distinct seconds identify packets; some records are cut short (caplen < len).
      writeFileSync(input, pcapFile({ snaplen: 65535 }, packets.map((d, i) => ({ sec: i, data: d, len: d.length + (i % 7 === 0 ? 10 : 0) }))));
      for (const rule of rules) {
        const out = join(dir, 'out.pcap');
        const r = spawnSync('tcpdump', ['-r', input, '-w', out, rule], { encoding: 'latin1' });
        assert.equal(r.status, 0, `${rule}: ${r.stderr}`);
        const want = new Set(parseAll(readFileSync(out)).packets.map((p) => p.sec));
        const prog = compileFilterWithTcpdump(rule, 1, 65535);
        const got = new Set<number>();
        parseAll(readFileSync(input)).packets.forEach((p) => {
          if (bpfFilter(prog, p.data, 0, p.caplen, p.wirelen) !== 0) got.add(p.sec);
        });
        assert.deepEqual([...got].sort((a, b) => a - b), [...want].sort((a, b) => a - b), rule);
        if (process.env.BPF_DIFF_VERBOSE) console.log(rule, want.size);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
