/*
 * Who owns each HVM param: what a guest may read and set with
 * HVMOP_get_param/_set_param (hc_hvm.c), and what the toolstack may set
 * over privcmd (PRIVCMD_OP_DOMAIN_SET_PARAM). The one place that says so.
 */
#ifndef XENOLITH_HVM_PARAM_H
#define XENOLITH_HVM_PARAM_H

#include <stdbool.h>
#include <stdint.h>

enum hvm_param_caller {
    HVM_PARAM_BY_GUEST,     /* the domain itself, through hvm_op */
    HVM_PARAM_BY_TOOLSTACK, /* a Dom0 program, through privcmd */
};

/* Whether who may read (set false) or set (set true) param index; false
 * for an index at or past HVM_NR_PARAMS. */
bool hvm_param_allowed(uint32_t index, enum hvm_param_caller who, bool set);

#endif
