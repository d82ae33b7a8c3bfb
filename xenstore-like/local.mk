# xenolith-stored and its tree/transaction core (xenstore-like/).
#
# The core (tree, transactions, watches, domains, protocol) is a library
# with no I/O of its own, linked by the daemon and by the unit tests; the
# daemon adds the libuv transports.
noinst_LIBRARIES += xenstore-like/libxscore.a
xenstore_like_libxscore_a_SOURCES = \
	xenstore-like/xs_wire.c xenstore-like/xs_wire.h \
	xenstore-like/path.c xenstore-like/path.h \
	xenstore-like/perms.c xenstore-like/perms.h \
	xenstore-like/tree.c xenstore-like/tree.h xenstore-like/sorted_kids.h \
	xenstore-like/watch.c xenstore-like/watch.h \
	xenstore-like/domain.c xenstore-like/domain.h \
	xenstore-like/domain_ops.c \
	xenstore-like/store.c xenstore-like/store.h \
	xenstore-like/txn.c xenstore-like/txn.h \
	xenstore-like/conn.c xenstore-like/conn.h \
	xenstore-like/proto.c xenstore-like/proto.h \
	xenstore-like/control.c

sbin_PROGRAMS += xenstore-like/xenolith-stored
xenstore_like_xenolith_stored_SOURCES = \
	xenstore-like/main.c \
	xenstore-like/sock.c xenstore-like/sock.h \
	xenstore-like/domsock.c xenstore-like/domsock.h \
	xenstore-like/ring.h xenstore-like/ring_int.h \
	xenstore-like/ring_hv.c xenstore-like/ring_dom.c
xenstore_like_xenolith_stored_CFLAGS = $(AM_CFLAGS) $(UV_CFLAGS)
xenstore_like_xenolith_stored_LDADD = xenstore-like/libxscore.a dom0/libxenctl.a $(UV_LIBS)

# Unit tests of the core (tests/unit/test_xs_*.c).
EXTRA_DIST += tests/unit/test_xs_harness.h
XS_UNIT_TESTS = tests/unit/test_xs_tree tests/unit/test_xs_store tests/unit/test_xs_txn \
	tests/unit/test_xs_watch tests/unit/test_xs_proto
check_PROGRAMS += $(XS_UNIT_TESTS)
TESTS += $(XS_UNIT_TESTS)
tests_unit_test_xs_tree_SOURCES = tests/unit/test_xs_tree.c
tests_unit_test_xs_tree_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_xs_tree_LDADD = xenstore-like/libxscore.a $(CHECK_LIBS)
tests_unit_test_xs_store_SOURCES = tests/unit/test_xs_store.c
tests_unit_test_xs_store_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_xs_store_LDADD = xenstore-like/libxscore.a $(CHECK_LIBS)
tests_unit_test_xs_txn_SOURCES = tests/unit/test_xs_txn.c
tests_unit_test_xs_txn_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_xs_txn_LDADD = xenstore-like/libxscore.a $(CHECK_LIBS)
tests_unit_test_xs_watch_SOURCES = tests/unit/test_xs_watch.c
tests_unit_test_xs_watch_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_xs_watch_LDADD = xenstore-like/libxscore.a $(CHECK_LIBS)
tests_unit_test_xs_proto_SOURCES = tests/unit/test_xs_proto.c
tests_unit_test_xs_proto_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_xs_proto_LDADD = xenstore-like/libxscore.a $(CHECK_LIBS)

dist_man_MANS += man/xenolith-stored.8
