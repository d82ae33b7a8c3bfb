#!/bin/bash
# vCPU hotplug end to end: xl vcpu-set writes cpu/<n>/availability, the
# guest brings vCPUs down and up and says so, xl vcpu-list and xl list
# show the hypervisor's view; xl rename renames in xenolithd and XenStore.
. "$(dirname "$0")/xenstored.bash"
start_stack

a=$(create_guest cpus service 'vcpus = 4')
wait_console "$a" "service: ready"
wait_console "$a" "vcpu: 4 online"
"$XL" list cpus | grep -qE "^cpus +$a +[0-9]+ +4 " || fail "xl list does not show 4 vCPUs: $("$XL" list cpus)"

"$XL" vcpu-set cpus 2 || fail "xl vcpu-set cpus 2 failed"
wait_console "$a" "vcpu: 2 online"
expect_console "$a" "vcpu: cpu 3 offline"
expect_console "$a" "vcpu: cpu 2 offline"
expect_out "cpu/3/availability" offline xenstore-read "/local/domain/$a/cpu/3/availability"
"$XL" list cpus | grep -qE "^cpus +$a +[0-9]+ +2 " || fail "xl list does not show 2 vCPUs: $("$XL" list cpus)"
out=$("$XL" vcpu-list cpus) || fail "xl vcpu-list cpus failed: $out"
echo "$out" | head -n 1 | grep -qE "^Name +ID +VCPU +CPU +State +Time\(s\) Affinity \(Hard / Soft\)$" ||
    fail "unexpected vcpu-list header: $out"
[ "$(echo "$out" | grep -cE "^cpus +$a +[0-9]+ ")" = 4 ] || fail "vcpu-list does not show 4 vCPUs: $out"
echo "$out" | grep -qE "^cpus +$a +3 +- +--p +[0-9.]+  all / all$" || fail "vCPU 3 is not shown offline: $out"
echo "$out" | grep -qE "^cpus +$a +0 +[0-9]+ +(r--|-b-) +[0-9.]+  all / all$" ||
    fail "vCPU 0 is not shown online: $out"
out=$("$XL" vcpu-list) || fail "xl vcpu-list failed: $out"
echo "$out" | sed -n 2p | grep -qE "^Domain-0 +0 +0 +0 +(r--|-b-) +[0-9.]+  all / all$" ||
    fail "vcpu-list does not start with Domain-0's vCPU 0: $out"
[ "$(echo "$out" | grep -c "^Domain-0 ")" = "$("$XL" info nr_cpus)" ] ||
    fail "vcpu-list does not show one Domain-0 vCPU per host CPU: $out"

# Back to 4: more than this host's CPUs needs -i, as in xl.
nr=$("$XL" info nr_cpus)
if [ "$nr" -lt 4 ]; then
    out=$("$XL" vcpu-set cpus 4 2>&1) && fail "overcommitting without -i succeeded"
    echo "$out" | grep -q "overcommmitting" || fail "unexpected refusal: $out"
fi
"$XL" vcpu-set -i cpus 4 || fail "xl vcpu-set -i cpus 4 failed"
wait_console "$a" "vcpu: 4 online" 2
expect_console "$a" "vcpu: cpu 3 online"
out=$("$XL" vcpu-set -i cpus 5 2>&1) && fail "xl vcpu-set above maxvcpus succeeded"
echo "$out" | grep -q "domain $a (cpus).*at most\|domain $a (cpus).*1 to 4" || fail "unexpected refusal: $out"
out=$("$XL" vcpu-set cpus 0 2>&1) && fail "xl vcpu-set 0 succeeded"

# Rename: the hypervisor, /local/domain/<id>/name and /vm/<uuid>/name.
b=$(create_guest other wait-shutdown)
out=$("$XL" rename cpus other 2>&1) && fail "renaming onto an existing name succeeded"
echo "$out" | grep -q "already exists" || fail "unexpected refusal: $out"
"$XL" rename cpus renamed || fail "xl rename cpus renamed failed"
expect_out "xl domid" "$a" "$XL" domid renamed
expect_out "name" renamed xenstore-read "/local/domain/$a/name"
vm=$(xenstore-read "/local/domain/$a/vm")
expect_out "vm name" renamed xenstore-read "$vm/name"
out=$("$XL" domid cpus 2>&1) && fail "the old name still resolves: $out"
out=$("$XL" list -l renamed) || fail "xl list -l renamed failed"
[ "$(echo "$out" | grep -c '"name": "renamed"')" = 2 ] ||
    fail "xl list -l does not show the new name in the domain and its config: $out"
"$XL" destroy "$b"
"$XL" shutdown -w renamed || fail "xl shutdown renamed failed"
expect_console "$a" "service: poweroff requested"
exit 0
