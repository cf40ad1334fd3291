/*
 * Load generator for the p0f API benchmark (bench/api.ts builds and runs it).
 *
 * Opens N connections to an API socket and keeps exactly one query outstanding on each
 * (closed loop: a client asks again as soon as its answer is complete), for a fixed time.
 * Written in C with epoll so that the generator costs far less per query than either
 * daemon under test, and the daemons, not the generator, set the pace.
 *
 * usage: api-load SOCKET CLIENTS SECONDS QUERYHEX [QUERYHEX...]
 * prints one JSON line: {"queries":N,"seconds":S,"p50_us":..,"p99_us":..,"max_us":..,"errors":E}
 * Queries are sent round-robin from the list (each client keeps its own position).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define QSZ 21
#define RSZ 232
#define MAXQ 64
/* Latency histogram: 1 us buckets up to 100 ms, then one overflow bucket. */
#define HBUCKETS 100001

struct client {
  int fd;
  int qpos;
  size_t got;
  size_t sent;
  uint64_t t0;
  unsigned char rbuf[RSZ];
};

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static unsigned char queries[MAXQ][QSZ];
static int nq;
static uint64_t hist[HBUCKETS];

static int send_query(struct client* c) {
  const unsigned char* q = queries[c->qpos];
  c->qpos = (c->qpos + 1) % nq;
  c->t0 = now_ns();
  c->sent = 0;
  while (c->sent < QSZ) {
    ssize_t w = write(c->fd, q + c->sent, QSZ - c->sent);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return 1; /* finished on EPOLLOUT */
      return -1;
    }
    c->sent += (size_t)w;
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s SOCKET CLIENTS SECONDS QUERYHEX...\n", argv[0]);
    return 2;
  }
  const char* path = argv[1];
  int n = atoi(argv[2]);
  double secs = atof(argv[3]);
  for (int i = 4; i < argc && nq < MAXQ; i++) {
    if (strlen(argv[i]) != QSZ * 2) { fprintf(stderr, "bad query hex\n"); return 2; }
    for (int k = 0; k < QSZ; k++) {
      int hi = hexval(argv[i][2 * k]), lo = hexval(argv[i][2 * k + 1]);
      if (hi < 0 || lo < 0) { fprintf(stderr, "bad query hex\n"); return 2; }
      queries[nq][k] = (unsigned char)(hi * 16 + lo);
    }
    nq++;
  }
  if (n < 1 || n > 10000 || secs <= 0) { fprintf(stderr, "bad arguments\n"); return 2; }

  struct client* cl = calloc((size_t)n, sizeof(struct client));
  int ep = epoll_create1(0);
  struct sockaddr_un sun;
  memset(&sun, 0, sizeof(sun));
  sun.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof(sun.sun_path)) { fprintf(stderr, "path too long\n"); return 2; }
  strcpy(sun.sun_path, path);

  for (int i = 0; i < n; i++) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr*)&sun, sizeof(sun))) {
      perror("connect");
      return 1;
    }
    fcntl(fd, F_SETFL, O_NONBLOCK);
    cl[i].fd = fd;
    cl[i].qpos = i % nq;
    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }

  uint64_t start = now_ns();
  uint64_t end = start + (uint64_t)(secs * 1e9);
  uint64_t done = 0, errors = 0;
  for (int i = 0; i < n; i++) {
    if (send_query(&cl[i]) < 0) errors++;
  }

  struct epoll_event evs[256];
  int live = n;
  while (live > 0) {
    int k = epoll_wait(ep, evs, 256, 100);
    uint64_t t = now_ns();
    if (k < 0) {
      if (errno == EINTR) continue;
      perror("epoll_wait");
      break;
    }
    for (int e = 0; e < k; e++) {
      struct client* c = &cl[evs[e].data.u32];
      if (c->fd < 0) continue;
      if (evs[e].events & EPOLLOUT) {
        while (c->sent < QSZ) {
          ssize_t w = write(c->fd, queries[(c->qpos + nq - 1) % nq] + c->sent, QSZ - c->sent);
          if (w <= 0) break;
          c->sent += (size_t)w;
        }
        if (c->sent == QSZ) {
          struct epoll_event ev = { .events = EPOLLIN, .data.u32 = evs[e].data.u32 };
          epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        }
      }
      if (!(evs[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
      for (;;) {
        ssize_t r = read(c->fd, c->rbuf + c->got, RSZ - c->got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && errno == EAGAIN) break;
        if (r <= 0) {
          errors++;
          close(c->fd);
          c->fd = -1;
          live--;
          break;
        }
        c->got += (size_t)r;
        if (c->got < RSZ) continue;
        c->got = 0;
        uint64_t us = (now_ns() - c->t0) / 1000;
        hist[us < HBUCKETS - 1 ? us : HBUCKETS - 1]++;
        done++;
        if (t >= end) {
          close(c->fd);
          c->fd = -1;
          live--;
          break;
        }
        int s = send_query(c);
        if (s < 0) {
          errors++;
          close(c->fd);
          c->fd = -1;
          live--;
          break;
        }
        if (s == 1) {
          struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.u32 = evs[e].data.u32 };
          epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        }
        break; /* one answer per client per wake-up: its next query is in flight */
      }
    }
    if (t > end + 2000000000ull) break; /* a daemon that stopped answering */
  }
  double elapsed = (double)(now_ns() - start) / 1e9;

  uint64_t p50 = 0, p99 = 0, mx = 0, acc = 0;
  int have50 = 0, have99 = 0;
  for (int i = 0; i < HBUCKETS; i++) {
    if (!hist[i]) continue;
    acc += hist[i];
    mx = (uint64_t)i;
    if (!have50 && acc * 2 >= done) { p50 = (uint64_t)i; have50 = 1; }
    if (!have99 && acc * 100 >= done * 99) { p99 = (uint64_t)i; have99 = 1; }
  }
  printf("{\"queries\":%llu,\"seconds\":%.4f,\"p50_us\":%llu,\"p99_us\":%llu,\"max_us\":%llu,\"errors\":%llu}\n",
         (unsigned long long)done, elapsed, (unsigned long long)p50, (unsigned long long)p99,
         (unsigned long long)mx, (unsigned long long)errors);
  return 0;
}
