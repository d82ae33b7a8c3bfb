#ifndef FRONTENDS_ARCH_GDT_H
#define FRONTENDS_ARCH_GDT_H

/* Fill in the TSS descriptor and load the task register, so that traps
 * from ring 3 land on a stack of their own. */
void gdt_init(void);

#endif
