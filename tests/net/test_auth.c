/* Tests of credential resolution (bolt/net/auth.c): environment variables and their _FILE
 * variants, per-instance prefixes, secret files, the credentials file, bearer tokens, the
 * resolution order, and that no error message ever contains a secret. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bolt/error.h"
#include "bolt/net.h"
#include "failalloc.h"

#define SECRET "Tr0ub4dor&3"

static char dir[64];

static const char *write_file(const char *name, const char *content)
{
    static char paths[8][128];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, 128, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(content, f);
        fclose(f);
    }
    return p;
}

static void clear_env(void)
{
    const char *vars[] = {"NEO4J_USERNAME",      "NEO4J_PASSWORD",     "NEO4J_PASSWORD_FILE",
                          "NEO4J_USERNAME_FILE", "NEO4J_BEARER_TOKEN", "NEO4J_BEARER_TOKEN_FILE",
                          "SOURCE_USERNAME",     "SOURCE_PASSWORD",    "SOURCE_PASSWORD_FILE",
                          "TARGET_USERNAME",     "TARGET_PASSWORD"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
}

static int init(void)
{
    snprintf(dir, sizeof dir, "/tmp/boltdiff-auth-XXXXXX");
    return mkdtemp(dir) ? 0 : 1;
}

static int cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}

/* Resolves and returns the code; err is checked never to contain SECRET. */
static int resolve(const bolt_auth_sources *src, bolt_credentials *c, char *err, size_t n)
{
    int r = bolt_credentials_resolve(src, "db1.example", 7687, c, err, n);
    CU_ASSERT_PTR_NULL(strstr(err, SECRET));
    CU_ASSERT_PTR_NULL(strstr(c->origin, SECRET));
    return r;
}

static void test_nothing_and_no_auth(void)
{
    clear_env();
    bolt_auth_sources src = {0};
    bolt_credentials c;
    char err[300] = "";
    CU_ASSERT_EQUAL(resolve(&src, &c, err, sizeof err), 0);
    CU_ASSERT_EQUAL(c.scheme, BOLT_AUTH_NONE);
    CU_ASSERT_STRING_EQUAL(c.origin, "none (no credentials found)");
    bolt_auth a = bolt_credentials_auth(&c);
    CU_ASSERT_EQUAL(a.scheme, BOLT_AUTH_NONE);
    CU_ASSERT_PTR_NULL(a.credentials);
    bolt_credentials_clear(&c);

    setenv("NEO4J_USERNAME", "neo4j", 1);
    setenv("NEO4J_PASSWORD", SECRET, 1);
    src.no_auth = 1;
    CU_ASSERT_EQUAL(resolve(&src, &c, err, sizeof err), 0);
    CU_ASSERT_EQUAL(c.scheme, BOLT_AUTH_NONE);
    bolt_credentials_clear(&c);
    clear_env();
}

static void test_env_like_cypher_shell(void)
{
    clear_env();
    setenv("NEO4J_USERNAME", "neo4j", 1);
    setenv("NEO4J_PASSWORD", SECRET, 1);
    bolt_auth_sources src = {0};
    bolt_credentials c;
    char err[300] = "";
    CU_ASSERT_EQUAL(resolve(&src, &c, err, sizeof err), 0);
    CU_ASSERT_EQUAL(c.scheme, BOLT_AUTH_BASIC);
    CU_ASSERT_STRING_EQUAL(c.user, "neo4j");
    CU_ASSERT_STRING_EQUAL(c.secret, SECRET);
    CU_ASSERT_STRING_EQUAL(c.origin, "env NEO4J_PASSWORD");
    bolt_auth a = bolt_credentials_auth(&c);
    CU_ASSERT_EQUAL(a.scheme, BOLT_AUTH_BASIC);
    CU_ASSERT_STRING_EQUAL(a.principal, "neo4j");
    CU_ASSERT_STRING_EQUAL(a.credentials, SECRET);
    bolt_credentials_clear(&c);
    CU_ASSERT_PTR_NULL(c.secret);

    /* --user (or user@ in the URI) wins over NEO4J_USERNAME */
    src.user = "reader";
    CU_ASSERT_EQUAL(resolve(&src, &c, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(c.user, "reader");
    bolt_credentials_clear(&c);

    /* a password without any user name is an error, not a guess */
    unsetenv("NEO4J_USERNAME");
    src.user = NULL;
    CU_ASSERT_EQUAL(resolve(&src, &c, err, sizeof err), BOLT_E_AUTH);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no user name"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "NEO4J_USERNAME"));
    /* a user name without a password too */
    unsetenv("NEO4J_PASSWORD");
    src.user = "reader";
    CU_ASSERT_EQUAL(resolve(&src, &c, err, sizeof err), BOLT_E_AUTH);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "user 'reader' is given but no password"));
    clear_env();
}

