/* Checksums a guest left for the backend to fill (NETTXF_csum_blank). */
#ifndef XENOLITH_NETBACK_CSUM_H
#define XENOLITH_NETBACK_CSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes the TCP or UDP checksum of the IPv4 packet in the Ethernet
 * frame (len bytes, checked against the headers). False when the frame
 * is not such a packet, or its headers are inconsistent. */
bool csum_fill_ipv4(uint8_t *frame, size_t len);

/* The Internet checksum of len bytes, folded, starting from sum. */
uint16_t csum_fold(const uint8_t *p, size_t len, uint32_t sum);

#endif
