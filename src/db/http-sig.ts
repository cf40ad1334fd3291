/**
 * HTTP signature lines and `ua_os` for the p0f.fp reader. Placeholder: the real parser is
 * written separately; these stubs only fix the interface readfp.ts calls.
 */
import type { HttpSigRecord, UaMapRecord } from './types.ts';

export function registerHttpSig(table: HttpSigRecord[], toSrv: boolean, generic: boolean, classId: number,
                                nameId: number, flavor: string | null, labelId: number, sys: number[],
                                val: string, lineNo: number, file: string): void {
  void table; void toSrv; void generic; void classId; void nameId; void flavor; void labelId; void sys;
  void val; void lineNo; void file;
  throw new Error('not implemented');
}

export function parseUaOs(val: string, lineNo: number, file: string,
                          lookupNameId: (name: string) => number): UaMapRecord[] {
  void val; void lineNo; void file; void lookupNameId;
  throw new Error('not implemented');
}
