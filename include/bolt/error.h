/* bolt/error.h - error codes of the Bolt protocol library.
 *
 * Every function of the library returns 0 (or a non-negative count) on success and one of the
 * negative codes below on failure, as libuv does. bolt_strerror() gives a one-line English
 * description and bolt_errname() the symbolic name; both return static strings (never free).
 *
 * A server FAILURE is not an error code of its own kind: the session keeps the server's code
 * and message (see session.h, bolt_session_failure()) and reports BOLT_E_SERVER_FAILURE.
 */
#ifndef BOLT_ERROR_H
#define BOLT_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* X-macro so that the enum, the names and the messages can never drift apart. */
#define BOLT_ERRNO_MAP(X)                                                                          \
    X(NOMEM, -1, "out of memory")                                                                  \
    X(INVAL, -2, "invalid argument")                                                               \
    X(TRUNCATED, -3, "input ends in the middle of a value")                                        \
    X(RESERVED_MARKER, -4, "reserved PackStream marker")                                           \
    X(TOO_DEEP, -5, "PackStream value nested deeper than the limit")                               \
    X(TOO_BIG, -6, "declared size exceeds the remaining input or the configured limit")            \
    X(MAP_KEY, -7, "PackStream dictionary key is not a string")                                    \
    X(BAD_STRUCT, -8, "structure tag or fields not valid for the negotiated Bolt version")         \
    X(TRAILING, -9, "bytes left over after the end of a message")                                  \
    X(CHUNK, -10, "malformed chunk framing")                                                       \
    X(MSG_TOO_BIG, -11, "message larger than the configured limit")                                \
    X(HS_NO_VERSION, -12, "server supports none of the offered Bolt versions")                     \
    X(HS_HTTP, -13, "server answered the Bolt handshake with HTTP (wrong port, 7474?)")            \
    X(HS_NOT_OFFERED, -14, "server chose a Bolt version that was not offered")                     \
    X(HS_MANIFEST, -15, "malformed handshake manifest")                                            \
    X(BAD_MESSAGE, -16, "unknown or malformed Bolt message")                                       \
    X(UNEXPECTED, -17, "server sent a message that does not answer any request")                   \
    X(STATE, -18, "request not allowed in the current connection state")                          \
    X(SERVER_FAILURE, -19, "server answered with FAILURE")                                         \
    X(IGNORED, -20, "server ignored the request after an earlier failure")                         \
    X(DEFUNCT, -21, "connection is defunct")                                                       \
    X(CLOSED, -22, "connection closed by the peer")                                                \
    X(UNSUPPORTED, -23, "feature not supported by the negotiated Bolt version")                    \
    X(UTF8, -24, "string is not valid UTF-8")                                                      \
    X(RESOLVE, -30, "host name could not be resolved")                                             \
    X(CONNECT, -31, "TCP connection failed")                                                       \
    X(TIMEOUT, -32, "operation timed out")                                                         \
    X(TLS, -33, "TLS handshake or record error")                                                   \
    X(TLS_VERIFY, -34, "server certificate verification failed")                                   \
    X(TLS_PIN, -35, "server certificate does not match the pinned fingerprint")                    \
    X(AUTH, -36, "authentication failed")                                                          \
    X(URI, -37, "malformed or unsupported URI")                                                    \
    X(IO, -38, "input/output error")                                                               \
    X(CANCELED, -39, "operation canceled")                                                         \
    X(ROUTING, -40, "no usable routing table")                                                     \
    X(TZ_UNKNOWN, -60, "unknown time zone id (not in the time zone database)")                     \
    X(TZ_DATA, -61, "malformed or unsupported time zone file (TZif)")                              \
    X(SNAPSHOT, -70, "not a boltdiff snapshot, or a corrupt one")                                  \
    X(CHECKSUM, -71, "checksum mismatch: the data was corrupted")

enum bolt_errno {
    BOLT_OK = 0,
#define BOLT_ERRNO_ENUM(name, code, msg) BOLT_E_##name = (code),
    BOLT_ERRNO_MAP(BOLT_ERRNO_ENUM)
#undef BOLT_ERRNO_ENUM
};

/* One-line description; "unknown error" for codes not listed above. Static storage. */
const char *bolt_strerror(int err);
/* Symbolic name such as "BOLT_E_TRUNCATED"; "BOLT_E_UNKNOWN" for others. Static storage. */
const char *bolt_errname(int err);

#ifdef __cplusplus
}
#endif
#endif
