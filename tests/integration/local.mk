# Integration tests: real daemons, real guests on /dev/kvm (tests/integration/run).
noinst_PROGRAMS += tests/integration/xenolith-domwait
tests_integration_xenolith_domwait_SOURCES = tests/integration/domwait.c
tests_integration_xenolith_domwait_LDADD = dom0/libxenctl.a

# Instruction completion on a real vCPU, the emulation-failure exit staged.
noinst_PROGRAMS += tests/integration/xenolith-insn-kvm
tests_integration_xenolith_insn_kvm_SOURCES = tests/integration/insn_kvm.c hypervisor/vcpu_insn.c
tests_integration_xenolith_insn_kvm_LDADD = hypervisor/libhvcore.a

noinst_PROGRAMS += tests/integration/xenolith-privcmd-abuse
tests_integration_xenolith_privcmd_abuse_SOURCES = tests/integration/privcmd_abuse.c
tests_integration_xenolith_privcmd_abuse_LDADD = dom0/libxenctl.a

noinst_PROGRAMS += tests/integration/xenolith-evtchn-peer
tests_integration_xenolith_evtchn_peer_SOURCES = tests/integration/evtchn_peer.c
tests_integration_xenolith_evtchn_peer_LDADD = dom0/libxenctl.a

noinst_PROGRAMS += tests/integration/xenolith-grant-after-destroy
tests_integration_xenolith_grant_after_destroy_SOURCES = tests/integration/grant_after_destroy.c
tests_integration_xenolith_grant_after_destroy_LDADD = dom0/libxenctl.a

# The block tests' data pattern, host side (frontends/lib/blkpattern.h).
noinst_PROGRAMS += tests/integration/xenolith-blkpattern
tests_integration_xenolith_blkpattern_SOURCES = tests/integration/blkpattern.c
