/* libFuzzer target for the TZif reader (verify/tzif.c).
 *
 * Whatever the bytes, bv_tz_parse must return a code without crashing or leaking (the
 * sanitizers check memory). When it accepts the input, the zone must answer queries at any
 * instant, including the int64 extremes and instants taken from the input itself, and the
 * answers must be consistent: every instant bv_tz_resolve returns maps back to the local time
 * it was asked for, two instants come in ascending order, and the local time of any instant
 * resolves to a set containing that instant whenever it is the only one or one of two.
 * Any violation abort()s, which libFuzzer and the corpus replay (ctest
 * fuzz/replay_fuzz_tzif) both report. Seeds: real zones from /usr/share/zoneinfo. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/error.h"
#include "verify/tzdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, int64_t t)
{
    fprintf(stderr, "fuzz_tzif: %s at %lld\n", what, (long long)t);
    abort();
}

static void check_local(const bv_tz *tz, int64_t local)
{
    bv_tz_local r;
    int n = bv_tz_resolve(tz, local, &r);
    if (n < 0 || n > 2 || n != r.count) fail("resolve count out of range", local);
    for (int k = 0; k < n; k++)
        if (r.utc[k] + bv_tz_offset_at(tz, r.utc[k]) != local)
            fail("instant does not map back", local);
    if (n == 2 && r.utc[0] >= r.utc[1]) fail("instants not ascending", local);
}

static void check_instant(const bv_tz *tz, int64_t u)
{
    int32_t off = bv_tz_offset_at(tz, u);
    /* offsets are validated at parse time to about +-26 h */
    if (off < -90000 || off > 94000) fail("offset out of range", u);
    check_local(tz, u);
    if ((off > 0 && u > INT64_MAX - off) || (off < 0 && u < INT64_MIN - off)) return;
    int64_t local = u + off;
    bv_tz_local r;
    int n = bv_tz_resolve(tz, local, &r);
    /* u itself is an answer; at most two are reported (the earliest and the latest) */
    if (n == 0) fail("instant's own local time resolves to nothing", u);
    if (n == 1 && r.utc[0] != u) fail("instant's own local time resolves elsewhere", u);
    check_local(tz, local);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bv_tz *tz = NULL;
    int rc = bv_tz_parse(data, size, "fuzz", &tz);
    if (rc != 0) {
        if (tz != NULL) fail("zone returned with an error", rc);
        if (rc != BOLT_E_TZ_DATA && rc != BOLT_E_TZ_UNKNOWN && rc != BOLT_E_NOMEM)
            fail("unexpected error code", rc);
        return 0;
    }
    static const int64_t fixed[] = {INT64_MIN,
                                    INT64_MIN + 1,
                                    -(INT64_C(1) << 59) - 1,
                                    -(INT64_C(1) << 59),
                                    -2208988800,
                                    -1,
                                    0,
                                    1,
                                    1635640200,
                                    1635643800,
                                    2147483647,
                                    2147483648,
                                    4102444800,
                                    INT64_C(1) << 59,
                                    INT64_MAX - 1,
                                    INT64_MAX};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        check_instant(tz, fixed[i]);
    /* instants from the input's last bytes, which for TZif are usually inside the footer or
     * the transition table: near transitions is where mistakes hide */
    for (size_t i = 0; i + 8 <= size && i < 64; i += 8) {
        uint64_t v = 0;
        for (int b = 0; b < 8; b++)
            v = v << 8 | data[size - 8 - i + (size_t)b];
        int64_t t = (int64_t)v;
        check_instant(tz, t);
        check_instant(tz, t >> 24); /* also a plausible 1970..2500 range instant */
    }
    if (bv_tz_name(tz) == NULL || strcmp(bv_tz_name(tz), "fuzz") != 0) fail("name lost", 0);
    bv_tz_free(tz);
    return 0;
}
