/**
 * p0f for Node.js: the library.
 *
 *   import { startSensor, readDatabase, Engine, P0fClient } from 'p0f';
 *
 * - Control: configure and run p0f in this process (startSensor, createSensor, P0fConfig,
 *   listInterfaces, startDaemon) with typed refusals (P0fControlError).
 * - Building blocks: the p0f.fp reader, the Engine (frames in, observations out), the
 *   Sensor (p0f's start-up and loop), the output formats.
 * - API: the p0f v3 unix-socket protocol, a client and a server.
 *
 * Also: 'p0f/p0fmod' (the p0fmod port), 'p0f/middleware/express' | 'fastify' | 'koa' and
 * 'p0f/middleware/inprocess'. Reference: docs/reference.md.
 */

// Control API
export {
  createSensor, hostInfoOf, listInterfaces, P0fConfig, SensorHandle, settingsToArgv, startDaemon, startSensor,
  validateSettings,
} from './control/api.ts';
export type {
  DaemonHandle, DaemonOptions, HostInfo, InterfaceAddress, InterfaceInfo, SensorConfig, StartHooks, ValidateOptions,
} from './control/api.ts';
export {
  CONTROL_WARNINGS, isP0fControlError, P0fControlError, settingsWarnings,
} from './control/errors.ts';
export type { ControlErrorCode, ControlWarningCode, LimitOption, P0fControlWarning } from './control/errors.ts';
export { Sensor } from './control/sensor.ts';
export type { CapturedPacket, SensorHooks, SensorOptions, SensorResult } from './control/sensor.ts';
export { DEFAULTS } from './control/settings.ts';
export type { P0fSettings } from './control/settings.ts';
export { LIMITS } from './control/validate.ts';

// Database, engine, observations
export { readDatabase, parseDatabase } from './db/readfp.ts';
export { locateDatabase, packagedDatabase } from './db/locate.ts';
export type { Database, HttpSig, HttpSigRecord, MtuSigRecord, TcpSig, TcpSigRecord, UaMapRecord } from './db/types.ts';
export { Engine } from './engine/engine.ts';
export type { EngineOptions, ObservationListener } from './engine/engine.ts';
export type { Endpoint, Observation, ObservationField, ObservationKind } from './observation.ts';
export type { HostData } from './state/types.ts';
export { formatConsole } from './output/console.ts';
export { formatLogLine } from './output/log.ts';
export { formatJsonLine, toJson } from './output/json.ts';
export { toTyped } from './output/typed.ts';
export type {
  HttpObservation, MtuObservation, NatObservation, TcpObservation, TypedObservation, UptimeObservation,
} from './output/typed.ts';
export { DatabaseError, P0fFatalError } from './errors.ts';
export { VERSION } from './version.ts';

// The p0f API (unix socket): client, server, wire format
export { P0fClient } from './api/client.ts';
export type { GetInfoOptions, P0fClientOptions } from './api/client.ts';
export { ApiServer } from './api/server.ts';
export type { ApiServerOptions } from './api/server.ts';
export {
  isP0fApiError, P0fApiError, P0fBadQueryError, P0fConnectionError, P0fInvalidAddressError, P0fNoMatchError,
  P0fProtocolError, P0fTimeoutError,
} from './api/errors.ts';
export type { P0fApiErrorCode } from './api/errors.ts';
export {
  BAD_SW_FAKE, BAD_SW_NONE, BAD_SW_OS_MISMATCH, OS_MATCH_FUZZY, OS_MATCH_FUZZY_GENERIC, OS_MATCH_GENERIC,
  OS_MATCH_NORMAL, P0fDuration, parseHostInfo,
} from './api/result.ts';
export type { P0fHostInfo } from './api/result.ts';
export {
  decodeQuery, decodeResponse, encodeQuery, encodeResponse, handleQuery, P0F_ADDR_IPV4, P0F_ADDR_IPV6,
  P0F_MATCH_FUZZY, P0F_MATCH_GENERIC, P0F_QUERY_MAGIC, P0F_RESP_MAGIC, P0F_STATUS_BADQUERY, P0F_STATUS_NOMATCH,
  P0F_STATUS_OK, parseAddress, QUERY_SIZE, RESPONSE_SIZE,
} from './api/protocol.ts';
export type { ApiHost, DecodedQuery, P0fRawResponse, QueryAddress } from './api/protocol.ts';

// In-process mode for HTTP servers (also 'p0f/middleware/inprocess')
export { createInProcess, InProcessClient, InProcessP0f, interfaceFor, startInProcess } from './middleware/inprocess.ts';
export type { ConnectionObservations, InProcessOptions } from './middleware/inprocess.ts';
