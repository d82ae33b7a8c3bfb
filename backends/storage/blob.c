/* File, block-device and LV-segment stores behind one set of calls. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/storage/blob.h"
#include "backends/storage/internal.h"
#include "backends/storage/lvm.h"

bool xns_have_dm(void)
{
    const char *force = getenv("XENOLITH_LVM_NODM");
    if (force && *force && strcmp(force, "0") != 0)
        return false;
    /* Not /dev/mapper/control: lvm2 creates that node even where the
     * kernel has no driver behind it. */
    FILE *f = fopen("/proc/misc", "r");
    char line[128];
    bool dm = false;
    while (f && fgets(line, sizeof(line), f))
        dm |= strstr(line, " device-mapper") != NULL;
    if (f)
        fclose(f);
    return dm;
}

static int open_fd(const char *path, bool writable, struct blob *b)
{
    int fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    if (S_ISREG(st.st_mode)) {
        b->size = (uint64_t)st.st_size;
        b->growable = b->is_file = true;
    } else if (S_ISBLK(st.st_mode)) {
        uint64_t sz;
        if (ioctl(fd, BLKGETSIZE64, &sz) < 0) {
            int e = -errno;
            close(fd);
            return e;
        }
        b->size = sz;
    } else {
        close(fd);
        return -EINVAL;
    }
    b->fd = fd;
    return 0;
}

/* /dev/VG/LV with neither part empty nor containing a slash. */
static bool split_lv_path(const char *target, char *vg, size_t vglen, char *lv, size_t lvlen)
{
    if (strncmp(target, "/dev/", 5) != 0)
        return false;
    const char *p = target + 5, *slash = strchr(p, '/');
    if (!slash || slash == p || !slash[1] || strchr(slash + 1, '/'))
        return false;
    if ((size_t)(slash - p) >= vglen || strlen(slash + 1) >= lvlen)
        return false;
    memcpy(vg, p, (size_t)(slash - p));
    vg[slash - p] = '\0';
    strcpy(lv, slash + 1);
    return true;
}

