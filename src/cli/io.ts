/**
 * Where the p0f command writes. p0f's stdout is line-buffered and its stderr unbuffered,
 * so a terminal (or a `2>&1` file) sees them interleaved exactly in program order: we
 * flush stdout before every stderr write to keep that order.
 */
import { FdWriter, writeAll } from '../output/writer.ts';

export interface CliIo {
  /** Report text (console blocks, [+] lines). */
  out(s: string): void;
  /** Diagnostics ([!] warnings, [-] errors, getopt messages). */
  err(s: string): void;
  flush(): void;
  /** Observation records (defaults to `out`); --json sends only these to standard output. */
  data?(s: string): void;
}

/**
 * For --json: standard output carries nothing but NDJSON records, so a pipeline can read it;
 * p0f's report lines (banner, "[+] ...", "All done") move to standard error.
 */
export function jsonIo(io: CliIo): CliIo {
  return { out: (s) => io.err(s), err: (s) => io.err(s), flush: () => io.flush(), data: (s) => io.out(s) };
}

export function processIo(): CliIo {
  const stdout = new FdWriter(1);
  return {
    out: (s) => stdout.write(s),
    err: (s) => {
      stdout.flush();
      writeAll(2, Buffer.from(s, 'latin1'));
    },
    flush: () => stdout.flush(),
  };
}

/** Collects both streams in memory (tests), keeping the interleaving in `both`. */
export function memoryIo(): CliIo & { stdout: string; stderr: string; both: string } {
  const io = {
    stdout: '',
    stderr: '',
    both: '',
    out(s: string) { io.stdout += s; io.both += s; },
    err(s: string) { io.stderr += s; io.both += s; },
    flush() {},
  };
  return io;
}
