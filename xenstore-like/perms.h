/*
 * Node permissions: a list of n|r|w|b<domid> whose first entry names the
 * owner and sets the access of every domain not listed after it.
 * Lists are immutable and shared by reference between nodes and trees.
 */
#ifndef XENOLITH_XS_PERMS_H
#define XENOLITH_XS_PERMS_H

#include <stddef.h>
#include <stdint.h>

#define XS_ACC_READ 1u
#define XS_ACC_WRITE 2u
#define XS_NO_TARGET UINT32_MAX

struct xs_perm {
    uint32_t id;
    char type; /* 'n', 'r', 'w' or 'b' */
};

struct xs_perms {
    uint32_t refs;
    uint32_t n;
    struct xs_perm p[];
};

/* One entry (owner `id`, everyone else `type`), refcount 1; NULL on ENOMEM. */
struct xs_perms *xs_perms_new1(uint32_t id, char type);
/*
 * Parses `len` bytes of NUL-terminated perm strings. Returns 0, EINVAL
 * (malformed, empty, domid over 65535, unterminated) or ENOMEM.
 */
int xs_perms_parse(const char *buf, size_t len, struct xs_perms **out);
/* The wire form ("b0\0r5\0"); bytes written, or 0 if cap is too small. */
size_t xs_perms_format(const struct xs_perms *p, char *buf, size_t cap);
/* A copy with the owner replaced, refcount 1; NULL on ENOMEM. */
struct xs_perms *xs_perms_with_owner(const struct xs_perms *p, uint32_t owner);

static inline struct xs_perms *xs_perms_ref(struct xs_perms *p)
{
    p->refs++;
    return p;
}
void xs_perms_unref(struct xs_perms *p);

static inline uint32_t xs_perms_owner(const struct xs_perms *p)
{
    return p->p[0].id;
}

/*
 * What domain `domid` (acting also for `target`, or XS_NO_TARGET) may do:
 * XS_ACC_* bits. The owner, and a domain whose target owns the node, may do
 * everything; privilege (Dom0) is the caller's business.
 */
unsigned xs_perms_access(const struct xs_perms *p, uint32_t domid, uint32_t target);

#endif
