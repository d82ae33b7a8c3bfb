/*
 * The PV clock: on every vCPU, reads of its own vcpu_time_info never go
 * back, are taken under an even version, and convert with a non-zero
 * multiplier; across vCPUs, where XEN_PVCLOCK_TSC_STABLE_BIT is set, a
 * time one vCPU read and published is never ahead of a read made after
 * it on another (one timeline, as the bit promises; a host whose TSC is
 * not stable clears it, and the test says so). The wallclock is
 * plausible.
 * How well the clock keeps the host's rate is checked with Dom0's
 * help (dom0-peer), which has a host clock to compare against.
 */
#include "arch/atomic.h"
#include "kernel/percpu.h"
#include "kernel/shared_info.h"
#include "kernel/smp.h"
#include "kernel/time.h"
#include "tests/evt_util.h"
#include "tests/registry.h"

#define READS 3000
#define CROSS_READS 2000
#define CALL_TIMEOUT_NS (20 * NS_PER_SEC)
/* 2020-01-01T00:00:00Z and 2100-01-01T00:00:00Z. */
#define WC_SEC_MIN 1577836800ull
#define WC_SEC_MAX 4102444800ull
/* A test domain is minutes old at most when it gets here. */
#define SYSTEM_TIME_MAX (3600 * NS_PER_SEC)

struct local_result {
	uint32_t backwards;
	uint64_t worst_back_ns;
	uint32_t odd_versions;
	uint32_t retries;
	uint32_t zero_mul;
	uint32_t tsc_before_stamp;
	uint32_t not_stable;
	uint64_t first_ns, last_ns;
};

static struct local_result results[MAX_VCPUS];

static void local_reads(void *arg)
{
	struct local_result *r = arg;
	const struct vcpu_time_info *ti = &this_cpu()->vi->time;
	struct pvclock_sample s;
	uint64_t prev = 0;

	for (unsigned i = 0; i < READS; i++) {
		pvclock_sample(ti, &s);
		if (s.version & 1)
			r->odd_versions++;
		r->retries += s.retries;
		if (!READ_ONCE(ti->tsc_to_system_mul))
			r->zero_mul++;
		if (!(READ_ONCE(ti->flags) & XEN_PVCLOCK_TSC_STABLE_BIT))
			r->not_stable++;
		if (s.tsc < s.tsc_timestamp)
			r->tsc_before_stamp++;
		if (i && s.ns < prev) {
			r->backwards++;
			if (prev - s.ns > r->worst_back_ns)
				r->worst_back_ns = prev - s.ns;
		}
		if (!i)
			r->first_ns = s.ns;
		prev = s.ns;
	}
	r->last_ns = prev;
}

static void check_local(struct test *t, unsigned cpu)
{
	struct local_result *r = &results[cpu];

	CHECK_EQ(t, r->backwards, 0,
		 "vCPU %u: pvclock went back (by up to %llu ns)", cpu,
		 (unsigned long long)r->worst_back_ns);
	CHECK_EQ(t, r->odd_versions, 0, "vCPU %u: reads under an odd version",
		 cpu);
	CHECK_EQ(t, r->zero_mul, 0, "vCPU %u: tsc_to_system_mul is 0", cpu);
	check(t, r->not_stable == 0 || r->not_stable == READS,
	      "vCPU %u: XEN_PVCLOCK_TSC_STABLE_BIT clear in %u of %u reads", cpu,
	      r->not_stable, READS);
	CHECK_EQ(t, r->tsc_before_stamp, 0,
		 "vCPU %u: TSC read before tsc_timestamp", cpu);
	check(t, r->last_ns > r->first_ns,
	      "vCPU %u: pvclock did not advance over %u reads", cpu, READS);
	check(t, r->first_ns > 0 && r->first_ns < SYSTEM_TIME_MAX,
	      "vCPU %u: system time %llu ns, not ns since the domain started",
	      cpu, (unsigned long long)r->first_ns);
	test_info("pvclock: vCPU %u: %u reads over %llu us, %u retries", cpu,
		  READS, (unsigned long long)(r->last_ns - r->first_ns) / 1000,
		  r->retries);
}

/* One vCPU publishes each time it reads; the other reads what was
 * published and then its own clock, which must not be behind it. */
static volatile uint64_t published;
static volatile bool publishing;
static volatile bool reading;

struct cross_result {
	uint32_t reads, ahead;
	uint64_t worst_ahead_ns;
};

