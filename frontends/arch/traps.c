/*
 * Every vector lands here. Interrupts (vectors 32 and up) run their
 * handler and get an EOI (unless they never entered service); expected faults resume; the ring-3 return
 * vector goes back to the kernel; any other exception is a guest bug, so
 * the kernel reports it as fully as it can and asks to be marked crashed.
 */
#include "arch/apic.h"
#include "arch/atomic.h"
#include "arch/cpu.h"
#include "arch/fault.h"
#include "arch/segments.h"
#include "arch/traps.h"
#include "arch/usermode.h"
#include "kernel/console.h"
#include "kernel/shutdown.h"

static const char *const exception_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "#MF(old)", "#TS", "#NP", "#SS", "#GP", "#PF", "(15)",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "(22)", "(23)",
	"(24)", "(25)", "(26)", "(27)", "#HV", "#VC", "#SX", "(31)",
};

static int trap_depth;

struct usermode_fault usermode_fault;

static irq_handler_t irq_handlers[256];
static bool irq_auto_eoi[256];
volatile uint64_t irq_unhandled;
volatile uint64_t irq_spurious;
volatile uint64_t irq_auto_eoi_in_service;

void irq_set_handler(unsigned vector, irq_handler_t fn)
{
	if (vector >= FIRST_IRQ_VECTOR && vector < 256)
		WRITE_ONCE(irq_handlers[vector], fn);
}

/* An interrupt is not a guest bug even without a handler: a vector can
 * be left in the LAPIC by a test (or by garbage hypercalls) after its
 * handler went away. Drop it with an EOI so it cannot block lower ones. */
void irq_entry(unsigned vector)
{
	irq_handler_t fn = READ_ONCE(irq_handlers[vector]);

	/* The LAPIC's spurious vector sets no ISR bit: no EOI. */
	if (vector == APIC_SPURIOUS_VECTOR) {
		irq_spurious++;
		return;
	}
	if (fn)
		fn(vector);
	else
		irq_unhandled++;
	if (READ_ONCE(irq_auto_eoi[vector])) {
		if (!apic_in_service(vector))
			return;
		irq_auto_eoi_in_service++;
	}
	apic_eoi();
}

void irq_set_auto_eoi(unsigned vector, bool auto_eoi)
{
	if (vector >= FIRST_IRQ_VECTOR && vector < 256)
		WRITE_ONCE(irq_auto_eoi[vector], auto_eoi);
}

static void dump_frame(const struct trap_frame *f)
{
	const char *name = f->vector < 32 ? exception_names[f->vector] :
					    "interrupt";

	kprintf("xenolith-guest: unexpected %s: vector %lu error %#lx\n",
		name, f->vector, f->error_code);
	kprintf("  rip %016lx cs %04lx rflags %016lx\n", f->rip, f->cs,
		f->rflags);
	kprintf("  rsp %016lx ss %04lx cr2 %016lx cr3 %016lx\n", f->rsp,
		f->ss, read_cr2(), read_cr3());
	kprintf("  rax %016lx rbx %016lx rcx %016lx\n", f->rax, f->rbx,
		f->rcx);
	kprintf("  rdx %016lx rsi %016lx rdi %016lx\n", f->rdx, f->rsi,
		f->rdi);
	kprintf("  rbp %016lx r8  %016lx r9  %016lx\n", f->rbp, f->r8, f->r9);
	kprintf("  r10 %016lx r11 %016lx r12 %016lx\n", f->r10, f->r11,
		f->r12);
	kprintf("  r13 %016lx r14 %016lx r15 %016lx\n", f->r13, f->r14,
		f->r15);
	if (fault_expect.armed)
		kprintf("  (a vector %u fault was expected at %016lx)\n",
			fault_expect.vector, fault_expect.rip);
}

void trap_dispatch(struct trap_frame *frame)
{
	/* First: the hot path of event delivery. */
	if (frame->vector >= FIRST_IRQ_VECTOR) {
		irq_entry((unsigned)frame->vector);
		return;
	}
	if (fault_try_fixup(frame->vector, frame->error_code, &frame->rip))
		return;

	/* Only the user-mode trip runs in ring 3. */
	if ((frame->cs & 3) == 3) {
		if (frame->vector == USERMODE_RETURN_VECTOR)
			usermode_resume(frame->rax);
		usermode_fault = (struct usermode_fault){
			.faulted = true,
			.vector = frame->vector,
			.error_code = frame->error_code,
			.rip = frame->rip,
			.rflags = frame->rflags,
		};
		usermode_resume(0);
	}

	/* A fault while reporting a fault: say nothing more, just stop. */
	if (trap_depth++ > 0)
		guest_shutdown_crash();
	dump_frame(frame);
	guest_shutdown_crash();
}
