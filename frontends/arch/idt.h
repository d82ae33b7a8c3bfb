#ifndef FRONTENDS_ARCH_IDT_H
#define FRONTENDS_ARCH_IDT_H

/* Point all 256 vectors at the trap stubs; only the ring-3 return
 * vector may be raised from user mode. */
void idt_init(void);

/* Load the IDT built by idt_init on this vCPU (secondary vCPUs). */
void idt_load(void);

#endif
