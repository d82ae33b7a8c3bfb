/* Xen's disk spec (xl-disk-configuration(5)) and vdev numbering
 * (docs/misc/vbd-interface: xvd, hd, sd and the extended scheme). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/disk_spec.h"

/* The schemes' limits (vbd-interface). */
#define XVD_MAJOR 202
#define SD_MAJOR 8
#define HD_MAJOR_01 3
#define HD_MAJOR_23 22
#define EXT_FLAG (1u << 28)
#define EXT_MAX_DISK ((1u << 20) - 1)
#define EXT_MAX_PART 255

const char *disk_format_name(enum disk_format f)
{
    return f == DISK_FORMAT_VHD ? "vhd" : "raw";
}

/* Disk letters count in bijective base 26: a..z, aa..az, ... */
static int parse_letters(const char **p, unsigned *disk)
{
    const char *s = *p;
    unsigned long v = 0;
    if (!islower((unsigned char)*s))
        return -1;
    while (islower((unsigned char)*s)) {
        v = v * 26 + (unsigned long)(*s - 'a' + 1);
        if (v > EXT_MAX_DISK + 1ul)
            return -1;
        s++;
    }
    *disk = (unsigned)(v - 1);
    *p = s;
    return 0;
}

/* A decimal number without a leading zero (except 0 itself), to the end
 * or to stop; -1 if none or too big. */
static int parse_dec(const char **p, char stop, unsigned long max, unsigned long *out)
{
    const char *s = *p;
    if (!isdigit((unsigned char)*s) || (s[0] == '0' && isdigit((unsigned char)s[1])))
        return -1;
    unsigned long v = 0;
    while (isdigit((unsigned char)*s)) {
        v = v * 10 + (unsigned long)(*s - '0');
        if (v > max)
            return -1;
        s++;
    }
    if (*s != stop)
        return -1;
    *out = v;
    *p = s;
    return 0;
}

static int encode_xvd(unsigned long disk, unsigned long part, uint32_t *devid)
{
    if (disk <= 15 && part <= 15) {
        *devid = (XVD_MAJOR << 8) | (uint32_t)(disk << 4) | (uint32_t)part;
        return 0;
    }
    if (disk > EXT_MAX_DISK || part > EXT_MAX_PART)
        return -1;
    *devid = EXT_FLAG | (uint32_t)(disk << 8) | (uint32_t)part;
    return 0;
}

int disk_vdev_to_devid(const char *vdev, uint32_t *devid)
{
    const char *s = vdev;
    unsigned long part = 0, disk;
    unsigned letters;
    if (!s || !*s)
        return -1;
    if (isdigit((unsigned char)*s)) {
        /* A number is taken as the devid itself; the reserved range and
         * zero are refused. */
        if (parse_dec(&s, '\0', 0xffffffffu, &disk) < 0 || disk == 0 || disk >= (2u << 28))
            return -1;
        *devid = (uint32_t)disk;
        return 0;
    }
    if (s[0] == 'd' && isdigit((unsigned char)s[1])) {
        s++;
        if (parse_dec(&s, 'p', EXT_MAX_DISK, &disk) < 0)
            return -1;
        s++;
        if (parse_dec(&s, '\0', EXT_MAX_PART, &part) < 0)
            return -1;
        return encode_xvd(disk, part, devid);
    }
    int scheme;
    if (!strncmp(s, "xvd", 3))
        scheme = 'x';
    else if (!strncmp(s, "sd", 2))
        scheme = 's';
    else if (!strncmp(s, "hd", 2))
        scheme = 'h';
    else
        return -1;
    s += scheme == 'x' ? 3 : 2;
    if (parse_letters(&s, &letters) < 0)
        return -1;
    disk = letters;
    if (*s && parse_dec(&s, '\0', EXT_MAX_PART, &part) < 0)
        return -1;
    if (*s)
        return -1;
    switch (scheme) {
    case 'x':
        return encode_xvd(disk, part, devid);
    case 's':
        if (disk > 15 || part > 15)
            return -1;
        *devid = (SD_MAJOR << 8) | (uint32_t)(disk << 4) | (uint32_t)part;
        return 0;
    default:
        if (disk > 3 || part > 63)
            return -1;
        *devid = disk < 2 ? (HD_MAJOR_01 << 8) | (uint32_t)(disk << 6) | (uint32_t)part
                          : (HD_MAJOR_23 << 8) | (uint32_t)((disk - 2) << 6) | (uint32_t)part;
        return 0;
    }
}

