/**
 * The optional native I/O core of the API server (native/p0f_api.cc, built with the
 * capture addon into build/Release/p0f_api.node).
 *
 * With it, API client sockets are read and written by native code in the event loop and
 * JavaScript answers each wake-up's queries as one batch; without it (not built, another
 * OS, P0F_NO_API_ADDON=1) the server uses Node sockets. The wire behaviour is the same.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ApiAddon {
  create(queries: Buffer, ids: Int32Array, answers: Buffer, onQueries: (n: number) => void,
         onClosed: (id: number) => void): object;
  /** Take over a connected socket (a dup of `fd`); returns the client id. */
  adopt(ctx: object, fd: number): number;
  /** Close a client without an onClosed call. */
  drop(ctx: object, id: number): void;
  /** [unwritten answer bytes, non-zero when the client stopped reading] or undefined. */
  state(ctx: object, id: number): [number, number] | undefined;
  destroy(ctx: object): void;
}

let loaded: ApiAddon | null | undefined;
let loadError: string | undefined;

export function apiAddonPath(): string {
  return process.env.P0F_API_ADDON ?? join(ROOT, 'build', 'Release', 'p0f_api.node');
}

/** The addon, or null (see apiAddonLoadError()). */
export function loadApiAddon(): ApiAddon | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.env.P0F_NO_API_ADDON === '1') {
    loadError = 'disabled by P0F_NO_API_ADDON=1';
  } else if (process.platform !== 'linux') {
    loadError = 'the native API core is only built and tested on Linux';
  } else if (!existsSync(apiAddonPath())) {
    loadError = `${apiAddonPath()} does not exist`;
  } else {
    try {
      loaded = createRequire(import.meta.url)(apiAddonPath()) as ApiAddon;
    } catch (e) {
      loadError = (e as Error).message;
    }
  }
  return loaded;
}

export function apiAddonLoadError(): string | undefined {
  loadApiAddon();
  return loadError;
}
