#include "kernel/page_alloc.h"

#include "arch/spinlock.h"
#include "kernel/start_info.h"
#include "lib/kstring.h"

/* Everything past 4 GiB is outside the boot page tables. */
#define IDENTITY_LIMIT (1ull << 32)

struct free_page {
	struct free_page *next;
};

static struct spinlock lock;
static bool ready;
static uint64_t bump, bump_end;
static struct free_page *free_list;

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* The loader puts the start info, memory map, command line and modules
 * just above the image: the pool starts after all of them. */
static uint64_t boot_data_end(uint64_t end)
{
	const struct hvm_start_info *si = start_info();

	if (!si)
		return end;
	end = max_u64(end, (uint64_t)(uintptr_t)si + sizeof(*si));
	if (si->cmdline_paddr)
		end = max_u64(end, si->cmdline_paddr +
				   strlen((const char *)(uintptr_t)si->cmdline_paddr) + 1);
	if (si->version >= 1 && si->memmap_paddr)
		end = max_u64(end, si->memmap_paddr + (uint64_t)si->memmap_entries *
					 sizeof(struct hvm_memmap_table_entry));
	if (si->modlist_paddr) {
		const struct hvm_modlist_entry *m =
			(const void *)(uintptr_t)si->modlist_paddr;

		end = max_u64(end, si->modlist_paddr + si->nr_modules * sizeof(*m));
		for (unsigned i = 0; i < si->nr_modules; i++)
			end = max_u64(end, m[i].paddr + m[i].size);
	}
	return end;
}

/* The largest RAM entry above the image wins: the pool must be one
 * contiguous run for the bump pointer. */
bool page_alloc_init(void)
{
	if (ready)
		return true;
	unsigned n;
	const struct hvm_memmap_table_entry *map = start_info_memmap(&n);
	uint64_t image_end = boot_data_end((uint64_t)(uintptr_t)__image_end);

	image_end = (image_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

	for (unsigned i = 0; map && i < n; i++) {
		if (map[i].type != XEN_HVM_MEMMAP_TYPE_RAM)
			continue;
		uint64_t lo = map[i].addr, hi = map[i].addr + map[i].size;

		if (hi > IDENTITY_LIMIT)
			hi = IDENTITY_LIMIT;
		if (lo < image_end)
			lo = image_end;
		lo = (lo + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
		hi &= ~(PAGE_SIZE - 1);
		if (hi > lo && hi - lo > bump_end - bump) {
			bump = lo;
			bump_end = hi;
		}
	}
	ready = bump_end > bump;
	return ready;
}

void *page_alloc(void)
{
	void *p = NULL;

	if (!ready && !page_alloc_init())
		return NULL;
	spin_lock(&lock);
	if (free_list) {
		p = free_list;
		free_list = free_list->next;
	} else if (bump < bump_end) {
		p = (void *)(uintptr_t)bump;
		bump += PAGE_SIZE;
	}
	spin_unlock(&lock);
	return p;
}

void *page_alloc_zeroed(void)
{
	void *p = page_alloc();

	if (p)
		memset(p, 0, PAGE_SIZE);
	return p;
}

void page_free(void *page)
{
	struct free_page *f = page;

	if (!page)
		return;
	spin_lock(&lock);
	f->next = free_list;
	free_list = f;
	spin_unlock(&lock);
}
