/*
 * xlcfg_keys: what Xenolith does with each top-level key of Xen 4.17's
 * xl.cfg(5). One table, so that xl, its unit tests and our xl.cfg(5)
 * agree: a key is acted on (domain_config.c reads it), accepted with a
 * warning that it has no effect here, or refused because running the
 * guest without it would surprise its owner.
 *
 * "Top-level key" is what Xen's page lists as an item of its own outside
 * any indented block (KEY=...); the keys inside a spec string (vif's
 * mac=, vnuma's pnode=, ...) and the words a value may take are not keys.
 */
#ifndef XENOLITH_XLCFG_KEYS_H
#define XENOLITH_XLCFG_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "toolstack/xlcfg.h"

enum xlcfg_disposition {
    XLCFG_ACT,    /* read by domain_config.c */
    XLCFG_WARN,   /* accepted; xl says it has no effect here, and why */
    XLCFG_REFUSE, /* xl create fails, saying why */
};

struct xlcfg_key {
    const char *name;
    enum xlcfg_disposition disposition;
    /* WARN: why it has no effect; REFUSE: why it is refused. NULL for ACT.
     * Plain text, written to follow "key \"pci\": ". */
    const char *reason;
    /* REFUSE only: a string value that, like 0, "" and [], asks for
     * nothing (passthrough="disabled"), so the key is only warned of. */
    const char *off_word;
};

extern const struct xlcfg_key xlcfg_keys[];
extern const size_t xlcfg_keys_count;

/* The table's entry for name, or NULL when Xen's xl.cfg(5) has no such key. */
const struct xlcfg_key *xlcfg_key_find(const char *name);

/* "act", "warn", "refuse". */
const char *xlcfg_disposition_name(enum xlcfg_disposition d);

/* True when v asks for nothing: the number 0 (or "0"), "", [], or the
 * key's off_word. A refused key set so is only warned of. */
bool xlcfg_key_value_is_off(const struct xlcfg_key *k, const struct xlcfg_value *v);

#endif
