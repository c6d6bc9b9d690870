/* verify/cli.h - exit codes and the subcommand table of the boltdiff CLI.
 *
 * Exit codes follow diff(1): 0 same, 1 divergence found, 2 usage or configuration error,
 * 3 connection, TLS or authentication failure, 4 server or protocol error.
 */
#ifndef VERIFY_CLI_H
#define VERIFY_CLI_H

enum bv_exit {
    BV_EXIT_OK = 0,
    BV_EXIT_DIVERGENCE = 1,
    BV_EXIT_USAGE = 2,
    BV_EXIT_CONNECT = 3,
    BV_EXIT_SERVER = 4
};

#define BOLTDIFF_EXIT_CODES_HELP                                                                   \
    "Exit codes:\n"                                                                                \
    "  0  success, no divergence\n"                                                                \
    "  1  divergence found\n"                                                                      \
    "  2  usage or configuration error (bad option, bad file)\n"                                   \
    "  3  connection, TLS or authentication failure\n"                                             \
    "  4  server or protocol error\n"

/* Subcommands: each cmd_X.c defines int bv_cmd_X(int argc, char **argv). Add a line here and
 * the command appears in dispatch and --help. */
int bv_cmd_version(int argc, char **argv);
int bv_cmd_ping(int argc, char **argv);
int bv_cmd_query(int argc, char **argv);
int bv_cmd_verify(int argc, char **argv);
int bv_cmd_snapshot(int argc, char **argv);

#define BOLTDIFF_COMMANDS {"version", bv_cmd_version, "print the version and the Bolt versions spoken"}, \
    {"ping", bv_cmd_ping, "connect to every instance and report version, TLS and latency"}, \
    {"query", bv_cmd_query, "run one read-only Cypher query and print the records (debugging)"}, \
    {"verify", bv_cmd_verify, "compare a baseline with targets: counts, schema, sampled content"}, \
    {"snapshot", bv_cmd_snapshot, "measure one instance into a snapshot file that verify accepts"},

#endif
