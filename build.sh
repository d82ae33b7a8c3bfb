#!/bin/bash
# The two things a newcomer runs, as root, on a fresh Debian 12 machine:
#   ./build.sh demo   install what is needed, build, boot the demo guest
#   ./build.sh test   install what is needed, build, run every test
# Builds go to build/ (and build-san/ with ASan+UBSan for the unit tests).
set -euo pipefail
cd "$(dirname "$0")"
TOP=$(pwd)
JOBS=$(nproc)

DEPS=(build-essential autoconf automake libtool pkg-config
      libxen-dev libuv1-dev libyajl-dev check procps liburing-dev
      xenstore-utils qemu-utils libvhdi-utils lvm2 python3 fuse3 fio
      qemu-system-x86 busybox-static cpio kmod
      zlib1g-dev liblzma-dev liblz4-dev libzstd-dev libbz2-dev linux-libc-dev
      gzip xz-utils lz4 zstd bzip2 xen-utils-4.17 clang libclang-rt-14-dev)

say() { printf '\n== %s\n' "$*"; }

# Every test's outcome by name, one "NAME P" or "NAME F" line each, for
# the closing line: a test that ran in several places (build and
# build-san, this machine and the SVM test host) counts once, and fails
# if it failed anywhere. Failures without a test's name (a build that
# broke, a sanitizer report, a tier that did not finish) get a name of
# their own. Empty inside the SVM test host: the outer run reads the
# tier's output instead.
RESULTS=${RESULTS:-}
record() {
    [ -n "$RESULTS" ] && echo "$1 $2" >>"$RESULTS"
    return 0
}
# record_runner FILE TIER: the PASS/FAIL lines of tests/integration/run
# in FILE, and a failure for TIER when its summary (REPORTED failures,
# the third argument) counts more than those lines name.
record_runner() {
    local file=$1 tier=$2 reported=${3:-0} named
    sed -n 's/^ *\(PASS\|FAIL\) \([a-z0-9_]*\) .*/integration:\2 \1/p' "$file" |
        sed 's/ PASS$/ P/; s/ FAIL$/ F/' | while read -r n st; do record "$n" "$st"; done
    named=$(grep -cE '^ *FAIL [a-z0-9_]+ ' "$file" || true)
    [ "$reported" -gt "$named" ] && record "$tier:unnamed-failures" F
    return 0
}
# shellcheck source=tests/host_kind.sh
. tests/host_kind.sh

