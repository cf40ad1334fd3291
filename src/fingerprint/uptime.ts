/**
 * Uptime from TCP timestamps (p0f's check_ts_tcp, fp_tcp.c): the TSval advance between the
 * host's last SYN (or SYN+ACK) and this packet, over the elapsed time, gives the clock
 * frequency; TSval / frequency then gives the time since the counter started.
 *
 * All counter arithmetic is p0f's: 32-bit unsigned (wrap-around included), the frequency
 * a double, then truncated and rounded to a "neat" value.
 */
import { TCP_SYN, type PacketData } from '../decode/packet.ts';
import type { Flow } from '../state/types.ts';
import type { FpContext } from './context.ts';

// config.h
const MIN_TWAIT = 25;
const MAX_TWAIT = 1000 * 60 * 10;
const TSTAMP_GRACE = 100;
const MIN_TSCALE = 0.7;
const MAX_TSCALE = 1500;

export function checkTsTcp(ctx: FpContext, toSrv: boolean, pk: PacketData, flow: Flow): void {
  if (!pk.ts1 || flow.sendsyn) return;

  let msDiff: number;
  let tsDiff: number;

  if (toSrv) {
    const last = flow.client.lastSyn;
    if (flow.cliTps || !last || !last.ts1) return;
    msDiff = ctx.nowMs - last.recvMs;
    tsDiff = (pk.ts1 - last.ts1) >>> 0;
  } else {
    const last = flow.server.lastSynack;
    if (flow.srvTps || !last || !last.ts1) return;
    msDiff = ctx.nowMs - last.recvMs;
    tsDiff = (pk.ts1 - last.ts1) >>> 0;
  }

  // p0f subtracts u64s: a clock going backwards wraps to a huge interval.
  if (msDiff < MIN_TWAIT || msDiff > MAX_TWAIT) return;

  // At least 5 ticks; a counter slightly behind is tolerated only as noise right after.
  const negDiff = ~tsDiff >>> 0;
  if (tsDiff < 5 || (msDiff < TSTAMP_GRACE && Math.floor(negDiff / 1000) < Math.floor(MAX_TSCALE / TSTAMP_GRACE))) {
    return;
  }

  const ffreq = tsDiff > negDiff ? negDiff * -1000.0 / msDiff : tsDiff * 1000.0 / msDiff;

  if (ffreq < MIN_TSCALE || ffreq > MAX_TSCALE) {
    // A SYN may just come from another system behind the same address; don't give up.
    if (pk.tcpType !== TCP_SYN) {
      if (toSrv) flow.cliTps = -1;
      else flow.srvTps = -1;
    }
    return;
  }

  let freq = Math.trunc(ffreq);
  if (freq === 0) freq = 1;
  else if (freq <= 10) { /* as is */ }
  else if (freq <= 50) freq = Math.floor((freq + 3) / 5) * 5;
  else if (freq <= 100) freq = Math.floor((freq + 7) / 10) * 10;
  else if (freq <= 500) freq = Math.floor((freq + 33) / 50) * 50;
  else freq = Math.floor((freq + 67) / 100) * 100;

  if (toSrv) flow.cliTps = freq;
  else flow.srvTps = freq;

  const upMin = Math.floor(Math.floor(pk.ts1 / freq) / 60);
  const upModDays = Math.floor(0xffffffff / (freq * 60 * 60 * 24));

  const hd = toSrv ? flow.client : flow.server;
  hd.lastUpMin = upMin;
  hd.upModDays = upModDays;

  ctx.observe('uptime', toSrv, flow, [
    ['uptime', `${Math.floor(upMin / 60 / 24)} days ${Math.floor(upMin / 60) % 24} hrs ${upMin % 60} min ` +
      `(modulo ${upModDays} days)`],
    ['raw_freq', `${formatFixed2(ffreq)} Hz`],
  ]);
}

/**
 * printf("%.02f"): like toFixed(2), except that glibc rounds exact ties to even where
 * toFixed rounds them up. A double is an exact tie at two decimals only when it is an odd
 * multiple of 1/8 (x.125, x.375, x.625, x.875).
 */
export function formatFixed2(x: number): string {
  const e = x * 8;
  if (Number.isInteger(e) && Math.abs(e % 2) === 1 && Math.abs(x) < 2 ** 49) {
    const c = x * 100;                      // exact: a multiple of 12.5
    let n = Math.floor(c);                  // the tie is between n and n + 1
    if (n % 2 !== 0) n += 1;
    const neg = n < 0;
    const a = Math.abs(n);
    const s = `${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
    return neg || (n === 0 && x < 0) ? '-' + s : s;
  }
  return x.toFixed(2);
}