static int put_letters(char *buf, size_t len, unsigned disk)
{
    char tmp[8];
    int n = 0;
    unsigned long v = (unsigned long)disk + 1;
    while (v && n < (int)sizeof(tmp)) {
        v--;
        tmp[n++] = (char)('a' + v % 26);
        v /= 26;
    }
    if ((size_t)n >= len)
        return -1;
    for (int i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return n;
}

int disk_devid_to_vdev(uint32_t devid, char *buf, size_t len)
{
    const char *prefix;
    unsigned disk, part;
    if (devid & EXT_FLAG) {
        if (devid >= (2u << 28))
            return -1;
        prefix = "xvd";
        disk = (devid >> 8) & EXT_MAX_DISK;
        part = devid & 0xff;
    } else {
        unsigned major = devid >> 8;
        if (major == XVD_MAJOR || major == SD_MAJOR) {
            prefix = major == XVD_MAJOR ? "xvd" : "sd";
            disk = (devid >> 4) & 15;
            part = devid & 15;
        } else if (major == HD_MAJOR_01 || major == HD_MAJOR_23) {
            prefix = "hd";
            disk = ((devid >> 6) & 3) + (major == HD_MAJOR_23 ? 2 : 0);
            part = devid & 63;
            if (disk > 3)
                return -1;
        } else {
            return -1;
        }
    }
    int n = snprintf(buf, len, "%s", prefix);
    if (n < 0 || (size_t)n >= len)
        return -1;
    int m = put_letters(buf + n, len - (size_t)n, disk);
    if (m < 0)
        return -1;
    n += m;
    if (part && snprintf(buf + n, len - (size_t)n, "%u", part) >= (int)(len - (size_t)n))
        return -1;
    return 0;
}

/* --- the spec --- */

struct parse {
    struct disk_spec *d;
    char *err;
    size_t errlen;
    const char *spec;
    bool seen_target, seen_format, seen_vdev, seen_access;
    bool seen_devtype, seen_script, seen_backendtype, seen_discard, seen_backend;
    bool seen_direct, seen_trusted, seen_spec;
    const char *access;
    int positional;
    bool legacy_prefix; /* the target came as "phy:...": old syntax possible */
};

static int bad(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(struct parse *p, const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "disk spec '%s': %s", p->spec, msg);
    return -EINVAL;
}

static int once(struct parse *p, bool *seen, const char *what)
{
    if (*seen)
        return bad(p, "%s given more than once", what);
    *seen = true;
    return 0;
}

static int set_str(char **dst, const char *v, size_t n)
{
    free(*dst);
    *dst = strndup(v, n);
    return *dst ? 0 : -ENOMEM;
}

static int set_format(struct parse *p, const char *v)
{
    if (!*v)
        return 0;
    if (!strcmp(v, "raw"))
        p->d->format = DISK_FORMAT_RAW;
    else if (!strcmp(v, "vhd"))
        p->d->format = DISK_FORMAT_VHD;
    else if (!strcmp(v, "qcow") || !strcmp(v, "qcow2") || !strcmp(v, "qed"))
        return bad(p, "format %s is not supported (raw or vhd; convert it with qemu-img)", v);
    else
        return bad(p, "unknown format '%s' (raw or vhd)", v);
    p->d->format_given = true;
    return 0;
}

static int set_vdev(struct parse *p, const char *v)
{
    if (!*v)
        return 0;
    /* The deprecated syntax marks a cdrom as vdev:cdrom. */
    const char *colon = strchr(v, ':');
    size_t n = colon ? (size_t)(colon - v) : strlen(v);
    if (colon) {
        if (strcmp(colon + 1, "cdrom"))
            return bad(p, "vdev '%s': only ':cdrom' may follow the device name", v);
        p->d->cdrom = true;
    }
    if (set_str(&p->d->vdev, v, n) < 0)
        return -ENOMEM;
    if (disk_vdev_to_devid(p->d->vdev, &p->d->devid) < 0)
        return bad(p, "vdev '%s' is not a device name Xen can number (xvdX, hdX, sdX, dNpM)",
                   p->d->vdev);
    return 0;
}

static int set_access(struct parse *p, const char *v)
{
    if (!*v)
        return 0;
    if (!strcmp(v, "r") || !strcmp(v, "ro"))
        p->d->readonly = true;
    else if (!strcmp(v, "w") || !strcmp(v, "rw"))
        p->d->readonly = false;
    else
        return bad(p, "access '%s' is not r, ro, w or rw", v);
    p->access = v;
    return 0;
}

/* The deprecated prefixes ("phy:", "vhd:", ...) in front of a target. */
static int set_target(struct parse *p, const char *v)
{
    static const char *const ignored[] = {"phy:", "file:", "tap:", "tap2:", "aio:", "ioemu:"};
    for (;;) {
        bool again = false;
        for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
            if (!strncmp(v, ignored[i], strlen(ignored[i]))) {
                v += strlen(ignored[i]);
                again = p->legacy_prefix = true;
            }
        if (!strncmp(v, "raw:", 4) || !strncmp(v, "vhd:", 4)) {
            char f[4] = {v[0], v[1], v[2], 0};
            if (p->seen_format)
                return bad(p, "format given twice (%s: prefix and format)", f);
            p->seen_format = true;
            int rc = set_format(p, f);
            if (rc < 0)
                return rc;
            v += 4;
            again = p->legacy_prefix = true;
        } else if (!strncmp(v, "qcow:", 5) || !strncmp(v, "qcow2:", 6) || !strncmp(v, "qed:", 4)) {
            return bad(p, "format %.*s is not supported (raw or vhd; convert it with qemu-img)",
                       (int)(strchr(v, ':') - v), v);
        } else if (!strncmp(v, "iscsi:", 6) || !strncmp(v, "nbd:", 4) ||
                   !strncmp(v, "enbd:", 5) || !strncmp(v, "drbd:", 5)) {
            return bad(p, "%.*s: targets need that block script, which Xenolith does not ship",
                       (int)(strchr(v, ':') - v), v);
        }
        if (!again)
            break;
    }
    if (!*v || !strncmp(v, "sr:", 3) || v[0] == '/')
        return set_str(&p->d->target, v, strlen(v));
    /* Xen puts /dev/ in front of a relative target. */
    free(p->d->target);
    if (asprintf(&p->d->target, "/dev/%s", v) < 0) {
        p->d->target = NULL;
        return -ENOMEM;
    }
    return 0;
}

static int keyword(struct parse *p, const char *key, size_t klen, const char *v)
{
#define IS(k) (klen == strlen(k) && !strncmp(key, k, klen))
    int rc;
    if (IS("format"))
        return (rc = once(p, &p->seen_format, "format")) < 0 ? rc : set_format(p, v);
    if (IS("vdev"))
        return (rc = once(p, &p->seen_vdev, "vdev")) < 0 ? rc : set_vdev(p, v);
    if (IS("access"))
        return (rc = once(p, &p->seen_access, "access")) < 0 ? rc : set_access(p, v);
    if (IS("devtype")) {
        if ((rc = once(p, &p->seen_devtype, "devtype")) < 0)
            return rc;
        if (*v && strcmp(v, "cdrom"))
            return bad(p, "devtype '%s': only cdrom is known", v);
        p->d->cdrom = *v != '\0';
        return 0;
    }
    if (IS("script")) {
        if ((rc = once(p, &p->seen_script, "script")) < 0)
            return rc;
        return *v ? set_str(&p->d->script, v, strlen(v)) : 0;
    }
    if (IS("backendtype")) {
        if ((rc = once(p, &p->seen_backendtype, "backendtype")) < 0)
            return rc;
        if (!*v)
            return 0;
        if (strcmp(v, "phy") && strcmp(v, "qdisk") && strcmp(v, "standalone") && strcmp(v, "tap"))
            return bad(p, "backendtype '%s' is not phy, qdisk, standalone or tap", v);
        return set_str(&p->d->backendtype, v, strlen(v));
    }
    if (IS("backend")) {
        if ((rc = once(p, &p->seen_backend, "backend")) < 0)
            return rc;
        if (*v && strcmp(v, "0") && strcmp(v, "Domain-0"))
            return bad(p, "backend '%s': only Domain-0 runs backends here", v);
        return 0;
    }
    if (IS("specification")) {
        if ((rc = once(p, &p->seen_spec, "specification")) < 0)
            return rc;
        if (*v && strcmp(v, "xen"))
            return bad(p, "specification '%s': only xen is supported", v);
        return 0;
    }
    return bad(p, "unknown key '%.*s'", (int)klen, key);
#undef IS
}

static int flag(struct parse *p, const char *w)
{
    int rc;
    if (!strcmp(w, "cdrom")) {
        if ((rc = once(p, &p->seen_devtype, "devtype")) < 0)
            return rc;
        p->d->cdrom = true;
    } else if (!strcmp(w, "discard") || !strcmp(w, "no-discard")) {
        if ((rc = once(p, &p->seen_discard, "discard")) < 0)
            return rc;
        p->d->discard = w[0] == 'd';
    } else if (!strcmp(w, "direct-io-safe")) {
        if ((rc = once(p, &p->seen_direct, "direct-io-safe")) < 0)
            return rc;
        p->d->direct_io_safe = true;
    } else if (!strcmp(w, "trusted") || !strcmp(w, "untrusted")) {
        if ((rc = once(p, &p->seen_trusted, "trusted")) < 0)
            return rc;
        p->d->trusted = w[0] == 't';
    } else {
        return 1; /* not a flag */
    }
    return 0;
}

static int positional(struct parse *p, const char *v)
{
    int rc;
    /* An empty place only says "the default" and sets nothing. */
    if (!*v && p->positional < 4) {
        p->positional++;
        return 0;
    }
    switch (p->positional++) {
    case 0:
        return (rc = once(p, &p->seen_target, "target")) < 0 ? rc : set_target(p, v);
    case 1:
        /* The deprecated "fmt:target,vdev[:cdrom],access": after a
         * prefixed target, a second value that is no format is the vdev. */
        if (p->legacy_prefix && *v && strcmp(v, "raw") && strcmp(v, "vhd") && strcmp(v, "qcow") &&
            strcmp(v, "qcow2") && strcmp(v, "qed")) {
            p->positional = 3;
            return (rc = once(p, &p->seen_vdev, "vdev")) < 0 ? rc : set_vdev(p, v);
        }
        return (rc = once(p, &p->seen_format, "format")) < 0 ? rc : set_format(p, v);
    case 2:
        return (rc = once(p, &p->seen_vdev, "vdev")) < 0 ? rc : set_vdev(p, v);
    case 3:
        return (rc = once(p, &p->seen_access, "access")) < 0 ? rc : set_access(p, v);
    default:
        return bad(p, "'%s': more than four positional parameters", v);
    }
}

void disk_spec_free(struct disk_spec *d)
{
    free(d->target);
    free(d->vdev);
    free(d->script);
    free(d->backendtype);
    memset(d, 0, sizeof(*d));
}

int disk_spec_parse(const char *spec, struct disk_spec *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->discard = -1;
    out->trusted = true;
    struct parse p = {.d = out, .err = err, .errlen = errlen, .spec = spec};
    int rc = 0;
    const char *s = spec;
    while (rc == 0) {
        while (*s == ' ' || *s == '\t' || *s == '\n')
            s++;
        if (!strncmp(s, "target=", 7)) {
            if ((rc = once(&p, &p.seen_target, "target")) == 0)
                rc = set_target(&p, s + 7);
            break;
        }
        const char *end = strchr(s, ',');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        char *word = strndup(s, n);
        if (!word) {
            rc = -ENOMEM;
            break;
        }
        const char *eq = strchr(word, '=');
        /* A positional target may hold '=' (a path); a key is letters
         * and dashes only. */
        bool is_key = eq && eq > word && strspn(word, "abcdefghijklmnopqrstuvwxyz-_") ==
                                              (size_t)(eq - word);
        if (is_key)
            rc = keyword(&p, word, (size_t)(eq - word), eq + 1);
        else if ((rc = flag(&p, word)) == 1)
            rc = positional(&p, word);
        free(word);
        if (!end)
            break;
        s = end + 1;
    }
    if (rc == 0 && !out->vdev)
        rc = bad(&p, "no vdev (the device the guest sees, e.g. xvda)");
    if (rc == 0 && !out->target)
        rc = out->cdrom ? set_str(&out->target, "", 0) : bad(&p, "no target");
    if (rc == 0 && !*out->target && !out->cdrom)
        rc = bad(&p, "empty target (only a cdrom drive may be empty)");
    /* A cdrom is read-only unless access says otherwise. */
    if (rc == 0 && out->cdrom && !p.access)
        out->readonly = true;
    if (rc == 0 && !strncmp(out->target, "sr:", 3) &&
        (!strchr(out->target + 3, '/') || out->target[3] == '/' ||
         out->target[strlen(out->target) - 1] == '/'))
        rc = bad(&p, "'%s': a repository disk is sr:SR/VDI", out->target);
    if (rc == -ENOMEM)
        snprintf(err, errlen, "out of memory");
    if (rc < 0)
        disk_spec_free(out);
    return rc;
}
