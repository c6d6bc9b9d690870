/* tests/bench/bench_client.h - what the two streaming clients of scripts/bench.sh (bench_drain,
 * bench_stream) share: the command line, the clock and the peak resident set, so that both read
 * the same stream and are measured the same way. Header only: the bench executables link the
 * library alone (tests/CMakeLists.txt), not the CUnit test support. NOT a test. */
#ifndef BENCH_CLIENT_H
#define BENCH_CLIENT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct bench_args {
    const char *host, *port, *query;
    unsigned major, minor; /* the one Bolt version proposed */
    int64_t fetch;         /* PULL n: -1 (all) or n > 0 */
    int no_hash;           /* --no-hash (only where the client accepts it) */
    int tree;              /* --tree (likewise): decode every record, hash the tree */
} bench_args;

static inline int bench_usage(const char *prog, int with_no_hash)
{
    fprintf(stderr,
            "usage: %s --port P [--host H] [--bolt MAJOR.MINOR] [--fetch -1|N] "
            "[--query TEXT]%s\n",
            prog, with_no_hash ? " [--tree] [--no-hash]" : "");
    return 2;
}

/* Parses the common options (with_no_hash: --no-hash and --tree are accepted too). 0, or the exit
 * code after a message on stderr: 2 (usage) or 1 (a Bolt version outside 3..6). --bolt 3 means 3.0.
 */
static inline int bench_parse_args(int argc, char **argv, const char *prog, int with_no_hash,
                                   bench_args *a)
{
    memset(a, 0, sizeof *a);
    a->host = "127.0.0.1";
    a->query = "MATCH (n) RETURN n";
    a->major = 5;
    a->minor = 8;
    a->fetch = -1;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (with_no_hash && !strcmp(o, "--no-hash")) {
            a->no_hash = 1;
            continue;
        }
        if (with_no_hash && !strcmp(o, "--tree")) {
            a->tree = 1;
            continue;
        }
        if (!v) return bench_usage(prog, with_no_hash);
        if (!strcmp(o, "--host")) {
            a->host = v;
        } else if (!strcmp(o, "--port")) {
            a->port = v;
        } else if (!strcmp(o, "--query")) {
            a->query = v;
        } else if (!strcmp(o, "--bolt")) {
            int got = sscanf(v, "%u.%u", &a->major, &a->minor);
            if (got < 1) return bench_usage(prog, with_no_hash);
            if (got == 1) a->minor = 0;
        } else if (!strcmp(o, "--fetch")) {
            a->fetch = strtoll(v, NULL, 10);
            if (a->fetch == 0 || a->fetch < -1) return bench_usage(prog, with_no_hash);
        } else {
            return bench_usage(prog, with_no_hash);
        }
        i++;
    }
    if (!a->port) return bench_usage(prog, with_no_hash);
    if (a->major < 3 || a->major > 6) {
        fprintf(stderr, "%s: --bolt: versions 3 to 6 only\n", prog);
        return 1;
    }
    return 0;
}

static inline double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Peak resident set of this program: VmHWM of /proc/self/status. Unlike getrusage's
 * ru_maxrss, it does not include the memory of the process image this one replaced at exec
 * (a benchmark started from Python would otherwise report Python's size). -1 if unknown. */
static inline long bench_peak_rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
    if (f) fclose(f);
    return kib;
}

#endif
