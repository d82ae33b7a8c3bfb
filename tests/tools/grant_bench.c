/*
 * xenolith-bench-grant map|copy DOMID CONSOLE_LOG: grant costs against a
 * guest whose grant-pool test granted `count` pages to Dom0 (refs first
 * .. first+count-1). `map`: map+unmap per page in batches of 1, 16 and
 * 256 through xenolithd's checks, against mapping the same pages straight
 * from the memory file. `copy`: grant copy MB/s, against memcpy from the
 * pages mapped straight. Prints key=value figures on one line.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "dom0/guest_memory.h"
#include "dom0/xengnttab.h"

#define PAGE 4096

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The guest's pool is `count` contiguous pages from frame gfn, granted
 * as refs first, first+1, ... */
static int announcement(const char *log, unsigned *first, unsigned *count, uint64_t *gfn)
{
    for (int tries = 0; tries < 600; tries++) {
        FILE *f = fopen(log, "r");
        char line[256];
        while (f && fgets(line, sizeof(line), f)) {
            char *at = strstr(line, "grant-pool: first=");
            if (at && sscanf(at, "grant-pool: first=%u count=%u gfn=%lx", first, count, gfn) == 3) {
                fclose(f);
                return 0;
            }
        }
        if (f)
            fclose(f);
        usleep(50000);
    }
    return -1;
}

/* ns per page for map+unmap through libxengnttab, batches of `batch`. */
static double grant_map_cost(xengnttab_handle *xgt, uint32_t domid, uint32_t *refs, unsigned batch,
                             unsigned total)
{
    uint64_t t0 = now_ns();
    for (unsigned done = 0; done < total; done += batch) {
        void *p = xengnttab_map_domain_grant_refs(xgt, batch, domid, refs, PROT_READ | PROT_WRITE);
        if (!p) {
            fprintf(stderr, "map failed: %s\n", xengnttab_error(xgt));
            exit(1);
        }
        ((volatile uint8_t *)p)[0];
        xengnttab_unmap(xgt, p, batch);
    }
    return (double)(now_ns() - t0) / total;
}

/* The same pages straight from the memory file: no checks, no daemon. */
static double direct_map_cost(struct guest_memory *g, const uint64_t *offs, unsigned batch,
                              unsigned total)
{
    uint64_t t0 = now_ns();
    for (unsigned done = 0; done < total; done += batch) {
        uint8_t *p = mmap(NULL, (size_t)batch * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        for (unsigned i = 0; i < batch; i++)
            mmap(p + (size_t)i * PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, g->fd,
                 (off_t)offs[i]);
        ((volatile uint8_t *)p)[0];
        munmap(p, (size_t)batch * PAGE);
    }
    return (double)(now_ns() - t0) / total;
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return 2;
    int copy = strcmp(argv[1], "copy") == 0;
    uint32_t domid = (uint32_t)strtoul(argv[2], NULL, 10);
    unsigned first, count;
    uint64_t gfn;
    if (announcement(argv[3], &first, &count, &gfn) < 0 || count < 256) {
        fprintf(stderr, "the guest never announced a grant pool of 256 pages\n");
        return 1;
    }
    uint32_t refs[256];
    for (unsigned i = 0; i < 256; i++)
        refs[i] = first + i;
    xengnttab_handle *xgt = xengnttab_open(NULL, 0);
    char err[256];
    xenctl *xc = xenctl_open(NULL, err, sizeof(err));
    struct guest_memory g;
    if (!xgt || !xc || guest_memory_open(xc, domid, 0, &g) < 0) {
        fprintf(stderr, "cannot reach xenolithd\n");
        return 1;
    }
    /* Below 4 GiB a frame's place in the memory file is its address. */
    uint64_t offs[256];
    for (unsigned i = 0; i < 256; i++)
        offs[i] = (gfn + i) * PAGE;
    if (offs[255] + PAGE > g.ram_size) {
        fprintf(stderr, "the pool lies outside the guest's low RAM\n");
        return 1;
    }

    if (!copy) {
        unsigned total = 4096;
        double g1 = grant_map_cost(xgt, domid, refs, 1, total);
        double g16 = grant_map_cost(xgt, domid, refs, 16, total);
        double g256 = grant_map_cost(xgt, domid, refs, 256, total);
        double d1 = direct_map_cost(&g, offs, 1, total);
        double d16 = direct_map_cost(&g, offs, 16, total);
        double d256 = direct_map_cost(&g, offs, 256, total);
        printf("grant_ns_per_page_b1=%.0f grant_ns_per_page_b16=%.0f grant_ns_per_page_b256=%.0f "
               "direct_ns_per_page_b1=%.0f direct_ns_per_page_b16=%.0f direct_ns_per_page_b256=%.0f\n",
               g1, g16, g256, d1, d16, d256);
    } else {
        static uint8_t buf[64 * PAGE];
        xengnttab_grant_copy_segment_t segs[64];
        unsigned rounds = 64;
        uint64_t t0 = now_ns();
        for (unsigned r = 0; r < rounds; r++) {
            for (unsigned base = 0; base < 256; base += 64) {
                for (unsigned i = 0; i < 64; i++)
                    segs[i] = (xengnttab_grant_copy_segment_t){
                        .source.foreign = {.ref = refs[base + i], .domid = (domid_t)domid},
                        .dest.virt = buf + (size_t)i * PAGE, .len = PAGE, .flags = GNTCOPY_source_gref,
                    };
                if (xengnttab_grant_copy(xgt, 64, segs) < 0 || segs[63].status != GNTST_okay) {
                    fprintf(stderr, "grant copy failed\n");
                    return 1;
                }
            }
        }
        double secs = (double)(now_ns() - t0) / 1e9;
        double mb = (double)rounds * 256 * PAGE / 1e6;
        t0 = now_ns();
        for (unsigned r = 0; r < rounds; r++)
            for (unsigned base = 0; base < 256; base += 64)
                for (unsigned i = 0; i < 64; i++)
                    memcpy(buf + (size_t)i * PAGE, g.base + offs[base + i], PAGE);
        double dsecs = (double)(now_ns() - t0) / 1e9;
        printf("grant_copy_mb_s=%.0f memcpy_mb_s=%.0f\n", mb / secs, mb / dsecs);
    }
    guest_memory_close(&g);
    xengnttab_close(xgt);
    return 0;
}
