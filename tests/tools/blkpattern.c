/*
 * xenolith-blkpattern: the host's side of the block tests' data (the
 * guest's is frontends/lib/blkpattern.h, the same functions).
 *   gen SEED START NSECT   the pattern of sectors [START, START+NSECT) on stdout
 *   sum                    blkpattern_sum of stdin, in decimal (the guest's blk_sum=)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/lib/blkpattern.h"

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "gen")) {
        uint64_t seed = strtoull(argv[2], NULL, 0), start = strtoull(argv[3], NULL, 0),
                 n = strtoull(argv[4], NULL, 0);
        uint64_t buf[BLKPATTERN_WORDS];
        for (uint64_t s = start; s < start + n; s++) {
            blkpattern_fill(seed, s, buf);
            if (fwrite(buf, 1, sizeof(buf), stdout) != sizeof(buf))
                return 1;
        }
        return fflush(stdout) ? 1 : 0;
    }
    if (argc == 2 && !strcmp(argv[1], "sum")) {
        uint64_t h = BLKPATTERN_SUM_INIT;
        uint64_t buf[8192];
        size_t n;
        while ((n = fread(buf, 8, sizeof(buf) / 8, stdin)) > 0)
            h = blkpattern_sum(h, buf, n);
        printf("%" PRIu64 "\n", h);
        return 0;
    }
    fprintf(stderr, "usage: xenolith-blkpattern gen SEED START NSECT | sum\n");
    return 2;
}
