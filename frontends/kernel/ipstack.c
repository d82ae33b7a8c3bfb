#include <xen/errno.h>

#include "kernel/ipstack.h"
#include "lib/kstring.h"

#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define IP_HLEN 20
#define PROTO_ICMP 1
#define PROTO_UDP 17
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO 8
#define FRAME_MAX 1514

static const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (; len > 1; p += 2, len -= 2)
		sum += get16(p);
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void ipstack_init(struct ipstack *s, struct netfront *nf, uint32_t ip, uint16_t echo_port)
{
	memset(s, 0, sizeof(*s));
	s->nf = nf;
	s->ip = ip;
	s->echo_port = echo_port;
}

bool ipstack_parse_ip(const char *str, uint32_t *ip)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned part = 0, digits = 0;
		while (*str >= '0' && *str <= '9' && digits < 4) {
			part = part * 10 + (unsigned)(*str++ - '0');
			digits++;
		}
		if (!digits || part > 255)
			return false;
		v = v << 8 | part;
		if (i < 3 && *str++ != '.')
			return false;
	}
	if (*str && *str != ' ' && *str != ',' && *str != '/' && *str != ':')
		return false;
	*ip = v;
	return true;
}

static void arp_learn(struct ipstack *s, uint32_t ip, const uint8_t *mac)
{
	for (unsigned i = 0; i < IPSTACK_ARP_ENTRIES; i++)
		if (s->arp[i].ip == ip) {
			memcpy(s->arp[i].mac, mac, 6);
			return;
		}
	s->arp[s->arp_next].ip = ip;
	memcpy(s->arp[s->arp_next].mac, mac, 6);
	s->arp_next = (s->arp_next + 1) % IPSTACK_ARP_ENTRIES;
}

static void eth_header(struct ipstack *s, uint8_t *f, const uint8_t *dst, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, s->nf->mac, 6);
	put16(f + 12, type);
}

static long send_frame(struct ipstack *s, const uint8_t *f, size_t len)
{
	uint8_t pad[60];
	if (len < 60) {
		memset(pad, 0, sizeof(pad));
		memcpy(pad, f, len);
		f = pad;
		len = 60;
	}
	long rc = netfront_send(s->nf, f, len);
	if (rc == -XEN_EAGAIN) {
		netfront_poll(s->nf, NULL, NULL);
		rc = netfront_send(s->nf, f, len);
	}
	if (rc == 0)
		netfront_kick(s->nf);
	return rc;
}

static long send_arp(struct ipstack *s, uint16_t op, const uint8_t *tha, uint32_t tpa,
		     const uint8_t *dst)
{
	uint8_t f[ETH_HLEN + 28];
	eth_header(s, f, dst, ETH_P_ARP);
	uint8_t *a = f + ETH_HLEN;
	put16(a, 1);
	put16(a + 2, ETH_P_IP);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, s->nf->mac, 6);
	put32(a + 14, s->ip);
	memcpy(a + 18, tha, 6);
	put32(a + 24, tpa);
	return send_frame(s, f, sizeof(f));
}

bool ipstack_resolve(struct ipstack *s, uint32_t ip, uint8_t mac[6])
{
	for (unsigned i = 0; i < IPSTACK_ARP_ENTRIES; i++)
		if (s->arp[i].ip == ip && ip) {
			memcpy(mac, s->arp[i].mac, 6);
			return true;
		}
	static const uint8_t zero[6];
	send_arp(s, 1, zero, ip, broadcast);
	return false;
}

/* Fills the Ethernet and IPv4 headers of a packet of proto whose
 * payload (len bytes) is already at f + ETH_HLEN + IP_HLEN. */
static void ip_headers(struct ipstack *s, uint8_t *f, const uint8_t *dst_mac, uint32_t dst,
		       uint8_t proto, size_t len)
{
	static uint16_t ident;
	eth_header(s, f, dst_mac, ETH_P_IP);
	uint8_t *ip = f + ETH_HLEN;
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)(IP_HLEN + len));
	put16(ip + 4, ident++);
	put16(ip + 6, 0x4000); /* don't fragment */
	ip[8] = 64;
	ip[9] = proto;
	put16(ip + 10, 0);
	put32(ip + 12, s->ip);
	put32(ip + 16, dst);
	put16(ip + 10, fold(sum16(ip, IP_HLEN, 0)));
}

static long send_ip(struct ipstack *s, uint8_t *f, const uint8_t *dst_mac, uint32_t dst,
		    uint8_t proto, size_t len)
{
	ip_headers(s, f, dst_mac, dst, proto, len);
	return send_frame(s, f, ETH_HLEN + IP_HLEN + len);
}

static uint16_t udp_csum(const uint8_t *ip, const uint8_t *udp, size_t len)
{
	uint32_t sum = sum16(ip + 12, 8, 0) + PROTO_UDP + (uint32_t)len;
	uint16_t c = fold(sum16(udp, len, sum));
	return c ? c : 0xffff;
}

size_t ipstack_build_udp(struct ipstack *s, uint8_t *f, const uint8_t mac[6], uint32_t dst,
			 uint16_t sport, uint16_t dport, const void *data, size_t len,
			 bool csum_offload)
{
	uint8_t *ip = f + ETH_HLEN, *u = ip + IP_HLEN;
	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(8 + len));
	put16(u + 6, 0);
	memmove(u + 8, data, len);
	ip_headers(s, f, mac, dst, PROTO_UDP, 8 + len);
	if (!csum_offload)
		put16(u + 6, udp_csum(ip, u, 8 + len));
	return ETH_HLEN + IP_HLEN + 8 + len;
}

