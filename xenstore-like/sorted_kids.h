/*
 * Children kept in an array sorted by name, as the store's tree
 * (tree.h) and the watch trie (watch.c) keep theirs: bytewise, a name
 * before any longer name it begins. One binary search serves both.
 */
#ifndef XENOLITH_XS_SORTED_KIDS_H
#define XENOLITH_XS_SORTED_KIDS_H

#include <stddef.h>
#include <string.h>

/* Child i's name and its length (names are not NUL-terminated). */
typedef const char *xs_kid_name_fn(const void *kids, size_t i, size_t *len);

/*
 * The index of the child called name (len bytes) among the n in kids, or
 * -(insertion point) - 1 when there is none. Inline so that each caller's
 * kid_name is inlined into the loop: this runs once per path component
 * of every XenStore request and every watch match.
 */
static inline long xs_sorted_kids_find(const void *kids, size_t n, const char *name, size_t len,
                                       xs_kid_name_fn *kid_name)
{
    long lo = 0, hi = (long)n - 1;
    while (lo <= hi) {
        long mid = (lo + hi) / 2;
        size_t mlen;
        const char *m = kid_name(kids, (size_t)mid, &mlen);
        int c = memcmp(m, name, mlen < len ? mlen : len);
        if (c == 0)
            c = mlen < len ? -1 : mlen > len;
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -lo - 1;
}

#endif