static int open_lv_segments(const char *target, const char *vg, const char *lv, bool writable,
                            struct blob *b)
{
    struct lvm_segmap map;
    int rc = lvm_segmap(vg, lv, &map);
    if (rc < 0)
        return rc;
    b->pv_fds = calloc(map.npvs, sizeof(int));
    if (!b->pv_fds) {
        lvm_segmap_free(&map);
        return xns_fail(-ENOMEM, "%s: out of memory", target);
    }
    b->npvs = map.npvs;
    for (size_t i = 0; i < map.npvs; i++)
        b->pv_fds[i] = -1;
    for (size_t i = 0; i < map.npvs; i++) {
        b->pv_fds[i] = open(map.pvs[i], (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
        if (b->pv_fds[i] < 0) {
            rc = xns_fail(-errno, "%s: cannot open its physical volume %s: %s", target,
                          map.pvs[i], strerror(errno));
            lvm_segmap_free(&map);
            return rc;
        }
    }
    b->segs = map.segs;
    b->nsegs = map.nsegs;
    b->size = map.lv_size;
    map.segs = NULL;
    map.nsegs = 0;
    lvm_segmap_free(&map);
    return 0;
}

int blob_open(const char *target, bool writable, struct blob **out)
{
    struct blob *b = calloc(1, sizeof(*b));
    if (!b || !(b->name = strdup(target))) {
        free(b);
        return xns_fail(-ENOMEM, "%s: out of memory", target);
    }
    b->fd = -1;
    b->writable = writable;
    int rc = open_fd(target, writable, b);
    if (rc == -ENOENT) {
        char vg[128], lv[128];
        if (split_lv_path(target, vg, sizeof(vg), lv, sizeof(lv)) && !xns_have_dm()) {
            rc = open_lv_segments(target, vg, lv, writable, b);
        } else if (split_lv_path(target, vg, sizeof(vg), lv, sizeof(lv)) &&
                   lvm_lv_exists(vg, lv)) {
            rc = xns_fail(-ENOENT, "%s: the logical volume is not active (lvchange -ay %s/%s)",
                          target, vg, lv);
        } else {
            rc = xns_fail(-ENOENT, "%s: no such file or device", target);
        }
    } else if (rc == -EINVAL) {
        rc = xns_fail(rc, "%s: neither a regular file nor a block device", target);
    } else if (rc < 0) {
        rc = xns_fail(rc, "%s: cannot open: %s", target, strerror(-rc));
    }
    if (rc < 0) {
        blob_close(b);
        return rc;
    }
    *out = b;
    return 0;
}

void blob_close(struct blob *b)
{
    if (!b)
        return;
    if (b->fd >= 0)
        close(b->fd);
    for (size_t i = 0; i < b->npvs; i++)
        if (b->pv_fds[i] >= 0)
            close(b->pv_fds[i]);
    free(b->pv_fds);
    free(b->segs);
    free(b->name);
    free(b);
}

static int io_fd(int fd, bool write, void *buf, size_t len, uint64_t off, bool zero_past_eof)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = write ? pwrite(fd, p, len, (off_t)off) : pread(fd, p, len, (off_t)off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0) {
            if (write || !zero_past_eof)
                return -EIO;
            memset(p, 0, len);
            return 0;
        }
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

/* Splits a transfer over the segments it touches. */
static int io_segs(struct blob *b, bool write, void *buf, size_t len, uint64_t off)
{
    char *p = buf;
    for (size_t i = 0; i < b->nsegs && len > 0; i++) {
        const struct blob_seg *s = &b->segs[i];
        if (off < s->lv_off || off >= s->lv_off + s->len)
            continue;
        uint64_t in = off - s->lv_off;
        size_t n = (size_t)(s->len - in < len ? s->len - in : len);
        int rc = io_fd(b->pv_fds[s->pv], write, p, n, s->pv_off + in, false);
        if (rc < 0)
            return rc;
        p += n;
        len -= n;
        off += n;
        i = (size_t)-1; /* segments need not be sorted: look again */
    }
    return len ? -EIO : 0;
}

static int io(struct blob *b, bool write, void *buf, size_t len, uint64_t off)
{
    if (!b->is_file && off + len > b->size)
        return xns_fail(-ENOSPC, "%s: %s of %zu bytes at %llu goes past its end (%llu bytes)",
                        b->name, write ? "write" : "read", len, (unsigned long long)off,
                        (unsigned long long)b->size);
    int rc = b->fd >= 0 ? io_fd(b->fd, write, buf, len, off, b->is_file)
                        : io_segs(b, write, buf, len, off);
    if (rc < 0)
        return xns_fail(rc, "%s: %s of %zu bytes at %llu failed: %s", b->name,
                        write ? "write" : "read", len, (unsigned long long)off, strerror(-rc));
    if (write && off + len > b->size)
        b->size = off + len;
    return 0;
}

int blob_pread(struct blob *b, void *buf, size_t len, uint64_t off)
{
    return io(b, false, buf, len, off);
}

int blob_pwrite(struct blob *b, const void *buf, size_t len, uint64_t off)
{
    return io(b, true, (void *)buf, len, off);
}

int blob_sync(struct blob *b)
{
    if (b->fd >= 0) {
        if (fdatasync(b->fd) < 0)
            return xns_fail(-errno, "%s: flush failed: %s", b->name, strerror(errno));
        return 0;
    }
    for (size_t i = 0; i < b->npvs; i++)
        if (fdatasync(b->pv_fds[i]) < 0)
            return xns_fail(-errno, "%s: flush of its physical volume failed: %s", b->name,
                            strerror(errno));
    return 0;
}

void blob_drop_cache(struct blob *b)
{
    if (b->fd >= 0)
        (void)posix_fadvise(b->fd, 0, 0, POSIX_FADV_DONTNEED);
    for (size_t i = 0; i < b->npvs; i++)
        (void)posix_fadvise(b->pv_fds[i], 0, 0, POSIX_FADV_DONTNEED);
}

static int write_zeros(struct blob *b, uint64_t off, uint64_t len)
{
    static const char zeros[65536];
    while (len > 0) {
        size_t n = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);
        int rc = blob_pwrite(b, zeros, n, off);
        if (rc < 0)
            return rc;
        off += n;
        len -= n;
    }
    return 0;
}

int blob_zero(struct blob *b, uint64_t off, uint64_t len)
{
    if (len == 0)
        return 0;
    if (b->fd >= 0 && b->is_file && off + len <= b->size &&
        fallocate(b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len) == 0)
        return 0;
    if (b->fd >= 0 && !b->is_file &&
        fallocate(b->fd, FALLOC_FL_ZERO_RANGE, (off_t)off, (off_t)len) == 0)
        return 0;
    if (b->is_file && off >= b->size)
        return 0; /* past the end of a file already reads as zeros */
    return write_zeros(b, off, len);
}

int blob_discard(struct blob *b, uint64_t off, uint64_t len)
{
    if (len == 0 || b->fd < 0)
        return 0; /* the PV under an LV is shared: leave it alone */
    if (b->is_file) {
        if (fallocate(b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off,
                      (off_t)len) == 0)
            return 1;
        return errno == EOPNOTSUPP ? 0 : xns_fail(-errno, "%s: discard failed: %s", b->name,
                                                   strerror(errno));
    }
    /* A device may or may not zero what it discards: report "could not"
     * either way, so nobody relies on the contents. */
    uint64_t range[2] = {off, len};
    (void)ioctl(b->fd, BLKDISCARD, range);
    return 0;
}

int blob_truncate(struct blob *b, uint64_t size)
{
    if (!b->is_file)
        return xns_fail(-EINVAL, "%s: a device cannot change size here", b->name);
    if (ftruncate(b->fd, (off_t)size) < 0)
        return xns_fail(-errno, "%s: cannot set its size to %llu: %s", b->name,
                        (unsigned long long)size, strerror(errno));
    b->size = size;
    return 0;
}

uint64_t blob_used(struct blob *b)
{
    struct stat st;
    if (b->fd >= 0 && b->is_file && fstat(b->fd, &st) == 0)
        return (uint64_t)st.st_blocks * 512;
    return b->size;
}
