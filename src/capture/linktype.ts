/**
 * Link-layer type numbers as libpcap 1.10 on Linux sees them.
 *
 * Capture files store LINKTYPE_ values; libpcap hands programs DLT_ values
 * (`pcap_datalink()`), and p0f's link-offset switch compares against DLT_ values. The two
 * agree except for a handful of old types whose DLT_ numbers differ between operating
 * systems; libpcap's `linktype_to_dlt()` maps those, and so do we (Linux numbering).
 */

export const DLT_NULL = 0;
export const DLT_EN10MB = 1;
export const DLT_IEEE802 = 6;
export const DLT_ARCNET = 7;
export const DLT_SLIP = 8;
export const DLT_PPP = 9;
export const DLT_FDDI = 10;
export const DLT_ATM_RFC1483 = 11;
export const DLT_RAW = 12;
export const DLT_SLIP_BSDOS = 15;
export const DLT_PPP_BSDOS = 16;
export const DLT_ATM_CLIP = 19;
export const DLT_PPP_SERIAL = 50;
export const DLT_PPP_ETHER = 51;
export const DLT_SYMANTEC_FIREWALL = 99;
export const DLT_C_HDLC = 104;
export const DLT_IEEE802_11 = 105;
export const DLT_FRELAY = 107;
export const DLT_LOOP = 108;
export const DLT_ENC = 109;
export const DLT_HDLC = 112;
export const DLT_LINUX_SLL = 113;
export const DLT_PFLOG = 117;
export const DLT_IEEE802_11_RADIO = 127;
export const DLT_ARCNET_LINUX = 129;
export const DLT_APPLE_IP_OVER_IEEE1394 = 138;
export const DLT_PPP_PPPD = 166;
export const DLT_IPNET = 226;
export const DLT_IPV4 = 228;
export const DLT_IPV6 = 229;
export const DLT_DBUS = 231;
export const DLT_NFLOG = 239;
export const DLT_NETANALYZER = 240;
export const DLT_NETANALYZER_TRANSPARENT = 241;
export const DLT_PFSYNC = 246;
export const DLT_USBPCAP = 249;
export const DLT_PKTAP = 258;
export const DLT_LINUX_SLL2 = 276;
export const DLT_EBHSCR = 279;

/** File-format numbers that differ from the DLT_ value they stand for. */
export const LINKTYPE_ATM_RFC1483 = 100;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_SLIP_BSDOS = 102;
export const LINKTYPE_PPP_BSDOS = 103;
export const LINKTYPE_ATM_CLIP = 106;

/** libpcap's LINKTYPE_MATCHING_MIN/MAX (= DLT_MATCHING_MIN/MAX in 1.10.3). */
const MATCHING_MIN = 104;
const MATCHING_MAX = 289;

/** libpcap's MAXIMUM_SNAPLEN. */
export const MAXIMUM_SNAPLEN = 262144;

/**
 * libpcap's `linktype_to_dlt()` (pcap-common.c) on Linux. Values it does not know are
 * passed through unchanged, as libpcap does (they may be DLTs of a newer libpcap).
 */
export function linktypeToDlt(linktype: number): number {
  if (linktype >= MATCHING_MIN && linktype <= MATCHING_MAX && linktype !== LINKTYPE_ATM_CLIP) {
    return linktype;
  }
  switch (linktype) {
    case LINKTYPE_ATM_RFC1483: return DLT_ATM_RFC1483;
    case LINKTYPE_RAW: return DLT_RAW;
    case LINKTYPE_SLIP_BSDOS: return DLT_SLIP_BSDOS;
    case LINKTYPE_PPP_BSDOS: return DLT_PPP_BSDOS;
    case LINKTYPE_ATM_CLIP: return DLT_ATM_CLIP;
    default: return linktype;
  }
}

/**
 * libpcap's `dlt_to_linktype()`: the number to write in a capture file for a DLT, or -1
 * when the DLT has no file-format number.
 */
export function dltToLinktype(dlt: number): number {
  if (dlt >= MATCHING_MIN && dlt <= MATCHING_MAX) return dlt;
  switch (dlt) {
    case DLT_ATM_RFC1483: return LINKTYPE_ATM_RFC1483;
    case DLT_RAW: return LINKTYPE_RAW;
    case DLT_SLIP_BSDOS: return LINKTYPE_SLIP_BSDOS;
    case DLT_PPP_BSDOS: return LINKTYPE_PPP_BSDOS;
    case DLT_ATM_CLIP: return LINKTYPE_ATM_CLIP;
  }
  // The identity part of libpcap's map table: 0..10, 50, 51 and 99.
  if ((dlt >= 0 && dlt <= 10) || dlt === DLT_PPP_SERIAL || dlt === DLT_PPP_ETHER ||
      dlt === DLT_SYMANTEC_FIREWALL) {
    return dlt;
  }
  return -1;
}

/** libpcap's `max_snaplen_for_dlt()`: the largest record it accepts for a link type. */
export function maxSnaplenForDlt(dlt: number): number {
  switch (dlt) {
    case DLT_DBUS: return 128 * 1024 * 1024;
    case DLT_EBHSCR: return 8 * 1024 * 1024;
    case DLT_USBPCAP: return 1024 * 1024;
    default: return MAXIMUM_SNAPLEN;
  }
}

/** libpcap's `pcap_adjust_snapshot()`: a file's snaplen of 0 or > INT_MAX means "the maximum". */
export function adjustSnapshot(dlt: number, snaplen: number): number {
  if (snaplen === 0 || snaplen > 0x7fffffff) return maxSnaplenForDlt(dlt);
  return snaplen;
}
