#!/usr/bin/env python3
"""Crafted captures for the capture/decode unit tests (test/fixtures/decode/).

Every byte is built here with struct (no other capture is copied); output is deterministic.
Then run p0f 3.09b over them for the truth the tests compare against:

    python3 scripts/capture-fixtures/gen_decode_fixtures.py
    CAPDIR=test/fixtures/decode scripts/fixtures/p0f-truth.sh

Files:
  tcpip-oracle.pcap   ~600 SYN packets (IPv4 and IPv6 over Ethernet) with every option
                      shape, malformation and quirk p0f's parser looks at; each has its own
                      source port so p0f's raw_sig for it can be matched to our decode.
  link-<name>.pcap    a few SYNs on one link type each (the link-offset rules).
  fmt-<name>.*        the same small flow in each capture-file variant.
"""
import os
import random
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.environ.get("DECODE_FIXTURES", os.path.join(HERE, "..", "..", "test", "fixtures", "decode"))

T0 = 1709294400  # 2024-03-01 12:00:00 UTC

FIN, SYN, RST, PSH, ACK, URG, ECE, CWR = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80


def csum16(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def tcp(sport, dport, seq, ack, flags, win, opts=b"", payload=b"", urg=0, ns=False, doff=None):
    if doff is None:
        pad = (-len(opts)) % 4
        opts = opts + b"\0" * pad
        doff = (20 + len(opts)) // 4
    off_byte = (doff << 4) | (1 if ns else 0)
    return struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, off_byte,
                       flags, win, 0, urg) + opts + payload


def ip4(src, dst, seg, ttl=64, ident=1, df=True, mbz=False, mf=False, frag=0, tos=0, ipopts=b"",
        proto=6, tot_len=None, ihl=None):
    if ihl is None:
        ihl = 5 + len(ipopts) // 4
    flags = (0x4000 if df else 0) | (0x8000 if mbz else 0) | (0x2000 if mf else 0) | frag
    total = 20 + len(ipopts) + len(seg) if tot_len is None else tot_len
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, total, ident, flags, ttl, proto, 0,
                    bytes(src), bytes(dst)) + ipopts
    h = h[:10] + struct.pack("!H", csum16(h)) + h[12:]
    return h + seg


def ip6(src, dst, seg, hlim=64, tc=0, flow=0, nxt=6, plen=None):
    vtf = (6 << 28) | (tc << 20) | flow
    pl = len(seg) if plen is None else plen
    return struct.pack("!IHBB16s16s", vtf, pl, nxt, hlim, bytes(src), bytes(dst)) + seg


def eth(payload, etype=0x0800, vlans=()):
    h = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01"
    for tpid, vid in vlans:
        h += struct.pack("!HH", tpid, vid)
    return h + struct.pack("!H", etype) + payload


def pcap_file(path, linktype, packets, snaplen=65535, be=False, nsec=False, kuz=False,
              version=(2, 4)):
    e = ">" if be else "<"
    magic = 0xA1B23C4D if nsec else (0xA1B2CD34 if kuz else 0xA1B2C3D4)
    out = [struct.pack(e + "IHHiIII", magic, version[0], version[1], 0, 0, snaplen, linktype)]
    for i, p in enumerate(packets):
        # (sec, fraction in the file's unit, data) or just data.
        sec, frac, data = p if isinstance(p, tuple) else (T0 + i, 0, p)
        out.append(struct.pack(e + "IIII", sec, frac, len(data), len(data)))
        if kuz:
            out.append(struct.pack(e + "iHBx", 1, 0x0800, 0))
        out.append(data)
    with open(path, "wb") as f:
        f.write(b"".join(out))


# --- pcapng ------------------------------------------------------------------

def ng_block(btype, body, be=False):
    e = ">" if be else "<"
    body += b"\0" * ((-len(body)) % 4)
    total = 12 + len(body)
    return struct.pack(e + "II", btype, total) + body + struct.pack(e + "I", total)


def ng_opt(code, value, be=False):
    e = ">" if be else "<"
    return struct.pack(e + "HH", code, len(value)) + value + b"\0" * ((-len(value)) % 4)


