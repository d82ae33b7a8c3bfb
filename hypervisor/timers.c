#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "hypervisor/evtchn.h"
#include "hypervisor/log.h"
#include "hypervisor/timers.h"

#define TIMER_SINGLESHOT 0
#define TIMER_PERIODIC 1
#define MIN_PERIOD_NS 1000000ull

/* epoll data: vCPU id and timer kind; the stop eventfd is ~0. */
#define STOP_TAG UINT64_MAX

static void *timer_thread(void *arg)
{
    struct domain *d = arg;
    for (;;) {
        struct epoll_event ev[16];
        int n = epoll_wait(d->timer_epfd, ev, 16, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        for (int i = 0; i < n; i++) {
            if (ev[i].data.u64 == STOP_TAG)
                return NULL;
            uint32_t id = (uint32_t)(ev[i].data.u64 >> 1);
            struct vcpu *v = &d->vcpus[id];
            uint64_t expirations;
            if (read(v->timer_fd[ev[i].data.u64 & 1], &expirations, sizeof(expirations)) < 0)
                continue;
            vcpu_update_time(v);
            evtchn_raise_virq(v, VIRQ_TIMER);
        }
    }
    return NULL;
}

int timers_start(struct domain *d)
{
    d->timer_epfd = epoll_create1(EPOLL_CLOEXEC);
    d->timer_stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (d->timer_epfd < 0 || d->timer_stop_fd < 0)
        return -errno;
    struct epoll_event stop = {.events = EPOLLIN, .data.u64 = STOP_TAG};
    if (epoll_ctl(d->timer_epfd, EPOLL_CTL_ADD, d->timer_stop_fd, &stop) < 0)
        return -errno;
    for (uint32_t i = 0; i < d->nr_vcpus; i++) {
        for (int k = 0; k < 2; k++) {
            int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
            if (fd < 0)
                return -errno;
            d->vcpus[i].timer_fd[k] = fd;
            struct epoll_event ev = {.events = EPOLLIN, .data.u64 = ((uint64_t)i << 1) | (uint64_t)k};
            if (epoll_ctl(d->timer_epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
                return -errno;
        }
    }
    if (pthread_create(&d->timer_thread, NULL, timer_thread, d) != 0)
        return -EAGAIN;
    d->timer_thread_started = true;
    return 0;
}

void timers_stop(struct domain *d)
{
    if (d->timer_thread_started) {
        (void)!write(d->timer_stop_fd, &(uint64_t){1}, sizeof(uint64_t));
        pthread_join(d->timer_thread, NULL);
        d->timer_thread_started = false;
    }
    for (uint32_t i = 0; d->vcpus && i < d->nr_vcpus; i++)
        for (int k = 0; k < 2; k++)
            if (d->vcpus[i].timer_fd[k] >= 0)
                close(d->vcpus[i].timer_fd[k]);
    if (d->timer_epfd >= 0)
        close(d->timer_epfd);
    if (d->timer_stop_fd >= 0)
        close(d->timer_stop_fd);
}

static struct timespec ts_of(uint64_t ns)
{
    return (struct timespec){.tv_sec = (time_t)(ns / 1000000000ull), .tv_nsec = (long)(ns % 1000000000ull)};
}

int timer_set_singleshot(struct vcpu *v, uint64_t deadline_ns, bool future)
{
    struct domain *d = v->d;
    if (future && deadline_ns < domain_system_time(d))
        return -ETIME;
    /* System time runs off the TSC from creation, CLOCK_MONOTONIC from
     * the same instant; their rates agree to the TSC's calibration. A
     * deadline already past fires at once (a zero value would disarm). */
    struct itimerspec it = {.it_value = ts_of(d->base_mono_ns + deadline_ns + 1)};
    timerfd_settime(v->timer_fd[TIMER_SINGLESHOT], TFD_TIMER_ABSTIME, &it, NULL);
    return 0;
}

void timer_stop_singleshot(struct vcpu *v)
{
    struct itimerspec off = {0};
    timerfd_settime(v->timer_fd[TIMER_SINGLESHOT], 0, &off, NULL);
}

int timer_set_periodic(struct vcpu *v, uint64_t period_ns)
{
    if (period_ns < MIN_PERIOD_NS)
        return -EINVAL;
    struct itimerspec it = {.it_value = ts_of(period_ns), .it_interval = ts_of(period_ns)};
    timerfd_settime(v->timer_fd[TIMER_PERIODIC], 0, &it, NULL);
    return 0;
}

void timer_stop_periodic(struct vcpu *v)
{
    struct itimerspec off = {0};
    timerfd_settime(v->timer_fd[TIMER_PERIODIC], 0, &off, NULL);
}
