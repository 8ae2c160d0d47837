// tcp-peer: kernel TCP between two namespaces, the ceiling that
// bench/compare prints next to rawsctp and usrsctp. No control protocol:
// the sink port swallows, the echo port echoes.
//
//   tcp-peer sink PORT | echo PORT              servers (until killed)
//   tcp-peer bulk HOST PORT BYTES [WRITE]       writes BYTES in WRITE-byte writes (default 65536)
//   tcp-peer pingpong HOST PORT COUNT [SIZE]    COUNT round trips of SIZE bytes (default 64)
//   tcp-peer connect HOST PORT COUNT            connect + close, COUNT times
//
// Clients print one JSON line like sctp-perf --json (mbit_per_s,
// round_trips_per_s, associations_per_s). TCP_NODELAY on every socket.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

__attribute__((noreturn)) static void die(const char* what) {
  fprintf(stderr, "tcp-peer: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void nodelay(int fd) {
  const int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

static struct sockaddr_in addr_of(const char* host, const char* port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)atoi(port));
  if (host && inet_pton(AF_INET, host, &a.sin_addr) != 1) {
    fprintf(stderr, "tcp-peer: bad IPv4 address %s\n", host);
    exit(2);
  }
  return a;
}

static int connect_to(const struct sockaddr_in* a) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  nodelay(fd);
  if (connect(fd, (const struct sockaddr*)a, sizeof *a) < 0) die("connect");
  return fd;
}

static int write_all(int fd, const char* p, size_t n) {
  while (n) {
    const ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return -1;
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

static int read_all(int fd, char* p, size_t n) {
  while (n) {
    const ssize_t k = read(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return -1;
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

static void* serve(void* arg) {
  const int fd = (int)(intptr_t)arg & 0xffffff;
  const int echo = ((intptr_t)arg >> 24) & 1;
  const size_t size = 1 << 20;
  char* buf = malloc(size);
  for (;;) {
    if (!buf) break;
    const ssize_t n = read(fd, buf, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (echo && write_all(fd, buf, (size_t)n) < 0) break;
  }
  free(buf);
  close(fd);
  return NULL;
}

__attribute__((noreturn)) static void server(const char* port, int echo) {
  struct sockaddr_in a = addr_of(NULL, port);
  const int ls = socket(AF_INET, SOCK_STREAM, 0);
  const int on = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (ls < 0 || bind(ls, (struct sockaddr*)&a, sizeof a) < 0 || listen(ls, 1024) < 0) die("listen");
  fprintf(stderr, "tcp-peer: listening on TCP port %s (%s)\n", port, echo ? "echo" : "sink");
  for (;;) {
    const int fd = accept(ls, NULL, NULL);
    if (fd < 0) {
      if (errno == EINTR) continue;
      die("accept");
    }
    nodelay(fd);
    pthread_t t;
    if (pthread_create(&t, NULL, serve, (void*)(intptr_t)(fd | (echo << 24))) != 0) die("pthread_create");
    pthread_detach(t);
  }
}

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  if (argc >= 3 && !strcmp(argv[1], "sink")) server(argv[2], 0);
  if (argc >= 3 && !strcmp(argv[1], "echo")) server(argv[2], 1);
  if (argc >= 5 && !strcmp(argv[1], "bulk")) {
    const struct sockaddr_in a = addr_of(argv[2], argv[3]);
    const unsigned long long bytes = strtoull(argv[4], NULL, 10);
    const size_t w = argc >= 6 ? (size_t)atol(argv[5]) : 65536;
    char* buf = malloc(w);
    if (!buf || !w) die("buffer");
    for (size_t i = 0; i < w; ++i) buf[i] = (char)(i * 131);
    const int fd = connect_to(&a);
    const double t0 = now_s();
    unsigned long long sent = 0;
    while (sent < bytes) {
      const size_t n = bytes - sent < w ? (size_t)(bytes - sent) : w;
      if (write_all(fd, buf, n) < 0) die("write");
      sent += n;
    }
    // Until the sink has read everything: a half close, then its close.
    shutdown(fd, SHUT_WR);
    char c;
    while (read(fd, &c, 1) > 0) {
    }
    const double s = now_s() - t0;
    printf("{\"mode\": \"bulk\", \"stack\": \"tcp\", \"ok\": true, \"bytes\": %llu, \"seconds\": %.6f, "
           "\"mbit_per_s\": %.3f}\n",
           sent, s, (double)sent * 8 / s / 1e6);
    return 0;
  }
  if (argc >= 5 && !strcmp(argv[1], "pingpong")) {
    const struct sockaddr_in a = addr_of(argv[2], argv[3]);
    const long count = atol(argv[4]);
    const size_t size = argc >= 6 ? (size_t)atol(argv[5]) : 64;
    char* buf = calloc(1, size);
    if (!buf) die("buffer");
    const int fd = connect_to(&a);
    const double t0 = now_s();
    for (long i = 0; i < count; ++i) {
      if (write_all(fd, buf, size) < 0 || read_all(fd, buf, size) < 0) die("pingpong");
    }
    const double s = now_s() - t0;
    printf("{\"mode\": \"pingpong\", \"stack\": \"tcp\", \"ok\": true, \"round_trips\": %ld, \"seconds\": %.6f, "
           "\"round_trips_per_s\": %.1f}\n",
           count, s, (double)count / s);
    return 0;
  }
  if (argc >= 5 && !strcmp(argv[1], "connect")) {
    const struct sockaddr_in a = addr_of(argv[2], argv[3]);
    const long count = atol(argv[4]);
    const double t0 = now_s();
    for (long i = 0; i < count; ++i) {
      const int fd = connect_to(&a);
      close(fd);
    }
    const double s = now_s() - t0;
    printf("{\"mode\": \"connect\", \"stack\": \"tcp\", \"ok\": true, \"associations\": %ld, \"seconds\": %.6f, "
           "\"associations_per_s\": %.1f}\n",
           count, s, (double)count / s);
    return 0;
  }
  fputs("usage: tcp-peer sink PORT | echo PORT | bulk HOST PORT BYTES [WRITE] |\n"
        "       pingpong HOST PORT COUNT [SIZE] | connect HOST PORT COUNT\n",
        stderr);
  return 2;
}
