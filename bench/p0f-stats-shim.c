/*
 * LD_PRELOAD shim for bench/live.ts: gives p0f 3.09b the same end-of-run figures our
 * sensor reports, without touching p0f. It counts the packets pcap_dispatch() handed to
 * p0f and, when the process exits, writes libpcap's own counters (pcap_stats) for the
 * capture handle as JSON to the file named by BENCH_STATS.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

static pcap_t* bench_handle;
static unsigned long long bench_processed;

int pcap_dispatch(pcap_t* p, int cnt, pcap_handler cb, u_char* user) {
  static int (*real)(pcap_t*, int, pcap_handler, u_char*);
  if (!real) real = (int (*)(pcap_t*, int, pcap_handler, u_char*))dlsym(RTLD_NEXT, "pcap_dispatch");
  bench_handle = p;
  int r = real(p, cnt, cb, user);
  if (r > 0) bench_processed += (unsigned long long)r;
  return r;
}

__attribute__((destructor)) static void bench_report(void) {
  const char* path = getenv("BENCH_STATS");
  struct pcap_stat st;
  if (!bench_handle || !path || pcap_stats(bench_handle, &st) != 0) return;
  FILE* f = fopen(path, "w");
  if (!f) return;
  fprintf(f, "{\"recv\":%u,\"drop\":%u,\"ifdrop\":%u,\"processed\":%llu}\n",
          st.ps_recv, st.ps_drop, st.ps_ifdrop, bench_processed);
  fclose(f);
}