def ng_shb(be=False, minor=0):
    e = ">" if be else "<"
    return ng_block(0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, minor, -1), be)


def ng_idb(linktype, snaplen=65535, tsresol=None, tsoffset=None, be=False):
    e = ">" if be else "<"
    opts = b""
    if tsresol is not None:
        opts += ng_opt(9, bytes([tsresol]), be)
    if tsoffset is not None:
        opts += ng_opt(14, struct.pack(e + "q", tsoffset), be)
    if opts:
        opts += ng_opt(0, b"", be)
    return ng_block(1, struct.pack(e + "HHI", linktype, 0, snaplen) + opts, be)


def ng_epb(iface, ticks, data, be=False):
    e = ">" if be else "<"
    return ng_block(6, struct.pack(e + "IIIII", iface, ticks >> 32, ticks & 0xFFFFFFFF, len(data),
                                   len(data)) + data, be)


def ng_spb(data, be=False):
    e = ">" if be else "<"
    return ng_block(3, struct.pack(e + "I", len(data)) + data, be)


def ng_pb(iface, ticks, data, be=False):
    e = ">" if be else "<"
    return ng_block(2, struct.pack(e + "HHIIII", iface, 0, ticks >> 32, ticks & 0xFFFFFFFF,
                                   len(data), len(data)) + data, be)


# --- the TCP/IP oracle ----------------------------------------------------------

OPT_EOL, OPT_NOP = b"\x00", b"\x01"


def o_mss(v, ln=4):
    return bytes([2, ln]) + struct.pack("!H", v) + b"\0" * max(0, ln - 4)


def o_ws(s, ln=3):
    return bytes([3, ln, s]) + b"\0" * max(0, ln - 3)


def o_sok(ln=2):
    return bytes([4, ln]) + b"\0" * max(0, ln - 2)


def o_ts(a, b, ln=10):
    return bytes([8, ln]) + struct.pack("!II", a, b) + b"\0" * max(0, ln - 10)


def o_sack(ln):
    return bytes([5, ln]) + bytes(range(max(0, ln - 2)))


def o_unknown(kind, ln):
    return bytes([kind, ln]) + b"\x5a" * max(0, ln - 2)


def random_options(rnd):
    """A random option area: mostly sane, sometimes malformed."""
    parts = []
    for _ in range(rnd.randint(0, 9)):
        k = rnd.random()
        if k < 0.12:
            parts.append(OPT_NOP)
        elif k < 0.24:
            parts.append(o_mss(rnd.choice([1460, 1380, 536, 0, 65535, 1331]),
                               4 if rnd.random() < 0.85 else rnd.choice([3, 5, 6])))
        elif k < 0.36:
            parts.append(o_ws(rnd.choice([0, 2, 7, 8, 14, 15, 200]),
                              3 if rnd.random() < 0.85 else rnd.choice([2, 4])))
        elif k < 0.46:
            parts.append(o_sok(2 if rnd.random() < 0.85 else rnd.choice([3, 4])))
        elif k < 0.60:
            parts.append(o_ts(rnd.choice([0, 1, 0x12345678, 0xFFFFFFFF]), rnd.choice([0, 0, 7]),
                              10 if rnd.random() < 0.85 else rnd.choice([8, 12])))
        elif k < 0.68:
            parts.append(o_sack(rnd.choice([10, 18, 34, 9, 35, 2])))
        elif k < 0.78:
            parts.append(o_unknown(rnd.choice([6, 7, 9, 19, 30, 34, 254]),
                                   rnd.choice([2, 4, 6, 40, 1, 41, 0])))
        elif k < 0.86:
            parts.append(OPT_EOL + bytes(rnd.choice([0, 0, 0, 1, 5]) for _ in range(rnd.randint(0, 6))))
        else:
            parts.append(bytes([rnd.choice([2, 3, 4, 5, 8, 77])]))  # a kind cut short
    opts = b"".join(parts)[:40]
    # Pad with zeros or junk.
    pad = (-len(opts)) % 4
    fill = rnd.choice([b"\0", b"\1", b"\x07"])
    return opts + fill * pad


