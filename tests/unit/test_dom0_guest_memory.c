/*
 * The Dom0 grant library's cache of guests' memory, against a stand-in
 * xenolithd on a socket in a temporary run directory: it answers
 * DOMAIN_MEMORY, DOMAIN_INFO and grant maps and unmaps for guests whose
 * memory is a memfd holding a page that says which guest it is.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "dom0/wire_io.h"
#include "dom0/xengnttab.h"
#include "include/privcmd_abi.h"

#define NDOMS 64

struct fake_dom {
    int memfd; /* -1: no such domain */
    uint32_t generation;
};

static struct {
    char rundir[64];
    int listen_fd, conn_fd;
    pthread_t thread;
    pthread_mutex_t lock;
    struct fake_dom dom[NDOMS];
    uint32_t created;
} fk;

static struct fake_dom *fake_find(uint32_t domid)
{
    return domid < NDOMS && fk.dom[domid].memfd >= 0 ? &fk.dom[domid] : NULL;
}

/* A guest of one page, which reads "dom D gen G". */
static void fake_create(uint32_t domid)
{
    pthread_mutex_lock(&fk.lock);
    struct fake_dom *d = &fk.dom[domid];
    d->generation = ++fk.created;
    char name[64], text[64];
    snprintf(name, sizeof(name), "fake-dom%u-gen%u", domid, d->generation);
    d->memfd = memfd_create(name, MFD_CLOEXEC);
    ck_assert_int_ge(d->memfd, 0);
    ck_assert_int_eq(ftruncate(d->memfd, 3 * 4096), 0);
    snprintf(text, sizeof(text), "dom %u gen %u", domid, d->generation);
    ck_assert_int_eq(pwrite(d->memfd, text, strlen(text) + 1, 0), (ssize_t)strlen(text) + 1);
    pthread_mutex_unlock(&fk.lock);
}

static void fake_destroy(uint32_t domid)
{
    pthread_mutex_lock(&fk.lock);
    close(fk.dom[domid].memfd);
    fk.dom[domid].memfd = -1;
    pthread_mutex_unlock(&fk.lock);
}

static void answer(const struct privcmd_hdr *h, int32_t rc, const void *body, size_t len,
                   const int *fds, int nfds)
{
    struct privcmd_hdr r = {
        .magic = PRIVCMD_MAGIC, .op = h->op, .id = h->id, .rc = rc, .len = (uint32_t)len};
    ck_assert_int_eq(wire_send(fk.conn_fd, &r, body, len, fds, nfds), 0);
}

static void serve_one(const struct privcmd_hdr *h, const uint8_t *body)
{
    struct privcmd_domid q;
    memcpy(&q, body, sizeof(q) < h->len ? sizeof(q) : h->len);
    struct fake_dom *d = fake_find(q.domid);
    switch (h->op) {
    case PRIVCMD_OP_DOMAIN_MEMORY: {
        if (!d)
            return answer(h, -ESRCH, "no domain", 10, NULL, 0);
        struct privcmd_domain_memory m = {.ram_size = 4096, .low_size = 4096,
                                          .file_size = 3 * 4096, .generation = d->generation};
        return answer(h, 0, &m, sizeof(m), &d->memfd, 1);
    }
    case PRIVCMD_OP_DOMAIN_INFO: {
        if (!d)
            return answer(h, -ESRCH, "no domain", 10, NULL, 0);
        struct privcmd_dominfo info = {.domid = q.domid, .generation = d->generation};
        return answer(h, 0, &info, sizeof(info), NULL, 0);
    }
    case PRIVCMD_OP_GNTTAB_MAP:
    case PRIVCMD_OP_GNTTAB_UNMAP: {
        struct privcmd_gnttab_req r;
        memcpy(&r, body, sizeof(r));
        struct privcmd_gnttab_result res[16] = {{0}};
        ck_assert_uint_le(r.count, 16);
        for (uint32_t i = 0; i < r.count; i++) {
            struct privcmd_gnttab_ref g;
            memcpy(&g, body + sizeof(r) + i * sizeof(g), sizeof(g));
            struct fake_dom *gd = fake_find(g.domid);
            res[i].generation = gd ? gd->generation : 0;
            res[i].status = gd || h->op == PRIVCMD_OP_GNTTAB_UNMAP ? GNTST_okay : GNTST_bad_domain;
        }
        return answer(h, 0, res, r.count * sizeof(res[0]), NULL, 0);
    }
    default:
        return answer(h, -ENOSYS, "not faked", 10, NULL, 0);
    }
}

static void *fake_xenolithd(void *arg)
{
    (void)arg;
    fk.conn_fd = accept(fk.listen_fd, NULL, NULL);
    if (fk.conn_fd < 0)
        return NULL;
    struct privcmd_hdr h;
    static uint8_t body[PRIVCMD_MAX_PAYLOAD];
    while (wire_recv_exact(fk.conn_fd, &h, sizeof(h)) == 0) {
        if (h.len && wire_recv_exact(fk.conn_fd, body, h.len) < 0)
            break;
        pthread_mutex_lock(&fk.lock);
        serve_one(&h, body);
        pthread_mutex_unlock(&fk.lock);
    }
    close(fk.conn_fd);
    return NULL;
}

