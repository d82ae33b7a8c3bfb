#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore-like/perms.h"

static struct xs_perms *alloc_perms(uint32_t n)
{
    struct xs_perms *p = malloc(sizeof(*p) + n * sizeof(p->p[0]));
    if (p) {
        p->refs = 1;
        p->n = n;
    }
    return p;
}

struct xs_perms *xs_perms_new1(uint32_t id, char type)
{
    struct xs_perms *p = alloc_perms(1);
    if (p)
        p->p[0] = (struct xs_perm){.id = id, .type = type};
    return p;
}

void xs_perms_unref(struct xs_perms *p)
{
    if (p && --p->refs == 0)
        free(p);
}

static int parse_one(const char *s, struct xs_perm *out)
{
    if (!strchr("nrwb", s[0]) || s[0] == '\0' || s[1] == '\0')
        return EINVAL;
    unsigned long v = 0;
    for (const char *d = s + 1; *d; d++) {
        if (*d < '0' || *d > '9')
            return EINVAL;
        v = v * 10 + (unsigned long)(*d - '0');
        if (v > 65535)
            return EINVAL;
    }
    out->type = s[0];
    out->id = (uint32_t)v;
    return 0;
}

int xs_perms_parse(const char *buf, size_t len, struct xs_perms **out)
{
    if (len == 0 || buf[len - 1] != '\0')
        return EINVAL;
    uint32_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += buf[i] == '\0';
    struct xs_perms *p = alloc_perms(n);
    if (!p)
        return ENOMEM;
    const char *s = buf;
    for (uint32_t i = 0; i < n; i++) {
        if (parse_one(s, &p->p[i]) != 0) {
            free(p);
            return EINVAL;
        }
        s += strlen(s) + 1;
    }
    *out = p;
    return 0;
}

size_t xs_perms_format(const struct xs_perms *p, char *buf, size_t cap)
{
    size_t used = 0;
    for (uint32_t i = 0; i < p->n; i++) {
        int w = snprintf(buf + used, cap - used, "%c%u", p->p[i].type, p->p[i].id);
        if (w < 0 || used + (size_t)w + 1 > cap)
            return 0;
        used += (size_t)w + 1; /* keep the NUL as the separator */
    }
    return used;
}

struct xs_perms *xs_perms_with_owner(const struct xs_perms *p, uint32_t owner)
{
    struct xs_perms *q = alloc_perms(p->n);
    if (q) {
        memcpy(q->p, p->p, p->n * sizeof(p->p[0]));
        q->p[0].id = owner;
    }
    return q;
}

static unsigned type_bits(char t)
{
    switch (t) {
    case 'r':
        return XS_ACC_READ;
    case 'w':
        return XS_ACC_WRITE;
    case 'b':
        return XS_ACC_READ | XS_ACC_WRITE;
    default:
        return 0;
    }
}

unsigned xs_perms_access(const struct xs_perms *p, uint32_t domid, uint32_t target)
{
    uint32_t owner = p->p[0].id;
    if (owner == domid || (target != XS_NO_TARGET && owner == target))
        return XS_ACC_READ | XS_ACC_WRITE;
    /* The domain's own entry wins over its target's; both over the default. */
    for (uint32_t i = 1; i < p->n; i++)
        if (p->p[i].id == domid)
            return type_bits(p->p[i].type);
    if (target != XS_NO_TARGET)
        for (uint32_t i = 1; i < p->n; i++)
            if (p->p[i].id == target)
                return type_bits(p->p[i].type);
    return type_bits(p->p[0].type);
}
