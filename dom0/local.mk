# libxenctl: what every Dom0 program links to reach xenolithd.
noinst_LIBRARIES += dom0/libxenctl.a
dom0_libxenctl_a_SOURCES = \
	dom0/privcmd_wire.h \
	dom0/daemon.c dom0/daemon.h \
	dom0/evtchn_2l.c dom0/evtchn_2l.h dom0/evtchn_ctl.h \
	dom0/fd_io.c dom0/fd_io.h \
	dom0/guest_memory.c dom0/guest_memory.h \
	dom0/rundir.c dom0/rundir.h \
	dom0/wire_io.c dom0/wire_io.h \
	dom0/xenctl.c dom0/xenctl.h dom0/xenctl_call.h \
	dom0/xenevtchn.c dom0/xenevtchn.h \
	dom0/xengnttab.c dom0/xengnttab.h