static void setup(void)
{
    pthread_mutex_init(&fk.lock, NULL);
    for (int i = 0; i < NDOMS; i++)
        fk.dom[i].memfd = -1;
    snprintf(fk.rundir, sizeof(fk.rundir), "/tmp/xn-gm.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(fk.rundir));
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", fk.rundir, PRIVCMD_SOCKET_NAME);
    fk.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fk.listen_fd, 0);
    ck_assert_int_eq(bind(fk.listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert_int_eq(listen(fk.listen_fd, 1), 0);
    ck_assert_int_eq(setenv("XENOLITH_RUNDIR", fk.rundir, 1), 0);
    ck_assert_int_eq(pthread_create(&fk.thread, NULL, fake_xenolithd, NULL), 0);
}

static void teardown(void)
{
    shutdown(fk.listen_fd, SHUT_RDWR);
    pthread_join(fk.thread, NULL);
    close(fk.listen_fd);
    for (int i = 0; i < NDOMS; i++)
        if (fk.dom[i].memfd >= 0)
            close(fk.dom[i].memfd);
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", fk.rundir, PRIVCMD_SOCKET_NAME);
    unlink(path);
    rmdir(fk.rundir);
}

/* Whether this process still maps a guest's memory (its memfd's name). */
static bool still_mapped(uint32_t domid, uint32_t generation)
{
    char name[64], line[512];
    snprintf(name, sizeof(name), "memfd:fake-dom%u-gen%u ", domid, generation);
    FILE *f = fopen("/proc/self/maps", "r");
    ck_assert_ptr_nonnull(f);
    bool found = false;
    while (fgets(line, sizeof(line), f))
        found |= strstr(line, name) != NULL;
    fclose(f);
    return found;
}

static char *map_ref0(xengnttab_handle *h, uint32_t domid)
{
    return xengnttab_map_grant_ref(h, domid, 0, PROT_READ);
}

/* A backend serves as many guests as there are: no fixed number of them. */
START_TEST(serves_any_number_of_guests)
{
    xengnttab_handle *h = xengnttab_open(NULL, 0);
    ck_assert_ptr_nonnull(h);
    char *p[40], want[64];
    for (uint32_t d = 1; d <= 40; d++) {
        fake_create(d);
        p[d - 1] = map_ref0(h, d);
        ck_assert_msg(p[d - 1] != NULL, "guest %u (of 40) could not be mapped: %s", d,
                      xengnttab_error(h));
        snprintf(want, sizeof(want), "dom %u gen %u", d, fk.dom[d].generation);
        ck_assert_str_eq(p[d - 1], want);
    }
    for (uint32_t d = 1; d <= 40; d++)
        ck_assert_int_eq(xengnttab_unmap(h, p[d - 1], 1), 0);
    xengnttab_close(h);
}
END_TEST

/* A domid reused by a new guest is served the new guest's memory. */
START_TEST(reused_domid_gets_the_new_guest)
{
    xengnttab_handle *h = xengnttab_open(NULL, 0);
    ck_assert_ptr_nonnull(h);
    fake_create(3);
    uint32_t old = fk.dom[3].generation;
    char *p = map_ref0(h, 3);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(xengnttab_unmap(h, p, 1), 0);
    fake_destroy(3);
    fake_create(3);
    char want[64];
    snprintf(want, sizeof(want), "dom 3 gen %u", fk.dom[3].generation);
    p = map_ref0(h, 3);
    ck_assert_ptr_nonnull(p);
    ck_assert_msg(strcmp(p, want) == 0, "domain 3 reads \"%s\", the new guest is \"%s\"", p, want);
    ck_assert_msg(!still_mapped(3, old), "the dead guest's memory is still mapped");
    ck_assert_int_eq(xengnttab_unmap(h, p, 1), 0);
    xengnttab_close(h);
}
END_TEST

/* A dead guest's memory is let go: when its last pages are unmapped, or
 * (destroyed while nothing was mapped) when another guest is opened. */
START_TEST(dead_guests_are_let_go)
{
    xengnttab_handle *h = xengnttab_open(NULL, 0);
    ck_assert_ptr_nonnull(h);
    fake_create(5);
    fake_create(7);
    uint32_t g5 = fk.dom[5].generation, g7 = fk.dom[7].generation;
    char *p5 = map_ref0(h, 5), *p7 = map_ref0(h, 7);
    ck_assert_ptr_nonnull(p5);
    ck_assert_ptr_nonnull(p7);
    ck_assert_int_eq(xengnttab_unmap(h, p7, 1), 0);
    fake_destroy(5);
    fake_destroy(7);
    ck_assert(still_mapped(5, g5)); /* its page is still mapped, as in Xen */
    ck_assert_int_eq(xengnttab_unmap(h, p5, 1), 0);
    ck_assert_msg(!still_mapped(5, g5), "guest 5 died and was unmapped; its memory stays mapped");
    fake_create(9);
    char *p9 = map_ref0(h, 9);
    ck_assert_ptr_nonnull(p9);
    ck_assert_msg(!still_mapped(7, g7), "guest 7 died; its memory stays mapped");
    ck_assert_int_eq(xengnttab_unmap(h, p9, 1), 0);
    xengnttab_close(h);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("dom0_guest_memory");
    TCase *t = tcase_create("cache");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, serves_any_number_of_guests);
    tcase_add_test(t, reused_domid_gets_the_new_guest);
    tcase_add_test(t, dead_guests_are_let_go);
    suite_add_tcase(s, t);
    return s;
}

#include "check_main.h"
