/*
 * Times `xl create CFG` to the new domain's first console line as
 * xenolithd logs it (LOGDIR/console-<domid>.log). The watch on LOGDIR is
 * in place before xl starts, so a guest quicker than xl's own exit is
 * still timed from the moment its line lands, not from when we look.
 *
 * Usage: xenolith-bench-create-line XL CFG LOGDIR LINE
 * Prints the microseconds on stdout; exits 1 when xl fails or no line
 * comes within 60 s.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_OLD 4096

static char *old_logs[MAX_OLD];
static int nold;

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static bool is_console_log(const char *name)
{
    size_t n = strlen(name);
    return strncmp(name, "console-", 8) == 0 && n > 12 && strcmp(name + n - 4, ".log") == 0;
}

/* Logs of domains that existed before: their lines are not ours. */
static void note_old_logs(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) && nold < MAX_OLD)
        if (is_console_log(e->d_name))
            old_logs[nold++] = strdup(e->d_name);
    if (d)
        closedir(d);
}

static bool is_old(const char *name)
{
    for (int i = 0; i < nold; i++)
        if (strcmp(old_logs[i], name) == 0)
            return true;
    return false;
}

static bool log_has_line(const char *dir, const char *name, const char *line)
{
    char path[4096], buf[65536];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    size_t len = strlen(line);
    for (char *p = buf; (p = strstr(p, line)); p++)
        if ((p == buf || p[-1] == '\n') && p[len] == '\n')
            return true;
    return false;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s XL CFG LOGDIR LINE\n", argv[0]);
        return 2;
    }
    const char *xl = argv[1], *cfg = argv[2], *dir = argv[3], *line = argv[4];
    int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (in < 0 || inotify_add_watch(in, dir, IN_CREATE | IN_MODIFY) < 0) {
        perror("inotify");
        return 1;
    }
    note_old_logs(dir);

    uint64_t t0 = now_us(), t1 = 0;
    pid_t pid = fork();
    if (pid == 0) {
        int nul = open("/dev/null", O_RDWR);
        dup2(nul, STDOUT_FILENO);
        execl(xl, xl, "create", cfg, (char *)NULL);
        _exit(127);
    }
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    while (!t1 && now_us() - t0 < 60u * 1000000u) {
        struct pollfd p = {.fd = in, .events = POLLIN};
        if (poll(&p, 1, 1000) <= 0)
            continue;
        char ev[16384] __attribute__((aligned(8)));
        ssize_t n = read(in, ev, sizeof(ev));
        for (char *q = ev; n > 0 && q < ev + n;) {
            struct inotify_event *e = (struct inotify_event *)q;
            if (e->len && is_console_log(e->name) && !is_old(e->name) &&
                log_has_line(dir, e->name, line)) {
                t1 = now_us();
                break;
            }
            q += sizeof(*e) + e->len;
        }
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "create-line: xl create %s failed (status %d)\n", cfg, st);
        return 1;
    }
    if (!t1) {
        fprintf(stderr, "create-line: no \"%s\" line within 60 s\n", line);
        return 1;
    }
    printf("%llu\n", (unsigned long long)(t1 - t0));
    return 0;
}
