/**
 * The p0f.fp reader (p0f's readfp.c): line syntax, sections, labels, `sys`, `classes`,
 * the parser's state machine and p0f's fatal errors, word for word and with p0f's source
 * locations, so `p0f -f bad.fp` and we fail the same way.
 *
 * Module-specific `sig` lines go to tcp-sig.ts, mtu-sig.ts and http-sig.ts.
 */
import * as fs from 'node:fs';
import { DatabaseError, strerror } from '../errors.ts';
import { asciiLower, ch, isAlnum, isAlpha, isBlank, isNameChar } from './cstr.ts';
import { parseUaOs, registerHttpSig } from './http-sig.ts';
import { registerMtuSig } from './mtu-sig.ts';
import { LayoutInterner, registerTcpSig, type MutableTcpSigTable } from './tcp-sig.ts';
import {
  SYS_CLASS_FLAG,
  type Database, type HttpSigRecord, type MtuSigRecord, type UaMapRecord,
} from './types.ts';

// Parser states (CF_NEED_*) and modules (CF_MOD_*), as in readfp.h.
const NEED_SECT = 0, NEED_LABEL = 1, NEED_SYS = 2, NEED_SIG = 3;
const MOD_TCP = 0, MOD_MTU = 1, MOD_HTTP = 2;

/** Read and parse a p0f.fp file (p0f's read_config). */
export function readDatabase(path: string): Database {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (err) {
    throw new DatabaseError(`Cannot open '${path}' for reading.`, 'read_config(), readfp.c:392', path, 0,
      strerror(err));
  }
  try {
    let size: number;
    try {
      size = fs.fstatSync(fd).size;
    } catch (err) {
      throw new DatabaseError(`fstat() on '${path}' failed.`, 'read_config(), readfp.c:394', path, 0,
        strerror(err));
    }
    if (!size) return parseDatabase('', path);

    // One read() of st_size bytes, as p0f does; anything else (a directory, a file that
    // shrank) is a short read.
    const data = Buffer.allocUnsafe(size);
    let got: number;
    try {
      got = fs.readSync(fd, data, 0, size, null);
    } catch {
      got = -1;
    }
    if (got !== size) {
      throw new DatabaseError(`Short read from '${path}'.`, 'read_config(), readfp.c:404', path, 0);
    }
    return parseDatabase(data, path);
  } finally {
    fs.closeSync(fd);
  }
}

/** Parse p0f.fp text (bytes are taken as latin1; a NUL ends the file, as in p0f). */
export function parseDatabase(text: Buffer | string, file: string): Database {
  return new Parser(file).run(typeof text === 'string' ? text : text.toString('latin1'));
}

class Parser {
  private readonly file: string;
  private state = NEED_SECT;
  private modType = MOD_TCP;
  private modToSrv = false;
  private generic = false;
  private sigClass = 0;
  private sigName = 0;
  private sigFlavor: string | null = null;
  private curSys: number[] = [];
  private labelId = 0;
  private lineNo = 0;
  private sigCnt = 0;

  private readonly classes: string[] = [];
  private readonly classIds = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly nameIds = new Map<string, number>();

  private readonly tcp: [MutableTcpSigTable, MutableTcpSigTable] = [new Map(), new Map()];
  private readonly interner = new LayoutInterner();
  private readonly mtu: MtuSigRecord[] = [];
  private readonly http: [HttpSigRecord[], HttpSigRecord[]] = [[], []];
  private readonly uaMap: UaMapRecord[] = [];

  constructor(file: string) {
    this.file = file;
  }

  run(data: string): Database {
    const nul = data.indexOf('\0');
    if (nul >= 0) data = data.slice(0, nul);

    let cur = 0;
    for (;;) {
      this.lineNo++;
      while (isBlank(ch(data, cur))) cur++;
      let eol = data.indexOf('\n', cur);
      if (eol < 0) eol = data.length;
      if (eol !== cur && ch(data, cur) !== 59 /* ; */) this.parseLine(data.slice(cur, eol));
      if (eol >= data.length) break;
      cur = eol + 1;
    }

    return {
      file: this.file,
      classes: this.classes,
      names: this.names,
      sigCount: this.sigCnt,
      tcp: this.tcp,
      mtu: this.mtu,
      http: this.http,
      uaMap: this.uaMap,
    };
  }

