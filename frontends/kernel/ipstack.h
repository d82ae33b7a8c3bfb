/*
 * A minimal IPv4 host on a netfront: answers ARP for its address and
 * asks for others (a few cached), answers ICMP echo requests, echoes
 * UDP datagrams sent to its echo port, and can send UDP datagrams and
 * ICMP echo requests of its own. No fragments, no options, no routing:
 * every peer is on the link.
 */
#ifndef FRONTENDS_KERNEL_IPSTACK_H
#define FRONTENDS_KERNEL_IPSTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/netfront.h"

#define IPSTACK_ARP_ENTRIES 8

struct ipstack {
	struct netfront *nf;
	uint32_t ip;          /* host byte order */
	uint16_t echo_port;
	struct {
		uint32_t ip;
		uint8_t mac[6];
	} arp[IPSTACK_ARP_ENTRIES];
	unsigned arp_next;
	uint64_t arp_replies, icmp_replies, udp_echoes, dropped;
	/* The last echo reply to one of our own pings. */
	uint32_t pong_from;
	uint16_t pong_seq;
	bool pong;
};

void ipstack_init(struct ipstack *s, struct netfront *nf, uint32_t ip, uint16_t echo_port);

/* "10.0.0.2" (stops at a space, comma or NUL); false when malformed. */
bool ipstack_parse_ip(const char *str, uint32_t *ip);

/* A received Ethernet frame (a netfront_rx_fn). */
void ipstack_input(void *s, const uint8_t *frame, size_t len);

/* The peer's MAC, asking for it (an ARP request) when not cached. */
bool ipstack_resolve(struct ipstack *s, uint32_t ip, uint8_t mac[6]);

/* Sends one datagram; -XEN_EAGAIN when the peer's MAC is not known yet
 * (a request went out) or the ring is full. */
long ipstack_send_udp(struct ipstack *s, uint32_t dst, uint16_t sport, uint16_t dport,
		      const void *data, size_t len);
/* Builds an Ethernet frame with one UDP datagram into frame (room for
 * 14 + 20 + 8 + len bytes); its length. With csum_offload the UDP
 * checksum is left for the backend (send with NETTXF_csum_blank). */
size_t ipstack_build_udp(struct ipstack *s, uint8_t *frame, const uint8_t mac[6], uint32_t dst,
			 uint16_t sport, uint16_t dport, const void *data, size_t len,
			 bool csum_offload);
/* Where a frame ipstack_build_udp built keeps its payload. */
#define IPSTACK_UDP_PAYLOAD 42

long ipstack_ping(struct ipstack *s, uint32_t dst, uint16_t seq);

#endif