static void test_file_variants(void)
{
    clear_env();
    /* a Kubernetes Secret file usually ends with a newline; CRLF from Windows editors too */
    setenv("NEO4J_USERNAME_FILE", write_file("user", "ops\n"), 1);
    setenv("NEO4J_PASSWORD_FILE", write_file("pw", SECRET "\r\nsecond line ignored\n"), 1);
    bolt_auth_sources src = {0};
    bolt_credentials c;
    char err[300] = "";
    CU_ASSERT_EQUAL(resolve(&src, &c, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(c.user, "ops");
    CU_ASSERT_STRING_EQUAL(c.secret, SECRET);
    CU_ASSERT_STRING_EQUAL(c.origin, "env NEO4J_PASSWORD_FILE");
    bolt_credentials_clear(&c);

    /* both forms set: ambiguous */
    setenv("NEO4J_PASSWORD", SECRET, 1);
    CU_ASSERT_EQUAL(resolve(&src, &c, err, sizeof err), BOLT_E_AUTH);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "both NEO4J_PASSWORD and NEO4J_PASSWORD_FILE"));
    unsetenv("NEO4J_PASSWORD");

    /* missing and empty files are named, never read aloud */
    setenv("NEO4J_PASSWORD_FILE", "/nonexistent/pw", 1);
    CU_ASSERT_EQUAL(resolve(&src, &c, err, sizeof err), BOLT_E_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/pw"));
    setenv("NEO4J_PASSWORD_FILE", write_file("empty", "\n"), 1);
    CU_ASSERT_EQUAL(resolve(&src, &c, err, sizeof err), BOLT_E_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "is empty"));
    clear_env();
}

