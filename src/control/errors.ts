/**
 * Typed refusals of the control API.
 *
 * Every setting p0f refuses is refused here with one error class, `P0fControlError`, that
 * carries three things: a stable string `code` for programs, the integer the p0fmod port
 * returns for it (`returnCode`), and p0f's own message and source location. The class
 * extends `P0fFatalError`, so the `p0f` command prints exactly what p0f prints
 * (`err.format()`), whichever entry point raised it.
 *
 * The two notes p0f prints about -u in daemon mode are not errors: they are
 * `P0fControlWarning`s (p0fmod's -5 and -6), and the sensor still starts.
 */
import { P0fFatalError } from '../errors.ts';

export type ControlErrorCode =
  // A setting given twice (p0f's "Multiple -x options not supported." and friends).
  | 'MULTIPLE_FP_FILE'
  | 'MULTIPLE_IFACE'
  | 'MULTIPLE_READ_FILE'
  | 'MULTIPLE_LOG_FILE'
  | 'MULTIPLE_API_SOCK'
  | 'MULTIPLE_API_MAX_CONN'
  | 'MULTIPLE_TABLE_LIMITS'
  | 'MULTIPLE_AGE_LIMITS'
  | 'DAEMON_ALREADY_ON'
  | 'PROMISC_ALREADY_ON'
  | 'SWITCH_USER_ALREADY_SET'
  | 'MULTIPLE_FILTER'
  // A number outside p0f's range for -S, -m or -t.
  | 'OUTLANDISH_VALUE'
  // The API socket needs unix domain sockets (p0f's Windows build has none).
  | 'API_UNSUPPORTED'
  // Combinations main() refuses.
  | 'API_WITH_OFFLINE'
  | 'API_MAX_CONN_WITHOUT_API'
  | 'DAEMON_WITH_OFFLINE'
  | 'DAEMON_WITHOUT_OUTPUT'
  // Combinations prepare_pcap() refuses (after the database is loaded, in p0f).
  | 'PROMISC_WITH_OFFLINE'
  | 'IFACE_WITH_OFFLINE'
  // Beyond p0f: the control API's own refusals.
  | 'BAD_ADDRESS'
  | 'ALREADY_RUNNING'
  | 'INVALID_OPTION';

/** Which numeric option a value belongs to, as p0f names it in its messages. */
export type LimitOption = 'S' | 'm' | 't';

interface Entry {
  returnCode: number | null;
  message: string;
  location: string;
}

const main = (line: number) => `main(), p0f.c:${line}`;

/** The fixed-text refusals: p0fmod integer, p0f's message and where p0f raises it. */
const TABLE: Record<Exclude<ControlErrorCode, 'OUTLANDISH_VALUE' | 'API_UNSUPPORTED' | 'BAD_ADDRESS' | 'INVALID_OPTION'>, Entry> = {
  MULTIPLE_FP_FILE: { returnCode: -1, message: 'Multiple -f options not supported.', location: main(1069) },
  MULTIPLE_IFACE: { returnCode: -1, message: "Multiple -i options not supported (try '-i any').", location: main(1077) },
  MULTIPLE_READ_FILE: { returnCode: -1, message: 'Multiple -r options not supported.', location: main(1115) },
  MULTIPLE_LOG_FILE: { returnCode: -1, message: 'Multiple -o options not supported.', location: main(1098) },
  MULTIPLE_API_SOCK: { returnCode: -1, message: 'Multiple -s options not supported.', location: main(1130) },
  MULTIPLE_API_MAX_CONN: { returnCode: -1, message: 'Multiple -S options not supported.', location: main(1046) },
  MULTIPLE_TABLE_LIMITS: { returnCode: -1, message: 'Multiple -m options not supported.', location: main(1086) },
  MULTIPLE_AGE_LIMITS: { returnCode: -1, message: 'Multiple -t options not supported.', location: main(1141) },
  DAEMON_ALREADY_ON: { returnCode: -1, message: 'Double werewolf mode not supported yet.', location: main(1061) },
  PROMISC_ALREADY_ON: { returnCode: -1, message: 'Even more promiscuous? People will start talking!', location: main(1107) },
  SWITCH_USER_ALREADY_SET: { returnCode: -1, message: 'Split personality mode not supported.', location: main(1153) },
  MULTIPLE_FILTER: { returnCode: -1, message: 'Filter rule must be a single parameter (use quotes).', location: main(1166) },
  API_WITH_OFFLINE: { returnCode: -1, message: 'API mode looks down on ofline captures.', location: main(1171) },
  API_MAX_CONN_WITHOUT_API: { returnCode: -2, message: 'Option -S makes sense only with -s.', location: main(1174) },
  DAEMON_WITH_OFFLINE: { returnCode: -3, message: "Daemon mode and offline captures don't mix.", location: main(1179) },
  DAEMON_WITHOUT_OUTPUT: { returnCode: -4, message: 'Daemon mode requires -o or -s.', location: main(1182) },
  PROMISC_WITH_OFFLINE: {
    returnCode: null, message: 'Dude, how am I supposed to make a file promiscuous?', location: 'prepare_pcap(), p0f.c:466',
  },
  IFACE_WITH_OFFLINE: {
    returnCode: null, message: 'Options -i and -r are mutually exclusive.', location: 'prepare_pcap(), p0f.c:469',
  },
  ALREADY_RUNNING: {
    returnCode: -7, message: 'p0f is already running (stop it first).', location: 'start_p0f(), p0fmod',
  },
};

