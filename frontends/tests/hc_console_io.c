#include "lib/kstring.h"
#include "tests/hc.h"

/* Past the 64 KiB one trap takes, so the call is continued (the stub's
 * trap made again by xenolithd rewinding rip): 1600 lines of 64 bytes. */
static char long_write[1600 * 64];

static void long_console_write(struct test *t)
{
	static const char fill[] = "  console_io: a long write, continued every 64 KiB ............\n";
	static const char last[] = "  console_io: the long write ends here ........................\n";

	for (unsigned i = 0; i < 1600; i++)
		memcpy(long_write + i * 64, i == 1599 ? last : fill, 64);
	CHECK_EQ(t, HYPERVISOR_console_io(CONSOLEIO_write, sizeof(long_write), long_write), 0,
		 "console_io(CONSOLEIO_write, %zu bytes)", sizeof(long_write));
}

void hc_console_io(struct test *t)
{
	static const char line[] = "  console_io: a line written directly\n";
	char buf[16];

	CHECK_EQ(t, HYPERVISOR_console_io(CONSOLEIO_write, sizeof(line) - 1,
					  line),
		 0, "console_io(CONSOLEIO_write, %zu bytes)", sizeof(line) - 1);
	CHECK_EQ(t, HYPERVISOR_console_io(CONSOLEIO_write, 0, line), 0,
		 "console_io(CONSOLEIO_write, 0 bytes)");
	CHECK_EQ(t, HYPERVISOR_console_io(CONSOLEIO_write, 16,
					  BAD_VA_UNMAPPED),
		 -XEN_EFAULT, "console_io(CONSOLEIO_write, %p)",
		 BAD_VA_UNMAPPED);
	CHECK_EQ(t, HYPERVISOR_console_io(CONSOLEIO_write, 16,
					  BAD_VA_NONCANONICAL),
		 -XEN_EFAULT, "console_io(CONSOLEIO_write, %p)",
		 BAD_VA_NONCANONICAL);

	memset(buf, 0, sizeof(buf));
	CHECK_EQ(t, HYPERVISOR_console_io(CONSOLEIO_read, sizeof(buf), buf), 0,
		 "console_io(CONSOLEIO_read)");
	CHECK_EQ(t, HYPERVISOR_console_io(99, sizeof(buf), buf), -XEN_ENOSYS,
		 "console_io(99)");
	long_console_write(t);
}
