/* xl create -c: show a domain's console as xenolithd logs it. */
#ifndef XENOLITH_CONSOLE_FOLLOW_H
#define XENOLITH_CONSOLE_FOLLOW_H

#include <stdint.h>

/*
 * Copies <rundir>/log/console-<domid>.log to out_fd from its start and
 * follows it (inotify, so new lines show within milliseconds) until the
 * domain has shut down, crashed or gone; then copies what is left, so the
 * guest's last lines are not lost. 0, or -errno when the log cannot be
 * followed or out_fd cannot be written.
 */
int console_follow(const char *rundir, uint32_t domid, int out_fd);

#endif