  private fatal(msg: string, fn: string, srcLine: number): never {
    throw new DatabaseError(msg, `${fn}(), readfp.c:${srcLine}`, this.file, this.lineNo);
  }

  private parseLine(line: string): void {
    const ln = this.lineNo;

    if (ch(line, 0) === 91 /* [ */) {
      const sect = line.slice(1);
      if (sect === 'mtu]') {
        this.modType = MOD_MTU;
        this.state = NEED_LABEL;
        return;
      }
      const colon = sect.indexOf(':');
      if (colon < 0) this.fatal(`Malformed section identifier in line ${ln}.`, 'config_parse_line', 261);
      const mod = sect.slice(0, colon);
      const dir = sect.slice(colon + 1);
      if (mod === 'tcp') this.modType = MOD_TCP;
      else if (mod === 'http') this.modType = MOD_HTTP;
      else this.fatal(`Unrecognized fingerprinting module '${mod}' in line ${ln}.`, 'config_parse_line', 275);
      if (dir === 'request]') this.modToSrv = true;
      else if (dir === 'response]') this.modToSrv = false;
      else this.fatal(`Unrecognized traffic direction in line ${ln}.`, 'config_parse_line', 289);
      this.state = NEED_LABEL;
      return;
    }

    // name = value
    let p = 0;
    while (isAlpha(ch(line, p)) || ch(line, p) === 95 /* _ */) p++;
    const name = line.slice(0, p);
    while (isBlank(ch(line, p))) p++;
    if (p === 0 || ch(line, p) !== 61 /* = */) {
      this.fatal(`Unexpected statement in line ${ln}.`, 'config_parse_line', 308);
    }
    p++;
    while (isBlank(ch(line, p))) p++;
    const val = line.slice(p);

    switch (name) {
      case 'classes':
        if (this.state !== NEED_SECT) this.fatal(`misplaced 'classes' in line ${ln}.`, 'config_parse_line', 317);
        this.parseClasses(val);
        break;

      case 'ua_os':
        if (this.state !== NEED_LABEL || !this.modToSrv || this.modType !== MOD_HTTP) {
          // (sic) p0f's message spells it 'us_os'.
          this.fatal(`misplaced 'us_os' in line ${ln}.`, 'config_parse_line', 324);
        }
        for (const rec of parseUaOs(val, ln, this.file, (n) => this.lookupNameId(n, n.length))) {
          this.uaMap.push(rec);
        }
        break;

      case 'label':
        if (this.state !== NEED_LABEL && this.state !== NEED_SIG) {
          this.fatal(`misplaced 'label' in line ${ln}.`, 'config_parse_line', 334);
        }
        this.parseLabel(val);
        this.state = this.modType !== MOD_MTU && this.sigClass < 0 ? NEED_SYS : NEED_SIG;
        break;

      case 'sys':
        if (this.state !== NEED_SYS) this.fatal(`Misplaced 'sys' in line ${ln}.`, 'config_parse_line', 344);
        this.parseSys(val);
        this.state = NEED_SIG;
        break;

      case 'sig':
        if (this.state !== NEED_SIG) this.fatal(`Misplaced 'sig' in line ${ln}.`, 'config_parse_line', 352);
        switch (this.modType) {
          case MOD_TCP:
            registerTcpSig(this.tcp[this.modToSrv ? 1 : 0], this.interner, this.modToSrv, this.generic,
              this.sigClass, this.sigName, this.sigFlavor, this.labelId, this.curSys, val, ln, this.file);
            break;
          case MOD_MTU:
            registerMtuSig(this.mtu, this.sigFlavor as string, val, ln, this.file);
            break;
          case MOD_HTTP:
            registerHttpSig(this.http[this.modToSrv ? 1 : 0], this.modToSrv, this.generic, this.sigClass,
              this.sigName, this.sigFlavor, this.labelId, this.curSys, val, ln, this.file);
            break;
        }
        this.sigCnt++;
        break;

      default:
        this.fatal(`Unrecognized field '${name}' in line ${ln}.`, 'config_parse_line', 376);
    }
  }

