/*
 * xenolith-netprobe: the Dom0 end of the network tests and benchmark,
 * with nothing but sockets (no ping or netcat on these hosts):
 *   ping IP COUNT TIMEOUT_MS     ICMP echo; prints "ping: N/COUNT replies"
 *   udp IP PORT COUNT TIMEOUT_MS datagrams to an echo service, of even and
 *                                odd lengths in turn; prints
 *                                "udp: N/COUNT echoed intact"
 *   sink PORT SECS               counts UDP payload bytes for SECS from the
 *                                first datagram; prints "sink: BYTES bytes
 *                                DATAGRAMS datagrams in NS ns"
 *   blast IP PORT SECS SIZE      sends SIZE-byte datagrams for SECS
 * Exit status 0 when every ping or datagram came back (sink, blast: when
 * anything moved).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint16_t csum(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint32_t s = 0;
    for (; len > 1; b += 2, len -= 2)
        s += (uint32_t)b[0] << 8 | b[1];
    if (len)
        s += (uint32_t)b[0] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return htons((uint16_t)~s);
}

static int addr(const char *ip, int port, struct sockaddr_in *sa)
{
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, ip, &sa->sin_addr) != 1) {
        fprintf(stderr, "netprobe: '%s' is not an IPv4 address\n", ip);
        return -1;
    }
    return 0;
}

/* Waits for a datagram up to deadline; its length, or -1 on timeout. */
static ssize_t recv_until(int fd, void *buf, size_t len, uint64_t deadline, struct sockaddr_in *from)
{
    for (;;) {
        uint64_t now = now_ns();
        if (now >= deadline)
            return -1;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int ms = (int)((deadline - now) / 1000000) + 1;
        if (poll(&p, 1, ms) <= 0)
            continue;
        socklen_t sl = sizeof(*from);
        ssize_t n = recvfrom(fd, buf, len, 0, (struct sockaddr *)from, &sl);
        if (n >= 0)
            return n;
    }
}

static int do_ping(const char *ip, int count, int timeout_ms)
{
    struct sockaddr_in dst, from;
    if (addr(ip, 0, &dst) < 0)
        return 2;
    int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    if (fd < 0) {
        perror("netprobe: raw socket");
        return 2;
    }
    int got = 0;
    uint16_t ident = (uint16_t)getpid();
    for (int seq = 1; seq <= count; seq++) {
        uint8_t pkt[64] = {0};
        struct icmphdr *h = (struct icmphdr *)pkt;
        h->type = ICMP_ECHO;
        h->un.echo.id = htons(ident);
        h->un.echo.sequence = htons((uint16_t)seq);
        for (size_t i = sizeof(*h); i < sizeof(pkt); i++)
            pkt[i] = (uint8_t)(i + seq);
        h->checksum = csum(pkt, sizeof(pkt));
        sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&dst, sizeof(dst));
        uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000;
        uint8_t in[1500];
        ssize_t n;
        while ((n = recv_until(fd, in, sizeof(in), deadline, &from)) >= 0) {
            struct iphdr *iph = (struct iphdr *)in;
            size_t hl = (size_t)iph->ihl * 4;
            if ((size_t)n < hl + sizeof(struct icmphdr) || from.sin_addr.s_addr != dst.sin_addr.s_addr)
                continue;
            struct icmphdr *r = (struct icmphdr *)(in + hl);
            if (r->type == ICMP_ECHOREPLY && ntohs(r->un.echo.id) == ident &&
                ntohs(r->un.echo.sequence) == seq && (size_t)n - hl == sizeof(pkt) &&
                !memcmp(in + hl + sizeof(*r), pkt + sizeof(*h), sizeof(pkt) - sizeof(*h))) {
                got++;
                break;
            }
        }
    }
    printf("ping: %d/%d replies\n", got, count);
    return got == count ? 0 : 1;
}

static int do_udp(const char *ip, int port, int count, int timeout_ms)
{
    struct sockaddr_in dst, from;
    if (addr(ip, port, &dst) < 0)
        return 2;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int got = 0;
    for (int i = 0; i < count; i++) {
        char msg[128], in[256];
        int len = snprintf(msg, sizeof(msg), "xenolith udp echo %d of %d from pid %d", i + 1,
                           count, (int)getpid());
        /* Odd and even lengths in turn, whatever the pid: an odd one
         * makes the checksum code pad its last byte. */
        if (len % 2 != i % 2)
            msg[len++] = '.';
        sendto(fd, msg, (size_t)len, 0, (struct sockaddr *)&dst, sizeof(dst));
        uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000;
        ssize_t n;
        while ((n = recv_until(fd, in, sizeof(in), deadline, &from)) >= 0) {
            if (from.sin_addr.s_addr == dst.sin_addr.s_addr && n == len && !memcmp(in, msg, (size_t)len)) {
                got++;
                break;
            }
        }
    }
    printf("udp: %d/%d echoed intact\n", got, count);
    return got == count ? 0 : 1;
}

static int do_sink(int port, int secs)
{
    struct sockaddr_in sa, from;
    addr("0.0.0.0", port, &sa);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int big = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        perror("netprobe: bind");
        return 2;
    }
    printf("sink: listening\n");
    fflush(stdout);
    static uint8_t buf[65536];
    uint64_t bytes = 0, dgrams = 0, start = 0, end = 0;
    /* The first datagram starts the clock; give the sender a minute. */
    ssize_t n = recv_until(fd, buf, sizeof(buf), now_ns() + 60000000000ull, &from);
    if (n >= 0) {
        start = now_ns();
        end = start + (uint64_t)secs * 1000000000u;
        while ((n = recv_until(fd, buf, sizeof(buf), end, &from)) >= 0) {
            bytes += (uint64_t)n;
            dgrams++;
        }
    }
    printf("sink: %llu bytes %llu datagrams in %llu ns\n", (unsigned long long)bytes,
           (unsigned long long)dgrams, (unsigned long long)(end - start));
    return bytes ? 0 : 1;
}

static int do_blast(const char *ip, int port, int secs, int size)
{
    struct sockaddr_in dst;
    if (addr(ip, port, &dst) < 0 || size < 1 || size > 65507)
        return 2;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    static uint8_t buf[65536];
    memset(buf, 0x5a, (size_t)size);
    uint64_t end = now_ns() + (uint64_t)secs * 1000000000u, sent = 0;
    while (now_ns() < end)
        if (sendto(fd, buf, (size_t)size, 0, (struct sockaddr *)&dst, sizeof(dst)) == size)
            sent++;
    printf("blast: %llu datagrams of %d bytes\n", (unsigned long long)sent, size);
    return sent ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "ping"))
        return do_ping(argv[2], atoi(argv[3]), atoi(argv[4]));
    if (argc == 6 && !strcmp(argv[1], "udp"))
        return do_udp(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
    if (argc == 4 && !strcmp(argv[1], "sink"))
        return do_sink(atoi(argv[2]), atoi(argv[3]));
    if (argc == 6 && !strcmp(argv[1], "blast"))
        return do_blast(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
    fprintf(stderr, "usage: xenolith-netprobe ping IP COUNT TIMEOUT_MS | udp IP PORT COUNT "
                    "TIMEOUT_MS | sink PORT SECS | blast IP PORT SECS SIZE\n");
    return 2;
}
