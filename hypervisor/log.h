/* xenolithd's own log: stderr, which is the log file once daemonized. */
#ifndef XENOLITH_LOG_H
#define XENOLITH_LOG_H

__attribute__((format(printf, 1, 2))) void hv_log(const char *fmt, ...);

#endif
