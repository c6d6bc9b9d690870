/* What verify and snapshot share around the measuring stage (verify/cmd_run.h). */
#include "cmd_run.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "bolt/error.h"
#include "verify/cli.h"

int64_t bv_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t bv_random_seed(void)
{
    uint64_t seed = 0;
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd >= 0) {
        if (read(fd, &seed, sizeof seed) != (ssize_t)sizeof seed) seed = 0;
        close(fd);
    }
    if (!seed) seed = (uint64_t)bv_wall_ms() ^ ((uint64_t)getpid() << 32);
    return seed;
}

int bv_run_exit_code(int err)
{
    switch (err) {
    case BOLT_E_RESOLVE:
    case BOLT_E_CONNECT:
    case BOLT_E_TIMEOUT:
    case BOLT_E_TLS:
    case BOLT_E_TLS_VERIFY:
    case BOLT_E_TLS_PIN:
    case BOLT_E_AUTH:
    case BOLT_E_CLOSED:
        return BV_EXIT_CONNECT;
    default:
        return BV_EXIT_USAGE;
    }
}
