/**
 * `sig = ...` lines of [mtu] (p0f's mtu_register_sig, fp_mtu.c): a bare decimal MTU.
 */
import { DatabaseError } from '../errors.ts';
import { atolS32, ch, skipDigits } from './cstr.ts';
import type { MtuSigRecord } from './types.ts';

export function registerMtuSig(table: MtuSigRecord[], name: string, val: string, lineNo: number,
                               file: string): void {
  const nxt = skipDigits(val, 0);
  if (nxt === 0 || ch(val, nxt)) {
    throw new DatabaseError(`Malformed MTU value in line ${lineNo}.`, 'mtu_register_sig(), fp_mtu.c:44', file, lineNo);
  }
  const mtu = atolS32(val, 0);
  if (mtu <= 0 || mtu > 65535) {
    throw new DatabaseError(`Malformed MTU value in line ${lineNo}.`, 'mtu_register_sig(), fp_mtu.c:48', file, lineNo);
  }
  table.push({ name, mtu });
}
