#include "arch/apic.h"
#include "arch/cpu.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_X2APIC (1ull << 10)
#define APIC_BASE_ADDR_MASK 0xffffff000ull
#define CPUID1_ECX_X2APIC (1u << 21)

/* Register offsets in the xAPIC page; the x2APIC MSR is 0x800 + off/16. */
#define APIC_REG_ID 0x20
#define APIC_REG_TPR 0x80
#define APIC_REG_EOI 0xb0
#define APIC_REG_ISR 0x100 /* eight 32-bit registers, 0x10 apart */
#define APIC_REG_SVR 0xf0
#define APIC_SVR_ENABLE (1u << 8)
#define X2APIC_MSR(reg) (0x800u + (reg) / 16)

static bool use_x2apic;
static bool mode_chosen;
/* The xAPIC page: identity mapped like everything below 4 GiB. */
static volatile uint32_t *xapic;

static void apic_write(uint32_t reg, uint32_t v)
{
	if (use_x2apic)
		wrmsr(X2APIC_MSR(reg), v);
	else
		xapic[reg / 4] = v;
}

static uint32_t apic_read(uint32_t reg)
{
	if (use_x2apic)
		return (uint32_t)rdmsr(X2APIC_MSR(reg));
	return xapic[reg / 4];
}

void apic_init(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if (!mode_chosen) {
		use_x2apic = cpuid(1, 0).ecx & CPUID1_ECX_X2APIC;
		xapic = (volatile uint32_t *)(base & APIC_BASE_ADDR_MASK);
		mode_chosen = true;
	}
	/* x2APIC is entered from xAPIC-enabled: EN first, then EXTD. */
	if (!(base & APIC_BASE_ENABLE)) {
		base |= APIC_BASE_ENABLE;
		wrmsr(MSR_APIC_BASE, base);
	}
	if (use_x2apic && !(base & APIC_BASE_X2APIC))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_X2APIC);

	/* Accept every priority: the upcall vector is whatever we chose. */
	apic_write(APIC_REG_TPR, 0);
	apic_write(APIC_REG_SVR, APIC_SVR_ENABLE | APIC_SPURIOUS_VECTOR);
}

bool apic_x2apic(void)
{
	return use_x2apic;
}

void apic_eoi(void)
{
	apic_write(APIC_REG_EOI, 0);
}

bool apic_in_service(unsigned vector)
{
	return apic_read(APIC_REG_ISR + (vector / 32) * 0x10) & (1u << (vector % 32));
}

uint32_t apic_id(void)
{
	uint32_t v = apic_read(APIC_REG_ID);

	return use_x2apic ? v : v >> 24;
}
