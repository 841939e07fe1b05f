/*
 * ns_rand: random numbers for identifiers (job ids, worker ids, sessions),
 * from the kernel (getrandom). Not for data generation: the generator has
 * its own seeded generator so its output is reproducible.
 */
#ifndef NS_RAND_H
#define NS_RAND_H

#include <stdint.h>

/* 64 random bits; falls back to time and pid mixed if the kernel fails. */
uint64_t ns_rand_u64(void);

#endif