static void test_per_instance_prefix(void)
{
    clear_env();
    setenv("NEO4J_USERNAME", "wrong", 1);
    setenv("NEO4J_PASSWORD", "wrong", 1);
    setenv("SOURCE_USERNAME", "old", 1);
    setenv("SOURCE_PASSWORD", SECRET, 1);
    setenv("TARGET_USERNAME", "new", 1);
    setenv("TARGET_PASSWORD", "other-" SECRET, 1);
    bolt_auth_sources src = {0};
    bolt_credentials c;
    char err[300] = "";
    src.env_prefix = "SOURCE";
    CU_ASSERT_EQUAL(resolve(&src, &c, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(c.user, "old");
    CU_ASSERT_STRING_EQUAL(c.secret, SECRET);
    CU_ASSERT_STRING_EQUAL(c.origin, "env SOURCE_PASSWORD");
    bolt_credentials_clear(&c);
    src.env_prefix = "TARGET";
    CU_ASSERT_EQUAL(bolt_credentials_resolve(&src, "h", 1, &c, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(c.user, "new");
    bolt_credentials_clear(&c);
    clear_env();
}

static void test_bearer(void)
{
    clear_env();
    setenv("NEO4J_BEARER_TOKEN", "eyJ.tok", 1);
    bolt_auth_sources src = {0};
    bolt_credentials c;
    char err[300] = "";
    CU_ASSERT_EQUAL(resolve(&src, &c, err, sizeof err), 0);
    CU_ASSERT_EQUAL(c.scheme, BOLT_AUTH_BEARER);
    CU_ASSERT_STRING_EQUAL(c.secret, "eyJ.tok");
    bolt_auth a = bolt_credentials_auth(&c);
    CU_ASSERT_PTR_NULL(a.principal);
    CU_ASSERT_STRING_EQUAL(a.credentials, "eyJ.tok");
    bolt_credentials_clear(&c);
    setenv("NEO4J_USERNAME", "neo4j", 1);
    setenv("NEO4J_PASSWORD", SECRET, 1);
    CU_ASSERT_EQUAL(resolve(&src, &c, err, sizeof err), BOLT_E_AUTH);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "both a bearer token and a password"));
    clear_env();

    src.token_file = write_file("token", "tok-from-file\n");
    CU_ASSERT_EQUAL(resolve(&src, &c, err, sizeof err), 0);
    CU_ASSERT_EQUAL(c.scheme, BOLT_AUTH_BEARER);
    CU_ASSERT_STRING_EQUAL(c.secret, "tok-from-file");
    CU_ASSERT_STRING_EQUAL(c.origin, "token file");
    bolt_credentials_clear(&c);
    src.password_file = write_file("pw2", SECRET);
    CU_ASSERT_EQUAL(resolve(&src, &c, err, sizeof err), BOLT_E_AUTH);
}

static void test_password_file_option(void)
{
    clear_env();
    setenv("NEO4J_PASSWORD", "env-loses", 1);
    setenv("NEO4J_USERNAME", "envuser", 1);
    bolt_auth_sources src = {0};
    bolt_credentials c;
    char err[300] = "";
    src.password_file = write_file("pwopt", SECRET "\n");
    CU_ASSERT_EQUAL(resolve(&src, &c, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(c.secret, SECRET);
    CU_ASSERT_STRING_EQUAL(c.user, "envuser"); /* user from the environment when not given */
    CU_ASSERT_STRING_EQUAL(c.origin, "password file");
    bolt_credentials_clear(&c);
    clear_env();
    CU_ASSERT_EQUAL(resolve(&src, &c, err, sizeof err), BOLT_E_AUTH);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--password-file"));
}

static void test_credentials_file(void)
{
    clear_env();
    const char *path = write_file("creds", "# instance credentials\n"
                                           "\n"
                                           "db0.example:7687:nobody:nothing\n"
                                           "db1.example:7688:other:notthisport\r\n"
                                           "DB1.example:7687:ops:" SECRET ":with:colons\r\n"
                                           "*:*:fallback:fb-pass\n"
                                           "\\[odd\\:host\\]:*:esc:esc-pass\n"
                                           "[::1]:7687:v6user:v6-pass\n");
    bolt_auth_sources src = {0};
    src.credentials_file = path;
    bolt_credentials c;
    char err[300] = "";
    CU_ASSERT_EQUAL(resolve(&src, &c, err, sizeof err), 0);
    CU_ASSERT_EQUAL(c.scheme, BOLT_AUTH_BASIC);
    CU_ASSERT_STRING_EQUAL(c.user, "ops"); /* host compared without case, port exactly */
    CU_ASSERT_STRING_EQUAL(c.secret, SECRET ":with:colons");
    CU_ASSERT_STRING_EQUAL(c.origin, "credentials file line 5");
    bolt_credentials_clear(&c);

    CU_ASSERT_EQUAL(bolt_credentials_resolve(&src, "zzz", 1, &c, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(c.user, "fallback");
    bolt_credentials_clear(&c);

    /* a user given elsewhere selects among lines */
    src.user = "v6user";
    CU_ASSERT_EQUAL(bolt_credentials_resolve(&src, "::1", 7687, &c, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(c.secret, "v6-pass");
    bolt_credentials_clear(&c);
    src.user = "esc";
    CU_ASSERT_EQUAL(bolt_credentials_resolve(&src, "[odd:host]", 9, &c, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(c.secret, "esc-pass");
    bolt_credentials_clear(&c);

    /* no line matches: the environment is next */
    src.user = NULL;
    const char *only = write_file("creds2", "db9.example:7687:u:p\n");
    src.credentials_file = only;
    setenv("NEO4J_USERNAME", "envuser", 1);
    setenv("NEO4J_PASSWORD", "envpass", 1);
    CU_ASSERT_EQUAL(resolve(&src, &c, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(c.user, "envuser");
    bolt_credentials_clear(&c);
    clear_env();

    /* a malformed line is reported by number, without its content */
    src.credentials_file = write_file("creds3", "db1.example:7687:" SECRET "\n");
    CU_ASSERT_EQUAL(resolve(&src, &c, err, sizeof err), BOLT_E_AUTH);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "line 1: expected host:port:user:password"));
    src.credentials_file = "/nonexistent/creds";
    CU_ASSERT_EQUAL(resolve(&src, &c, err, sizeof err), BOLT_E_IO);
}

static void test_secret_file_read(void)
{
    char *s = NULL;
    char err[300];
    CU_ASSERT_EQUAL(bolt_secret_file_read(write_file("s1", "abc\n"), &s, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(s, "abc");
    bolt_free(s);
    CU_ASSERT_EQUAL(bolt_secret_file_read(write_file("s2", ""), &s, err, sizeof err), BOLT_E_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "is empty"));
}

static int resolve_file(void *ud)
{
    bolt_auth_sources *src = ud;
    bolt_credentials c;
    int r = bolt_credentials_resolve(src, "db1.example", 7687, &c, NULL, 0);
    bolt_credentials_clear(&c);
    return r;
}

static void test_malloc_failures(void)
{
    clear_env();
    bolt_auth_sources src = {0};
    src.credentials_file = write_file("creds4", "db1.example:7687:ops:pw\n");
    CU_ASSERT_EQUAL(failalloc_each(resolve_file, &src, BOLT_E_NOMEM), 0);
    bolt_auth_sources src2 = {0};
    setenv("NEO4J_USERNAME_FILE", write_file("u5", "ops\n"), 1);
    setenv("NEO4J_PASSWORD_FILE", write_file("p5", "pw\n"), 1);
    CU_ASSERT_EQUAL(failalloc_each(resolve_file, &src2, BOLT_E_NOMEM), 0);
    clear_env();
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("auth", init, cleanup);
    CU_add_test(s, "no credentials; --no-auth", test_nothing_and_no_auth);
    CU_add_test(s, "NEO4J_USERNAME / NEO4J_PASSWORD", test_env_like_cypher_shell);
    CU_add_test(s, "_FILE variants", test_file_variants);
    CU_add_test(s, "per-instance prefixes", test_per_instance_prefix);
    CU_add_test(s, "bearer tokens", test_bearer);
    CU_add_test(s, "--password-file", test_password_file_option);
    CU_add_test(s, "credentials file", test_credentials_file);
    CU_add_test(s, "secret files", test_secret_file_read);
    CU_add_test(s, "every allocation failing in turn", test_malloc_failures);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails ? 1 : 0;
}