static long udp_out(struct ipstack *s, const uint8_t *mac, uint32_t dst, uint16_t sport,
		    uint16_t dport, const void *data, size_t len)
{
	static uint8_t f[FRAME_MAX];
	if (len > FRAME_MAX - ETH_HLEN - IP_HLEN - 8)
		return -XEN_EINVAL;
	size_t n = ipstack_build_udp(s, f, mac, dst, sport, dport, data, len, false);
	return send_frame(s, f, n);
}

long ipstack_send_udp(struct ipstack *s, uint32_t dst, uint16_t sport, uint16_t dport,
		      const void *data, size_t len)
{
	uint8_t mac[6];
	if (!ipstack_resolve(s, dst, mac))
		return -XEN_EAGAIN;
	return udp_out(s, mac, dst, sport, dport, data, len);
}

long ipstack_ping(struct ipstack *s, uint32_t dst, uint16_t seq)
{
	uint8_t mac[6], f[ETH_HLEN + IP_HLEN + 8 + 32];
	if (!ipstack_resolve(s, dst, mac))
		return -XEN_EAGAIN;
	uint8_t *icmp = f + ETH_HLEN + IP_HLEN;
	icmp[0] = ICMP_ECHO;
	icmp[1] = 0;
	put16(icmp + 2, 0);
	put16(icmp + 4, 0x7878);
	put16(icmp + 6, seq);
	for (int i = 0; i < 32; i++)
		icmp[8 + i] = (uint8_t)i;
	put16(icmp + 2, fold(sum16(icmp, 40, 0)));
	return send_ip(s, f, mac, dst, PROTO_ICMP, 40);
}

static void arp_input(struct ipstack *s, const uint8_t *a, size_t len)
{
	if (len < 28 || get16(a) != 1 || get16(a + 2) != ETH_P_IP || a[4] != 6 || a[5] != 4)
		return;
	uint32_t spa = get32(a + 14), tpa = get32(a + 24);
	if (spa)
		arp_learn(s, spa, a + 8);
	if (get16(a + 6) == 1 && tpa == s->ip) {
		send_arp(s, 2, a + 8, spa, a + 8);
		s->arp_replies++;
	}
}

static void icmp_input(struct ipstack *s, const uint8_t *mac, const uint8_t *ip, uint8_t *icmp,
		       size_t len)
{
	if (len < 8 || fold(sum16(icmp, len, 0)) != 0)
		return;
	if (icmp[0] == ICMP_ECHO_REPLY) {
		s->pong_from = get32(ip + 12);
		s->pong_seq = get16(icmp + 6);
		s->pong = true;
		return;
	}
	if (icmp[0] != ICMP_ECHO)
		return;
	static uint8_t f[FRAME_MAX];
	if (len > FRAME_MAX - ETH_HLEN - IP_HLEN)
		return;
	uint8_t *out = f + ETH_HLEN + IP_HLEN;
	memcpy(out, icmp, len);
	out[0] = ICMP_ECHO_REPLY;
	put16(out + 2, 0);
	put16(out + 2, fold(sum16(out, len, 0)));
	if (send_ip(s, f, mac, get32(ip + 12), PROTO_ICMP, len) == 0)
		s->icmp_replies++;
}

static void udp_input(struct ipstack *s, const uint8_t *mac, const uint8_t *ip, uint8_t *u,
		      size_t len)
{
	if (len < 8 || get16(u + 4) > len || get16(u + 4) < 8)
		return;
	len = get16(u + 4);
	if (get16(u + 6) && fold(sum16(u, len, sum16(ip + 12, 8, 0) + PROTO_UDP + (uint32_t)len)))
		return;
	if (!s->echo_port || get16(u + 2) != s->echo_port)
		return;
	if (udp_out(s, mac, get32(ip + 12), s->echo_port, get16(u), u + 8, len - 8) == 0)
		s->udp_echoes++;
}

void ipstack_input(void *arg, const uint8_t *frame, size_t len)
{
	struct ipstack *s = arg;
	static uint8_t f[FRAME_MAX];
	if (len < ETH_HLEN || len > FRAME_MAX) {
		s->dropped++;
		return;
	}
	/* Our own copy: replies are built while the buffer is posted again. */
	memcpy(f, frame, len);
	if (memcmp(f, s->nf->mac, 6) && memcmp(f, broadcast, 6))
		return;
	uint16_t type = get16(f + 12);
	if (type == ETH_P_ARP) {
		arp_input(s, f + ETH_HLEN, len - ETH_HLEN);
		return;
	}
	if (type != ETH_P_IP || len < ETH_HLEN + IP_HLEN)
		return;
	uint8_t *ip = f + ETH_HLEN;
	size_t ihl = (size_t)(ip[0] & 0xf) * 4, tot = get16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < IP_HLEN || tot < ihl || ETH_HLEN + tot > len ||
	    fold(sum16(ip, ihl, 0)) != 0 || (get16(ip + 6) & 0x3fff) || get32(ip + 16) != s->ip) {
		s->dropped++;
		return;
	}
	arp_learn(s, get32(ip + 12), f + 6);
	uint8_t mac[6];
	memcpy(mac, f + 6, 6);
	if (ip[9] == PROTO_ICMP)
		icmp_input(s, mac, ip, ip + ihl, tot - ihl);
	else if (ip[9] == PROTO_UDP)
		udp_input(s, mac, ip, ip + ihl, tot - ihl);
}
