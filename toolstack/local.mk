# xl and its library (toolstack/).

# The config language and the domain config it yields: what xl and the
# unit tests share.
noinst_LIBRARIES += toolstack/libxlcfg.a
toolstack_libxlcfg_a_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS)
toolstack_libxlcfg_a_SOURCES = \
	toolstack/xlcfg.c toolstack/xlcfg.h toolstack/xlcfg_int.h \
	toolstack/xlcfg_lex.c toolstack/xlcfg_lex.h \
	toolstack/xlcfg_get.c \
	toolstack/xlcfg_keys.c toolstack/xlcfg_keys.h \
	toolstack/xluuid.c toolstack/xluuid.h \
	toolstack/domain_config.c toolstack/domain_config.h \
	toolstack/disk_spec.c toolstack/disk_spec.h \
	toolstack/vif_spec.c toolstack/vif_spec.h \
	toolstack/domain_config_json.c toolstack/domain_config_json.h \
	toolstack/json_util.c toolstack/json_util.h

# libxnl: the toolstack's library (domains, devices, XenStore layout, the
# monitor), in the role of libxl; toolstack/lib/xnl.h is its API.
noinst_LIBRARIES += toolstack/libxnl.a
toolstack_libxnl_a_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS) $(XENSTORE_CFLAGS)
toolstack_libxnl_a_SOURCES = \
	toolstack/lib/xnl.h \
	toolstack/lib/ctx.c toolstack/lib/ctx.h \
	toolstack/lib/domain.c toolstack/lib/rename.c toolstack/lib/shutdown.c \
	toolstack/lib/memory.c toolstack/lib/vcpu.c \
	toolstack/lib/xs_domain.c toolstack/lib/xs_domain.h \
	toolstack/lib/device.c toolstack/lib/device.h \
	toolstack/lib/disk.c toolstack/lib/vif.c \
	toolstack/lib/console.c toolstack/lib/console.h \
	toolstack/lib/monitor.c \
	toolstack/lib/userdata.c toolstack/lib/userdata.h

# xl: each command's option parsing and its library calls.
sbin_PROGRAMS += toolstack/xl
toolstack_xl_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS) $(XENSTORE_CFLAGS)
toolstack_xl_SOURCES = \
	toolstack/xl.c toolstack/xl.h \
	toolstack/xl_cmdtable.c \
	toolstack/xl_util.c toolstack/xl_util.h \
	toolstack/cmd_create.c toolstack/cmd_destroy.c toolstack/cmd_pause.c \
	toolstack/cmd_rename.c toolstack/cmd_shutdown.c \
	toolstack/cmd_list.c toolstack/cmd_info.c toolstack/cmd_domid.c toolstack/cmd_uptime.c \
	toolstack/cmd_dmesg.c toolstack/cmd_sched.c toolstack/cmd_mem.c toolstack/cmd_vcpu.c \
	toolstack/cmd_block.c toolstack/cmd_network.c \
	toolstack/cmd_console.c toolstack/xl_console.c toolstack/xl_console.h \
	toolstack/console_follow.c toolstack/console_follow.h \
	toolstack/cmd_sr.c toolstack/cmd_vdi.c toolstack/sr_args.c toolstack/sr_args.h
toolstack_xl_LDADD = toolstack/libxnl.a toolstack/libxlcfg.a dom0/libxnhotplug.a \
	dom0/libxenctl.a $(XNREPO_LIBS) $(YAJL_LIBS) $(XENSTORE_LIBS)

# Unit tests of the config parser and the domain config.
check_PROGRAMS += tests/unit/test_vif_spec
TESTS += tests/unit/test_vif_spec
tests_unit_test_vif_spec_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(YAJL_CFLAGS)
tests_unit_test_vif_spec_SOURCES = tests/unit/test_vif_spec.c tests/unit/cfg_helpers.h
tests_unit_test_vif_spec_LDADD = toolstack/libxlcfg.a $(YAJL_LIBS) $(CHECK_LIBS)
check_PROGRAMS += tests/unit/test_disk_spec
TESTS += tests/unit/test_disk_spec
tests_unit_test_disk_spec_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(YAJL_CFLAGS)
tests_unit_test_disk_spec_SOURCES = tests/unit/test_disk_spec.c tests/unit/cfg_helpers.h
tests_unit_test_disk_spec_LDADD = toolstack/libxlcfg.a $(YAJL_LIBS) $(CHECK_LIBS)
check_PROGRAMS += tests/unit/test_xlcfg tests/unit/test_domain_config
TESTS += tests/unit/test_xlcfg tests/unit/test_domain_config
tests_unit_test_xlcfg_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(YAJL_CFLAGS)
tests_unit_test_xlcfg_SOURCES = tests/unit/test_xlcfg.c tests/unit/cfg_helpers.h
tests_unit_test_xlcfg_LDADD = toolstack/libxlcfg.a $(YAJL_LIBS) $(CHECK_LIBS)
tests_unit_test_domain_config_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(YAJL_CFLAGS)
tests_unit_test_domain_config_SOURCES = tests/unit/test_domain_config.c tests/unit/cfg_helpers.h
tests_unit_test_domain_config_LDADD = toolstack/libxlcfg.a $(YAJL_LIBS) $(CHECK_LIBS)
# The key table against Xen's xl.cfg(5) (zlib reads its .gz) and ours.
check_PROGRAMS += tests/unit/test_xlcfg_keys
TESTS += tests/unit/test_xlcfg_keys
tests_unit_test_xlcfg_keys_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(KERNEL_CODEC_CFLAGS)
tests_unit_test_xlcfg_keys_CPPFLAGS = $(AM_CPPFLAGS) -DXENOLITH_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_xlcfg_keys_SOURCES = tests/unit/test_xlcfg_keys.c
tests_unit_test_xlcfg_keys_LDADD = toolstack/libxlcfg.a $(KERNEL_CODEC_LIBS) $(CHECK_LIBS)

dist_man_MANS += man/xl.1 man/xl.cfg.5
EXTRA_DIST += examples/demo.cfg
