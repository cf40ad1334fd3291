/**
 * Reusable pieces of the console and log texts.
 *
 * A report line built from many small strings is expensive to write out: every piece is
 * one more node of the rope the writer has to walk (and one more allocation while
 * building it). The pieces that recur (port numbers with their separators, field keys
 * with their punctuation, the text around the kind) are made once here and reused, so
 * a line is a handful of pieces. All are pure functions of their inputs.
 */

/** Text for each port number 0..65535, made on first use. */
export class PortTexts {
  private readonly cache: (string | undefined)[] = new Array<string | undefined>(65536).fill(undefined);
  constructor(private readonly before: string, private readonly after: string) {}

  get(port: number): string {
    if (port >= 0 && port < 65536 && port === (port | 0)) {
      let s = this.cache[port];
      if (s === undefined) {
        s = flat(this.before + port + this.after);
        this.cache[port] = s;
      }
      return s;
    }
    return this.before + port + this.after;
  }
}

/** Text made from a key string (a field key, an observation kind), remembered per key. */
export class KeyTexts {
  private readonly cache = new Map<string, string>();
  constructor(private readonly make: (key: string) => string) {}

  get(key: string): string {
    let s = this.cache.get(key);
    if (s === undefined) {
      s = flat(this.make(key));
      // Keys come from a fixed set; the bound only guards against misuse.
      if (this.cache.size < 1024) this.cache.set(key, s);
    }
    return s;
  }
}

/** Slots remembered per observation kind by KindTexts (more fields use the key lookup). */
const KIND_SLOTS = 8;

/** What KindTexts keeps for one observation kind. */
export interface KindEntry {
  /** The text around the kind. */
  readonly text: string;
  /** The field keys last seen at each position (undefined: none yet), and their texts. */
  readonly keys: (string | undefined)[];
  readonly pieces: string[];
}

/**
 * Texts keyed by observation kind, plus the field-key texts for that kind's fields: an
 * observation of a given kind nearly always has the same keys in the same order, so one
 * lookup per observation (the kind) replaces one per field, and each field's text is
 * found by comparing its key with the one seen at that position before.
 */
export class KindTexts {
  private readonly cache = new Map<string, KindEntry>();
  constructor(private readonly makeKind: (kind: string) => string, private readonly fields: KeyTexts) {}

  entry(kind: string): KindEntry {
    let e = this.cache.get(kind);
    if (e === undefined) {
      e = {
        text: flat(this.makeKind(kind)),
        keys: new Array<string | undefined>(KIND_SLOTS).fill(undefined),
        pieces: new Array<string>(KIND_SLOTS).fill(''),
      };
      if (this.cache.size < 1024) this.cache.set(kind, e);
    }
    return e;
  }

  /** The text for field `key` at position `i` of an observation of entry `e`'s kind. */
  field(e: KindEntry, i: number, key: string): string {
    if (i >= KIND_SLOTS) return this.fields.get(key);
    if (e.keys[i] === key) return e.pieces[i]!;
    const piece = this.fields.get(key);
    e.keys[i] = key;
    e.pieces[i] = piece;
    return piece;
  }
}

/** `s` as one flat string (V8 flattens a concatenation in place when it is read). */
let flatSink = 0;
export function flat(s: string): string {
  // The result is kept so that the read cannot be optimised away.
  flatSink = (flatSink + s.charCodeAt(0)) | 0;
  return s;
}
