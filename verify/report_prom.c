/* Prometheus metrics of a run (text exposition format 0.0.4), for the node_exporter textfile
 * collector and the pushgateway, and the small blocking HTTP client that pushes them. The push
 * runs after the measuring loop has finished, so blocking (with a deadline) is harmless. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "bolt/alloc.h"
#include "bolt/error.h"
#include "report_internal.h"
#include "verify/cli.h"
#include "verify/report.h"

/* ---- the metrics ---------------------------------------------------------------------------- */

static void pair_labels(FILE *out, const bv_result *r, const bv_check_result *c)
{
    char buf[64];
    fputs("baseline=\"", out);
    rep_prom_label(out, rep_source(r->instances[c->baseline].source, c->baseline, buf, sizeof buf));
    fputs("\",target=\"", out);
    rep_prom_label(out, rep_source(r->instances[c->target].source, c->target, buf, sizeof buf));
    fprintf(out, "\",check=\"%s\"", bv_check_name(c->check));
}

static void ms_as_seconds(FILE *out, int64_t ms)
{
    if (ms < 0) {
        fputc('-', out);
        ms = -ms;
    }
    fprintf(out, "%" PRId64 ".%03d", ms / 1000, (int)(ms % 1000));
}

int bv_report_prometheus(FILE *out, const bv_result *r, int last_success)
{
    char buf[64];
    fputs("# HELP boltdiff_verify_exit_code Exit code of the last boltdiff verify run (0 same, "
          "1 divergence, 3 connection, 4 server).\n"
          "# TYPE boltdiff_verify_exit_code gauge\n",
          out);
    fprintf(out, "boltdiff_verify_exit_code %d\n", r->exit_code);

    fputs("# HELP boltdiff_verify_duration_seconds Wall-clock duration of the last run.\n"
          "# TYPE boltdiff_verify_duration_seconds gauge\nboltdiff_verify_duration_seconds ",
          out);
    ms_as_seconds(out, r->duration_ms);
    fputs("\n# HELP boltdiff_verify_last_run_timestamp_seconds When the last run ended (Unix "
          "time).\n# TYPE boltdiff_verify_last_run_timestamp_seconds gauge\n"
          "boltdiff_verify_last_run_timestamp_seconds ",
          out);
    ms_as_seconds(out, r->started_at_ms + r->duration_ms);
    fputc('\n', out);
    if (last_success) {
        fputs("# HELP boltdiff_verify_last_success_timestamp_seconds When the last run that "
              "found no divergence ended (Unix time).\n"
              "# TYPE boltdiff_verify_last_success_timestamp_seconds gauge\n"
              "boltdiff_verify_last_success_timestamp_seconds ",
              out);
        ms_as_seconds(out, r->started_at_ms + r->duration_ms);
        fputc('\n', out);
    }

    fputs("# HELP boltdiff_verify_instance_up 1 when the instance was measured, 0 when it "
          "failed.\n# TYPE boltdiff_verify_instance_up gauge\n",
          out);
    for (size_t i = 0; i < r->instance_count; i++) {
        fputs("boltdiff_verify_instance_up{instance=\"", out);
        rep_prom_label(out, rep_source(r->instances[i].source, i, buf, sizeof buf));
        fprintf(out, "\",role=\"%s\"} %d\n", i ? "target" : "baseline",
                r->instances[i].status == BV_INSTANCE_OK);
    }

    /* Every series is written on every run, zeros included, so that a fixed divergence goes
     * back to 0 instead of keeping its last value. */
    fputs("# HELP boltdiff_verify_divergences Divergences of the last run per instance pair, "
          "check and severity.\n# TYPE boltdiff_verify_divergences gauge\n",
          out);
    for (size_t i = 0; i < r->check_result_count; i++) {
        const bv_check_result *c = &r->check_results[i];
        for (int s = 0; s < BV_SEV_COUNT; s++) {
            fputs("boltdiff_verify_divergences{", out);
            pair_labels(out, r, c);
            fprintf(out, ",severity=\"%s\"} %zu\n", bv_severity_name((bv_severity)s),
                    c->by_severity[s]);
        }
    }
    fputs("# HELP boltdiff_verify_check_status Status of each check per instance pair: 1 for "
          "the current status, 0 for the others.\n"
          "# TYPE boltdiff_verify_check_status gauge\n",
          out);
    for (size_t i = 0; i < r->check_result_count; i++) {
        const bv_check_result *c = &r->check_results[i];
        for (int s = BV_STATUS_SAME; s <= BV_STATUS_ERROR; s++) {
            fputs("boltdiff_verify_check_status{", out);
            pair_labels(out, r, c);
            fprintf(out, ",status=\"%s\"} %d\n", bv_check_status_name((bv_check_status)s),
                    (int)c->status == s);
        }
    }
    return ferror(out) ? BOLT_E_IO : 0;
}

