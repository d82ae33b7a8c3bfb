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
#ifndef XENOLITH_PRIVCMD_ABI_H
#define XENOLITH_PRIVCMD_ABI_H

#include <stdint.h>

#define PRIVCMD_MAGIC 0x584e4c31u /* "XNL1" */
#define PRIVCMD_MAX_PAYLOAD (1u << 20)
#define PRIVCMD_MAX_FDS 2           /* in a request */
#define PRIVCMD_MAX_REPLY_FDS 132    /* in a response: memory file + a vCPU's worth of irqfds */
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
    /* Event channels for Dom0 programs (dom0/xenevtchn.h). A bound port
     * comes with an eventfd (reply fd) that fires on the guest's sends. */
    PRIVCMD_OP_EVTCHN_BIND_INTERDOMAIN = 10,
    PRIVCMD_OP_EVTCHN_BIND_UNBOUND = 11,
    PRIVCMD_OP_EVTCHN_BIND_VIRQ = 12,
    PRIVCMD_OP_EVTCHN_UNBIND = 13,
    PRIVCMD_OP_EVTCHN_NOTIFY = 14,
    /* The domain's memory file (reply fd 0) and its vCPUs' irqfds (reply
     * fds 1..n): what a Dom0 program needs to deliver events and map
     * grants itself. */
    PRIVCMD_OP_DOMAIN_MEMORY = 15,
    /* Grant maps, unmaps and copies, checked by xenolithd (dom0/xengnttab.h). */
    PRIVCMD_OP_GNTTAB_MAP = 16,
    PRIVCMD_OP_GNTTAB_UNMAP = 17,
    PRIVCMD_OP_GNTTAB_COPY = 18,
    /* The event-channel benchmark's floor: reply fds are an ioeventfd on
     * XENOLITH_RAW_DOORBELL_PORT and an irqfd raising XENOLITH_RAW_VECTOR
     * on vCPU 0. */
    PRIVCMD_OP_RAW_DOORBELL = 19,
    /* The toolstack's view of a domain's HVM params (STORE_PFN, ...). */
    PRIVCMD_OP_DOMAIN_SET_PARAM = 20,
    PRIVCMD_OP_DOMAIN_GET_PARAM = 21,
    /* A port in the guest, unbound and waiting for remote_domid, as
     * Xen's toolstack makes the store and console channels. */
    PRIVCMD_OP_EVTCHN_ALLOC_UNBOUND = 22,
    /* Credit scheduler weight and cap (xl sched-credit). */
    PRIVCMD_OP_DOMAIN_SCHED_SET = 23,
    PRIVCMD_OP_DOMAIN_SCHED_GET = 24,
    /* Shuts a domain down from outside, as SCHEDOP_remote_shutdown: the
     * fallback of xl shutdown -F for guests that do not answer. */
    PRIVCMD_OP_DOMAIN_SHUTDOWN = 25,
    /* The most memory the domain may populate (xl mem-max). */
    PRIVCMD_OP_DOMAIN_SET_MAXMEM = 26,
    /* Every vCPU of a domain: online, running or blocked, CPU time
     * (xl vcpu-list). */
    PRIVCMD_OP_DOMAIN_VCPU_LIST = 27,
    /* A new name for a domain (xl rename); refused when taken. */
    PRIVCMD_OP_DOMAIN_RENAME = 28,
    /* The domain with a name (privcmd_name), as DOMAIN_INFO answers for
     * an id: what xl needs to resolve a name without listing every
     * domain, which costs per domain on a host with hundreds. */
    PRIVCMD_OP_DOMAIN_FIND = 29,
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
    uint32_t generation;      /* this incarnation of the domid: see below */
    uint32_t pad;
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

struct privcmd_evtchn_req {
    uint32_t domid;       /* BIND_INTERDOMAIN, BIND_UNBOUND */
    uint32_t port;        /* remote port (BIND_INTERDOMAIN), Dom0 port (UNBIND, NOTIFY) */
    uint32_t virq;        /* BIND_VIRQ */
    uint32_t pad;
};

/* The size of xenolithd's Dom0 port table: every Dom0 port it hands out
 * is below it, so a Dom0 program may index a table by port. */