static void publisher(void *arg)
{
	(void)arg;
	/* Publish only once the reader runs, so that the two overlap. */
	uint64_t give_up = time_now() + NS_PER_SEC;
	while (!reading && time_now() < give_up)
		cpu_relax();
	for (unsigned i = 0; i < CROSS_READS; i++) {
		/* The store follows the read: x86 keeps stores in order,
		 * and nothing else is in between. */
		published = time_now();
	}
	publishing = false;
}

static void reader(struct cross_result *r)
{
	r->reads = r->ahead = 0;
	r->worst_ahead_ns = 0;
	reading = true;
	while (publishing && r->reads < 50 * CROSS_READS) {
		uint64_t p = published;
		/* The load of published must complete before the TSC is
		 * read; rdtsc_ordered's lfence sees to it. */
		uint64_t mine = time_now();

		r->reads++;
		if (p > mine) {
			r->ahead++;
			if (p - mine > r->worst_ahead_ns)
				r->worst_ahead_ns = p - mine;
		}
	}
}

static void reader_on_cpu(void *arg)
{
	reader(arg);
}

static void cross(struct test *t, unsigned a, unsigned b)
{
	struct cross_result r;

	/* a publishes (a secondary, via smp_call), b = 0 reads; then the
	 * other way round. */
	published = 0;
	publishing = true;
	reading = false;
	if (!check(t, smp_call_post(a, publisher, NULL),
		   "cannot run on vCPU %u", a))
		return;
	reader(&r);
	check(t, smp_call_wait(a, CALL_TIMEOUT_NS), "vCPU %u did not finish",
	      a);
	check(t, r.reads > 0, "vCPU %u read nothing while %u published", b, a);
	CHECK_EQ(t, r.ahead, 0,
		 "vCPU %u's published time ahead of vCPU %u's later read "
		 "(by up to %llu ns, in %u reads)",
		 a, b, (unsigned long long)r.worst_ahead_ns, r.reads);

	published = 0;
	publishing = true;
	reading = false;
	static struct cross_result r2;
	if (!check(t, smp_call_post(a, reader_on_cpu, &r2),
		   "cannot run on vCPU %u", a))
		return;
	publisher(NULL);
	check(t, smp_call_wait(a, CALL_TIMEOUT_NS), "vCPU %u did not finish",
	      a);
	check(t, r2.reads > 0, "vCPU %u read nothing while %u published", a,
	      b);
	CHECK_EQ(t, r2.ahead, 0,
		 "vCPU %u's published time ahead of vCPU %u's later read "
		 "(by up to %llu ns, in %u reads)",
		 b, a, (unsigned long long)r2.worst_ahead_ns, r2.reads);
	test_info("pvclock: vCPUs %u<->%u: %u and %u cross reads", a, b,
		  r.reads, r2.reads);
}

static void wallclock(struct test *t)
{
	uint64_t sec;
	uint32_t nsec, version;

	wallclock_read(&sec, &nsec, &version);
	test_info("pvclock: wallclock at system time 0: %llu.%09u (version %u)",
		  (unsigned long long)sec, nsec, version);
	check(t, sec >= WC_SEC_MIN && sec < WC_SEC_MAX,
	      "wallclock wc_sec %llu is not between 2020 and 2100",
	      (unsigned long long)sec);
	check(t, nsec < NS_PER_SEC, "wallclock wc_nsec %u", nsec);
	CHECK_EQ(t, version & 1, 0, "wc_version odd when read");
}

void test_pvclock(struct test *t)
{
	if (!events_ready(t))
		return;

	unsigned up = smp_vcpu_count() >= 2 ? smp_test_start(t) : 1;

	local_reads(&results[0]);
	check_local(t, 0);
	for (unsigned cpu = 1; cpu < up; cpu++) {
		if (check(t, smp_call(cpu, local_reads, &results[cpu],
				      CALL_TIMEOUT_NS),
			  "vCPU %u did not run the reads", cpu))
			check_local(t, cpu);
	}
	if (results[0].not_stable == 0) {
		for (unsigned cpu = 1; cpu < up; cpu++)
			cross(t, cpu, 0);
	} else {
		test_info("pvclock: XEN_PVCLOCK_TSC_STABLE_BIT clear (the host's TSC is "
			  "not stable): one timeline across vCPUs is not promised, "
			  "not checked");
	}

	/* Time advances with the host: 10 ms of sleep is 10 ms of clock. */
	uint64_t t0 = time_now();
	sleep_ns(10 * NS_PER_MS);
	check(t, time_now() - t0 >= 10 * NS_PER_MS, "a 10 ms sleep took "
	      "%llu us of pvclock", (unsigned long long)(time_now() - t0) / 1000);
	wallclock(t);
}
