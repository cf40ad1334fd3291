/**
 * Link MTU guess from the MSS option (p0f's fingerprint_mtu, fp_mtu.c): MTU = MSS plus
 * the minimal IP + TCP header, looked up among the [mtu] signatures.
 */
import { MIN_TCP4, MIN_TCP6 } from '../db/tcp-match.ts';
import type { PacketData } from '../decode/packet.ts';
import type { Flow } from '../state/types.ts';
import type { FpContext } from './context.ts';

export function fingerprintMtu(ctx: FpContext, toSrv: boolean, pk: PacketData, flow: Flow): void {
  if (!pk.mss || flow.sendsyn) return;

  const mtu = pk.mss + (pk.ipVer === 4 ? MIN_TCP4 : MIN_TCP6);

  // First [mtu] signature with this value, in file order.
  let link: string | null = null;
  const sigs = ctx.db.mtu;
  for (let i = 0; i < sigs.length; i++) {
    if (sigs[i]!.mtu === mtu) {
      link = sigs[i]!.name;
      break;
    }
  }

  if (link !== null) {
    if (toSrv) flow.client.linkType = link;
    else flow.server.linkType = link;
  }

  ctx.observe('mtu', toSrv, flow, [
    ['link', link],
    ['raw_mtu', String(mtu)],
  ]);
}