/* ---- pushgateway client --------------------------------------------------------------------- */

typedef struct http_url {
    char host[256];
    char port[8];
    char path[1024];
} http_url;

static int parse_http_url(const char *url, http_url *u)
{
    if (strncmp(url, "http://", 7)) return BOLT_E_URI;
    const char *p = url + 7;
    size_t alen = strcspn(p, "/?#");
    if (!alen || memchr(p, '@', alen)) return BOLT_E_URI;
    const char *host = p, *colon = NULL;
    size_t hlen = alen;
    if (*p == '[') {
        const char *close = memchr(p, ']', alen);
        if (!close) return BOLT_E_URI;
        host = p + 1;
        hlen = (size_t)(close - host);
        if (close + 1 < p + alen) {
            if (close[1] != ':') return BOLT_E_URI;
            colon = close + 1;
        }
    } else if ((colon = memchr(p, ':', alen)) != NULL) {
        hlen = (size_t)(colon - p);
    }
    if (!hlen || hlen >= sizeof u->host) return BOLT_E_URI;
    memcpy(u->host, host, hlen);
    u->host[hlen] = '\0';
    if (colon) {
        size_t plen = (size_t)(p + alen - colon - 1);
        if (!plen || plen >= sizeof u->port) return BOLT_E_URI;
        memcpy(u->port, colon + 1, plen);
        u->port[plen] = '\0';
    } else {
        snprintf(u->port, sizeof u->port, "80");
    }
    const char *path = p + alen;
    if (*path == '?' || *path == '#') return BOLT_E_URI;
    size_t n = strlen(path);
    while (n && path[n - 1] == '/') /* "http://gw:9091/" and "http://gw:9091" are the same */
        n--;
    if (n >= sizeof u->path) return BOLT_E_URI;
    memcpy(u->path, path, n);
    u->path[n] = '\0';
    return 0;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Waits for events on fd until the deadline. 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
    for (;;) {
        uint64_t now = now_ms();
        if (now >= deadline) return 0;
        uint64_t left = deadline - now;
        struct pollfd pfd = {fd, events, 0};
        int n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
        if (n > 0) return 1;
        if (n < 0 && errno != EINTR) return -1;
    }
}

static int connect_deadline(const http_url *u, uint64_t deadline, int *out, char *err,
                            size_t errlen)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(u->host, u->port, &hints, &res);
    if (gai != 0) {
        snprintf(err, errlen, "pushgateway: cannot resolve %s: %s", u->host, gai_strerror(gai));
        return BOLT_E_RESOLVE;
    }
    int rc = BOLT_E_CONNECT, last_errno = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        int fl = fcntl(fd, F_GETFL, 0);
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
        int c = connect(fd, a->ai_addr, a->ai_addrlen);
        if (c != 0 && errno == EINPROGRESS) {
            int w = wait_fd(fd, POLLOUT, deadline);
            if (w == 0) {
                close(fd);
                rc = BOLT_E_TIMEOUT;
                break;
            }
            int soerr = 0;
            socklen_t len = sizeof soerr;
            if (w < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0) soerr = errno;
            c = soerr ? -1 : 0;
            errno = soerr;
        }
        if (c == 0) {
            *out = fd;
            rc = 0;
            break;
        }
        last_errno = errno;
        close(fd);
    }
    freeaddrinfo(res);
    if (rc == BOLT_E_TIMEOUT)
        snprintf(err, errlen, "pushgateway: connecting to %s:%s timed out", u->host, u->port);
    else if (rc != 0)
        snprintf(err, errlen, "pushgateway: cannot connect to %s:%s: %s", u->host, u->port,
                 last_errno ? strerror(last_errno) : "no address");
    return rc;
}