def oracle_packets():
    rnd = random.Random(3090)
    pkts = []
    port = 10000

    def add4(seg_kw, ip_kw=None, trailer=b""):
        nonlocal port
        port += 1
        ip_kw = dict(ip_kw or {})
        src = bytes([10, 0, (port >> 8) & 0xFF, port & 0xFF])
        seg = tcp(port, 80, **seg_kw)
        pkts.append(eth(ip4(src, [10, 9, 9, 9], seg, **ip_kw) + trailer))

    def add6(seg_kw, ip_kw=None):
        nonlocal port
        port += 1
        src = bytes([0x20, 0x01, 0x0d, 0xb8] + [0] * 10 + [(port >> 8) & 0xFF, port & 0xFF])
        dst = bytes([0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [9])
        pkts.append(eth(ip6(src, dst, tcp(port, 80, **seg_kw), **(ip_kw or {})), etype=0x86DD))

    base = dict(seq=0x01020304, ack=0, flags=SYN, win=65521)

    # Hand-picked cases first.
    fixed = [
        dict(opts=o_mss(1460) + OPT_NOP + o_ws(7) + OPT_NOP + OPT_NOP + o_ts(100, 0) + o_sok() + OPT_EOL + OPT_EOL),
        dict(opts=o_mss(1460) + OPT_EOL + b"\0\0\0\0\0\0\0"),
        dict(opts=o_mss(1460) + OPT_EOL + b"\0\0\0\0\0\0\1"),    # non-zero last pad byte: p0f misses it
        dict(opts=o_mss(1460) + OPT_EOL + b"\0\0\1\0\0\0\0"),    # opt+
        dict(opts=o_mss(1460) + OPT_EOL + b"\1\0\0\0\0\0\0"),
        dict(opts=OPT_EOL + b"\0\0\0"),
        dict(opts=OPT_NOP * 24 + o_mss(1460)),                  # 24 options, then bytes left
        dict(opts=OPT_NOP * 23 + o_mss(1460) + b"\0"),
        dict(opts=o_ts(0, 0)),                                   # ts1-
        dict(opts=o_ts(5, 9)),                                   # ts2+ on a SYN
        dict(opts=o_ws(15)), dict(opts=o_ws(14)), dict(opts=o_ws(255)),
        dict(opts=o_mss(1460, 5) + b"\0\0\0"),
        dict(opts=bytes([2])), dict(opts=bytes([2, 4, 5])), dict(opts=bytes([3, 3])),
        dict(opts=bytes([4])), dict(opts=bytes([8, 10, 0, 0, 0, 1, 0, 0, 0])),
        dict(opts=bytes([5])), dict(opts=o_sack(10)), dict(opts=o_sack(9) + b"\0"),
        dict(opts=bytes([5, 34]) + bytes(10)), dict(opts=bytes([99])), dict(opts=bytes([99, 1, 0, 0])),
        dict(opts=bytes([99, 41]) + bytes(30)), dict(opts=bytes([99, 40]) + bytes(38)),
        dict(opts=bytes([99, 3, 0, 1])),
        dict(seq=0), dict(ack=0x01000000), dict(ack=0x00000001), dict(ack=0x03FFFFFF),
        dict(ack=0x02000000), dict(flags=SYN | URG, urg=5), dict(urg=7), dict(flags=SYN | PSH),
        dict(flags=SYN | ECE | CWR), dict(flags=SYN | ECE), dict(ns=True), dict(flags=SYN | ACK | FIN),
        dict(flags=SYN | FIN), dict(flags=SYN | RST), dict(flags=FIN | RST | ACK), dict(flags=PSH),
        dict(payload=b"hello"), dict(doff=4), dict(doff=15, opts=bytes(40)),
        dict(flags=SYN | RST | ACK, ack=0x01000000), dict(flags=RST, ack=0x01000000),
    ]
    for f in fixed:
        kw = dict(base)
        kw.update(f)
        add4(kw)
    for f in fixed[:30]:
        kw = dict(base)
        kw.update(f)
        add6(kw)

    ip_cases = [
        dict(df=False, ident=0), dict(df=False, ident=7), dict(df=True, ident=0), dict(mbz=True),
        dict(tos=0x01), dict(tos=0x02), dict(tos=0x03), dict(tos=0xB8), dict(tos=0xFF),
        dict(ipopts=b"\x01\x01\x01\x00"), dict(ipopts=b"\x07\x07\x04" + bytes(5)),
        dict(mf=True), dict(frag=1), dict(frag=0x1FFF, df=True), dict(ihl=4), dict(ihl=15),
        dict(ttl=1), dict(ttl=255), dict(ttl=128),
    ]
    for ipk in ip_cases:
        add4(dict(base, opts=o_mss(1400)), ipk)
    # IP total length shorter than the frame (Ethernet padding) and longer than it.
    add4(dict(base, opts=o_mss(1400)), {}, trailer=b"\xee" * 6)
    add4(dict(base, opts=o_mss(1400), payload=b"GET"), {}, trailer=b"\xee" * 20)
    add4(dict(base, opts=o_mss(1400)), dict(tot_len=200))
    add4(dict(base, opts=o_mss(1400)), dict(tot_len=39))
    add4(dict(base, opts=o_mss(1400)), dict(tot_len=44))
    for ipk in [dict(tc=1), dict(tc=2), dict(tc=0xB8), dict(tc=0xFF), dict(flow=1), dict(flow=0xFFFFF),
                dict(hlim=1), dict(plen=100), dict(plen=8), dict(nxt=44)]:
        add6(dict(base, opts=o_mss(1400)), ipk)

    for _ in range(500):
        kw = dict(base)
        kw["opts"] = random_options(rnd)
        kw["seq"] = rnd.choice([0, 1, 0xDEADBEEF])
        kw["ack"] = rnd.choice([0, 0, 1, 0x01000000, 0xFF00FF00])
        kw["flags"] = SYN | rnd.choice([0, 0, 0, PSH, URG, ECE, CWR, ECE | CWR])
        kw["urg"] = rnd.choice([0, 0, 0, 3])
        kw["payload"] = rnd.choice([b"", b"", b"x" * rnd.randint(1, 30)])
        if rnd.random() < 0.8:
            add4(kw, dict(df=rnd.random() < 0.7, ident=rnd.choice([0, 0x1234]), tos=rnd.choice([0, 1, 2, 0x10])))
        else:
            add6(kw, dict(tc=rnd.choice([0, 1, 2, 0x10]), flow=rnd.choice([0, 0, 0x12345])))
    return pkts


# --- link types -------------------------------------------------------------------

def syn4(port, ttl=64):
    return ip4([192, 168, 7, 1], [192, 168, 7, 2],
               tcp(port, 80, 1000 + port, 0, SYN, 29200,
                   o_mss(1460) + o_sok() + o_ts(5000 + port, 0) + OPT_NOP + o_ws(7)), ttl=ttl)


def syn6(port):
    return ip6(bytes([0xfd] + [0] * 14 + [1]), bytes([0xfd] + [0] * 14 + [2]),
               tcp(port, 80, 1000 + port, 0, SYN, 28800,
                   o_mss(1440) + o_sok() + o_ts(5000 + port, 0) + OPT_NOP + o_ws(7)))


def link_files():
    files = {}
    sll2_hdr = lambda proto, mac: struct.pack("!HHIHBB8s", proto, 0, 2, 1, 0, 6, mac)  # noqa: E731
    files["link-loop"] = (108, [struct.pack("!I", 2) + syn4(2001), struct.pack("!I", 24) + syn6(2002)])
    files["link-null-be"] = (0, [struct.pack("!I", 2) + syn4(2003), struct.pack("!I", 28) + syn6(2004)], True)
    files["link-null"] = (0, [struct.pack("<I", 2) + syn4(2005), struct.pack("<I", 30) + syn6(2006)])
    files["link-ppp-serial"] = (50, [b"\xff\x03\x00\x21" + syn4(2007), b"\xff\x03\x00\x57" + syn6(2008)])
    files["link-ppp"] = (9, [b"\xff\x03\x00\x21" + syn4(2009)])
    files["link-pppoe"] = (51, [struct.pack("!BBHH", 0x11, 0, 1, 0) + b"\x00\x21" + syn4(2010)])
    files["link-c-hdlc"] = (104, [b"\x0f\x00\x08\x00" + syn4(2011), b"\x0f\x00\x86\xdd" + syn6(2012)])
    files["link-sll2"] = (276, [sll2_hdr(0x0800, b"\x02\x00\x00\x00\x00\x01\0\0") + syn4(2013),
                                sll2_hdr(0x86DD, b"\x02\x00\x00\x00\x00\x01\0\0") + syn6(2014)])
    # An SLL2 frame whose link-layer address fools p0f's guess (0x4X byte with a 6 nine bytes
    # later: the IPv4 total length's low byte).
    fool = ip4([192, 168, 7, 1], [192, 168, 7, 2],
               tcp(2015, 80, 9, 0, SYN, 29200, o_mss(1460) + o_sok() + bytes(2)))
    fool = fool[:2] + struct.pack("!H", 0x0106) + fool[4:]  # tot_len low byte 6 (bogus but filtered in)
    files["link-sll2-guess"] = (276, [sll2_hdr(0x0800, b"\x02\x00\x45\x00\x00\x01\0\0") + fool,
                                      sll2_hdr(0x0800, b"\x02\x00\x00\x00\x00\x01\0\0") + syn4(2016)])
    files["link-sll"] = (113, [struct.pack("!HHH8sH", 0, 1, 6, b"\x02\0\0\0\0\x01\0\0", 0x0800) + syn4(2017)])
    files["link-ipv4"] = (228, [syn4(2018), syn4(2019)])
    files["link-ipv6"] = (229, [syn6(2020), syn6(2021)])
    files["link-raw"] = (101, [syn4(2022), syn6(2023)])
    files["link-raw12"] = (12, [syn4(2024)])
    fddi = b"\x50" + b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\xaa\xaa\x03\x00\x00\x00\x08\x00"
    files["link-fddi"] = (10, [fddi + syn4(2025), fddi + syn4(2026)])
    pfl = struct.pack("!BBBB16s16sIIIIBBxx", 61, 2, 0, 0, b"em0", b"", 0, 0, 0, 0, 1, 0)
    pfl = pfl + b"\0" * (61 - len(pfl))
    files["link-pflog"] = (117, [pfl + b"\0\0\0" + syn4(2027), pfl + b"\0\0\0" + syn4(2028)])
    files["link-enc"] = (109, [struct.pack("<III", 2, 0, 0) + syn4(2029)])
    # Ethernet with 802.1Q, 802.1ad and QinQ tags (QinQ does not pass p0f's filter).
    files["link-vlan"] = (1, [eth(syn4(2030), vlans=[(0x8100, 0x0064)]),
                              eth(syn4(2031), vlans=[(0x88A8, 0x2065)]),
                              eth(syn4(2032), vlans=[(0x9100, 0x4066)]),
                              eth(syn4(2033), vlans=[(0x88A8, 10), (0x8100, 20)]),
                              eth(syn6(2034), etype=0x86DD, vlans=[(0x8100, 0x0067)]),
                              eth(syn4(2035))])
    # First packet too short to guess from: p0f warns, retries on the next one.
    files["link-guess-retry"] = (228, [syn4(2036)[:30], syn4(2037)])
    # An unknown DLT in libpcap's "matching" range that can still filter: p0f guesses.
    files["link-netanalyzer"] = (240, [b"\0\0\0\0" + eth(syn4(2038))])
    return files


def fmt_files():
    flow = [eth(syn4(3001 + i)) for i in range(3)]
    files = {}
    files["fmt-le.pcap"] = dict(kind="pcap", pk=flow)
    files["fmt-be.pcap"] = dict(kind="pcap", pk=flow, be=True)
    files["fmt-nsec.pcap"] = dict(kind="pcap", pk=[(T0, 123456789, flow[0]), (T0 + 1, 999999999, flow[1])], nsec=True)
    files["fmt-nsec-be.pcap"] = dict(kind="pcap", pk=[(T0, 500000000, flow[0])], nsec=True, be=True)
    files["fmt-kuz.pcap"] = dict(kind="pcap", pk=flow, kuz=True)
    files["fmt-v22.pcap"] = dict(kind="pcap", pk=flow, version=(2, 2))
    files["fmt-snap60.pcap"] = dict(kind="pcap", pk=flow, snaplen=60)
    files["fmt-fcs.pcap"] = dict(kind="pcap", pk=[f + b"\xde\xad\xbe\xef" for f in flow], linktype=1 | 0x14000000)
    return files


def write_ng(path, blocks):
    with open(path, "wb") as f:
        f.write(b"".join(blocks))


def main():
    os.makedirs(OUT, exist_ok=True)
    pcap_file(os.path.join(OUT, "tcpip-oracle.pcap"), 1, oracle_packets())
    for name, spec in link_files().items():
        lt, pk = spec[0], spec[1]
        be = len(spec) > 2 and spec[2]
        pcap_file(os.path.join(OUT, name + ".pcap"), lt, pk, be=be)
    for name, spec in fmt_files().items():
        pcap_file(os.path.join(OUT, name), spec.get("linktype", 1), spec["pk"], snaplen=spec.get("snaplen", 65535),
                  be=spec.get("be", False), nsec=spec.get("nsec", False), kuz=spec.get("kuz", False),
                  version=spec.get("version", (2, 4)))
    f = [eth(syn4(3101 + i)) for i in range(4)]
    us = (T0 * 1000000 + 250000)
    write_ng(os.path.join(OUT, "fmt-ng.pcapng"), [ng_shb(), ng_idb(1), ng_epb(0, us, f[0]), ng_epb(0, us + 1000000, f[1])])
    write_ng(os.path.join(OUT, "fmt-ng-be.pcapng"), [ng_shb(True), ng_idb(1, be=True), ng_epb(0, us, f[0], True),
                                                     ng_spb(f[1], True), ng_pb(0, us + 2000000, f[2], True)])
    write_ng(os.path.join(OUT, "fmt-ng-tsresol.pcapng"),
             [ng_shb(), ng_idb(1, tsresol=9), ng_idb(1, tsresol=0x80 | 10), ng_idb(1, tsresol=3, tsoffset=100),
              ng_epb(0, T0 * 10**9 + 123456789, f[0]), ng_epb(1, (T0 << 10) + 1023, f[1]),
              ng_epb(2, 5000 * 1000 + 7, f[2])])
    write_ng(os.path.join(OUT, "fmt-ng-sections.pcapng"),
             [ng_shb(), ng_idb(1), ng_epb(0, us, f[0]), ng_shb(minor=2), ng_idb(1), ng_epb(0, us + 1000000, f[1]),
              ng_block(0x0BAD, b"unknown block"), ng_epb(0, us + 2000000, f[2])])
    # Two interfaces with different link types: libpcap stops at the second one.
    write_ng(os.path.join(OUT, "fmt-ng-multi-lt.pcapng"),
             [ng_shb(), ng_idb(1), ng_epb(0, us, f[0]), ng_idb(228), ng_epb(1, us + 1000000, syn4(3105)),
              ng_epb(0, us + 2000000, f[1])])
    # Two LINKTYPE_RAW interfaces: libpcap compares DLT 12 with LINKTYPE 101 and stops too.
    write_ng(os.path.join(OUT, "fmt-ng-raw2.pcapng"),
             [ng_shb(), ng_idb(101), ng_epb(0, us, syn4(3106)), ng_idb(101), ng_epb(1, us + 1000000, syn4(3107))])
    # A capture cut off in the middle of its third record.
    data = open(os.path.join(OUT, "fmt-le.pcap"), "rb").read()
    with open(os.path.join(OUT, "fmt-truncated.pcap"), "wb") as fh:
        fh.write(data[:-30])


if __name__ == "__main__":
    main()
