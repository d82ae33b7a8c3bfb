# libxenctl: what every Dom0 program links to reach xenolithd.
noinst_LIBRARIES += dom0/libxenctl.a
dom0_libxenctl_a_SOURCES = \
	dom0/privcmd_wire.h \
	dom0/fd_io.c dom0/fd_io.h \
	dom0/rundir.c dom0/rundir.h \
	dom0/wire_io.c dom0/wire_io.h \
	dom0/xenctl.c dom0/xenctl.h
