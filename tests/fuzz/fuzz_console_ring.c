/*
 * libFuzzer harness: the console page a guest shares with consoled. The
 * input is the page as the guest left it (struct xencons_interface), then
 * a script of index moves the guest makes between the backend's reads of
 * its output and writes of typed input; every index the guest owns is
 * hostile.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "backends/consoled/ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct xencons_interface page;
    static char buf[4096];
    if (size < sizeof(page))
        return 0;
    memcpy(&page, data, sizeof(page));
    data += sizeof(page);
    size -= sizeof(page);
    struct cons_ring r;
    cons_ring_attach(&r, &page);
    /* Each step: the guest's new out_prod and in_cons, and how much the
     * backend asks to read and to write. */
    while (size >= 12) {
        uint32_t out_prod, in_cons;
        uint16_t rlen, wlen;
        memcpy(&out_prod, data, 4);
        memcpy(&in_cons, data + 4, 4);
        memcpy(&rlen, data + 8, 2);
        memcpy(&wlen, data + 10, 2);
        data += 12;
        size -= 12;
        page.out_prod = out_prod;
        page.in_cons = in_cons;
        if (cons_ring_read(&r, buf, rlen % (sizeof(buf) + 1)) < 0)
            break;
        if (cons_ring_write(&r, buf, wlen % (sizeof(buf) + 1)) < 0)
            break;
    }
    return 0;
}
