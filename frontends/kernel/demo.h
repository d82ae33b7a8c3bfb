#ifndef FRONTENDS_KERNEL_DEMO_H
#define FRONTENDS_KERNEL_DEMO_H

/* What the kernel does without test=: show what it was given, then
 * power off. */
__attribute__((noreturn)) void demo_run(void);

/* "Xen 4.17.0-xenolith", from XENVER_version and XENVER_extraversion. */
void xen_version_string(char *buf, unsigned size);

#endif