install_deps() {
    local missing=()
    for p in "${DEPS[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing ${missing[*]}"
    if [ "$(id -u)" != 0 ]; then
        echo "build.sh: installing packages needs root (run as root or with sudo)" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# build DIR [configure args...]
build() {
    local dir=$1
    shift
    if [ ! -x configure ] || [ configure.ac -nt configure ] ||
        find . -name local.mk -newer configure | grep -q . || [ Makefile.am -nt configure ]; then
        say "autoreconf"
        autoreconf -fi
    fi
    # An in-tree build blocks the out-of-tree ones.
    [ -f config.status ] && make distclean >/dev/null
    mkdir -p "$dir"
    if [ ! -f "$dir/Makefile" ]; then
        say "configure $dir $*"
        (cd "$dir" && "$TOP/configure" -q "$@")
    fi
    say "make ($dir)"
    make -C "$dir" -j"$JOBS"
}

# "PASSED FAILED" for the unit tests of build DIR: Check's own counts of
# test cases, plus any test program automake saw fail, skip or crash.
unit_counts() {
    local dir=$1 p=0 f=0 checks fails errs key n
    while IFS=' ' read -r checks fails errs; do
        p=$((p + checks - fails - errs))
        f=$((f + fails + errs))
    done < <(sed -n 's/^[0-9]*%: Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\)$/\1 \2 \3/p' \
        "$dir"/tests/unit/*.log 2>/dev/null)
    if [ ! -f "$dir/test-suite.log" ]; then
        f=$((f + 1))
    else
        while IFS=' ' read -r key n; do
            case $key in FAIL | ERROR | XPASS | SKIP) f=$((f + n)) ;; esac
        done < <(sed -n 's/^# \([A-Z]*\): *\([0-9]*\)$/\1 \2/p' "$dir/test-suite.log")
    fi
    echo "$p $f"
}

demo() {
    install_deps
    build build
    local rundir=${XENOLITH_RUNDIR:-/run/xenolith} started=
    export XENOLITH_RUNDIR="$rundir" XENOLITHD="$TOP/build/hypervisor/xenolithd"
    export XENOLITH_STORED="$TOP/build/xenstore-like/xenolith-stored"
    export XENOLITH_CONSOLED="$TOP/build/backends/xenolith-consoled"
    export XENOLITH_NETBACK="$TOP/build/backends/xenolith-netback"
    export XENOLITH_BLKBACK="$TOP/build/backends/xenolith-blkback"
    if ! build/dom0/xenolith-commons status >/dev/null; then
        say "xenolith-commons start (rundir $rundir)"
        build/dom0/xenolith-commons start || return 1
        started=1
    fi
    say "xl create -c examples/demo.cfg"
    local rc=0
    build/toolstack/xl create -c examples/demo.cfg || rc=$?
    if [ -n "$started" ]; then
        # the demo's own daemons go away with the demo
        sleep 0.5
        build/dom0/xenolith-commons stop
    fi
    return $rc
}

# The integration tests that also run against build-san: its daemons
# (xenolithd, xenolith-stored, xenolith-consoled) and xl under ASan+UBSan
# on real guests, in under a minute.
SAN_TESTS=(xenstore_abuse xenstore_rings console xl_memory xl_vcpus xl_restart xl_shutdown
    guest_dom0_peer)

# The integration tests of a kind: "kvm" (they boot guests, so they run
# on every KVM host reachable) or "no-kvm" (tagged "# xenolith-test:
# no-kvm": they run once, on this machine). With "san", those of
# SAN_TESTS only.
tier_tests() {
    local kind=$1 san=${2:-} t name
    for t in tests/integration/test_*.sh; do
        name=$(basename "$t" .sh)
        name=${name#test_}
        if grep -q '^# xenolith-test: no-kvm' "$t"; then
            [ "$kind" = no-kvm ] || continue
        else
            [ "$kind" = kvm ] || continue
        fi
        if [ -n "$san" ] && [[ " ${SAN_TESTS[*]} " != *" $name "* ]]; then
            continue
        fi
        echo "$t"
    done
}

# "PASSED FAILED" for the tests of KIND in SAN_TESTS against build-san.
# A sanitizer report counts as a failure even when its test passed:
# reports go to a directory of their own, as a daemon's log goes with
# the test's rundir.
san_integration() {
    local kind=$1 out sanlogs n p=0 f=1 tests=()
    mapfile -t tests < <(tier_tests "$kind" san)
    [ ${#tests[@]} -gt 0 ] || { echo "0 0"; return; }
    out=$(mktemp)
    sanlogs=$(mktemp -d)
    ASAN_OPTIONS="log_path=$sanlogs/asan" UBSAN_OPTIONS="log_path=$sanlogs/ubsan:print_stacktrace=1" \
        tests/integration/run build-san "${tests[@]}" >"$out" 2>&1 || true
    sed 's/^/  /' "$out" >&2
    read -r p f < <(sed -n 's/^integration: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$out")
    record_runner "$out" "integration-san-$kind" "${f:-1}"
    n=$(find "$sanlogs" -type f | wc -l)
    [ "$n" -gt 0 ] && record "integration-san-$kind:sanitizer-reports" F
    if [ "$n" -gt 0 ]; then
        echo "  sanitizer reports from the daemons and tools:" >&2
        cat "$sanlogs"/* >&2
    fi
    rm -rf "$out" "$sanlogs"
    echo "${p:-0} $((${f:-1} + n))"
}

# Runs the unit tests of build DIR afresh: the previous run's logs go
# first, so a test program that no longer builds cannot be counted from
# them, and the test programs are built as a step of their own.
unit_tests() {
    local dir=$1 want have
    rm -f "$dir"/tests/unit/*.log "$dir"/tests/unit/*.trs "$dir"/test-suite.log
    make -C "$dir" -j"$JOBS" check TESTS= >&2 || echo "build.sh: the unit tests of $dir do not build" >&2
    CK_VERBOSITY=verbose make -C "$dir" -j"$JOBS" check >&2 || true
    want=$(make -s -C "$dir" print-tests | wc -w)
    have=$(find "$dir"/tests/unit -name '*.trs' | wc -l)
    if [ "$have" -ne "$want" ]; then
        echo "build.sh: $dir ran $have of its $want unit test programs" >&2
        record "unit:$dir:programs-ran" F
        echo "0 1"
        return
    fi
    record_unit "$dir"
    unit_counts "$dir"
}

# Each Check case of build DIR by name (CK_VERBOSITY=verbose prints
# "file:line:P|F|E:tcase:test:iteration: ..."), and each test program
# that failed without a failing case to show for it (a crash).
record_unit() {
    local dir=$1 log prog n line trs
    for log in "$dir"/tests/unit/*.log; do
        prog=$(basename "$log" .log)
        sed -n 's/^[^:]*:[0-9]*:\([PFE]\):\([^:]*\):\([^:]*\):\([0-9]*\):.*/\2:\3:\4 \1/p' "$log" |
            sed 's/ E$/ F/' | while read -r line; do
            n=${line% *}
            record "unit:$prog:${n// /_}" "${line##* }"
        done
        trs=${log%.log}.trs
        if ! grep -q '^:test-result: PASS' "$trs" 2>/dev/null &&
            ! grep -qE '^[^:]*:[0-9]*:[FE]:' "$log"; then
            record "unit:$prog:program" F
        fi
    done
}

# "PASSED FAILED" of the integration tests of KIND (and those of
# SAN_TESTS against build-san) here, with their output on stderr.
integration_tier() {
    local kind=$1 out ipass=0 ifail=0 sipass sifail tests=()
    mapfile -t tests < <(tier_tests "$kind")
    if [ ${#tests[@]} -gt 0 ]; then
        out=$(mktemp)
        tests/integration/run build "${tests[@]}" 2>&1 | tee "$out" >&2 || true
        read -r ipass ifail < <(sed -n 's/^integration: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$out")
        record_runner "$out" "integration-$kind" "${ifail:-1}"
        rm -f "$out"
    fi
    say "$kind integration tests under ASan+UBSan (build-san: ${SAN_TESTS[*]})" >&2
    read -r sipass sifail < <(san_integration "$kind")
    echo "$((${ipass:-0} + sipass)) $((${ifail:-1} + sifail))"
}

# The integration tiers: the tests that boot no guest once, here; those
# that do on this machine's /dev/kvm where it has one, and on the SVM
# test host (tests/svmhost/run: QEMU TCG emulating AMD SVM, Debian's
# kernel with kvm_amd) on every machine, so that both host kinds are
# tested and a machine without /dev/kvm still runs every integration
# test on a real KVM. Prints "PASSED FAILED".
integration_tiers() {
    local p=0 f=0 tp tf out reason
    say "integration tests that boot no guest (this machine)" >&2
    read -r tp tf < <(integration_tier no-kvm)
    p=$((p + tp)) f=$((f + tf))
    if [ -c /dev/kvm ]; then
        say "integration tests on this machine's /dev/kvm ($(host_kvm_kind))" >&2
        read -r tp tf < <(integration_tier kvm)
        p=$((p + tp)) f=$((f + tf))
    else
        reason=$(dmesg 2>/dev/null | grep -m1 -oE 'kvm[-_a-z]*: [^[]*not binding.*|kvm: .*disabled.*' || true)
        say "no /dev/kvm on this machine${reason:+ ($reason)}: the guests boot on the SVM test host only" >&2
    fi
    # The SVM test host has no network: Debian's cloud kernel for
    # test_linux_guest comes from the archive here, into a cache it sees.
    tests/integration/fetch_linux_guest.sh >/dev/null ||
        echo "build.sh: no Debian cloud kernel for test_linux_guest (it will fail and say why)" >&2
    say "integration tests on the SVM test host (tests/svmhost/run)" >&2
    local vm_start=$SECONDS attempt
    out=$(mktemp)
    # The VM itself (QEMU's multi-threaded TCG emulating SVM) can stop
    # dead when one vCPU runs kernel code another is patching
    # (doc/test-hosts.md); tests/svmhost/run then stops it within two
    # minutes, and a tier that did not finish is run again, twice at
    # most, and says so.
    for attempt in 1 2 3; do
        tests/svmhost/run -t 1500 -- ./build.sh integration-tier 2>&1 | tee "$out" >&2 || true
        grep -q '^integration-tier: ' "$out" && break
        say "the SVM test host did not finish (attempt $attempt of 3)" >&2
    done
    read -r tp tf < <(sed -n 's/^integration-tier: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$out")
    record_runner "$out" svm-tier "${tf:-0}"
    [ -n "${tf:-}" ] || record svm-tier:finished F
    rm -f "$out"
    say "SVM test host tier: $((SECONDS - vm_start)) s" >&2
    echo "$((p + ${tp:-0})) $((f + ${tf:-1}))"
}

run_tests() {
    install_deps
    local start=$SECONDS upass ufail spass sfail ipass ifail
    RESULTS=$(mktemp)
    build build
    say "unit tests"
    read -r upass ufail < <(unit_tests build)

    build build-san --enable-sanitizers
    say "unit tests under ASan+UBSan"
    read -r spass sfail < <(unit_tests build-san)

    # Each harness on its corpus for a short while: a regression in a
    # parser of untrusted bytes shows (doc/fuzzing.md runs them longer).
    say "fuzzing the parsers (10 s per harness)"
    local ffail=0
    tests/fuzz/run 10 || ffail=1
    record fuzzing "$([ "$ffail" = 0 ] && echo P || echo F)"

    read -r ipass ifail < <(integration_tiers)

    local passed failed
    # A part whose count shows failures it never named is a failure too.
    [ $((ufail + sfail + ifail)) -gt 0 ] && ! grep -q ' F$' "$RESULTS" && record unnamed-failures F
    read -r passed failed < <(awk '$2 == "F" { f[$1] = 1 } $2 == "P" { p[$1] = 1 }
        END { for (n in p) if (!(n in f)) np++; for (n in f) nf++; print np + 0, nf + 0 }' "$RESULTS")
    say "unit: $upass passed, $ufail failed; sanitizer unit: $spass passed, $sfail failed; fuzzing: $([ "$ffail" = 0 ] && echo clean || echo FAILED); integration (all tiers, with build-san's): $ipass passed, $ifail failed ($((SECONDS - start)) s)"
    if [ "$failed" -gt 0 ]; then
        echo "failed:"
        awk '$2 == "F" { print "  " $1 }' "$RESULTS" | sort -u
    fi
    rm -f "$RESULTS"
    # Each test once, wherever it ran (build and build-san, each host kind).
    echo "xenolith-tests: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

case "${1:-}" in
demo) demo ;;
test) run_tests ;;
integration-tier)
    # Run by integration_tiers inside the SVM test host, on an existing build.
    say "integration tests on /dev/kvm ($(host_kvm_kind))" >&2
    read -r tp tf < <(integration_tier kvm)
    echo "integration-tier: $tp passed, $tf failed"
    [ "$tf" -eq 0 ]
    ;;
*)
    echo "usage: $0 demo|test" >&2
    exit 2
    ;;
esac
