/* Raw drain: the fastest a client can take a Bolt result stream off the socket. The yardstick
 * of scripts/bench.sh: boltdiff's real path (bench_stream) is measured against it.
 *
 *   bench_drain --port P [--host 127.0.0.1] [--bolt 5.8] [--fetch -1|N] [--query TEXT]
 *
 * The requests (handshake for exactly one version, HELLO [+ LOGON], RUN, PULL) are encoded once
 * before the clock starts and written as plain bytes; authentication is scheme "none" (the
 * benchmark server runs with --no-auth, so no credential is needed anywhere). Then the socket
 * is read into one reused buffer and the bytes are discarded. The only work done per byte is
 * the least any Bolt client must do: walk the chunk headers (jumping over the payloads) to see
 * where each message ends, and look at its signature, to count RECORDs and to find the PULL
 * summary (SUCCESS with has_more true: send the next PULL; otherwise the stream is over).
 *
 * Prints one JSON line: {"client":"drain","records":N,"bytes":B,"seconds":S,...}; seconds run
 * from connect() to the final SUCCESS. Exit 1 on any failure with a one-line reason.
 * NOT a test: a benchmark tool, see docs/benchmarks.md. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "bolt/chunk.h"
#include "bolt/error.h"
#include "bolt/message.h"
#include "bolt/packstream.h"
#include "bench_client.h"

#define READ_SIZE (256u * 1024u) /* one read() per this many bytes: the syscall cost is gone */
#define SMALL_CAP 4096u          /* bytes kept of a summary message (has_more lookup) */

typedef struct drain {
    int fd;
    unsigned major, minor;
    int64_t fetch;
    /* framing state: carried across reads, because headers and payloads straddle them */
    uint8_t hdr[2];
    unsigned hdr_have; /* 0..1 header bytes kept from the previous read */
    size_t chunk_left; /* payload bytes of the current chunk still to skip */
    size_t msg_len;    /* payload bytes of the current message so far */
    uint8_t small[SMALL_CAP];
    size_t small_len; /* bytes of the current message kept in small[] */
    /* results */
    uint64_t records, bytes, successes, pulls_sent;
    unsigned summaries_before_pull; /* SUCCESSes of HELLO [, LOGON] and RUN */
    int done;
    bolt_buf pull; /* a pre-encoded PULL, sent again for every has_more */
} drain;

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int fail(const char *what)
{
    fprintf(stderr, "bench_drain: %s\n", what);
    return -1;
}

/* A whole message ended (its 00 00 seen): act on its signature. */
static int end_message(drain *d)
{
    if (d->small_len < 2) return fail("a message shorter than a structure header");
    uint8_t sig = d->small[1];
    if (sig == BOLT_MSG_RECORD) {
        d->records++;
        return 0;
    }
    if (sig == BOLT_MSG_FAILURE || sig == BOLT_MSG_IGNORED) {
        char line[256];
        size_t n = d->small_len < 160 ? d->small_len : 160, o = 0;
        for (size_t i = 2; i < n && o + 1 < sizeof line; i++)
            line[o++] = d->small[i] >= 0x20 && d->small[i] < 0x7F ? (char)d->small[i] : '.';
        line[o] = 0;
        fprintf(stderr, "bench_drain: the server answered %s: %s\n",
                sig == BOLT_MSG_FAILURE ? "FAILURE" : "IGNORED", line);
        return -1;
    }
    if (sig != BOLT_MSG_SUCCESS) return fail("a message that is not SUCCESS, RECORD or FAILURE");
    if (++d->successes <= d->summaries_before_pull) return 0;
    /* A PULL summary: `has_more: true` is the key (88 "has_more") followed by C3. */
    static const uint8_t has_more[] = {0x88, 'h', 'a', 's', '_', 'm', 'o', 'r', 'e', 0xC3};
    size_t keep = d->small_len;
    int more = 0;
    for (size_t i = 0; i + sizeof has_more <= keep && !more; i++)
        more = memcmp(d->small + i, has_more, sizeof has_more) == 0;
    if (!more) {
        d->done = 1;
        return 0;
    }
    d->pulls_sent++;
    if (write_all(d->fd, d->pull.data, d->pull.len)) return fail("writing PULL failed");
    return 0;
}

/* Walks the chunk headers of one read's bytes; payloads are skipped, never touched, except
 * the first bytes of each message (its signature) and the whole of small summaries. */
static int walk(drain *d, const uint8_t *p, size_t n)
{
    const uint8_t *end = p + n;
    while (p < end) {
        if (d->chunk_left) {
            size_t take = (size_t)(end - p) < d->chunk_left ? (size_t)(end - p) : d->chunk_left;
            /* Keep the 2-byte structure header, and all of a non-RECORD message (small). */
            size_t kept = 0;
            if (d->small_len < 2) {
                kept = 2 - d->small_len < take ? 2 - d->small_len : take;
                memcpy(d->small + d->small_len, p, kept);
                d->small_len += kept;
            }
            if (d->small_len >= 2 && d->small[1] != BOLT_MSG_RECORD) {
                size_t more = take - kept, room = SMALL_CAP - d->small_len;
                if (more > room) more = room;
                memcpy(d->small + d->small_len, p + kept, more);
                d->small_len += more;
            }
            d->msg_len += take;
            d->chunk_left -= take;
            p += take;
            continue;
        }
        /* a chunk header: 2 bytes, possibly split over two reads */
        if (d->hdr_have == 0 && end - p >= 2) {
            d->chunk_left = (size_t)p[0] << 8 | p[1];
            p += 2;
        } else {
            d->hdr[d->hdr_have++] = *p++;
            if (d->hdr_have < 2) continue;
            d->chunk_left = (size_t)d->hdr[0] << 8 | d->hdr[1];
            d->hdr_have = 0;
        }
        if (d->chunk_left == 0) {
            if (d->msg_len == 0) continue; /* NOOP between messages */
            if (end_message(d)) return -1;
            d->msg_len = 0;
            d->small_len = 0;
            if (d->done) return 0;
        }
    }
    return 0;
}

