/*
 * sipb_rtp_socket.c - RTP/RTCP socket pair in a port range, numeric peer addresses.
 * See sipb_rtp_socket.h.
 */
#include "sipb_rtp_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>

int sipb_addr_set(sipb_addr *a, const char *ip, int port)
{
	memset(a, 0, sizeof(*a));
	if (!ip || port < 0 || port > 65535)
		return -EINVAL;
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_DGRAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	char serv[8];
	g_snprintf(serv, sizeof(serv), "%d", port);
	struct addrinfo *res = NULL;
	if (getaddrinfo(ip, serv, &hints, &res) != 0 || !res)
		return -EINVAL;
	if (res->ai_addrlen > sizeof(a->ss)) {
		freeaddrinfo(res);
		return -EINVAL;
	}
	memcpy(&a->ss, res->ai_addr, res->ai_addrlen);
	a->len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

bool sipb_addr_equal(const sipb_addr *a, const sipb_addr *b)
{
	if (a->len != b->len || a->ss.ss_family != b->ss.ss_family)
		return false;
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)&a->ss, *y = (const void *)&b->ss;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)&a->ss, *y = (const void *)&b->ss;
		return x->sin6_port == y->sin6_port
			&& memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return false;
}

bool sipb_addr_same_host(const sipb_addr *a, const sipb_addr *b)
{
	sipb_addr x, y;
	sipb_addr_with_port(&x, a, 0);
	sipb_addr_with_port(&y, b, 0);
	return sipb_addr_equal(&x, &y);
}

int sipb_addr_port(const sipb_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)&a->ss)->sin_port);
	if (a->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)&a->ss)->sin6_port);
	return 0;
}

void sipb_addr_with_port(sipb_addr *out, const sipb_addr *a, int port)
{
	*out = *a;
	if (out->ss.ss_family == AF_INET)
		((struct sockaddr_in *)(void *)&out->ss)->sin_port = htons((uint16_t)port);
	else if (out->ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)&out->ss)->sin6_port = htons((uint16_t)port);
}

bool sipb_addr_is_any(const sipb_addr *a)
{
	if (a->len == 0)
		return true;
	if (a->ss.ss_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)&a->ss)->sin_addr.s_addr
			== INADDR_ANY;
	if (a->ss.ss_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(
			&((const struct sockaddr_in6 *)(const void *)&a->ss)->sin6_addr);
	return true;
}

static int bind_one(const sipb_addr *local, int port)
{
	sipb_addr a;
	sipb_addr_with_port(&a, local, port);
	int fd = socket(a.ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&a.ss, a.len) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	/* Room for a burst of video packets (a composed keyframe) between two wake-ups. */
	int sz = 512 * 1024;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	return fd;
}

int sipb_rtp_socket_open(sipb_rtp_socket *s, const char *ip, int port_min, int port_max)
{
	s->rtp_fd = s->rtcp_fd = -1;
	s->port = 0;
	sipb_addr local;
	if (sipb_addr_set(&local, ip, 0) < 0)
		return -EINVAL;
	s->family = local.ss.ss_family;
	if (port_min < 1)
		port_min = 1;
	if (port_min & 1)
		port_min++;
	if (port_max > 65535)
		port_max = 65535;
	if (port_min + 1 > port_max)
		return -EINVAL;
	int pairs = (port_max - port_min + 1) / 2;
	int start = (int)g_random_int_range(0, pairs);
	for (int i = 0; i < pairs; i++) {
		int port = port_min + 2 * ((start + i) % pairs);
		int a = bind_one(&local, port);
		if (a < 0)
			continue;
		int b = bind_one(&local, port + 1);
		if (b < 0) {
			close(a);
			continue;
		}
		s->rtp_fd = a;
		s->rtcp_fd = b;
		s->port = port;
		return 0;
	}
	return -EADDRINUSE;
}

void sipb_rtp_socket_close(sipb_rtp_socket *s)
{
	if (s->rtp_fd >= 0)
		close(s->rtp_fd);
	if (s->rtcp_fd >= 0)
		close(s->rtcp_fd);
	s->rtp_fd = s->rtcp_fd = -1;
}
