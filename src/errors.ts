/**
 * p0f's fatal errors. p0f prints them as
 *
 *   [-] PROGRAM ABORT : <message>
 *            Location : <function>(), <file>:<line>
 *
 * (FATAL) or, with an OS error, as "[-] SYSTEM ERROR : ..." plus "OS message" (PFATAL).
 * We carry p0f's own location string so the text a user sees (and greps for) is p0f's.
 */
export class P0fFatalError extends Error {
  override readonly name = 'P0fFatalError';
  /** p0f's source location, e.g. "prepare_bpf(), p0f.c:593". */
  readonly location: string;
  /** For PFATAL-style errors: the OS error text (strerror), e.g. "No such file or directory". */
  readonly osMessage: string | undefined;

  constructor(message: string, location: string, osMessage?: string) {
    super(message);
    this.location = location;
    this.osMessage = osMessage;
  }

  /** The exact text p0f writes to stderr for this error. */
  format(): string {
    if (this.osMessage !== undefined) {
      return `[-] SYSTEM ERROR : ${this.message}\n        Location : ${this.location}\n` +
        `      OS message : ${this.osMessage}\n\n`;
    }
    return `[-] PROGRAM ABORT : ${this.message}\n         Location : ${this.location}\n\n`;
  }
}

/** A bad p0f.fp database: carries the file and line besides p0f's message. */
export class DatabaseError extends P0fFatalError {
  readonly file: string;
  readonly line: number;
  constructor(message: string, location: string, file: string, line: number, osMessage?: string) {
    super(message, location, osMessage);
    this.file = file;
    this.line = line;
  }
}

/** strerror() text for a Node errno code, as glibc spells it (for PFATAL messages). */
export function strerror(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT': return 'No such file or directory';
    case 'EACCES': return 'Permission denied';
    case 'EISDIR': return 'Is a directory';
    case 'ENOTDIR': return 'Not a directory';
    case 'ELOOP': return 'Too many levels of symbolic links';
    case 'EEXIST': return 'File exists';
    case 'EPERM': return 'Operation not permitted';
    case 'EADDRINUSE': return 'Address already in use';
    case 'ENAMETOOLONG': return 'File name too long';
    case 'EROFS': return 'Read-only file system';
    case 'ENOSPC': return 'No space left on device';
    case 'ECONNREFUSED': return 'Connection refused';
    case 'ENOTSOCK': return 'Socket operation on non-socket';
    case 'EPIPE': return 'Broken pipe';
    case 'ECONNRESET': return 'Connection reset by peer';
    case 'EAGAIN': return 'Resource temporarily unavailable';
    default: return (err as Error | undefined)?.message ?? String(err);
  }
}
