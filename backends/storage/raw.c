/* Raw images: a file (sparse unless asked otherwise) or a device as is. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/storage/blob.h"
#include "backends/storage/internal.h"

int raw_create(const char *target, const struct xns_create_opts *o)
{
    struct stat st;
    uint64_t size = xns_align_up(o->size, 512);
    if (stat(target, &st) == 0 && S_ISREG(st.st_mode))
        return xns_fail(-EEXIST, "%s: already exists", target);
    if (size == 0)
        return xns_fail(-EINVAL, "%s: size 0 is not a disk", target);
    if (strncmp(target, "/dev/", 5) == 0) {
        struct blob *b;
        int rc = blob_open(target, true, &b);
        if (rc == 0 && b->size < size)
            rc = xns_fail(-ENOSPC, "%s: holds %llu bytes, not %llu", target,
                          (unsigned long long)b->size, (unsigned long long)size);
        blob_close(b);
        return rc;
    }
    int fd = open(target, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return xns_fail(-errno, "%s: cannot create: %s", target, strerror(errno));
    int rc = 0;
    if (o->preallocate && posix_fallocate(fd, 0, (off_t)size) != 0)
        rc = xns_fail(-ENOSPC, "%s: cannot allocate %llu bytes", target,
                      (unsigned long long)size);
    if (rc == 0 && ftruncate(fd, (off_t)size) < 0)
        rc = xns_fail(-errno, "%s: cannot set its size: %s", target, strerror(errno));
    if (rc == 0 && fsync(fd) < 0)
        rc = xns_fail(-errno, "%s: %s", target, strerror(errno));
    close(fd);
    if (rc < 0)
        unlink(target);
    return rc;
}
