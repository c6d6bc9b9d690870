/* Error names and messages, generated from the one table in bolt/error.h. */
#include "bolt/error.h"

const char *bolt_strerror(int err)
{
    switch (err) {
    case BOLT_OK:
        return "success";
#define BOLT_ERRNO_MSG(name, code, msg)                                                            \
    case BOLT_E_##name:                                                                            \
        return msg;
        BOLT_ERRNO_MAP(BOLT_ERRNO_MSG)
#undef BOLT_ERRNO_MSG
    default:
        return "unknown error";
    }
}

const char *bolt_errname(int err)
{
    switch (err) {
    case BOLT_OK:
        return "BOLT_OK";
#define BOLT_ERRNO_NAME(name, code, msg)                                                           \
    case BOLT_E_##name:                                                                            \
        return "BOLT_E_" #name;
        BOLT_ERRNO_MAP(BOLT_ERRNO_NAME)
#undef BOLT_ERRNO_NAME
    default:
        return "BOLT_E_UNKNOWN";
    }
}
