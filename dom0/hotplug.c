/* Hotplug scripts: the process side (fork into a new process group,
 * Xen's environment, a timeout) and the XenStore side (hotplug-status). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dom0/hotplug.h"
#include "dom0/rundir.h"

/* dom0/local.mk defines these from configure's paths. */
#ifndef XENOLITH_SCRIPTS_DIR
#define XENOLITH_SCRIPTS_DIR "/etc/xenolith/scripts"
#endif
#ifndef XENOLITH_BUILD_DIR
#define XENOLITH_BUILD_DIR ""
#endif
#ifndef XENOLITH_SOURCE_SCRIPTS_DIR
#define XENOLITH_SOURCE_SCRIPTS_DIR ""
#endif

const char *hotplug_scripts_dir_of(const char *exe)
{
    char build[PATH_MAX];
    if (!exe || !*XENOLITH_BUILD_DIR || !realpath(XENOLITH_BUILD_DIR, build))
        return XENOLITH_SCRIPTS_DIR;
    size_t n = strlen(build);
    bool in_build_tree = !strncmp(exe, build, n) && exe[n] == '/';
    return in_build_tree ? XENOLITH_SOURCE_SCRIPTS_DIR : XENOLITH_SCRIPTS_DIR;
}

const char *hotplug_scripts_dir(void)
{
    const char *d = getenv("XENOLITH_SCRIPTS");
    if (d && *d)
        return d;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n < 0)
        return XENOLITH_SCRIPTS_DIR;
    exe[n] = '\0';
    return hotplug_scripts_dir_of(exe);
}

int hotplug_resolve(const char *script, char *buf, size_t len, char *err, size_t errlen)
{
    if (!script || !*script) {
        snprintf(err, errlen, "no hotplug script named");
        return -1;
    }
    int n = script[0] == '/' ? snprintf(buf, len, "%s", script)
                             : snprintf(buf, len, "%s/%s", hotplug_scripts_dir(), script);
    if (n < 0 || (size_t)n >= len) {
        snprintf(err, errlen, "hotplug script path too long: %s", script);
        return -1;
    }
    if (script[0] != '/' && strchr(script, '/')) {
        snprintf(err, errlen, "hotplug script '%s': a name or an absolute path", script);
        return -1;
    }
    struct stat st;
    if (stat(buf, &st) < 0 || !S_ISREG(st.st_mode) || access(buf, X_OK) < 0) {
        snprintf(err, errlen, "hotplug script %s is not an executable file", buf);
        return -1;
    }
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the child: the environment, then exec. Never returns. */
static void __attribute__((noreturn))
child(const char *path, const struct hotplug_req *r)
{
    setpgid(0, 0);
    /* The script's stdin is nothing; its output goes where ours does. */
    int nul = open("/dev/null", O_RDONLY);
    if (nul >= 0) {
        dup2(nul, 0);
        if (nul > 0)
            close(nul);
    }
    char base[256];
    snprintf(base, sizeof(base), "%s", r->backend_path);
    char *slash = strrchr(base, '/');
    if (slash)
        *slash = '\0';
    setenv("XENBUS_TYPE", r->type, 1);
    setenv("XENBUS_PATH", r->backend_path, 1);
    setenv("XENBUS_BASE_PATH", base, 1);
    const char *rundir = rundir_default();
    setenv("XENOLITH_RUNDIR", rundir, 1);
    if (!getenv("XENSTORED_PATH") || !*getenv("XENSTORED_PATH")) {
        char sock[RUNDIR_MAX + 32];
        snprintf(sock, sizeof(sock), "%s/xenstored/socket", rundir);
        setenv("XENSTORED_PATH", sock, 1);
    }
    for (const char *const *e = r->env; e && *e; e++)
        putenv((char *)*e);
    signal(SIGPIPE, SIG_DFL);
    execl(path, path, r->action, (char *)NULL);
    fprintf(stderr, "hotplug: cannot run %s: %s\n", path, strerror(errno));
    _exit(127);
}

static char *store_read(struct xs_handle *xsh, const char *dir, const char *key)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", dir, key);
    unsigned len;
    return xs_read(xsh, XBT_NULL, p, &len);
}

int hotplug_run(struct xs_handle *xsh, const struct hotplug_req *r, char *err, size_t errlen)
{
    char path[512];
    if (hotplug_resolve(r->script, path, sizeof(path), err, errlen) < 0)
        return -1;
    bool needs_status = !strcmp(r->action, "add") || !strcmp(r->action, "online");

    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "cannot fork for %s: %s", path, strerror(errno));
        return -1;
    }
    if (pid == 0)
        child(path, r);
    /* Set it from this side too, so the kill below never races the
     * child's own setpgid. */
    setpgid(pid, pid);

    unsigned timeout = r->timeout_ms ? r->timeout_ms : HOTPLUG_TIMEOUT_MS;
    int64_t deadline = now_ms() + timeout;
    int status = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            snprintf(err, errlen, "waiting for %s: %s", path, strerror(errno));
            return -1;
        }
        if (now_ms() >= deadline) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            snprintf(err, errlen, "hotplug script %s %s timed out after %u s", path, r->action,
                     timeout / 1000);
            return -1;
        }
        usleep(10000);
    }

    if (needs_status && xsh) {
        char *st = store_read(xsh, r->backend_path, "hotplug-status");
        bool ok = st && !strcmp(st, "connected");
        if (!ok) {
            char *why = store_read(xsh, r->backend_path, "hotplug-error");
            if (why && *why)
                snprintf(err, errlen, "hotplug script %s %s failed: %s", path, r->action, why);
            else if (WIFEXITED(status) && WEXITSTATUS(status))
                snprintf(err, errlen, "hotplug script %s %s failed (exit status %d)", path,
                         r->action, WEXITSTATUS(status));
            else
                snprintf(err, errlen, "hotplug script %s %s left hotplug-status '%s'", path,
                         r->action, st ? st : "(none)");
            free(why);
        }
        free(st);
        return ok ? 0 : -1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        if (WIFSIGNALED(status))
            snprintf(err, errlen, "hotplug script %s %s killed by signal %d", path, r->action,
                     WTERMSIG(status));
        else
            snprintf(err, errlen, "hotplug script %s %s failed (exit status %d)", path,
                     r->action, WEXITSTATUS(status));
        return -1;
    }
    return 0;
}
