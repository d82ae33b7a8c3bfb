#include "config.h"

#include <errno.h>

#include "hypervisor/hv.h"
#include "hypervisor/hypercall.h"

/* Taken in pieces of this size, so a huge count costs the guest time,
 * not the daemon memory ... */
#define CONSOLE_CHUNK 4096
/* ... and at most this much per trap, so that it costs the guest's time
 * only: the rest is a continuation (hypercall_continue). */
#define CONSOLE_WRITE_BUDGET (64 * 1024)

int64_t hc_console_io(struct vcpu *v, const uint64_t a[5])
{
    uint32_t count = (uint32_t)a[1];
    switch (a[0]) {
    case CONSOLEIO_write: {
        char buf[CONSOLE_CHUNK];
        uint64_t gva = a[2];
        uint32_t done = 0;
        while (count) {
            if (done == CONSOLE_WRITE_BUDGET) {
                const uint64_t rest[5] = {a[0], count, gva, a[3], a[4]};
                if (hypercall_continue(v, __HYPERVISOR_console_io, rest))
                    return 0;
                /* Called other than through the hypercall page: say how
                 * much was taken, the caller may go on from there. */
                return done;
            }
            uint32_t n = count < CONSOLE_CHUNK ? count : CONSOLE_CHUNK;
            if (copy_from_guest(v, buf, gva, n))
                return -EFAULT;
            console_log_put(&v->d->console, buf, n, now_mono_ns());
            gva += n;
            count -= n;
            done += n;
        }
        return 0;
    }
    case CONSOLEIO_read:
        return 0;
    default:
        return -ENOSYS;
    }
}
