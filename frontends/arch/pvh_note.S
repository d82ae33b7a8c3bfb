/*
 * The PVH entry point note: a PVH loader enters the kernel at this 32-bit
 * physical address (not e_entry), in flat protected mode with paging off.
 */
#include <xen/elfnote.h>

	.section .note.xen, "a", @note
	.balign 4
	.long 2f - 1f		/* namesz */
	.long 4f - 3f		/* descsz */
	.long XEN_ELFNOTE_PHYS32_ENTRY
1:	.asciz "Xen"
2:	.balign 4
3:	.long pvh_start
4:	.balign 4