#define DOM0_EVTCHN_PORTS 16384

struct privcmd_evtchn_reply {
    uint32_t port;        /* the Dom0 port, below DOM0_EVTCHN_PORTS */
    uint32_t peer_domid;  /* the guest at the other end */
    uint32_t peer_port;   /* its port, 0 while the guest has not bound */
    uint32_t peer_generation; /* the guest's generation (DOMAIN_MEMORY) */
};

struct privcmd_param {
    uint32_t domid;
    uint32_t index;       /* HVM_PARAM_* */
    uint64_t value;
};

struct privcmd_shutdown {
    uint32_t domid;
    uint32_t reason;      /* SHUTDOWN_* */
};

struct privcmd_sched {
    uint32_t domid;
    uint32_t weight;      /* 1..65535, 256 by default */
    uint32_t cap;         /* % of one CPU for the whole domain, 0 = none */
    uint32_t pad;
    char cgroup[160];     /* GET: the domain's cgroup, "" when none */
};

struct privcmd_maxmem {
    uint32_t domid;
    uint32_t pad;
    uint64_t max_kib;
};

struct privcmd_name {
    char name[PRIVCMD_NAME_LEN];
};

struct privcmd_rename {
    uint32_t domid;
    uint32_t pad;
    char name[PRIVCMD_NAME_LEN];
};

/* DOMAIN_VCPU_LIST answers with a privcmd_domlist header (count), then
 * count of these. */
struct privcmd_vcpuinfo {
    uint32_t vcpu;
    uint32_t online;
    uint32_t blocked;     /* halted or in SCHEDOP_block; else running */
    int32_t cpu;          /* host CPU it last ran on, -1 when unknown */
    uint64_t cpu_time_ns; /* of its thread */
};

struct privcmd_alloc_unbound {
    uint32_t domid;       /* the guest that gets the port */
    uint32_t remote_domid;
    uint32_t port;        /* out */
    uint32_t pad;
};

struct privcmd_domain_memory {
    uint64_t ram_size;    /* bytes of guest RAM at the start of the file */
    uint64_t low_size;    /* RAM below the 4 GiB hole; the rest is at 4 GiB */
    uint64_t file_size;   /* RAM, then the Xen area (dom0/evtchn_ctl.h) */
    uint32_t nr_vcpus;    /* irqfds that follow the memory file */
    uint32_t special_pages;
    uint64_t special_gpa;  /* where the guest sees the special pages */
    uint64_t special_off;  /* where they are in the file */
    /* Which incarnation of the domid this is: a count of domains created,
     * never 0, so that a Dom0 program that keeps a guest's memory open
     * can tell a destroyed guest from a new one that reuses its id. */
    uint32_t generation;
    uint32_t pad;
};

/* GNTTAB_MAP and GNTTAB_UNMAP: a header, then count refs. */
struct privcmd_gnttab_req {
    uint32_t count;
    uint32_t readonly;
};

struct privcmd_gnttab_ref {
    uint32_t domid;
    uint32_t ref;
};

/* Per ref, in the reply: a GNTST_* status and, for a map, where the page
 * is in the domain's memory file. */
struct privcmd_gnttab_result {
    int32_t status;
    /* Map: the granting domain's generation (DOMAIN_MEMORY), whose file
     * file_offset is in. Unmap: the domid's generation now, 0 when no
     * domain has it (the Dom0 side may then let its memory go). */
    uint32_t generation;
    uint64_t file_offset;
};

/* GNTTAB_COPY: a header, count segments, then the bytes of every
 * segment whose source is local, in order. The reply: count statuses
 * (int16_t, padded to 8 bytes), then the bytes of every segment whose
 * destination is local and whose status is GNTST_okay, in order. */
struct privcmd_gnttab_copy_seg {
    uint32_t src_domid;   /* DOMID_SELF: the source is local bytes */
    uint32_t src_ref;
    uint32_t dst_domid;   /* DOMID_SELF: the destination is local */
    uint32_t dst_ref;
    uint16_t src_offset;
    uint16_t dst_offset;
    uint16_t len;
    uint16_t pad;
};

#endif
