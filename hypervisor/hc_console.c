#include "config.h"

#include <errno.h>

#include "hypervisor/hv.h"
#include "hypervisor/hypercall.h"

/* Taken in pieces of this size, so a huge count costs the guest time,
 * not the daemon memory. */
#define CONSOLE_CHUNK 4096

int64_t hc_console_io(struct vcpu *v, const uint64_t a[5])
{
    uint32_t count = (uint32_t)a[1];
    switch (a[0]) {
    case CONSOLEIO_write: {
        char buf[CONSOLE_CHUNK];
        uint64_t gva = a[2];
        while (count) {
            uint32_t n = count < CONSOLE_CHUNK ? count : CONSOLE_CHUNK;
            if (copy_from_guest(v, buf, gva, n))
                return -EFAULT;
            console_log_put(&v->d->console, buf, n, now_mono_ns());
            gva += n;
            count -= n;
        }
        return 0;
    }
    case CONSOLEIO_read:
        return 0;
    default:
        return -ENOSYS;
    }
}
