/* Unit tests of grant-table bookkeeping (hypervisor/gnttab.c) on a
 * domain whose RAM is a plain buffer. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/gnttab.h"
#include "hypervisor/hv.h"

/* gnttab.c looks domains up through the daemon's table; this test is
 * the daemon here. */
struct hv hv;
static struct domain *doms[3];

struct domain *hv_domain_find(uint32_t domid)
{
    return domid < 3 ? doms[domid] : NULL;
}

#define RAM (1u << 20)

static struct domain *make_domain(uint32_t domid)
{
    struct domain *d = calloc(1, sizeof(*d));
    d->domid = domid;
    guest_ram_layout(&d->ram, RAM);
    d->ram.hva = calloc(1, RAM);
    return d;
}

static void setup(void)
{
    pthread_mutex_init(&hv.gnttab_lock, NULL);
    doms[1] = make_domain(1);
    doms[2] = make_domain(2);
}

static void teardown(void)
{
    for (int i = 1; i < 3; i++) {
        gnttab_domain_teardown(doms[i]);
        free(doms[i]->ram.hva);
        free(doms[i]);
        doms[i] = NULL;
    }
}

static grant_entry_v1_t *entry(struct domain *d, uint32_t ref)
{
    return (grant_entry_v1_t *)(d->ram.hva + d->gnt_frame_gpa[ref / 512]) + ref % 512;
}

static void grant(struct domain *d, uint32_t ref, uint16_t to, uint32_t frame, uint16_t flags)
{
    grant_entry_v1_t *e = entry(d, ref);
    e->domid = to;
    e->frame = frame;
    e->flags = flags;
}

START_TEST(frames_come_in_order)
{
    struct domain *d = doms[1];
    ck_assert_int_eq(gnttab_place_frame(d, 1, 10), -EINVAL);
    ck_assert_int_eq(gnttab_place_frame(d, 0, 10), 0);
    ck_assert_int_eq(gnttab_place_frame(d, 1, 11), 0);
    ck_assert_int_eq(gnttab_place_frame(d, 0, 12), 0); /* moving one is fine */
    ck_assert_uint_eq(d->gnt_nr_frames, 2);
    ck_assert_int_eq(gnttab_place_frame(d, GNTTAB_MAX_FRAMES, 13), -EINVAL);
    ck_assert_int_eq(gnttab_place_frame(d, 2, RAM / 4096), -EINVAL);
}
END_TEST

START_TEST(map_checks_the_entry_and_sets_flags)
{
    struct domain *d = doms[1];
    uint64_t gpa;
    ck_assert_int_eq(gnttab_place_frame(d, 0, 10), 0);
    grant(d, 5, 0, 100, GTF_permit_access);
    grant(d, 6, 0, 101, GTF_permit_access | GTF_readonly);
    grant(d, 7, 2, 102, GTF_permit_access);
    ck_assert_int_eq(gnttab_map(d, 5, 0, false, &gpa), GNTST_okay);
    ck_assert_uint_eq(gpa, 100 * 4096);
    ck_assert_uint_eq(entry(d, 5)->flags, GTF_permit_access | GTF_reading | GTF_writing);
    ck_assert_int_eq(gnttab_map(d, 6, 0, false, &gpa), GNTST_permission_denied);
    ck_assert_int_eq(gnttab_map(d, 6, 0, true, &gpa), GNTST_okay);
    ck_assert_uint_eq(entry(d, 6)->flags, GTF_permit_access | GTF_readonly | GTF_reading);
    ck_assert_int_eq(gnttab_map(d, 7, 0, true, &gpa), GNTST_permission_denied);
    ck_assert_int_eq(gnttab_map(d, 512, 0, true, &gpa), GNTST_bad_gntref);
    grant(d, 8, 0, RAM / 4096 + 5, GTF_permit_access);
    ck_assert_int_eq(gnttab_map(d, 8, 0, true, &gpa), GNTST_bad_page);
}
END_TEST