static int send_all(int fd, const char *p, size_t n, uint64_t deadline)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return BOLT_E_IO;
        int ready = wait_fd(fd, POLLOUT, deadline);
        if (ready == 0) return BOLT_E_TIMEOUT;
        if (ready < 0) return BOLT_E_IO;
    }
    return 0;
}

/* Reads the response until the status line is complete (or the peer closes). */
static int read_status(int fd, uint64_t deadline, char *line, size_t len)
{
    size_t have = 0;
    line[0] = '\0';
    while (have + 1 < len) {
        ssize_t n = recv(fd, line + have, len - 1 - have, 0);
        if (n > 0) {
            have += (size_t)n;
            line[have] = '\0';
            char *eol = strstr(line, "\r\n");
            if (eol) {
                *eol = '\0';
                return 0;
            }
            continue;
        }
        if (n == 0) return have ? 0 : BOLT_E_CLOSED;
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return BOLT_E_IO;
        int ready = wait_fd(fd, POLLIN, deadline);
        if (ready == 0) return BOLT_E_TIMEOUT;
        if (ready < 0) return BOLT_E_IO;
    }
    return 0; /* a very long status line: what we have is enough to judge */
}

int bv_pushgateway_push(const char *url, const char *job, const char *body, size_t len,
                        uint64_t timeout_ms, char *err, size_t errlen)
{
    http_url u;
    if (parse_http_url(url, &u) != 0) {
        snprintf(err, errlen, "pushgateway: not a usable http:// URL");
        return BOLT_E_URI;
    }
    if (!job || !*job) job = BV_DEFAULT_PUSH_JOB;
    uint64_t deadline = now_ms() + (timeout_ms ? timeout_ms : 10000);
    int fd = -1;
    int rc = connect_deadline(&u, deadline, &fd, err, errlen);
    if (rc) return rc;

    int full_path = strstr(u.path, "/metrics/job/") != NULL;
    size_t hsize = strlen(u.path) + strlen(job) + strlen(u.host) + 256;
    char *head = bolt_malloc(hsize);
    if (!head) {
        close(fd);
        snprintf(err, errlen, "pushgateway: out of memory");
        return BOLT_E_NOMEM;
    }
    int is_v6 = strchr(u.host, ':') != NULL;
    snprintf(head, hsize,
             "POST %s%s%s HTTP/1.1\r\nHost: %s%s%s:%s\r\nUser-Agent: boltdiff/%s\r\n"
             "Content-Type: text/plain; version=0.0.4\r\nContent-Length: %zu\r\n"
             "Connection: close\r\n\r\n",
             full_path ? u.path : (*u.path ? u.path : ""), full_path ? "" : "/metrics/job/",
             full_path ? "" : job, is_v6 ? "[" : "", u.host, is_v6 ? "]" : "", u.port,
             BOLTDIFF_VERSION, len);
    rc = send_all(fd, head, strlen(head), deadline);
    bolt_free(head);
    if (rc == 0) rc = send_all(fd, body, len, deadline);
    char status[256];
    if (rc == 0) rc = read_status(fd, deadline, status, sizeof status);
    close(fd);
    if (rc == BOLT_E_TIMEOUT) {
        snprintf(err, errlen, "pushgateway: %s:%s did not answer in time", u.host, u.port);
        return rc;
    }
    if (rc != 0) {
        snprintf(err, errlen, "pushgateway: %s:%s: %s", u.host, u.port,
                 rc == BOLT_E_CLOSED ? "connection closed without an answer"
                                     : "send or receive failed");
        return rc == BOLT_E_CLOSED ? BOLT_E_IO : rc;
    }
    int code = 0;
    if (sscanf(status, "HTTP/%*d.%*d %d", &code) != 1) {
        snprintf(err, errlen, "pushgateway: %s:%s did not answer HTTP", u.host, u.port);
        return BOLT_E_IO;
    }
    if (code < 200 || code > 299) {
        /* the status line only: it is the gateway's text, one line, no body */
        for (char *p = status; *p; p++)
            if ((unsigned char)*p < 0x20) *p = ' ';
        snprintf(err, errlen, "pushgateway: %s:%s answered \"%.100s\"", u.host, u.port, status);
        return BOLT_E_IO;
    }
    return 0;
}
