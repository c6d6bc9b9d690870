/* boltdiff - command-line entry point. Each subcommand lives in its own verify/cmd_*.c file;
 * this file only dispatches and prints the top-level help. */
#include <stdio.h>
#include <string.h>

#include "verify/cli.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    BOLTDIFF_COMMANDS
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: boltdiff [--version] [--help] COMMAND [ARGS]\n"
            "\n"
            "Proves that a Neo4j migration (3.5 -> 4.4 -> 5.x) lost nothing: speaks Bolt 3 to 6.0\n"
            "to every instance at once and reports every divergence.\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (commands[i].name) fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n"
                 "Run 'boltdiff COMMAND --help' for the options of one command.\n"
                 "\n" BOLTDIFF_EXIT_CODES_HELP);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return BV_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("boltdiff %s\n", BOLTDIFF_VERSION);
        return BV_EXIT_OK;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return BV_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (commands[i].name && !strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "boltdiff: unknown command '%s' (see 'boltdiff --help')\n", argv[1]);
    return BV_EXIT_USAGE;
}