START_TEST(flags_stay_up_until_the_last_unmap)
{
    struct domain *d = doms[1];
    uint64_t gpa;
    ck_assert_int_eq(gnttab_place_frame(d, 0, 10), 0);
    grant(d, 3, 0, 50, GTF_permit_access);
    ck_assert_int_eq(gnttab_map(d, 3, 0, false, &gpa), GNTST_okay);
    ck_assert_int_eq(gnttab_map(d, 3, 0, true, &gpa), GNTST_okay);
    ck_assert_int_eq(gnttab_unmap(d, 3, false), GNTST_okay);
    ck_assert_uint_eq(entry(d, 3)->flags, GTF_permit_access | GTF_reading);
    ck_assert_int_eq(gnttab_unmap(d, 3, true), GNTST_okay);
    ck_assert_uint_eq(entry(d, 3)->flags, GTF_permit_access);
    ck_assert_int_eq(gnttab_unmap(d, 3, true), GNTST_bad_handle);
}
END_TEST

/* The balloon asks which pages Dom0 has mapped through a grant. */
START_TEST(mapped_frames_are_known)
{
    struct domain *d = doms[1];
    uint64_t gpa;
    ck_assert(!gnttab_frame_mapped(d, 60)); /* no table yet */
    ck_assert_int_eq(gnttab_place_frame(d, 0, 10), 0);
    grant(d, 4, 0, 60, GTF_permit_access);
    ck_assert(!gnttab_frame_mapped(d, 60)); /* granted, not mapped */
    ck_assert_int_eq(gnttab_map(d, 4, 0, true, &gpa), GNTST_okay);
    ck_assert(gnttab_frame_mapped(d, 60));
    ck_assert(!gnttab_frame_mapped(d, 61));
    ck_assert_int_eq(gnttab_unmap(d, 4, true), GNTST_okay);
    ck_assert(!gnttab_frame_mapped(d, 60));
}
END_TEST

START_TEST(copy_between_refs_and_frames)
{
    struct domain *a = doms[1], *b = doms[2];
    ck_assert_int_eq(gnttab_place_frame(b, 0, 10), 0);
    grant(b, 4, 1, 60, GTF_permit_access);
    grant(b, 9, 1, 61, GTF_permit_access | GTF_readonly);
    memcpy(b->ram.hva + 60 * 4096 + 100, "granted", 8);
    /* a copies b's ref 4 into its own frame 70. */
    struct gnttab_side src = {.is_ref = true, .domid = 2, .ref_or_gpfn = 4, .offset = 100};
    struct gnttab_side dst = {.is_ref = false, .domid = 1, .ref_or_gpfn = 70, .offset = 8};
    ck_assert_int_eq(gnttab_copy(a, 1, &src, &dst, 8, NULL, NULL), GNTST_okay);
    ck_assert_str_eq((char *)a->ram.hva + 70 * 4096 + 8, "granted");
    /* A read-only grant is no destination; offsets stay in the page. */
    struct gnttab_side ro = {.is_ref = true, .domid = 2, .ref_or_gpfn = 9};
    ck_assert_int_eq(gnttab_copy(a, 1, &dst, &ro, 8, NULL, NULL), GNTST_permission_denied);
    src.offset = 4090;
    ck_assert_int_eq(gnttab_copy(a, 1, &src, &dst, 8, NULL, NULL), GNTST_bad_copy_arg);
    /* A ref granted to someone else, a missing domain, a frame past RAM. */
    src.offset = 0;
    ck_assert_int_eq(gnttab_copy(b, 2, &src, &dst, 8, NULL, NULL), GNTST_permission_denied);
    struct gnttab_side gone = {.is_ref = true, .domid = 0, .ref_or_gpfn = 4};
    ck_assert_int_eq(gnttab_copy(a, 1, &gone, &dst, 8, NULL, NULL), GNTST_bad_domain);
    struct gnttab_side far = {.is_ref = false, .domid = 1, .ref_or_gpfn = RAM / 4096};
    ck_assert_int_eq(gnttab_copy(a, 1, &src, &far, 8, NULL, NULL), GNTST_bad_page);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("gnttab");
    TCase *t = tcase_create("bookkeeping");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, frames_come_in_order);
    tcase_add_test(t, map_checks_the_entry_and_sets_flags);
    tcase_add_test(t, flags_stay_up_until_the_last_unmap);
    tcase_add_test(t, copy_between_refs_and_frames);
    tcase_add_test(t, mapped_frames_are_known);
    suite_add_tcase(s, t);
    return s;
}

#include "tests/unit/check_main.h"
