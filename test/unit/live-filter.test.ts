/**
 * p0f's prepare_bpf() choices (VLAN form, fallback, messages) and the -L listing format,
 * both without libpcap: the compile step is a stub here.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { P0fFatalError } from '../../src/errors.ts';
import { chooseP0fRule, FilterFatalError, p0fRule } from '../../src/capture/filter.ts';

const DLT_EN10MB = 1;
const wrapFilterRule = (rule: string | undefined, vlan: boolean) => p0fRule(rule ?? null, vlan);
/** The live form of the choice: compile errors surface in the fatal error's text. */
function prepareBpf(rule: string | undefined, lt: number, compile: (r: string) => string | null, stderr: (t: string) => void) {
  try {
    const c = chooseP0fRule(rule ?? null, lt, compile);
    return { ...c, message: c.banner, finalRule: c.rule };
  } catch (e) {
    if (e instanceof FilterFatalError) stderr(`[-] pcap_compile: ${e.libpcapMessage}\n`);
    throw e;
  }
}
import { formatIfaceAddr, formatInterfaceList } from '../../src/cli/live-interfaces.ts';

describe('wrapFilterRule', () => {
  test('default rules', () => {
    assert.equal(wrapFilterRule(undefined, true), 'tcp or (vlan and tcp)');
    assert.equal(wrapFilterRule(undefined, false), 'tcp');
  });
  test('user rule, VLAN and plain', () => {
    assert.equal(wrapFilterRule('port 80', true), '(tcp and (port 80)) or (vlan and tcp and (port 80))');
    assert.equal(wrapFilterRule('port 80', false), 'tcp and (port 80)');
  });
});

describe('prepareBpf', () => {
  const noErr = () => null;

  test('Ethernet, no rule: default with VLAN', () => {
    const seen: string[] = [];
    const r = prepareBpf(undefined, DLT_EN10MB, (x) => { seen.push(x); return null; }, () => assert.fail());
    assert.equal(r.message, '[+] Default packet filtering configured [+VLAN].\n');
    assert.deepEqual(seen, ['tcp or (vlan and tcp)']);
    assert.equal(r.vlan, true);
  });

  test('other link type: no VLAN form tried', () => {
    const seen: string[] = [];
    const r = prepareBpf('port 22', 113, (x) => { seen.push(x); return null; }, () => assert.fail());
    assert.deepEqual(seen, ['tcp and (port 22)']);
    assert.equal(r.message, '[+] Custom filtering rule enabled: port 22\n');
  });

  test('custom rule on Ethernet', () => {
    const r = prepareBpf('host 1.2.3.4', DLT_EN10MB, noErr, () => assert.fail());
    assert.equal(r.message, '[+] Custom filtering rule enabled: host 1.2.3.4 [+VLAN]\n');
  });

  test('VLAN form fails, plain form works: no [+VLAN], no error line', () => {
    const seen: string[] = [];
    const r = prepareBpf('x', DLT_EN10MB, (rule) => {
      seen.push(rule);
      return rule.includes('vlan') ? 'no vlan here' : null;
    }, () => assert.fail('no error printed'));
    assert.equal(seen.length, 2);
    assert.equal(r.vlan, false);
    assert.equal(r.message, '[+] Custom filtering rule enabled: x\n');
  });

  test('bad rule: pcap_compile line then the FATAL, with the last error', () => {
    let err = '';
    let n = 0;
    assert.throws(() => prepareBpf('tcp port (', DLT_EN10MB, () => `syntax error ${++n}`, (t) => { err += t; }),
      (e: unknown) => {
        assert.ok(e instanceof P0fFatalError);
        assert.equal(e.message, "Syntax error! See 'man tcpdump' for help on filters.");
        assert.equal(e.location, 'prepare_bpf(), p0f.c:595');
        return true;
      });
    assert.equal(err, '[-] pcap_compile: syntax error 2\n');
  });

  test('default rule failing is the "strange" FATAL', () => {
    assert.throws(() => prepareBpf(undefined, 0, () => 'bad', () => {}),
      (e: unknown) => e instanceof P0fFatalError && e.location === 'prepare_bpf(), p0f.c:593' &&
        e.message === "pcap_compile() didn't work, strange");
  });
});

describe('-L formatting', () => {
  test('addresses as p0f prints them', () => {
    assert.equal(formatIfaceAddr(4, Uint8Array.of(127, 0, 0, 1)), '127.0.0.1');
    const v6 = new Uint8Array(16);
    v6[0] = 0xfe; v6[1] = 0x80; v6[15] = 1; v6[14] = 0x0a;
    assert.equal(formatIfaceAddr(6, v6), 'fe80:0:0:0:0:0:0:a01');
  });

  test('list layout: index, description, first IPv4/IPv6 address, (none)', () => {
    const text = formatInterfaceList([
      { name: 'eth0', description: null, flags: 0, addrs: [{ family: -17 }, { family: 4, addr: Buffer.from([192, 0, 2, 2]) }] },
      { name: 'any', description: 'Pseudo-device that captures on all interfaces', flags: 0, addrs: [] },
    ]);
    assert.equal(text,
      '\n-- Available interfaces --\n' +
      '\n  0: Name        : eth0\n     Description : -\n     IP address  : 192.0.2.2\n' +
      '\n  1: Name        : any\n     Description : Pseudo-device that captures on all interfaces\n' +
      '     IP address  : (none)\n\n');
  });

  test('index is p0f\'s u8 counter', () => {
    const devs = Array.from({ length: 258 }, (_, i) => ({ name: `d${i}`, description: null, flags: 0, addrs: [] }));
    const text = formatInterfaceList(devs);
    assert.match(text, /\n255: Name        : d255\n/);
    assert.match(text, /\n  0: Name        : d256\n/);
    assert.match(text, /\n  1: Name        : d257\n/);
  });
});
