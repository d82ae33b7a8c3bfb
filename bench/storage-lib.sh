# shellcheck shell=bash
# Shared by the storage benchmarks: a private SR registry and temporary
# directory, loop devices and VGs removed however the benchmark ends.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
IMG="$BUILD/backends/xenolith-img"
WORK=$(mktemp -d /var/tmp/xenolith-bench-storage.XXXXXX)
export XENOLITH_SR_DB="$WORK/sr.json"
BENCH_LOOPS=()
BENCH_VGS=()

lvmc() {
    local cmd=$1
    shift
    if grep -q ' device-mapper' /proc/misc; then
        LVM_SUPPRESS_FD_WARNINGS=1 lvm "$cmd" "$@"
    else
        LVM_SUPPRESS_FD_WARNINGS=1 lvm "$cmd" --driverloaded n "$@" 2>/dev/null
    fi
}

bench_storage_cleanup() {
    local p
    for p in "${BENCH_VGS[@]}"; do lvmc vgremove -f "$p" >/dev/null 2>&1; done
    for p in "${BENCH_LOOPS[@]}"; do
        lvmc pvremove -y "$p" >/dev/null 2>&1
        losetup -d "$p" 2>/dev/null
    done
    rm -rf "$WORK"
    bench_cleanup
}
trap bench_storage_cleanup EXIT

for f in "$XL" "$IMG"; do
    [ -x "$f" ] || { echo "bench: missing $f; build first" >&2; exit 1; }
done

now_us() { echo $(($(date +%s%N) / 1000)); }

# median of the arguments
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
