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
	xenstore-like/tree.c xenstore-like/tree.h \
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
	xenstore-like/domsock.c xenstore-like/domsock.h
xenstore_like_xenolith_stored_CFLAGS = $(AM_CFLAGS) $(UV_CFLAGS)
xenstore_like_xenolith_stored_LDADD = xenstore-like/libxscore.a dom0/libxenctl.a $(UV_LIBS)
