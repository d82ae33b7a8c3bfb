#!/bin/bash
# xl pause/unpause, uptime, dmesg and sched-credit on a live guest: the
# state letters xl list shows, xl's output formats, the cgroup values the
# scheduler parameters become, and the errors that name the domain.
. "$(dirname "$0")/lib.sh"
start_daemon

# evtchn-echo blocks for up to 30 s waiting for a Dom0 peer that never
# comes: a guest that stays alive, and mostly blocked, for the whole test.
domid=$(create_guest idler evtchn-echo)

# pause / unpause: the third state column, and back to running or blocked.
"$XL" pause idler || fail "xl pause idler failed"
"$XL" list | grep -qE "^idler +$domid .* --p--- " ||
    fail "xl list does not show idler paused: $("$XL" list)"
"$XL" unpause idler || fail "xl unpause idler failed"
"$XL" list | grep -qE "^idler +$domid .* (r-----|-b----) " ||
    fail "xl list does not show idler running after unpause: $("$XL" list)"
out=$("$XL" pause Domain-0 2>&1) && fail "xl pause Domain-0 succeeded"
echo "$out" | grep -q "Domain-0" || fail "pausing Domain-0 refused without naming it: $out"
out=$("$XL" pause nosuch 2>&1)
[ $? -eq 1 ] || fail "xl pause of an unknown domain did not exit 1"
echo "$out" | grep -q "domain 'nosuch' does not exist" || fail "unknown domain not named: $out"
"$XL" pause 2>/dev/null; [ $? -eq 2 ] || fail "xl pause without a domain is not a usage error (2)"
# Names and ids are looked up one at a time (DOMAIN_FIND, DOMAIN_INFO).
[ "$("$XL" domid idler)" = "$domid" ] || fail "xl domid idler is not $domid"
[ "$("$XL" domid Domain-0)" = 0 ] || fail "xl domid Domain-0 is not 0"
[ "$("$XL" domname "$domid")" = idler ] || fail "xl domname $domid is not idler"
out=$("$XL" domname 4000 2>&1) && fail "xl domname of an unused id succeeded"
echo "$out" | grep -q "domain '4000' does not exist" || fail "unused id not named: $out"
long=$(printf 'x%.0s' $(seq 80))
out=$("$XL" domid "$long" 2>&1) && fail "xl domid of an over-long name succeeded"
echo "$out" | grep -q "does not exist" || fail "over-long name not refused as unknown: $out"

# uptime: xl's header and columns; the guest is seconds old, Domain-0 is
# as old as the host.
out=$("$XL" uptime) || fail "xl uptime failed: $out"
[ "$(echo "$out" | head -n 1)" = "$(printf '%-33s %4s %s' Name ID Uptime)" ] ||
    fail "xl uptime header differs from xl's: $out"
row=$(echo "$out" | grep -E "^idler +$domid ") || fail "xl uptime lacks idler: $out"
if [ "${#row}" -lt 39 ] || [ "$(printf '%-33s %4s' idler "$domid")" != "${row:0:38}" ]; then
    fail "xl uptime row not in xl's columns: '$row'"
