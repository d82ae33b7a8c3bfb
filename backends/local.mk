# Backends and the storage library (backends/).

# The storage library, the data plane: raw, VHD and LVM targets behind one
# handle. blkback, xl and xenolith-img link it.
noinst_LIBRARIES += backends/libxnstorage.a
backends_libxnstorage_a_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS) -pthread
backends_libxnstorage_a_SOURCES = \
	backends/storage/xnstorage.h backends/storage/internal.h \
	backends/storage/err.c backends/storage/uuid.c \
	backends/storage/blob.c backends/storage/blob.h \
	backends/storage/lvm.c backends/storage/lvm.h \
	backends/storage/vhd_fmt.c backends/storage/vhd_fmt.h \
	backends/storage/vhd.h backends/storage/vhd_open.c backends/storage/vhd_io.c \
	backends/storage/vhd_create.c backends/storage/vhd_ops.c backends/storage/vhd_check.c \
	backends/storage/raw.c backends/storage/disk.c
XNSTORAGE_LIBS = backends/libxnstorage.a $(YAJL_LIBS) -lpthread

# The repositories, the control plane: file and LVM SRs and their VDIs
# (xl sr-*, vdi-*, and disk=sr:SR/VDI), built on the storage library. xl
# links it; the backends do not.
noinst_LIBRARIES += backends/libxnrepo.a
backends_libxnrepo_a_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS)
backends_libxnrepo_a_SOURCES = \
	backends/storage/repo/repo.h backends/storage/repo/repo_store.h \
	backends/storage/repo/repo.c backends/storage/repo/repo_vdi.c \
	backends/storage/repo/repo_file.c backends/storage/repo/repo_lvm.c
XNREPO_LIBS = backends/libxnrepo.a $(XNSTORAGE_LIBS)

# xenolith-img: the library from the shell (create, info, check, read,
# write, coalesce, resize) for tests and admins; its "crashwriter" mode
# is the writer the crash-consistency test kills.
noinst_PROGRAMS += backends/xenolith-img
backends_xenolith_img_SOURCES = backends/tools/xenolith_img.c
backends_xenolith_img_LDADD = $(XNSTORAGE_LIBS)

# Unit tests of the storage library.
check_PROGRAMS += tests/unit/test_storage_vhd tests/unit/test_storage_lvm
TESTS += tests/unit/test_storage_vhd tests/unit/test_storage_lvm
tests_unit_test_storage_vhd_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_storage_vhd_SOURCES = tests/unit/test_storage_vhd.c
tests_unit_test_storage_vhd_LDADD = $(XNSTORAGE_LIBS) $(CHECK_LIBS)
tests_unit_test_storage_lvm_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_storage_lvm_SOURCES = tests/unit/test_storage_lvm.c
tests_unit_test_storage_lvm_LDADD = $(XNREPO_LIBS) $(CHECK_LIBS)

dist_man_MANS += man/xl-disk-configuration.5
EXTRA_DIST += tests/integration/storage.bash bench/storage-lib.sh

# What every backend daemon shares: the XenStore side of a split driver
# (backends/common/xenbus_backend.h).
noinst_LIBRARIES += backends/libxnbackend.a
backends_libxnbackend_a_CFLAGS = $(AM_CFLAGS) $(UV_CFLAGS) $(XENSTORE_CFLAGS)
backends_libxnbackend_a_SOURCES = \
	backends/common/xenbus_backend.c backends/common/xenbus_backend.h \
	backends/common/ring_barrier.h
BACKEND_LIBS = backends/libxnbackend.a dom0/libxenctl.a $(XENSTORE_LIBS) $(UV_LIBS)

# xenolith-consoled: guest console rings to ptys and size-capped logs.
sbin_PROGRAMS += backends/xenolith-consoled
backends_xenolith_consoled_SOURCES = \
	backends/consoled/consoled.h backends/consoled/main.c \
	backends/consoled/scan.c backends/consoled/dom.c \
	backends/consoled/ring.c backends/consoled/ring.h \
	backends/consoled/logfile.c backends/consoled/logfile.h
backends_xenolith_consoled_CFLAGS = $(AM_CFLAGS) $(UV_CFLAGS) $(XENSTORE_CFLAGS)
backends_xenolith_consoled_LDADD = dom0/libxenctl.a $(UV_LIBS) $(XENSTORE_LIBS)
dist_man_MANS += man/xenolith-consoled.8

# Unit tests of its ring and log parts.
check_PROGRAMS += tests/unit/test_consoled
TESTS += tests/unit/test_consoled
tests_unit_test_consoled_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_consoled_SOURCES = tests/unit/test_consoled.c \
	backends/consoled/ring.c backends/consoled/logfile.c
tests_unit_test_consoled_LDADD = dom0/libxenctl.a $(CHECK_LIBS)

# xenolith-netback: vifs on tap devices (backends/netback/).
sbin_PROGRAMS += backends/xenolith-netback
backends_xenolith_netback_CFLAGS = $(AM_CFLAGS) $(UV_CFLAGS) $(XENSTORE_CFLAGS)
backends_xenolith_netback_SOURCES = \
	backends/netback/main.c backends/netback/netback.h \
	backends/netback/xenbus.c backends/netback/vif.c \
	backends/netback/tap.c backends/netback/tap.h \
	backends/netback/csum.c backends/netback/csum.h \
	backends/netback/rate.c backends/netback/rate.h
backends_xenolith_netback_LDADD = $(BACKEND_LIBS)
dist_man_MANS += man/xenolith-netback.8

# xenolith-blkback: vbd devices from raw files and block devices
# (io_uring) and from VHD and LVM through the storage library.
sbin_PROGRAMS += backends/xenolith-blkback
backends_xenolith_blkback_CFLAGS = $(AM_CFLAGS) $(UV_CFLAGS) $(XENSTORE_CFLAGS) $(URING_CFLAGS)
backends_xenolith_blkback_SOURCES = \
	backends/blkback/blkback.h backends/blkback/main.c backends/blkback/xenbus.c \
	backends/blkback/ring.c backends/blkback/grants.c backends/blkback/io.c \
	backends/blkback/journal.c
backends_xenolith_blkback_LDADD = $(BACKEND_LIBS) $(XNSTORAGE_LIBS) $(URING_LIBS)
dist_man_MANS += man/xenolith-blkback.8
EXTRA_DIST += tests/integration/blk.bash bench/blk-lib.sh bench/blk-throughput bench/storage-guest
EXTRA_DIST += tests/integration/linux.bash

# Unit tests of netback's rate limiting and checksum filling.
check_PROGRAMS += tests/unit/test_netback
TESTS += tests/unit/test_netback
tests_unit_test_netback_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_netback_SOURCES = tests/unit/test_netback.c \
	backends/netback/rate.c backends/netback/csum.c
tests_unit_test_netback_LDADD = $(CHECK_LIBS)
EXTRA_DIST += tests/integration/net.bash bench/net-throughput
