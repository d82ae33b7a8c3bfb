#include "config.h"

#include "dom0/evtchn_2l.h"

static inline xen_ulong_t bit(unsigned port)
{
    return (xen_ulong_t)1 << (port % EVTCHN_2L_WORD_BITS);
}

static inline unsigned word(unsigned port)
{
    return port / EVTCHN_2L_WORD_BITS;
}

bool evtchn_2l_redeliver(struct vcpu_info *vi, unsigned port)
{
    if (!vi)
        return false;
    __atomic_fetch_or(&vi->evtchn_pending_sel, (xen_ulong_t)1 << word(port), __ATOMIC_SEQ_CST);
    return __atomic_exchange_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST) == 0;
}

bool evtchn_2l_set_pending(struct shared_info *si, struct vcpu_info *vi, unsigned port)
{
    xen_ulong_t old = __atomic_fetch_or(&si->evtchn_pending[word(port)], bit(port),
                                        __ATOMIC_SEQ_CST);
    /* Already pending: the guest has yet to see the earlier one, and that
     * one already raised (or will raise) the upcall. */
    if (old & bit(port))
        return false;
    if (evtchn_2l_is_masked(si, port))
        return false;
    return evtchn_2l_redeliver(vi, port);
}

bool evtchn_2l_unmask(struct shared_info *si, unsigned port)
{
    __atomic_fetch_and(&si->evtchn_mask[word(port)], ~bit(port), __ATOMIC_SEQ_CST);
    return evtchn_2l_is_pending(si, port);
}

bool evtchn_2l_is_pending(const struct shared_info *si, unsigned port)
{
    return __atomic_load_n(&si->evtchn_pending[word(port)], __ATOMIC_SEQ_CST) & bit(port);
}

bool evtchn_2l_is_masked(const struct shared_info *si, unsigned port)
{
    return __atomic_load_n(&si->evtchn_mask[word(port)], __ATOMIC_SEQ_CST) & bit(port);
}

void evtchn_2l_clear_pending(struct shared_info *si, unsigned port)
{
    __atomic_fetch_and(&si->evtchn_pending[word(port)], ~bit(port), __ATOMIC_SEQ_CST);
}
