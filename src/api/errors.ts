/**
 * Errors of the API client. Callers tell them apart by class (instanceof) or by `code`,
 * never by message text.
 */

export type P0fApiErrorCode =
  | 'P0F_BAD_QUERY'
  | 'P0F_NO_MATCH'
  | 'P0F_PROTOCOL'
  | 'P0F_CONNECTION'
  | 'P0F_TIMEOUT';

export class P0fApiError extends Error {
  override name = 'P0fApiError';
  readonly code: P0fApiErrorCode;
  constructor(code: P0fApiErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The daemon answered "bad query" (status 0x00), or the address could not be encoded. */
export class P0fBadQueryError extends P0fApiError {
  override name = 'P0fBadQueryError';
  /** The address the caller asked about. */
  readonly address: string;
  constructor(address: string, message = `p0f did not understand the query for ${address}`) {
    super('P0F_BAD_QUERY', message);
    this.address = address;
  }
}

/** The text given is not an IPv4 or IPv6 address; nothing was sent. */
export class P0fInvalidAddressError extends P0fBadQueryError {
  override name = 'P0fInvalidAddressError';
  constructor(address: string) {
    super(address, `not an IPv4 or IPv6 address: ${JSON.stringify(address)}`);
  }
}

/** The daemon has no record of this host (status 0x20). */
export class P0fNoMatchError extends P0fApiError {
  override name = 'P0fNoMatchError';
  readonly address: string;
  constructor(address: string) {
    super('P0F_NO_MATCH', `no data in p0f for ${address}`);
    this.address = address;
  }
}

/** The answer is not a p0f v3 response: bad magic, unknown status, or a constant out of range. */
export class P0fProtocolError extends P0fApiError {
  override name = 'P0fProtocolError';
  constructor(message: string) {
    super('P0F_PROTOCOL', message);
  }
}

/** Could not connect, or the connection was lost before the answer came. */
export class P0fConnectionError extends P0fApiError {
  override name = 'P0fConnectionError';
  /** The OS error code (ENOENT, ECONNREFUSED, EPIPE ...), when there was one. */
  readonly errno: string | undefined;
  constructor(message: string, cause?: unknown) {
    super('P0F_CONNECTION', message, cause === undefined ? undefined : { cause });
    this.errno = (cause as NodeJS.ErrnoException | undefined)?.code;
  }
}

/** No answer within the configured time. */
export class P0fTimeoutError extends P0fApiError {
  override name = 'P0fTimeoutError';
  readonly timeoutMs: number;
  constructor(message: string, timeoutMs: number) {
    super('P0F_TIMEOUT', message);
    this.timeoutMs = timeoutMs;
  }
}

export function isP0fApiError(e: unknown): e is P0fApiError {
  return e instanceof P0fApiError;
}
