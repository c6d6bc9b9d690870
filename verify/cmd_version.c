/* boltdiff version: the tool's version and what it can speak. */
#include <stdio.h>

#include "verify/cli.h"

int bv_cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("boltdiff %s\n"
           "Bolt protocol versions: 1, 2, 3, 4.0-4.4, 5.0-5.8, 6.0 (manifest v1 handshake)\n",
           BOLTDIFF_VERSION);
    return BV_EXIT_OK;
}
