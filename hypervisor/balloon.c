#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "hypervisor/balloon.h"

#define BITS 64

int balloon_init(struct balloon *b, uint64_t nr_pages)
{
    b->nr_pages = nr_pages;
    b->out = b->runs = 0;
    b->map = calloc((nr_pages + BITS - 1) / BITS ? (nr_pages + BITS - 1) / BITS : 1,
                    sizeof(*b->map));
    return b->map ? 0 : -ENOMEM;
}

void balloon_free(struct balloon *b)
{
    free(b->map);
    b->map = NULL;
    b->nr_pages = b->out = b->runs = 0;
}

/* Page i changes state; the count of runs follows from its neighbours:
 * going out it starts a run, extends one or joins two, coming back the
 * reverse. */
static void set_page(struct balloon *b, uint64_t i, bool out)
{
    uint64_t bit = 1ull << (i % BITS);
    bool was = __atomic_load_n(&b->map[i / BITS], __ATOMIC_RELAXED) & bit;
    if (was == out)
        return;
    unsigned neighbours = (i > 0 && balloon_is_out(b, i - 1)) + balloon_is_out(b, i + 1);
    if (out) {
        __atomic_fetch_or(&b->map[i / BITS], bit, __ATOMIC_SEQ_CST);
        b->out++;
        b->runs = b->runs + 1 - neighbours;
    } else {
        __atomic_fetch_and(&b->map[i / BITS], ~bit, __ATOMIC_SEQ_CST);
        b->out--;
        b->runs = b->runs + neighbours - 1;
    }
}

void balloon_start_out(struct balloon *b, uint64_t first)
{
    for (uint64_t i = first; i < b->nr_pages; i++)
        set_page(b, i, true);
}

bool balloon_gfn_index(const struct guest_ram *r, uint64_t gfn, uint64_t *index)
{
    uint64_t low_pages = r->low_size / GUEST_PAGE_SIZE;
    uint64_t high_pages = (r->size - r->low_size) / GUEST_PAGE_SIZE;
    uint64_t high_gfn = GUEST_RAM_HIGH_BASE / GUEST_PAGE_SIZE;
    if (gfn < low_pages) {
        *index = gfn;
        return true;
    }
    if (gfn >= high_gfn && gfn - high_gfn < high_pages) {
        *index = low_pages + (gfn - high_gfn);
        return true;
    }
    return false;
}

bool balloon_is_out(const struct balloon *b, uint64_t index)
{
    return index < b->nr_pages &&
           (__atomic_load_n(&b->map[index / BITS], __ATOMIC_RELAXED) >> (index % BITS) & 1);
}

/* An aligned extent of RAM whose pages sit one after another in the
 * memory file (an extent never straddles the hole: both ends are RAM and
 * the hole is 2 MiB aligned). */
static int extent_index(const struct guest_ram *r, uint64_t gfn, unsigned order, uint64_t *first)
{
    if (order > BALLOON_MAX_ORDER)
        return -EINVAL;
    uint64_t n = 1ull << order, last;
    if (gfn & (n - 1) || gfn + n < gfn)
        return -EINVAL;
    if (!balloon_gfn_index(r, gfn, first) || !balloon_gfn_index(r, gfn + n - 1, &last) ||
        last - *first != n - 1)
        return -EINVAL;
    return 0;
}

int balloon_check_release(const struct balloon *b, const struct guest_ram *r, uint64_t gfn,
                          unsigned order, const uint64_t *reserved, unsigned nreserved)
{
    uint64_t first, n = 1ull << (order > BALLOON_MAX_ORDER ? 0 : order);
    int rc = extent_index(r, gfn, order, &first);
    if (rc)
        return rc;
    for (unsigned i = 0; i < nreserved; i++)
        if (reserved[i] >= gfn && reserved[i] - gfn < n)
            return -EBUSY;
    for (uint64_t i = 0; i < n; i++)
        if (balloon_is_out(b, first + i))
            return -EBUSY;
    unsigned neighbours = (first > 0 && balloon_is_out(b, first - 1)) + balloon_is_out(b, first + n);
    if (!neighbours && b->runs >= BALLOON_MAX_RUNS)
        return -ENOSPC;
    return 0;
}

int balloon_check_populate(const struct balloon *b, const struct guest_ram *r, uint64_t gfn,
                           unsigned order, uint64_t max_pages)
{
    uint64_t first, n = 1ull << (order > BALLOON_MAX_ORDER ? 0 : order);
    int rc = extent_index(r, gfn, order, &first);
    if (rc)
        return rc;
    for (uint64_t i = 0; i < n; i++)
        if (!balloon_is_out(b, first + i))
            return -EINVAL;
    if (balloon_current(b) + n > max_pages)
        return -ENOMEM;
    return 0;
}

void balloon_mark(struct balloon *b, const struct guest_ram *r, uint64_t gfn, unsigned order,
                  bool out)
{
    uint64_t first;
    if (extent_index(r, gfn, order, &first))
        return;
    for (uint64_t i = first; i < first + (1ull << order); i++)
        set_page(b, i, out);
}
