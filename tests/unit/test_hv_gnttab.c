/* Unit tests of grant-table bookkeeping (hypervisor/gnttab.c) on a
 * domain whose RAM is a plain buffer. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/gnttab.h"
#include "hypervisor/hv.h"
#include "hypervisor/physmap_slot.h"

/* gnttab.c looks domains up through the daemon's table; this test is
 * the daemon here. */
struct hv hv;
static struct domain *doms[3];

struct domain *domain_find(uint32_t domid)
{
    return domid < 3 ? doms[domid] : NULL;
}

/* KVM's slots, as far as gnttab.c asks for them: the last request per
 * slot, and an answer to give. */
static struct {
    uint64_t gpa;
    void *hva;
    unsigned calls;
} slots[PHYSMAP_SLOT_GNTTAB + GNTTAB_MAX_FRAMES];
static int slot_answer;

int physmap_slot_set(struct domain *d, unsigned slot, uint64_t gpa, void *hva)
{
    (void)d;
    ck_assert_uint_ge(slot, PHYSMAP_SLOT_GNTTAB);
    ck_assert_uint_lt(slot, PHYSMAP_SLOT_GNTTAB + GNTTAB_MAX_FRAMES);
    if (slot_answer)
        return slot_answer;
    slots[slot].gpa = gpa;
    slots[slot].hva = hva;
    slots[slot].calls++;
    return 0;
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
    hv.guest_phys_bits = 40;
    memset(slots, 0, sizeof(slots));
    slot_answer = 0;
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

/* The entry as the guest sees it: in RAM, or in the page KVM shows. */
static grant_entry_v1_t *entry(struct domain *d, uint32_t ref)
{
    unsigned idx = ref / 512;
    uint8_t *frame = d->gnt_frame_where[idx] == GNT_FRAME_RAM
        ? d->ram.hva + d->gnt_frame_gpa[idx]
        : slots[PHYSMAP_SLOT_GNTTAB + idx].hva;
    return (grant_entry_v1_t *)frame + ref % 512;
}

static void grant(struct domain *d, uint32_t ref, uint16_t to, uint32_t frame, uint16_t flags)
{
    grant_entry_v1_t *e = entry(d, ref);
    e->domid = to;
    e->frame = frame;
    e->flags = flags;
}

/* Linux places its frames from the highest index down. */
START_TEST(the_table_grows_to_the_frame_placed)
{
    struct domain *d = doms[1];
    uint64_t gpfn;
    ck_assert_int_eq(gnttab_place_frame(d, 2, 10), 0);
    ck_assert_uint_eq(d->gnt_nr_frames, 3);
    ck_assert(gnttab_frame_gpfn(d, 2, &gpfn));
    ck_assert_uint_eq(gpfn, 10);
    ck_assert(!gnttab_frame_gpfn(d, 1, &gpfn)); /* grown past, not placed */
    ck_assert_int_eq(gnttab_place_frame(d, 0, 11), 0);
    ck_assert_int_eq(gnttab_place_frame(d, 0, 12), 0); /* moving one is fine */
    ck_assert_uint_eq(d->gnt_nr_frames, 3);
    ck_assert_int_eq(gnttab_place_frame(d, GNTTAB_MAX_FRAMES, 13), -EINVAL);
    ck_assert_uint_eq(slots[PHYSMAP_SLOT_GNTTAB].calls + slots[PHYSMAP_SLOT_GNTTAB + 2].calls, 0);
    /* A grown-past frame grants nothing: its page is zeroes. */
    uint64_t gpa;
    ck_assert_int_eq(gnttab_map(d, 512 + 7, 0, true, &gpa), GNTST_permission_denied);
}
END_TEST

/* Linux with CONFIG_XEN_UNPOPULATED_ALLOC puts its frames above RAM. */
START_TEST(frames_outside_ram_are_pages_of_our_own)
{
    struct domain *d = doms[1];
    const uint64_t above = RAM / 4096 + 16;
    uint64_t gpa;
    ck_assert_int_eq(gnttab_place_frame(d, 1, above), 0);
    unsigned s1 = PHYSMAP_SLOT_GNTTAB + 1;
    ck_assert_uint_eq(slots[s1].gpa, above * 4096);
    ck_assert_ptr_nonnull(slots[s1].hva);
    /* What the guest writes there is the table xenolithd reads. */
    grant(d, 512 + 3, 0, 40, GTF_permit_access);
    ck_assert_int_eq(gnttab_map(d, 512 + 3, 0, false, &gpa), GNTST_okay);
    ck_assert_uint_eq(gpa, 40 * 4096);
    ck_assert_uint_eq(entry(d, 512 + 3)->flags, GTF_permit_access | GTF_reading | GTF_writing);
    ck_assert_int_eq(gnttab_unmap(d, 512 + 3, false), GNTST_okay);

    /* Moving it elsewhere outside RAM moves the same page: the entries go along. */
    void *page = slots[s1].hva;
    ck_assert_int_eq(gnttab_place_frame(d, 1, above + 1), 0);
    ck_assert_uint_eq(slots[s1].gpa, (above + 1) * 4096);
    ck_assert_ptr_eq(slots[s1].hva, page);
    ck_assert_int_eq(gnttab_map(d, 512 + 3, 0, true, &gpa), GNTST_okay);
    ck_assert_int_eq(gnttab_unmap(d, 512 + 3, true), GNTST_okay);

    /* Refused: another frame's place, the platform's pages, past the
     * address width, 4 GiB up to the width's end is fine. */
    ck_assert_int_eq(gnttab_place_frame(d, 2, above + 1), -EINVAL);
    ck_assert_int_eq(gnttab_place_frame(d, 2, 0xfee00), -EINVAL); /* LAPIC */
    ck_assert_int_eq(gnttab_place_frame(d, 2, 0xfeff0), -EINVAL); /* special pages */
    ck_assert_int_eq(gnttab_place_frame(d, 2, 0xfffff), -EINVAL);
    ck_assert_int_eq(gnttab_place_frame(d, 2, 1ull << 28), -EINVAL); /* 2^40 */
    ck_assert_int_eq(gnttab_place_frame(d, 2, (1ull << 28) - 1), 0);
    ck_assert_int_eq(gnttab_place_frame(d, 3, 0xfebff), 0);
    ck_assert_uint_eq(d->gnt_nr_frames, 4);
    /* KVM's refusal is the guest's -EINVAL, and nothing changes. */
    slot_answer = -EEXIST;
    ck_assert_int_eq(gnttab_place_frame(d, 3, 0xfebfe), -EINVAL);
    ck_assert_int_eq(gnttab_place_frame(d, 4, 0xfebfd), -EINVAL);
    ck_assert_uint_eq(d->gnt_nr_frames, 4);
    uint64_t gpfn;
    ck_assert(gnttab_frame_gpfn(d, 3, &gpfn));
    ck_assert_uint_eq(gpfn, 0xfebff);
    slot_answer = 0;

    /* Back into RAM: the slot goes, the RAM page is the frame. */
    ck_assert_int_eq(gnttab_place_frame(d, 1, 10), 0);
    ck_assert_ptr_null(slots[s1].hva);
    ck_assert(gnttab_frame_in_ram(d, 1, &gpfn));
    ck_assert_uint_eq(gpfn, 10);
    ck_assert(!gnttab_frame_in_ram(d, 2, &gpfn));
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

/* Indexed by the frame Dom0 mapped, not by what the entry says now: a
 * guest that points a mapped entry elsewhere cannot then give the
 * mapped page back; the index counts every entry on a frame. */
START_TEST(mapped_frame_stays_known_when_the_entry_moves)
{
    struct domain *d = doms[1];
    uint64_t gpa;
    ck_assert_int_eq(gnttab_place_frame(d, 0, 10), 0);
    grant(d, 4, 0, 60, GTF_permit_access);
    grant(d, 5, 0, 60, GTF_permit_access);
    ck_assert_int_eq(gnttab_map(d, 4, 0, true, &gpa), GNTST_okay);
    ck_assert_int_eq(gnttab_map(d, 5, 0, false, &gpa), GNTST_okay);
    entry(d, 4)->frame = 70;
    ck_assert_msg(gnttab_frame_mapped(d, 60), "the mapped frame was forgotten when the entry moved");
    ck_assert(!gnttab_frame_mapped(d, 70));
    /* Every mapping of an entry is of one frame. */
    ck_assert_int_eq(gnttab_map(d, 4, 0, true, &gpa), GNTST_permission_denied);
    ck_assert_int_eq(gnttab_unmap(d, 5, false), GNTST_okay);
    ck_assert(gnttab_frame_mapped(d, 60)); /* ref 4 still has it */
    ck_assert_int_eq(gnttab_unmap(d, 4, true), GNTST_okay);
    ck_assert(!gnttab_frame_mapped(d, 60));
    /* Unmapped, the entry may name another frame again. */
    ck_assert_int_eq(gnttab_map(d, 4, 0, true, &gpa), GNTST_okay);
    ck_assert_uint_eq(gpa, 70 * 4096);
    ck_assert(gnttab_frame_mapped(d, 70));
}
END_TEST

/* A page the guest gave back is granted to no one: Dom0 mapping it or
 * copying into it would make the host back it again. */
START_TEST(pages_given_back_are_not_granted)
{
    struct domain *d = doms[1];
    static uint64_t absent[RAM / 4096 / 64];
    uint64_t gpa;
    memset(absent, 0, sizeof(absent));
    absent[80 / 64] |= 1ull << (80 % 64);
    d->ram.absent = absent;
    ck_assert_int_eq(gnttab_place_frame(d, 0, 10), 0);
    grant(d, 9, 0, 80, GTF_permit_access);
    grant(d, 10, 0, 81, GTF_permit_access);
    ck_assert_int_eq(gnttab_map(d, 9, 0, true, &gpa), GNTST_bad_page);
    ck_assert_int_eq(gnttab_map(d, 10, 0, true, &gpa), GNTST_okay);
    uint8_t buf[16] = {0};
    struct gnttab_side dst = {.is_ref = true, .domid = 1, .ref_or_gpfn = 9};
    ck_assert_int_eq(gnttab_copy(NULL, 0, NULL, &dst, sizeof(buf), buf, NULL), GNTST_bad_page);
    d->ram.absent = NULL;
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
    tcase_add_test(t, the_table_grows_to_the_frame_placed);
    tcase_add_test(t, frames_outside_ram_are_pages_of_our_own);
    tcase_add_test(t, map_checks_the_entry_and_sets_flags);
    tcase_add_test(t, flags_stay_up_until_the_last_unmap);
    tcase_add_test(t, copy_between_refs_and_frames);
    tcase_add_test(t, mapped_frames_are_known);
    tcase_add_test(t, mapped_frame_stays_known_when_the_entry_moves);
    tcase_add_test(t, pages_given_back_are_not_granted);
    suite_add_tcase(s, t);
    return s;
}

#include "tests/unit/check_main.h"