/** -S, -m and -t: p0f's range check failures. */
const OUTLANDISH_LINE: Record<LimitOption, number> = { S: 1051, m: 1091, t: 1146 };

/** p0f's Windows build refuses -S and -s at these lines; p0fmod returns -3 and -2. */
const API_UNSUPPORTED_AT = {
  apiMaxConn: { line: 1041, returnCode: -3 },
  apiSock: { line: 1125, returnCode: -2 },
} as const;

export class P0fControlError extends P0fFatalError {
  /** Stable identifier of the refusal (never changes with the message text). */
  readonly code: ControlErrorCode;
  /**
   * What the p0fmod function that hit this refusal returns (-1 .. -7), or null when
   * p0fmod has no integer for it (reported through p0fmod's last_error() instead).
   */
  readonly returnCode: number | null;

  constructor(code: ControlErrorCode, message: string, location: string, returnCode: number | null) {
    super(message, location);
    Object.defineProperty(this, 'name', { value: 'P0fControlError', configurable: true, writable: true });
    this.code = code;
    this.returnCode = returnCode;
  }
}

/** The refusal for `code`, with p0f's words. */
export function controlError(code: keyof typeof TABLE): P0fControlError {
  const e = TABLE[code];
  return new P0fControlError(code, e.message, e.location, e.returnCode);
}

/** "Outlandish value specified for -S/-m/-t." (p0fmod -2). */
export function outlandishValue(option: LimitOption): P0fControlError {
  return new P0fControlError('OUTLANDISH_VALUE', `Outlandish value specified for -${option}.`,
    main(OUTLANDISH_LINE[option]), -2);
}

/** p0f's refusal of the API on a platform without unix sockets (p0fmod -2 / -3). */
export function apiUnsupported(setting: keyof typeof API_UNSUPPORTED_AT): P0fControlError {
  const at = API_UNSUPPORTED_AT[setting];
  return new P0fControlError('API_UNSUPPORTED', 'API mode not supported on Windows (see README).',
    main(at.line), at.returnCode);
}

/** A query address p0f-client would not read (its message), or text that is no address. */
export function badAddress(message: string, location = 'mk_query(), p0fmod'): P0fControlError {
  return new P0fControlError('BAD_ADDRESS', message, location, null);
}

/** A setting of the wrong type (a string where a number belongs, ...). */
export function invalidOption(message: string): P0fControlError {
  return new P0fControlError('INVALID_OPTION', message, 'control API', null);
}

export function isP0fControlError(e: unknown): e is P0fControlError {
  return e instanceof P0fControlError;
}

// ---------------------------------------------------------------------------------------
// Warnings
// ---------------------------------------------------------------------------------------

export type ControlWarningCode = 'SWITCH_USER_USELESS' | 'CONSIDER_SWITCH_USER';

/** A note p0f prints about the settings before it starts anyway. */
export interface P0fControlWarning {
  readonly code: ControlWarningCode;
  /** p0fmod's start_p0f() result for it: -5 or -6 (the sensor is started all the same). */
  readonly returnCode: -5 | -6;
  /** p0f's line, without its newline. */
  readonly message: string;
}

export const CONTROL_WARNINGS: Readonly<Record<ControlWarningCode, P0fControlWarning>> = {
  SWITCH_USER_USELESS: {
    code: 'SWITCH_USER_USELESS', returnCode: -5, message: '[!] Note: under cygwin, -u is largely useless.',
  },
  CONSIDER_SWITCH_USER: {
    code: 'CONSIDER_SWITCH_USER', returnCode: -6, message: '[!] Consider specifying -u in daemon mode (see README).',
  },
};

/** True where p0f's API socket (a unix domain socket) cannot be offered. */
export function apiUnsupportedOn(platform: NodeJS.Platform = process.platform): boolean {
  return platform === 'win32';
}

/**
 * The notes p0f prints after its combination checks: -u is useless on Windows (p0f's
 * cygwin build), and -u is advisable in daemon mode elsewhere. Only daemon mode has them.
 */
export function settingsWarnings(s: { daemon?: boolean; switchUser?: string },
                                 platform: NodeJS.Platform = process.platform): P0fControlWarning[] {
  if (!s.daemon) return [];
  // p0f tests the user name for truth: an empty name counts as no -u.
  if (platform === 'win32') return s.switchUser ? [CONTROL_WARNINGS.SWITCH_USER_USELESS] : [];
  return s.switchUser ? [] : [CONTROL_WARNINGS.CONSIDER_SWITCH_USER];
}
