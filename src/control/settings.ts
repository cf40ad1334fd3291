/**
 * Every setting p0f takes on its command line, as one typed object. The CLI, the
 * p0fmod-compatible module and the programmatic sensor API all build one of these and
 * hand it to the same validation and start-up code: there is one configuration path.
 */
export interface P0fSettings {
  /** -f: fingerprint database (default: the packaged data/p0f.fp, see db/locate). */
  fpFile?: string;
  /** -i: interface to listen on ('any' allowed). */
  iface?: string;
  /** -r: capture file to read ('-' = standard input). */
  readFile?: string;
  /** -o: log file (appended to, created 0600). */
  logFile?: string;
  /** -s: API unix socket path. */
  apiSock?: string;
  /** -d: fork into background. */
  daemon?: boolean;
  /** -u: user to chroot to and switch to after opening the capture. */
  switchUser?: string;
  /** -p: promiscuous mode. */
  promisc?: boolean;
  /** -S: max simultaneous API clients (1..100, default 20). */
  apiMaxConn?: number;
  /** -m c,h: max tracked connections (1..100000, default 1000) and hosts (1..500000, default 10000). */
  maxConn?: number;
  maxHosts?: number;
  /** -t c,h: connection max age in seconds (default 30), host idle limit in minutes (default 120); 1..1000000. */
  connMaxAge?: number;
  hostIdleLimit?: number;
  /** Trailing filter rule, tcpdump syntax. */
  filterRule?: string;
  /** --json: NDJSON observations on standard output instead of the console report. */
  json?: boolean;
}

export const DEFAULTS = {
  apiMaxConn: 20,
  maxConn: 1000,
  maxHosts: 10000,
  connMaxAge: 30,
  hostIdleLimit: 120,
} as const;
