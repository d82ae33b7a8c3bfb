#ifndef FRONTENDS_KERNEL_SHUTDOWN_H
#define FRONTENDS_KERNEL_SHUTDOWN_H

/* Ask the hypervisor to stop the domain with a SHUTDOWN_* reason. Should
 * the hypercall return (or be unavailable), the vCPU halts for good. */
__attribute__((noreturn)) void guest_shutdown(unsigned reason);
__attribute__((noreturn)) void guest_shutdown_crash(void);

#endif
