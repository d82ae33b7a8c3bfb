/*
 * An LD_PRELOAD stand-in for the few libxenctrl, libxenevtchn and
 * libxengnttab calls Debian's C xenstored (and oxenstored) make at start,
 * so that bench/xenstore-ops can measure them on a machine with no Xen:
 * the hypervisor they see runs domain 0 and nothing else. Event channels
 * are a pipe nobody writes to (no guest ever signals), the dom0 ring page
 * and its port are private memory files in place of /proc/xen/xsd_kva
 * and /proc/xen/xsd_port, and grant maps fail (there is no guest to map).
 * Only unix-socket clients get served, which is what the benchmark drives.
 *
 * Built without sanitizers: it is loaded into programs that have none.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <limits.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>

/* The opaque handles the libraries hand out; ours carry what we need. */
struct xc_interface_core {
    int unused;
};
struct xenevtchn_handle {
    int quiet_fd[2]; /* never written: no guest ever sends an event */
    evtchn_port_t next_port;
};
struct xengnttab_handle {
    int unused;
};

/* The port xenstored's own dom0 ring is said to be bound to. */
#define DOM0_STORE_PORT 1

xc_interface *xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger,
                                unsigned open_flags)
{
    (void)logger, (void)dombuild_logger, (void)open_flags;
    return calloc(1, sizeof(struct xc_interface_core));
}

int xc_interface_close(xc_interface *xch)
{
    free(xch);
    return 0;
}

/* Domain 0, alive, privileged: the only domain there is. */
int xc_domain_getinfo(xc_interface *xch, uint32_t first_domid, unsigned int max_doms,
                      xc_dominfo_t *info)
{
    (void)xch;
    if (first_domid != 0 || max_doms == 0)
        return 0;
    memset(info, 0, sizeof(*info));
    info->running = 1;
    info->nr_online_vcpus = 1;
    return 1;
}

int xc_domain_getinfolist(xc_interface *xch, uint32_t first_domain, unsigned int max_domains,
                          xc_domaininfo_t *info)
{
    (void)xch;
    if (first_domain != 0 || max_domains == 0)
        return 0;
    memset(info, 0, sizeof(*info));
    info->domain = 0;
    info->flags = XEN_DOMINF_running;
    return 1;
}

static xenevtchn_handle *evtchn_new(void)
{
    xenevtchn_handle *xce = calloc(1, sizeof(*xce));
    if (!xce)
        return NULL;
    if (pipe2(xce->quiet_fd, O_CLOEXEC) < 0) {
        free(xce);
        return NULL;
    }
    xce->next_port = DOM0_STORE_PORT + 1;
    return xce;
}

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger, unsigned int flags)
{
    (void)logger, (void)flags;
    return evtchn_new();
}

xenevtchn_handle *xenevtchn_fdopen(struct xentoollog_logger *logger, int fd, unsigned int flags)
{
    (void)logger, (void)fd, (void)flags;
    return evtchn_new();
}

int xenevtchn_close(xenevtchn_handle *xce)
{
    if (xce) {
        close(xce->quiet_fd[0]);
        close(xce->quiet_fd[1]);
        free(xce);
    }
    return 0;
}

int xenevtchn_fd(xenevtchn_handle *xce)
{
    return xce->quiet_fd[0];
}

int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
    (void)xce, (void)port;
    return 0;
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
                                                     evtchn_port_t remote_port)
{
    (void)domid, (void)remote_port;
    return (xenevtchn_port_or_error_t)xce->next_port++;
}

xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *xce, unsigned int virq)
{
    (void)virq;
    return (xenevtchn_port_or_error_t)xce->next_port++;
}

int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
    (void)xce, (void)port;
    return 0;
}

/* Only called when the pipe is readable, which it never is. */
xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce)
{
    (void)xce;
    errno = EAGAIN;
    return -1;
}

int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
    (void)xce, (void)port;
    return 0;
}

xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger, unsigned open_flags)
{
    (void)logger, (void)open_flags;
    return calloc(1, sizeof(struct xengnttab_handle));
}

int xengnttab_close(xengnttab_handle *xgt)
{
    free(xgt);
    return 0;
}

int xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t nr_grants)
{
    (void)xgt, (void)nr_grants;
    return 0;
}

void *xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid, uint32_t ref, int prot)
{
    (void)xgt, (void)domid, (void)ref, (void)prot;
    errno = ESRCH;
    return NULL;
}

int xengnttab_unmap(xengnttab_handle *xgt, void *start_address, uint32_t count)
{
    (void)xgt;
    return munmap(start_address, (size_t)count * XC_PAGE_SIZE);
}

