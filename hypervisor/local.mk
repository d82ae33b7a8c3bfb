sbin_PROGRAMS += hypervisor/xenolithd
hypervisor_xenolithd_SOURCES = hypervisor/main.c
