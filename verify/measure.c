/* Placeholder of the measuring stage (verify/measure.h) until the live measuring engine
 * (catalogs, scheduler over bolt/net, snapshots) lands: it replaces this file. Until then
 * `boltdiff verify` parses its options, then stops here with a clear message and exit 2. */
#include "verify/measure.h"

#include <stdio.h>

#include "bolt/error.h"

int bv_measure_all(const bv_options *o, bv_result *r, bv_progress *progress, char *err,
                   size_t errlen)
{
    (void)o;
    (void)r;
    (void)progress;
    snprintf(err, errlen,
             "live measuring is not implemented in this build yet (the compare and report "
             "stages are)");
    return BOLT_E_UNSUPPORTED;
}
