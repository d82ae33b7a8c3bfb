#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backends/netback/tap.h"

static int set_mac(const char *name)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -errno;
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
    memset(ifr.ifr_hwaddr.sa_data, 0xff, 6);
    ifr.ifr_hwaddr.sa_data[0] = (char)0xfe;
    int rc = ioctl(s, SIOCSIFHWADDR, &ifr) < 0 ? -errno : 0;
    close(s);
    return rc;
}

int tap_open(const char *name, char *err, size_t errlen)
{
    if (strlen(name) >= IFNAMSIZ) {
        snprintf(err, errlen, "interface name '%s' is longer than %d characters", name,
                 IFNAMSIZ - 1);
        return -EINVAL;
    }
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "cannot open /dev/net/tun: %s", strerror(e));
        return -e;
    }
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETPERSIST, 1) < 0) {
        int e = errno;
        snprintf(err, errlen, "cannot create tap %s: %s", name, strerror(e));
        close(fd);
        return -e;
    }
    int rc = set_mac(name);
    if (rc < 0) {
        snprintf(err, errlen, "cannot set the MAC of %s: %s", name, strerror(-rc));
        tap_destroy(fd);
        return rc;
    }
    return fd;
}

void tap_destroy(int fd)
{
    if (fd < 0)
        return;
    (void)ioctl(fd, TUNSETPERSIST, 0);
    close(fd);
}
