/**
 * -L: p0f's list_interfaces(), over libpcap's pcap_findalldevs() through the addon.
 */
import { accessSync, constants as fsc } from 'node:fs';
import { type NativeDevice, requireAddon } from '../capture/addon.ts';
import { P0fFatalError } from '../errors.ts';
import type { CliIo } from './io.ts';

/** p0f's addr_to_str(): dotted quad, or eight unpadded lowercase hex groups for IPv6. */
export function formatIfaceAddr(family: 4 | 6, a: Uint8Array): string {
  if (family === 4) return `${a[0]}.${a[1]}.${a[2]}.${a[3]}`;
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((a[i]! << 8) | a[i + 1]!).toString(16));
  return g.join(':');
}

/** The listing text for a device list, exactly as p0f prints it. */
export function formatInterfaceList(devs: readonly NativeDevice[]): string {
  let out = '\n-- Available interfaces --\n';
  devs.forEach((d, n) => {
    // p0f counts with a u8 and prints it with %3d.
    out += `\n${String(n & 0xff).padStart(3, ' ')}: Name        : ${d.name}\n`;
    out += `     Description : ${d.description ?? '-'}\n`;
    // The first address that is IPv4 or IPv6 is shown; others are skipped.
    const a = d.addrs.find((x) => x.family === 4 || x.family === 6);
    if (a && a.addr) out += `     IP address  : ${formatIfaceAddr(a.family as 4 | 6, a.addr)}\n`;
    else out += '     IP address  : (none)\n';
  });
  return out + '\n';
}

/** p0f -L. Writes the list to standard output; errors are p0f's FATALs. */
export function listInterfaces(io: CliIo): void {
  // libpcap used to crash when /sys/class/net was unreadable; p0f refuses first.
  try {
    accessSync('/sys/class/net', fsc.R_OK | fsc.X_OK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new P0fFatalError('This operation requires access to /sys/class/net/, sorry.', 'list_interfaces(), p0f.c:387');
    }
  }
  const addon = requireAddon('Listing interfaces (-L)');
  const r = addon.findAllDevs();
  if (r.error !== undefined) throw new P0fFatalError(`pcap_findalldevs: ${r.error}\n`, 'list_interfaces(), p0f.c:390');
  if (r.devs.length === 0) {
    throw new P0fFatalError("Can't find any interfaces. Maybe you need to be root?", 'list_interfaces(), p0f.c:392');
  }
  io.out(formatInterfaceList(r.devs));
}
