/*
 * ns_rand: kernel randomness for identifiers (see ns_rand.h).
 */
#include "ns_rand.h"

#include <sys/random.h>
#include <time.h>
#include <unistd.h>

uint64_t ns_rand_u64(void)
{
    uint64_t r;
    if (getrandom(&r, sizeof r, 0) == (ssize_t)sizeof r)
        return r;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    r = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ ((uint64_t)getpid() << 40);
    return r * 0x9e3779b97f4a7c15ull;
}
