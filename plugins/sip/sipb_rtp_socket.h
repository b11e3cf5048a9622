/*
 * sipb_rtp_socket.h - the UDP socket pair of one RTP stream (RFC 3550 §11: RTP on an even
 * port, RTCP on the next odd one), bound on one local address inside a port range, and the
 * numeric socket addresses of the peer.
 *
 * Threads: the pair is opened and closed by its owner (sipb_media); send and receive on the
 * descriptors may happen on any thread (UDP sockets are safe for that).
 * Ownership: a sipb_rtp_socket is a plain value owned by its container; close releases the
 * two descriptors.
 */
#ifndef TPAAS_SIPB_RTP_SOCKET_H
#define TPAAS_SIPB_RTP_SOCKET_H

#include <stdbool.h>
#include <sys/socket.h>

typedef struct sipb_rtp_socket {
	int rtp_fd, rtcp_fd; /* -1 when closed; non-blocking */
	int port;            /* RTP port; RTCP is port + 1 */
	int family;          /* AF_INET or AF_INET6 */
} sipb_rtp_socket;

typedef struct sipb_addr {
	struct sockaddr_storage ss;
	socklen_t len; /* 0: no address */
} sipb_addr;

/* Binds an even port P and P + 1 on ip (numeric IPv4 or IPv6) with port_min <= P and
 * P + 1 <= port_max, starting at a random even port of the range. Returns 0, -EINVAL (bad
 * address or range) or -EADDRINUSE (no free pair). On failure s is closed (fds -1). */
int sipb_rtp_socket_open(sipb_rtp_socket *s, const char *ip, int port_min, int port_max);
void sipb_rtp_socket_close(sipb_rtp_socket *s);

/* Numeric address only (never a DNS lookup: callers run on the SIP loop). Returns 0 or
 * -EINVAL. */
int sipb_addr_set(sipb_addr *a, const char *ip, int port);
bool sipb_addr_equal(const sipb_addr *a, const sipb_addr *b);
/* The same host (family and IP), whatever the ports. */
bool sipb_addr_same_host(const sipb_addr *a, const sipb_addr *b);
int sipb_addr_port(const sipb_addr *a);
/* The same host, another port (RTCP = RTP + 1). */
void sipb_addr_with_port(sipb_addr *out, const sipb_addr *a, int port);
/* True for 0.0.0.0 / :: (RFC 3264 §8.4 old-style hold: do not send). */
bool sipb_addr_is_any(const sipb_addr *a);

#endif
