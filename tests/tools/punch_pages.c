/*
 * The baseline of bench/balloon: what the host gets back when the same
 * number of pages is punched out of a memory file directly, with no guest,
 * hypercall or KVM in between. MIB of a memory file are written (so every
 * page is backed, as the guest's fill makes them), then punched one page
 * at a time, as a guest handing back single pages would have them.
 *
 * Usage: xenolith-bench-punch MIB
 * Prints "backed_before_kib B backed_after_kib A punch_us T".
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096u

static void die(const char *what)
{
    fprintf(stderr, "xenolith-bench-punch: %s: %s\n", what, strerror(errno));
    exit(1);
}

static unsigned long backed_kib(int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        die("fstat");
    return (unsigned long)st.st_blocks * 512 / 1024;
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int main(int argc, char **argv)
{
    if (argc != 2 || atoi(argv[1]) < 1) {
        fprintf(stderr, "usage: xenolith-bench-punch MIB\n");
        return 2;
    }
    size_t size = (size_t)atoi(argv[1]) << 20;
    int fd = memfd_create("punch-baseline", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
        die("memory file");
    uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        die("mmap");
    for (size_t off = 0; off < size; off += PAGE)
        p[off] = 1;
    unsigned long before = backed_kib(fd);
    uint64_t t0 = now_us();
    for (size_t off = 0; off < size; off += PAGE)
        if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, PAGE) < 0)
            die("fallocate(PUNCH_HOLE)");
    uint64_t t1 = now_us();
    printf("backed_before_kib %lu backed_after_kib %lu punch_us %llu\n", before, backed_kib(fd),
           (unsigned long long)(t1 - t0));
    return 0;
}
