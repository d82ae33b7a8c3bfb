/*
 * The PVH start of day: struct hvm_start_info at the physical address the
 * loader put in EBX, and what the kernel derives from it. Everything
 * below 4 GiB is identity mapped, so physical addresses from the start
 * info are used as pointers once checked to lie there.
 */
#ifndef FRONTENDS_KERNEL_START_INFO_H
#define FRONTENDS_KERNEL_START_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/xen_public.h"

/* Set by the boot code from EBX. */
extern uint64_t boot_start_info_paddr;

/* Linker script symbols bracketing the loaded image (BSS included). */
extern char __image_start[], __image_end[];

/* Checks magic and that the structure is reachable; on failure returns
 * false with a reason in *why. */
bool start_info_init(const char **why);

const struct hvm_start_info *start_info(void);

/* The command line, or "" when the loader gave none. */
const char *start_info_cmdline(void);

/* The memory map, or NULL/0 before version 1 or without entries. */
const struct hvm_memmap_table_entry *start_info_memmap(unsigned *count);

uint64_t start_info_ram_bytes(void);

/* True if [addr, addr + len) lies inside one RAM entry of the map. */
bool start_info_is_ram(uint64_t addr, uint64_t len);

/* First address above the highest RAM entry. */
uint64_t start_info_ram_end(void);

const char *memmap_type_name(uint32_t type);

#endif
