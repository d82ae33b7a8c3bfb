# libxenctl: what every Dom0 program links to reach xenolithd.
noinst_LIBRARIES += dom0/libxenctl.a
dom0_libxenctl_a_SOURCES = \
	dom0/byte_ring.h dom0/hex_text.h \
	dom0/daemon.c dom0/daemon_start.c dom0/daemon.h \
	dom0/evtchn_2l.c dom0/evtchn_2l.h dom0/evtchn_ctl.h \
	dom0/fd_io.c dom0/fd_io.h \
	dom0/guest_memory.c dom0/guest_memory.h \
	dom0/rundir.c dom0/rundir.h \
	dom0/wire_io.c dom0/wire_io.h \
	dom0/xenctl.c dom0/xenctl.h dom0/xenctl_call.h \
	dom0/xenevtchn.c dom0/xenevtchn.h \
	dom0/xengnttab.c dom0/xengnttab.h

# The grant library's cache of guests' memory, against a stand-in xenolithd.
check_PROGRAMS += tests/unit/test_dom0_guest_memory
TESTS += tests/unit/test_dom0_guest_memory
tests_unit_test_dom0_guest_memory_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_dom0_guest_memory_SOURCES = tests/unit/test_dom0_guest_memory.c
tests_unit_test_dom0_guest_memory_LDADD = dom0/libxenctl.a $(CHECK_LIBS) -lpthread

# The run directory's trust check.
check_PROGRAMS += tests/unit/test_dom0_rundir
TESTS += tests/unit/test_dom0_rundir
tests_unit_test_dom0_rundir_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_dom0_rundir_SOURCES = tests/unit/test_dom0_rundir.c
tests_unit_test_dom0_rundir_LDADD = dom0/libxenctl.a $(CHECK_LIBS)

# Hotplug scripts run Xen's way (dom0/hotplug.h), and the scripts
# themselves (installed where hotplug_scripts_dir() looks). A program run
# from this build tree uses the source tree's scripts instead.
HOTPLUG_PATHS = -DXENOLITH_SCRIPTS_DIR='"$(xenolithscriptsdir)"' \
	-DXENOLITH_BUILD_DIR='"$(abs_top_builddir)"' \
	-DXENOLITH_SOURCE_SCRIPTS_DIR='"$(abs_top_srcdir)/dom0/scripts"'
noinst_LIBRARIES += dom0/libxnhotplug.a
dom0_libxnhotplug_a_CPPFLAGS = $(AM_CPPFLAGS) $(HOTPLUG_PATHS)
dom0_libxnhotplug_a_SOURCES = dom0/hotplug.c dom0/hotplug.h
HOTPLUG_LIBS = dom0/libxnhotplug.a dom0/libxenctl.a $(XENSTORE_LIBS)
check_PROGRAMS += tests/unit/test_hotplug
TESTS += tests/unit/test_hotplug
tests_unit_test_hotplug_CPPFLAGS = $(AM_CPPFLAGS) $(HOTPLUG_PATHS)
tests_unit_test_hotplug_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_hotplug_SOURCES = tests/unit/test_hotplug.c
tests_unit_test_hotplug_LDADD = $(HOTPLUG_LIBS) $(CHECK_LIBS)
xenolithscriptsdir = $(sysconfdir)/xenolith/scripts
dist_xenolithscripts_SCRIPTS = dom0/scripts/block dom0/scripts/vif-bridge
dist_man_MANS += man/vif-bridge.8

# The Dom0 start-up script and systemd units, with the install paths in.
sbin_SCRIPTS = dom0/xenolith-commons
systemdunitdir = $(prefix)/lib/systemd/system
systemdunit_DATA = dom0/systemd/xenolithd.service dom0/systemd/xenolith-stored.service
systemdunit_DATA += dom0/systemd/xenolith-consoled.service
EXTRA_DIST += dom0/systemd/xenolith-consoled.service.in
EXTRA_DIST += dom0/xenolith-commons.in dom0/systemd/xenolithd.service.in \
	dom0/systemd/xenolith-stored.service.in
CLEANFILES += $(sbin_SCRIPTS) $(systemdunit_DATA)
dist_man_MANS += man/xenolith-commons.8

subst_paths = sed -e 's|@sbindir[@]|$(sbindir)|g'
dom0/xenolith-commons: $(srcdir)/dom0/xenolith-commons.in
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(subst_paths) $(srcdir)/dom0/xenolith-commons.in > $@ && chmod +x $@
dom0/systemd/xenolithd.service: $(srcdir)/dom0/systemd/xenolithd.service.in
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(subst_paths) $(srcdir)/dom0/systemd/xenolithd.service.in > $@
dom0/systemd/xenolith-stored.service: $(srcdir)/dom0/systemd/xenolith-stored.service.in
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(subst_paths) $(srcdir)/dom0/systemd/xenolith-stored.service.in > $@
dom0/systemd/xenolith-consoled.service: $(srcdir)/dom0/systemd/xenolith-consoled.service.in
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(subst_paths) $(srcdir)/dom0/systemd/xenolith-consoled.service.in > $@

# xenolith-netback under systemd (restarted when it dies, as the watcher
# of xenolith-commons does).
systemdunit_DATA += dom0/systemd/xenolith-netback.service
EXTRA_DIST += dom0/systemd/xenolith-netback.service.in
dom0/systemd/xenolith-netback.service: $(srcdir)/dom0/systemd/xenolith-netback.service.in
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(subst_paths) $(srcdir)/dom0/systemd/xenolith-netback.service.in > $@

# xenolith-blkback under systemd, restarted the same way.
systemdunit_DATA += dom0/systemd/xenolith-blkback.service
EXTRA_DIST += dom0/systemd/xenolith-blkback.service.in
dom0/systemd/xenolith-blkback.service: $(srcdir)/dom0/systemd/xenolith-blkback.service.in
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(subst_paths) $(srcdir)/dom0/systemd/xenolith-blkback.service.in > $@