static int connect_to(const char *host, const char *port)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc) {
        fprintf(stderr, "bench_drain: %s:%s: %s\n", host, port, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0) continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        fprintf(stderr, "bench_drain: cannot connect to %s:%s: %s\n", host, port, strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

int main(int argc, char **argv)
{
    bench_args args;
    int code = bench_parse_args(argc, argv, "bench_drain", 0, &args);
    if (code) return code;
    const char *host = args.host, *port = args.port, *query = args.query;
    drain d;
    memset(&d, 0, sizeof d);
    d.major = args.major;
    d.minor = args.minor;
    d.fetch = args.fetch;

    /* Everything the client will write, encoded before the clock starts. */
    bolt_buf req;
    bolt_buf_init(&req);
    bolt_buf_init(&d.pull);
    uint32_t word = d.major >= 4 ? (d.minor << 8 | d.major) : d.major;
    uint8_t hs[20] = {0x60,
                      0x60,
                      0xB0,
                      0x17,
                      (uint8_t)(word >> 24),
                      (uint8_t)(word >> 16),
                      (uint8_t)(word >> 8),
                      (uint8_t)word};
    bolt_buf_append(&req, hs, sizeof hs);
    bolt_auth none = {BOLT_AUTH_NONE, NULL, NULL, NULL};
    bolt_hello_opts ho = {"boltdiff-bench/1", NULL, NULL, &none, NULL, 0, 1};
    bolt_tx_opts to = BOLT_TX_OPTS_INIT;
    to.mode = "r";
    int64_t n = d.major >= 4 ? d.fetch : -1;
    int rc = bolt_enc_hello(&req, d.major, d.minor, &ho);
    d.summaries_before_pull = 2; /* HELLO, RUN */
    if (!rc && (d.major > 5 || (d.major == 5 && d.minor >= 1))) {
        rc = bolt_enc_logon(&req, d.major, d.minor, &none);
        d.summaries_before_pull = 3;
    }
    if (!rc) rc = bolt_enc_run(&req, d.major, d.minor, query, strlen(query), NULL, &to);
    if (!rc) rc = bolt_enc_pull(&d.pull, d.major, d.minor, n, -1);
    if (!rc) {
        bolt_buf_append(&req, d.pull.data, d.pull.len);
        rc = req.err;
    }
    if (rc) {
        fprintf(stderr, "bench_drain: encoding the requests: %s\n", bolt_strerror(rc));
        return 1;
    }
    uint8_t *buf = malloc(READ_SIZE);
    if (!buf) return fail("out of memory"), 1;

    double t0 = bench_now_s();
    d.fd = connect_to(host, port);
    if (d.fd < 0) return 1;
    if (write_all(d.fd, req.data, req.len)) return fail("writing the requests failed"), 1;
    /* The handshake answer (4 bytes) comes before any chunk. */
    uint8_t ver[4];
    size_t got = 0;
    while (got < 4) {
        ssize_t r = read(d.fd, ver + got, 4 - got);
        if (r <= 0) return fail("the server closed during the handshake"), 1;
        got += (size_t)r;
    }
    if (ver[3] != d.major || (d.major >= 4 && ver[2] != d.minor))
        return fail("the server did not agree to the requested Bolt version"), 1;
    d.bytes = 4;
    while (!d.done) {
        ssize_t r = read(d.fd, buf, READ_SIZE);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return fail(strerror(errno)), 1;
        if (r == 0) return fail("the server closed the stream before the final SUCCESS"), 1;
        d.bytes += (uint64_t)r;
        if (walk(&d, buf, (size_t)r)) return 1;
    }
    double t1 = bench_now_s();
    bolt_buf bye;
    bolt_buf_init(&bye);
    if (bolt_enc_goodbye(&bye, d.major, d.minor) == 0) (void)write_all(d.fd, bye.data, bye.len);
    close(d.fd);
    printf("{\"client\":\"drain\",\"bolt\":\"%u.%u\",\"fetch\":%lld,\"records\":%llu,"
           "\"bytes\":%llu,\"seconds\":%.6f,\"pulls\":%llu,\"hwm_kib\":%ld}\n",
           d.major, d.minor, (long long)d.fetch, (unsigned long long)d.records,
           (unsigned long long)d.bytes, t1 - t0, (unsigned long long)d.pulls_sent + 1,
           bench_peak_rss_kib());
    bolt_buf_free(&bye);
    bolt_buf_free(&req);
    bolt_buf_free(&d.pull);
    free(buf);
    return 0;
}
