/** p0f's usage text (printed after a getopt error, like p0f), plus our long options. */
import { DEFAULTS } from '../control/settings.ts';

export function usageText(): string {
  return `Usage: p0f [ ...options... ] [ 'filter rule' ]

Network interface options:

  -i iface  - listen on the specified network interface
  -r file   - read offline pcap data from a given file
  -p        - put the listening interface in promiscuous mode
  -L        - list all available interfaces

Operating mode and output settings:

  -f file   - read fingerprint database from 'file' (bundled p0f.fp)
  -o file   - write information to the specified log file
  -s name   - answer to API queries at a named unix socket
  -u user   - switch to the specified unprivileged account and chroot
  -d        - fork into background (requires -o or -s)

Performance-related options:

  -S limit  - limit number of parallel API connections (${DEFAULTS.apiMaxConn})
  -t c,h    - set connection / host cache age limits (${DEFAULTS.connMaxAge}s,${DEFAULTS.hostIdleLimit}m)
  -m c,h    - cap the number of active connections / hosts (${DEFAULTS.maxConn},${DEFAULTS.maxHosts})

Beyond p0f:

  --json    - print one JSON object per observation instead of the report
  --help    - this text;  --version - version

Optional filter expressions (man tcpdump) can be specified in the command
line to prevent p0f from looking at incidental network traffic.

`;
}
