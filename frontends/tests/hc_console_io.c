#include "lib/kstring.h"
#include "tests/hc.h"

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
}