/* A private file holding len bytes of data (zeroes past it), rewound. */
static int memory_file(const char *name, const void *data, size_t len, size_t size)
{
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    if (ftruncate(fd, (off_t)size) < 0 || (len && pwrite(fd, data, len, 0) != (ssize_t)len)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* What a Dom0 kernel's xenbus driver shows xenstored in /proc/xen. */
static int xenbus_proc_file(const char *path)
{
    static const char port[] = "1";
    _Static_assert(DOM0_STORE_PORT == 1, "xsd_port must name DOM0_STORE_PORT");
    if (strcmp(path, "/proc/xen/xsd_port") == 0)
        return memory_file("xsd_port", port, sizeof(port) - 1, sizeof(port) - 1);
    if (strcmp(path, "/proc/xen/xsd_kva") == 0)
        return memory_file("xsd_kva", NULL, 0, XC_PAGE_SIZE);
    errno = ENOENT;
    return -2;
}

/*
 * oxenstored has /var/run/xenstored built in where C xenstored reads
 * XENSTORED_RUNDIR; its socket, database and directory go to
 * XENSTORED_RUNDIR too, so that it never touches the host's.
 */
static const char *private_path(const char *path, char *buf, size_t size)
{
    static const char *const fixed[] = {"/var/run/xenstored", "/run/xenstored"};
    const char *rundir = getenv("XENSTORED_RUNDIR");
    if (!rundir || !path)
        return path;
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        size_t n = strlen(fixed[i]);
        if (strncmp(path, fixed[i], n) == 0 && (path[n] == '/' || path[n] == '\0')) {
            if ((size_t)snprintf(buf, size, "%s%s", rundir, path + n) >= size)
                return path;
            return buf;
        }
    }
    return path;
}

#define NEXT(name, type) ((type)dlsym(RTLD_NEXT, name))

static mode_t open_mode(int flags, va_list ap)
{
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

#define OPEN_WRAPPER(name)                                                   \
    int name(const char *path, int flags, ...)                               \
    {                                                                        \
        va_list ap;                                                          \
        va_start(ap, flags);                                                 \
        mode_t mode = open_mode(flags, ap);                                  \
        va_end(ap);                                                          \
        int fd = xenbus_proc_file(path);                                     \
        if (fd != -2)                                                        \
            return fd;                                                       \
        char buf[PATH_MAX];                                                  \
        path = private_path(path, buf, sizeof(buf));                         \
        return NEXT(#name, int (*)(const char *, int, ...))(path, flags, mode); \
    }

OPEN_WRAPPER(open)
OPEN_WRAPPER(open64)

int mkdir(const char *path, mode_t mode)
{
    char buf[PATH_MAX];
    return NEXT("mkdir", int (*)(const char *, mode_t))(private_path(path, buf, sizeof(buf)), mode);
}

int unlink(const char *path)
{
    char buf[PATH_MAX];
    return NEXT("unlink", int (*)(const char *))(private_path(path, buf, sizeof(buf)));
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    int (*next)(int, const struct sockaddr *, socklen_t) =
        NEXT("bind", int (*)(int, const struct sockaddr *, socklen_t));
    if (addr->sa_family != AF_UNIX)
        return next(fd, addr, len);
    struct sockaddr_un un;
    memset(&un, 0, sizeof(un));
    memcpy(&un, addr, len < sizeof(un) ? len : sizeof(un));
    un.sun_path[sizeof(un.sun_path) - 1] = '\0';
    char buf[sizeof(un.sun_path)];
    const char *path = private_path(un.sun_path, buf, sizeof(buf));
    if (path == un.sun_path)
        return next(fd, addr, len);
    strcpy(un.sun_path, path);
    return next(fd, (const struct sockaddr *)&un, sizeof(un));
}

/*
 * oxenstored asks for a million open files, which a container without
 * CAP_SYS_RESOURCE refuses; it gets as many as the hard limit allows.
 */
int setrlimit(__rlimit_resource_t resource, const struct rlimit *rlim)
{
    int (*next)(__rlimit_resource_t, const struct rlimit *) =
        NEXT("setrlimit", int (*)(__rlimit_resource_t, const struct rlimit *));
    struct rlimit have, want = *rlim;
    if (resource == RLIMIT_NOFILE && getrlimit(RLIMIT_NOFILE, &have) == 0 &&
        want.rlim_max > have.rlim_max) {
        want.rlim_max = have.rlim_max;
        if (want.rlim_cur > want.rlim_max)
            want.rlim_cur = want.rlim_max;
    }
    return next(resource, &want);
}
