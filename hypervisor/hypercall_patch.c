#include "config.h"

#include <string.h>

#include "hypervisor/hypercall_patch.h"
#include "include/guest_abi.h"

#define INSN_LEN 3
#define PAIR_SPAN 32 /* the two functions sit side by side */

static const uint8_t vmcall[INSN_LEN] = {0x0f, 0x01, 0xc1};
static const uint8_t vmmcall[INSN_LEN] = {0x0f, 0x01, 0xd9};
/* out %eax,$port; nop: the same length, so nothing moves. */
static const uint8_t port_exit[INSN_LEN] = {0xe7, XENOLITH_HYPERCALL_PORT, 0x90};

/* A return right after the instruction at p: ret, or jmp rel32 to the
 * return thunk (retbleed mitigations). */
static int returns_after(const uint8_t *image, size_t len, size_t at)
{
    size_t r = at + INSN_LEN;
    if (r < len && image[r] == 0xc3)
        return 1;
    return r + 5 <= len && image[r] == 0xe9;
}

static int is_site(const uint8_t *image, size_t len, size_t at, const uint8_t *insn)
{
    return at + INSN_LEN <= len && memcmp(image + at, insn, INSN_LEN) == 0 &&
           returns_after(image, len, at);
}

/* The sibling of the other vendor near the site at `at`, or SIZE_MAX. */
static size_t sibling(const uint8_t *image, size_t len, size_t at, const uint8_t *other)
{
    size_t lo = at > PAIR_SPAN ? at - PAIR_SPAN : 0;
    size_t hi = at + PAIR_SPAN < len ? at + PAIR_SPAN : len;
    for (size_t i = lo; i < hi; i++)
        if (i != at && is_site(image, len, i, other))
            return i;
    return SIZE_MAX;
}

int hcpatch_apply(uint8_t *image, size_t len, struct hcpatch_result *res)
{
    memset(res, 0, sizeof(*res));
    uint64_t found[HCPATCH_MAX_SITES];
    unsigned n = 0;
    for (size_t at = 0; at + INSN_LEN <= len; at++) {
        const uint8_t *p = memmem(image + at, len - at, vmmcall, INSN_LEN);
        if (!p)
            break;
        at = (size_t)(p - image);
        if (!returns_after(image, len, at))
            continue;
        size_t other = sibling(image, len, at, vmcall);
        if (other == SIZE_MAX)
            continue;
        if (n + 2 > HCPATCH_MAX_SITES)
            return -1;
        found[n++] = at;
        found[n++] = other;
    }
    for (unsigned i = 0; i < n; i++) {
        memcpy(image + found[i], port_exit, INSN_LEN);
        res->sites[i] = found[i];
    }
    res->nr_sites = n;
    return (int)n;
}