  /** `classes = a,b,c` (config_parse_classes). */
  private parseClasses(val: string): void {
    let p = 0;
    while (ch(val, p)) {
      while (isBlank(ch(val, p)) || ch(val, p) === 44 /* , */) p++;
      let nxt = p;
      while (isAlnum(ch(val, nxt))) nxt++;
      if (nxt === p || (ch(val, nxt) && ch(val, nxt) !== 44)) {
        this.fatal(`Malformed class entry in line ${this.lineNo}.`, 'config_parse_classes', 72);
      }
      const cls = val.slice(p, nxt);
      const key = asciiLower(cls);
      // Duplicates are kept (p0f does not check); lookups find the first.
      if (!this.classIds.has(key)) this.classIds.set(key, this.classes.length);
      this.classes.push(cls);
      p = nxt;
    }
  }

  /**
   * Find or add an OS / application name (p0f's lookup_name_id). p0f passes the length as
   * a u8, so only the first (length mod 256) characters count, and that is what is stored.
   */
  private lookupNameId(name: string, len: number): number {
    return this.lookupName(name.slice(0, len & 0xff));
  }

  /** Find or add a name compared in full (config_parse_sys does not truncate). */
  private lookupName(n: string): number {
    const key = asciiLower(n);
    let id = this.nameIds.get(key);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(n);
      this.nameIds.set(key, id);
    }
    return id;
  }

  /** `label = ...` (config_parse_label). */
  private parseLabel(val: string): void {
    const ln = this.lineNo;
    const malformedClass = (srcLine: number): never =>
      this.fatal(`Malformed class entry in line ${ln}.`, 'config_parse_label', srcLine);

    // [mtu] labels are free text.
    if (this.modType === MOD_MTU) {
      if (!val) this.fatal(`Empty MTU label in line ${ln}.\n`, 'config_parse_label', 120);
      this.sigFlavor = val;
      return;
    }

    const gs = ch(val, 0);
    if (gs === 103 /* g */) this.generic = true;
    else if (gs === 115 /* s */) this.generic = false;
    else malformedClass(129);
    if (ch(val, 1) !== 58) malformedClass(131);

    let p = 2;
    let nxt = p;
    while (isAlnum(ch(val, nxt)) || ch(val, nxt) === 33 /* ! */) nxt++;
    if (nxt === p || ch(val, nxt) !== 58) malformedClass(138);

    if (ch(val, p) === 33 && ch(val, p + 1) === 58) {
      this.sigClass = -1;
    } else {
      const cls = val.slice(p, nxt);
      const id = this.classIds.get(asciiLower(cls));
      if (id === undefined) this.fatal(`Unknown class '${cls}' in line ${ln}.`, 'config_parse_label', 151);
      this.sigClass = id;
    }

    p = ++nxt;
    while (isNameChar(ch(val, nxt))) nxt++;
    if (nxt === p || ch(val, nxt) !== 58) this.fatal(`Malformed name in line ${ln}.`, 'config_parse_label', 161);

    this.sigName = this.lookupNameId(val.slice(p, nxt), nxt - p);
    this.sigFlavor = nxt + 1 < val.length ? val.slice(nxt + 1) : null;
    this.labelId++;
  }

  /** `sys = Name,@class,...` (config_parse_sys): a fresh list each time. */
  private parseSys(val: string): void {
    const ln = this.lineNo;
    const sys: number[] = [];
    this.curSys = sys;

    let p = 0;
    while (ch(val, p)) {
      while (isBlank(ch(val, p)) || ch(val, p) === 44) p++;
      let isClass = false;
      if (ch(val, p) === 64 /* @ */) {
        isClass = true;
        p++;
      }
      let nxt = p;
      while (isNameChar(ch(val, nxt))) nxt++;
      if (nxt === p || (ch(val, nxt) && ch(val, nxt) !== 44)) {
        this.fatal(`Malformed sys entry in line ${ln}.`, 'config_parse_sys', 197);
      }
      const item = val.slice(p, nxt);
      if (isClass) {
        const id = this.classIds.get(asciiLower(item));
        if (id === undefined) this.fatal(`Unknown class '${item}' in line ${ln}.`, 'config_parse_sys', 208);
        sys.push((id | SYS_CLASS_FLAG) >>> 0);
      } else {
        sys.push(this.lookupName(item));
      }
      p = nxt;
    }
  }
}
