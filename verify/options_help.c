/* The --help text of `boltdiff verify` (bv_options_usage). Apart from the parser in options.c:
 * it is prose for people, reviewed and reworded on its own, while the parser is logic. The
 * defaults and limits it quotes are the macros of verify/options.h that the parser enforces, so
 * those stay in step; the option names follow long_options in options.c by hand, and
 * tests/verify/test_options.c ("help text") checks them and the 80-column width. */
#include "verify/options.h"

#include <stdio.h>

#include "verify/cli.h"

void bv_options_usage(FILE *out)
{
    fprintf(out,
            "usage: boltdiff verify [options] BASELINE TARGET...\n"
            "\n"
            "Compares a baseline Neo4j instance with one or more targets (3.5, 4.x, 5.x) and\n"
            "reports every divergence. An instance is a URI (bolt://, bolt+s://, bolt+ssc://,\n"
            "neo4j://, neo4j+s://, neo4j+ssc://) or a snapshot file. Every query is a read.\n"
            "\n"
            "Checks:\n"
            "  -c, --checks LIST       comma-separated checks to run, from inventory, tokens,\n"
            "                          counts, schema, coverage, sample, full; 'default' (all\n"
            "                          but full) or 'all' (default: default)\n"
            "  -n, --sample-size N     nodes sampled per label (smaller labels whole),\n"
            "                          1 to %u (default %u)\n"
            "      --seed N            sampling seed (default: random, printed in the report)\n"
            "  -k, --key LABEL.PROP    match sampled LABEL nodes by PROP (repeatable;\n"
            "                          back-quote names with dots: '`My.Label`.uid');\n"
            "                          default: the baseline's uniqueness constraints and\n"
            "                          node keys\n"
            "      --match-by-id       match sampled nodes by internal id (only for store\n"
            "                          copies that keep ids; not with --key)\n"
            "      --strict            ambiguous divergences fail the run like drift\n"
            "\n"
            "Load:\n"
            "  -j, --parallel K        connections per instance, 1 to %u (default %u)\n"
            "      --fetch-size N      records per PULL, 1 to %u (default %u)\n"
            "      --retries N         retries per task for transient errors and dropped\n"
            "                          connections, 0 to %u (default %u)\n"
            "      --connect-timeout D per connection, TLS and authentication included\n"
            "                          (default 10s; D is like 500ms, 10s, 2m or seconds)\n"
            "      --query-timeout D   per query (default: none, the server's limit applies)\n"
            "      --partition-size N  internal ids per coverage scan partition (default\n"
            "                          %u; docs/queries.md)\n",
            BV_MAX_SAMPLE_SIZE, BV_DEFAULT_SAMPLE_SIZE, BV_MAX_PARALLEL, BV_DEFAULT_PARALLEL,
            BV_MAX_FETCH_SIZE, BV_DEFAULT_FETCH_SIZE, BV_MAX_RETRIES, BV_DEFAULT_RETRIES,
            BV_DEFAULT_PARTITION_SIZE);
    /* Two calls: one literal would exceed the 4095 characters C guarantees. */
    fprintf(out,
            "  -d, --database NAME     database to measure on 4.0+ servers (default: the\n"
            "                          server's default database)\n"
            "\n"
            "Connection (credentials are never taken from the command line):\n"
            "      --user NAME         user name (default: NEO4J_USERNAME, or user@ in the\n"
            "                          URI)\n"
            "      --password-file F   file whose first line is the password (else\n"
            "                          NEO4J_PASSWORD or NEO4J_PASSWORD_FILE)\n"
            "      --token-file F      file whose first line is a bearer token\n"
            "      --credentials-file F  lines host:port:user:password, one per instance\n"
            "      --auth-env PREFIX   read PREFIX_USERNAME, PREFIX_PASSWORD[_FILE], ...\n"
            "                          instead of NEO4J_*; once for all instances or once per\n"
            "                          instance, in order\n"
            "      --no-auth           connect without authentication\n"
            "      --ca-file F         PEM trust store for +s schemes (default: the system's)\n"
            "      --client-cert F     client certificate (PEM) for mutual TLS (alias --cert)\n"
            "      --client-key F      its private key (PEM); --key names sample keys here\n"
            "      --pin sha256:HEX    accept exactly this server certificate\n"
            "      --bolt LIST         Bolt versions to offer, e.g. 4.4 or 5.0-5.8,4.4,3\n"
            "      --manifest          offer the handshake manifest (needed for Bolt 6.0)\n"
            "\n"
            "Reports:\n"
            "  -f, --format FMT        report on stdout: text or json (default text)\n"
            "  -o, --output FILE       write that report to FILE instead of stdout\n"
            "      --junit FILE        JUnit XML: a testcase per check and instance pair\n"
            "      --prometheus FILE   Prometheus textfile (written to a temporary file, then\n"
            "                          renamed)\n"
            "      --pushgateway URL   push the metrics to a Prometheus pushgateway (http://\n"
            "                          only) when the run completed (exit 0 or 1); the\n"
            "                          last-success timestamp only on exit 0\n"
            "      --push-job NAME     job label of the push (default %s)\n"
            "  -q, --quiet             no text report and no progress bar\n"
            "      --color WHEN        auto, always or never (default auto: on a terminal,\n"
            "                          unless NO_COLOR is set)\n"
            "  -h, --help              this help\n"
            "\n" BOLTDIFF_EXIT_CODES_HELP,
            BV_DEFAULT_PUSH_JOB);
}
