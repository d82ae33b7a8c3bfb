/*
 * Loading a domain's kernel (PRIVCMD_OP_DOMAIN_LOAD_PVH): the image and
 * ramdisk read from the caller's file descriptors, a bzImage unwrapped,
 * the ELF placed by the PVH loader (pvh_loader.c), ACPI tables, the
 * kernel's own hypercall instructions rewritten, and vCPU 0 set at the
 * entry point.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hypervisor/acpi_tables.h"
#include "hypervisor/bzimage.h"
#include "hypervisor/domain_load.h"
#include "hypervisor/fail_msg.h"
#include "hypervisor/hypercall_patch.h"
#include "hypervisor/log.h"
#include "hypervisor/pvh_loader.h"
#include "hypervisor/vcpu.h"

#define KERNEL_MAX_BYTES (512ull << 20)

static int read_whole(int fd, const char *what, uint64_t limit, uint8_t **out, size_t *len,
                      char *err, size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return fail(err, errlen, -errno, "cannot stat the %s: %s", what, strerror(errno));
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
        return fail(err, errlen, -EINVAL, "the %s is not a regular file", what);
    uint64_t size = (uint64_t)st.st_size;
    if (S_ISBLK(st.st_mode)) {
        off_t end = lseek(fd, 0, SEEK_END);
        size = end > 0 ? (uint64_t)end : 0;
    }
    if (size > limit)
        return fail(err, errlen, -EFBIG, "the %s is too large (%llu MiB, the limit is %llu MiB)",
                    what, (unsigned long long)(size >> 20), (unsigned long long)(limit >> 20));
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return fail(err, errlen, -ENOMEM, "out of memory reading the %s", what);
    size_t got = 0;
    while (got < size) {
        ssize_t n = pread(fd, buf + got, size - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            free(buf);
            return fail(err, errlen, -EIO, "cannot read the %s: %s", what,
                        n < 0 ? strerror(errno) : "file shrank while reading");
        }
        got += (size_t)n;
    }
    *out = buf;
    *len = size;
    return 0;
}

/* The tables go in the reserved BIOS area; start info points at them. */
static int place_acpi_tables(struct domain *d, uint64_t start_info)
{
    uint8_t *buf = guest_ram_ptr(&d->boot_ram, ACPI_TABLES_GPA, ACPI_TABLES_MAX);
    struct hvm_start_info *si = guest_ram_ptr(&d->boot_ram, start_info, sizeof(*si));
    if (!buf || !si)
        return -ENOMEM;
    uint64_t rsdp = acpi_tables_build(buf, ACPI_TABLES_MAX, ACPI_TABLES_GPA, d->nr_vcpus);
    if (!rsdp)
        return -E2BIG;
    si->rsdp_paddr = rsdp;
    return 0;
}

/* Says in the log which way the loaded kernel reaches us: its own
 * vmcall/vmmcall rewritten to our port exit, or the hypercall page. */
static void patch_hypercalls(struct domain *d, const struct pvh_image *img)
{
    struct hcpatch_result res;
    uint64_t len = img->load_hi - img->load_lo;
    uint8_t *image = guest_ram_ptr(&d->boot_ram, img->load_lo, len);
    int n = image ? hcpatch_apply(image, len, &res) : 0;
    if (n < 0)
        hv_log("domain %u: more vmcall/vmmcall pairs than a Linux kernel has; none "
               "rewritten, so the kernel's own hypercalls would go to KVM", d->domid);
    else if (n == 0)
        hv_log("domain %u: hypercalls through the hypercall page (the kernel has no "
               "vmcall/vmmcall hypercall functions)", d->domid);
    else
        hv_log("domain %u: hypercalls through the kernel's own functions: %d vmcall/vmmcall "
               "instructions rewritten to port exits, the first at 0x%llx", d->domid, n,
               (unsigned long long)(img->load_lo + res.sites[0]));
}

int domain_load_pvh(uint32_t domid, int kernel_fd, int ramdisk_fd, const char *cmdline,
                       char *err, size_t errlen)
{
    struct domain *d = domain_find(domid);
    if (!d)
        return fail(err, errlen, -ESRCH, "no domain %u", domid);
    if (d->loaded || d->stopped || d->dying)
        return fail(err, errlen, -EBUSY, "domain %u already has a kernel loaded", domid);
    uint8_t *kernel = NULL, *ramdisk = NULL;
    size_t klen = 0, rlen = 0;
    int rc = read_whole(kernel_fd, "kernel", KERNEL_MAX_BYTES, &kernel, &klen, err, errlen);
    if (rc == 0 && ramdisk_fd >= 0)
        rc = read_whole(ramdisk_fd, "ramdisk", d->boot_ram.size, &ramdisk, &rlen, err, errlen);
    if (rc == 0 && bzimage_detect(kernel, klen)) {
        /* A distribution's vmlinuz: the ELF inside is what we load. */
        struct bzimage_payload bz;
        rc = bzimage_extract(kernel, klen, KERNEL_MAX_BYTES, &bz, err, errlen);
        if (rc == 0) {
            hv_log("domain %u: the kernel is a bzImage (boot protocol %u.%02u), its %s "
                   "payload a %zu-byte ELF image", domid, bz.protocol >> 8,
                   bz.protocol & 0xff, bz.codec, bz.size);
            free(kernel);
            kernel = bz.elf;
            klen = bz.size;
        }
    }
    struct pvh_image img;
    struct pvh_boot boot;
    if (rc == 0)
        rc = pvh_parse(kernel, klen, &img, err, errlen);
    if (rc == 0)
        rc = pvh_load(kernel, klen, &img, &d->boot_ram, cmdline, ramdisk, rlen, &boot, err,
                      errlen);
    free(kernel);
    free(ramdisk);
    if (rc)
        return rc;
    patch_hypercalls(d, &img);
    rc = place_acpi_tables(d, boot.start_info);
    if (rc)
        return fail(err, errlen, rc, "domain %u: no room for the ACPI tables", domid);
    /* vCPU 0 is parked (the domain is paused), so its registers are ours. */
    rc = vcpu_set_pvh_entry(&d->vcpus[0], boot.entry, boot.start_info);
    if (rc)
        return fail(err, errlen, rc, "cannot set up the boot vCPU: %s", strerror(-rc));
    pthread_mutex_lock(&d->lock);
    d->loaded = true;
    d->vcpus[0].initialised = true;
    pthread_mutex_unlock(&d->lock);
    hv_log("domain %u: PVH kernel loaded, entry 0x%llx, start info 0x%llx", domid,
           (unsigned long long)boot.entry, (unsigned long long)boot.start_info);
    return 0;
}
