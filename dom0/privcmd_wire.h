/*
 * The privcmd protocol between Dom0 programs and xenolithd.
 *
 * A stream of frames on a unix socket. Every request gets exactly one
 * response carrying the same id, in order. File descriptors that an
 * operation needs (a kernel image, a ramdisk) travel with the request
 * header as SCM_RIGHTS, so the daemon reads exactly the file the caller
 * opened with the caller's rights and paths relative to the caller's cwd
 * mean what the caller meant.
 *
 * On failure the response has rc = -errno and its payload is a
 * human-readable message (NUL-terminated) naming what was wrong.
 */
#ifndef XENOLITH_PRIVCMD_WIRE_H
#define XENOLITH_PRIVCMD_WIRE_H

#include <stdint.h>

#define PRIVCMD_MAGIC 0x584e4c31u /* "XNL1" */
#define PRIVCMD_MAX_PAYLOAD (1u << 20)
#define PRIVCMD_MAX_FDS 2
#define PRIVCMD_SOCKET_NAME "privcmd.sock"

enum privcmd_op {
    PRIVCMD_OP_HOST_INFO = 1,
    PRIVCMD_OP_DOMAIN_CREATE = 2,
    PRIVCMD_OP_DOMAIN_LOAD_PVH = 3,  /* fds: kernel [, ramdisk] */
    PRIVCMD_OP_DOMAIN_UNPAUSE = 4,
    PRIVCMD_OP_DOMAIN_PAUSE = 5,
    PRIVCMD_OP_DOMAIN_DESTROY = 6,
    PRIVCMD_OP_DOMAIN_INFO = 7,
    PRIVCMD_OP_DOMAIN_LIST = 8,
    /* Answered when the domain has shut down, crashed or gone away. */
    PRIVCMD_OP_DOMAIN_WAIT = 9,
};

struct privcmd_hdr {
    uint32_t magic;
    uint32_t op;
    uint32_t id;
    int32_t rc;   /* responses only: 0 or -errno */
    uint32_t len; /* payload bytes that follow */
    uint32_t pad;
};

#define PRIVCMD_NAME_LEN 64

/* Domain types, as the config's type= names them. */
enum privcmd_domain_type {
    PRIVCMD_TYPE_PVH = 1,
    PRIVCMD_TYPE_HVM = 2,
};

/* Run states, in the order xl list prints its state letters (rbpscd). */
enum privcmd_domain_state {
    PRIVCMD_STATE_RUNNING = 0,
    PRIVCMD_STATE_BLOCKED = 1,
    PRIVCMD_STATE_PAUSED = 2,
    PRIVCMD_STATE_SHUTDOWN = 3,
    PRIVCMD_STATE_CRASHED = 4,
    PRIVCMD_STATE_DYING = 5,
};

struct privcmd_domid {
    uint32_t domid;
    uint32_t pad;
};

struct privcmd_create_req {
    char name[PRIVCMD_NAME_LEN];
    uint8_t uuid[16];
    uint64_t memory_kib;
    uint64_t max_memory_kib; /* 0 = same as memory_kib */
    uint32_t vcpus;
    uint32_t max_vcpus; /* 0 = same as vcpus */
    uint32_t type;      /* enum privcmd_domain_type */
    uint32_t pad;
};

/* Followed by cmdline_len bytes of command line (no NUL needed). */
struct privcmd_load_pvh_req {
    uint32_t domid;
    uint32_t nr_fds; /* 1: kernel, 2: kernel + ramdisk */
    uint32_t cmdline_len;
    uint32_t pad;
};

struct privcmd_dominfo {
    uint32_t domid;
    uint32_t state;           /* enum privcmd_domain_state */
    uint32_t shutdown_reason; /* SHUTDOWN_* of xen/sched.h, valid when shut down */
    uint32_t shutdown_code;   /* last SCHEDOP_shutdown_code, or ~0u */
    uint32_t type;            /* enum privcmd_domain_type */
    uint32_t vcpus;
    uint32_t vcpus_online;
    uint32_t flags;           /* PRIVCMD_DOMINFO_* */
    uint64_t memory_kib;
    uint64_t max_memory_kib;
    uint64_t cpu_time_ns;
    uint64_t create_time_ns;  /* CLOCK_REALTIME at creation */
    uint8_t uuid[16];
    char name[PRIVCMD_NAME_LEN];
    char crash_reason[128];   /* why the hypervisor ended it, if it did */
};

#define PRIVCMD_DOMINFO_DOM0 (1u << 0)

/* DOMAIN_LIST answers with a count followed by that many dominfos. */
struct privcmd_domlist {
    uint32_t count;
    uint32_t pad;
};

struct privcmd_hostinfo {
    uint32_t nr_cpus;
    uint32_t cpu_khz;
    uint64_t total_memory_kib;
    uint64_t free_memory_kib;
    uint32_t xen_major;
    uint32_t xen_minor;
    char xen_extra[16];
    char xen_caps[128];
    char xen_changeset[64];
    char hypervisor[64]; /* "xenolithd <version> on KVM" */
    uint64_t uptime_ns;  /* of xenolithd */
};

#endif