fi
up=${row##* }
IFS=: read -r h m s <<<"$up"
secs=$((10#$h * 3600 + 10#$m * 60 + 10#$s))
[ "$secs" -le 120 ] || fail "idler, created moments ago, has uptime $up"
host=$(cut -d. -f1 /proc/uptime)
echo "$out" | grep -qE "^Domain-0 +0 " || fail "xl uptime lacks Domain-0: $out"
dom0_up=$(echo "$out" | sed -n 's/^Domain-0 *0 *//p')
# Past a day xl prints "N day(s), HH:MM:SS", as Xen's xl does.
days=0
rest=$dom0_up
if [[ $dom0_up =~ ^([0-9]+)\ days?,\ (.*)$ ]]; then
    days=${BASH_REMATCH[1]}
    rest=${BASH_REMATCH[2]}
fi
IFS=: read -r h m s <<<"$rest"
d0=$((days * 86400 + 10#$h * 3600 + 10#$m * 60 + 10#$s))
if [ $((host - d0)) -gt 5 ] || [ $((d0 - host)) -gt 5 ]; then
    fail "Domain-0's uptime $dom0_up is not the host's ${host}s"
fi
out=$("$XL" uptime -s idler) || fail "xl uptime -s idler failed"
echo "$out" | grep -qE "^ [0-9]{2}:[0-9]{2}:[0-9]{2} up +[0-9]+:[0-9]{2}, idler \($domid\)$" ||
    fail "xl uptime -s is not in xl's short form: '$out'"
out=$("$XL" uptime idler nosuch 2>&1)
[ $? -eq 1 ] || fail "xl uptime of an unknown domain did not exit 1"
echo "$out" | grep -q "domain 'nosuch' does not exist" || fail "xl uptime did not name nosuch: $out"

# dmesg: the daemon of this test runs with -F and logs to its stderr, so
# first there is no log file, and xl says why.
out=$("$XL" dmesg 2>&1)
[ $? -eq 1 ] || fail "xl dmesg without a log file did not exit 1"
echo "$out" | grep -q "only when it runs detached" || fail "xl dmesg does not explain the missing log: $out"
# Where a detached daemon would write it.
mkdir -p "$RUNDIR/log"
ln -s "$RUNDIR/daemon.log" "$RUNDIR/log/xenolithd.log"
out=$("$XL" dmesg) || fail "xl dmesg failed"
echo "$out" | grep -q "created domain $domid (idler)" || fail "xl dmesg lacks the domain's creation: $out"
out=$("$XL" dmesg -c 2>"$RUNDIR/dmesg-c.err") || fail "xl dmesg -c failed"
echo "$out" | grep -q "created domain $domid (idler)" || fail "xl dmesg -c did not print the log"
grep -q "not supported" "$RUNDIR/dmesg-c.err" || fail "xl dmesg -c does not say clearing is unsupported"

# sched-credit: the table, setting, and the cgroup it lands in.
out=$("$XL" sched-credit) || fail "xl sched-credit failed"
[ "$(echo "$out" | head -n 1)" = "$(printf '%-33s %4s %6s %4s' Name ID Weight Cap)" ] ||
    fail "xl sched-credit header differs from xl's: $out"
[ "$(echo "$out" | grep '^Domain-0 ')" = "$(printf '%-33s %4d %6d %4d' Domain-0 0 256 0)" ] ||
    fail "Domain-0 is not shown with weight 256 and no cap: $out"
[ "$(echo "$out" | grep '^idler ')" = "$(printf '%-33s %4d %6d %4d' idler "$domid" 256 0)" ] ||
    fail "idler is not shown with the default weight and cap: $out"
"$XL" sched-credit -d idler -w 512 -c 50 || fail "xl sched-credit -d idler -w 512 -c 50 failed"
out=$("$XL" sched-credit -d idler) || fail "xl sched-credit -d idler failed"
[ "$(echo "$out" | sed -n 2p)" = "$(printf '%-33s %4d %6d %4d' idler "$domid" 512 50)" ] ||
    fail "weight 512 cap 50 not shown: $out"
[ "$(echo "$out" | wc -l)" -eq 2 ] || fail "xl sched-credit -d shows more than one domain: $out"
cg=/sys/fs/cgroup/cpu/xenolith-$DAEMON_PID/dom$domid
[ "$(cat "$cg/cpu.shares")" = 2048 ] || fail "weight 512 did not become 2048 shares in $cg"
[ "$(cat "$cg/cpu.cfs_quota_us")" = 50000 ] || fail "cap 50 did not become a 50000 us quota in $cg"
# -w alone keeps the cap, as xl does.
"$XL" sched-credit -d idler -w 1024 || fail "xl sched-credit -d idler -w 1024 failed"
[ "$("$XL" sched-credit -d idler | sed -n 2p)" = "$(printf '%-33s %4d %6d %4d' idler "$domid" 1024 50)" ] ||
    fail "-w alone did not keep the cap: $("$XL" sched-credit -d idler)"
out=$("$XL" sched-credit -d idler -w 0 2>&1)
[ $? -eq 1 ] || fail "weight 0 was not refused with exit 1: $out"
if ! echo "$out" | grep -q "idler" || ! echo "$out" | grep -q "weight 0 is out of range"; then
    fail "weight 0 refused without the domain or the daemon's reason: $out"
fi
out=$("$XL" sched-credit -d nosuch 2>&1)
[ $? -eq 1 ] || fail "xl sched-credit of an unknown domain did not exit 1"
echo "$out" | grep -q "domain 'nosuch' does not exist" || fail "unknown domain not named: $out"
out=$("$XL" sched-credit -d Domain-0 -w 512 2>&1) && fail "setting Domain-0's weight succeeded"
echo "$out" | grep -q "Domain-0" || fail "Domain-0's refusal does not name it: $out"
"$XL" sched-credit -w 512 2>/dev/null; [ $? -eq 2 ] || fail "-w without -d is not a usage error (2)"
"$XL" sched-credit -d idler -w lots 2>/dev/null; [ $? -eq 2 ] || fail "-w lots is not a usage error (2)"

"$XL" destroy idler || fail "xl destroy idler failed"
daemon_alive || fail "xenolithd died"
exit 0
