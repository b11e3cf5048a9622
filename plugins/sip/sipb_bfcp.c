/*
 * sipb_bfcp.c - see sipb_bfcp.h. One hub_room per room address with the floor server and the
 * room's clients; each client has its sockets watched by GSources on the hub's context.
 */
#include "sipb_bfcp.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib-unix.h>

#include "bfcp_floor.h"
#include "bfcp_msg.h"
#include "bfcp_retrans.h"
#include "sipb_rtp_socket.h"
#include "vmr_log.h"

#define HELD_MAX 4 /* connections held before a dial-out's answer (one per host) */

typedef struct hub_room {
	char *address;
	bfcp_floor_server *fs;
	GPtrArray *clients; /* sipb_bfcp_client*, not owned */
	uint16_t next_user;
	bool other_added;      /* SIPB_BFCP_OTHER_USER is a (version 0) client of fs */
	const void *presenter; /* the MCU's presenter last told (a key only, never read) */
} hub_room;

struct sipb_bfcp_hub {
	GMainContext *ctx;
	sipb_bfcp_limits lim;
	GHashTable *rooms; /* address -> hub_room* */
	int conns;
	sipb_bfcp_stats st;
};

struct sipb_bfcp_client {
	sipb_bfcp_hub *hub;
	hub_room *room;
	sipb_bfcp_client_events ev;
	const void *presenter_key;
	uint16_t user_id, port;
	bool udp, connected, have_peer_host, have_peer_alt;
	bool await_peer; /* our offer: connections are held until the answer names the device */
	int lfd, fd;     /* TCP listener (-1 when we connect), the connection or UDP socket */
	GSource *lsrc, *src, *wsrc;
	sipb_addr peer_host, peer_alt; /* the hosts taken (none: any) */
	sipb_addr remote;              /* where UDP replies go (latched), TCP connect */
	sipb_addr conn_from;           /* TCP: where the accepted connection comes from */
	struct {
		int fd;
		sipb_addr from;
	} held[HELD_MAX]; /* await_peer: connections not yet read, oldest first */
	int n_held;
	char *display; /* the name the others are told while it presents */
	GByteArray *in, *out;
	int64_t partial_since_us; /* a partial TCP message has waited since */
	GSource *timer;
	bfcp_retrans *rt; /* UDP: our messages until acked, responses for retransmitted requests */
	GSource *rt_timer;
	int64_t rt_due_ms; /* when rt_timer fires */
};

static void client_close_conn(sipb_bfcp_client *c, const char *why);

/* (Again) a client of the room's floor server, with its name; false when it cannot be. */
static bool floor_client_add(sipb_bfcp_client *c, uint8_t version)
{
	if (!bfcp_floor_client_add(c->room->fs, c->user_id, version))
		return false;
	bfcp_floor_client_set_name(c->room->fs, c->user_id, c->display);
	return true;
}

/* Whether the client takes a connection or datagram from `from`'s host. */
static bool host_taken(const sipb_bfcp_client *c, const sipb_addr *from)
{
	if (!c->have_peer_host && !c->have_peer_alt)
		return true;
	return (c->have_peer_host && sipb_addr_same_host(from, &c->peer_host))
		|| (c->have_peer_alt && sipb_addr_same_host(from, &c->peer_alt));
}

/* --- rooms --------------------------------------------------------------------------- */

uint32_t sipb_bfcp_conference_id(const char *room)
{
	/* FNV-1a: stable across restarts and nodes, so re-INVITEs keep it */
	uint32_t h = 2166136261u;
	for (const char *p = room ? room : ""; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h ? h : 1;
}

static hub_room *room_get(sipb_bfcp_hub *h, const char *address, bool create)
{
	hub_room *r = g_hash_table_lookup(h->rooms, address);
	if (r || !create)
		return r;
	r = g_new0(hub_room, 1);
	r->address = g_strdup(address);
	r->fs = bfcp_floor_server_new(sipb_bfcp_conference_id(address));
	bfcp_floor_add(r->fs, SIPB_BFCP_FLOOR_ID);
	r->clients = g_ptr_array_new();
	r->next_user = 1;
	g_hash_table_insert(h->rooms, r->address, r);
	return r;
}

static void room_free(gpointer p)
{
	hub_room *r = p;
	bfcp_floor_server_free(r->fs);
	g_ptr_array_free(r->clients, TRUE);
	g_free(r->address);
	g_free(r);
}

static sipb_bfcp_client *room_client(hub_room *r, uint16_t user_id)
{
	for (guint i = 0; i < r->clients->len; i++) {
		sipb_bfcp_client *c = g_ptr_array_index(r->clients, i);
		if (c->user_id == user_id)
			return c;
	}
	return NULL;
}

/* --- sending ------------------------------------------------------------------------- */

static gboolean on_writable(gint fd, GIOCondition cond, gpointer data);

static void flush_out(sipb_bfcp_client *c)
{
	while (c->fd >= 0 && c->out->len > 0) {
		ssize_t n = send(c->fd, c->out->data, c->out->len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n <= 0) {
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
				if (!c->wsrc) {
					c->wsrc = g_unix_fd_source_new(c->fd, G_IO_OUT);
					g_source_set_callback(c->wsrc,
						(GSourceFunc)(void (*)(void))on_writable, c, NULL);
					g_source_attach(c->wsrc, c->hub->ctx);
				}
				return;
			}
			client_close_conn(c, "send failed");
			return;
		}
		g_byte_array_remove_range(c->out, 0, (guint)n);
	}
}

static gboolean on_writable(gint fd, GIOCondition cond, gpointer data)
{
	(void)fd;
	(void)cond;
	sipb_bfcp_client *c = data;
	g_source_unref(c->wsrc);
	c->wsrc = NULL;
	flush_out(c);
	return G_SOURCE_REMOVE;
}

static int64_t now_ms(void)
{
	return g_get_monotonic_time() / 1000;
}

static void udp_send(void *opaque, const uint8_t *buf, size_t len)
{
	sipb_bfcp_client *c = opaque;
	if (c->fd >= 0 && c->remote.len)
		(void)sendto(c->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL,
			(const struct sockaddr *)&c->remote.ss, c->remote.len);
}

static gboolean on_rt_timer(gpointer data);

/* The retransmission timer follows the earliest pending message (none: no timer). */
static void rt_arm(sipb_bfcp_client *c)
{
	int64_t due = 0;
	bool any = c->rt && bfcp_retrans_next_due(c->rt, &due);
	if (c->rt_timer && (!any || due != c->rt_due_ms)) {
		g_source_destroy(c->rt_timer);
		g_source_unref(c->rt_timer);
		c->rt_timer = NULL;
	}
	if (!any || c->rt_timer)
		return;
	int64_t wait = due - now_ms();
	c->rt_due_ms = due;
	c->rt_timer = g_timeout_source_new(wait > 0 ? (guint)wait : 0);
	g_source_set_callback(c->rt_timer, on_rt_timer, c, NULL);
	g_source_attach(c->rt_timer, c->hub->ctx);
}

static gboolean on_rt_timer(gpointer data)
{
	sipb_bfcp_client *c = data;
	g_source_unref(c->rt_timer);
	c->rt_timer = NULL;
	bfcp_retrans_stats before, after;
	bfcp_retrans_get_stats(c->rt, &before);
	bfcp_retrans_poll(c->rt, now_ms(), udp_send, c);
	bfcp_retrans_get_stats(c->rt, &after);
	c->hub->st.udp_retransmits += after.retransmitted - before.retransmitted;
	c->hub->st.udp_gave_up += after.gave_up - before.gave_up;
	rt_arm(c);
	return G_SOURCE_REMOVE;
}

static void send_msg(sipb_bfcp_client *c, const uint8_t *buf, size_t len)
{
	if (c->fd < 0 || !c->connected || c->await_peer)
		return; /* (held: nothing goes to a host the answer may not name) */
	c->hub->st.msgs_out++;
	if (c->udp) {
		if (!c->remote.len)
			return;
		if (c->rt)
			bfcp_retrans_sent(c->rt, buf, len, now_ms());
		udp_send(c, buf, len);
		rt_arm(c);
		return;
	}
	if (c->out->len + len > SIPB_BFCP_OUT_MAX) {
		client_close_conn(c, "peer does not read");
		return;
	}
	g_byte_array_append(c->out, buf, (guint)len);
	if (!c->wsrc)
		flush_out(c);
}

/* Sends each message to the client of its user id (version 0 users get nothing). */
static void deliver(hub_room *r, bfcp_outbox *o)
{
	for (size_t i = 0; i < o->n; i++) {
		sipb_bfcp_client *c = room_client(r, o->v[i].user_id);
		if (c)
			send_msg(c, o->v[i].data, o->v[i].len);
	}
	bfcp_outbox_clear(o);
}

/* After a floor change: who lost and who got it hear `floor`. */
static void settle(hub_room *r, uint16_t before)
{
	uint16_t now = bfcp_floor_holder(r->fs, SIPB_BFCP_FLOOR_ID);
	if (now == before)
		return;
	sipb_bfcp_client *old = room_client(r, before), *nw = room_client(r, now);
	if (old && old->ev.floor)
		old->ev.floor(old->ev.opaque, 0);
	if (nw && nw->ev.floor)
		nw->ev.floor(nw->ev.opaque, 1);
}

/* --- receiving ----------------------------------------------------------------------- */

static void take_message(sipb_bfcp_client *c, const uint8_t *buf, size_t len)
{
	hub_room *r = c->room;
	bfcp_outbox out = { 0 };
	c->hub->st.msgs_in++;
	uint16_t before = bfcp_floor_holder(r->fs, SIPB_BFCP_FLOOR_ID);
	if (!bfcp_floor_receive(r->fs, c->user_id, buf, len, &out)) {
		c->hub->st.bad_input++;
		c->hub->st.errors_sent += out.n;
	}
	/* the answers go back on this connection even when the header named another user */
	for (size_t i = 0; i < out.n; i++)
		if (out.v[i].user_id != c->user_id && room_client(r, out.v[i].user_id) == NULL)
			out.v[i].user_id = c->user_id;
	deliver(r, &out);
	settle(r, before);
	/* after a Goodbye the library forgot the client: it may say Hello again later */
	floor_client_add(c, c->udp ? 2 : 1);
}

static gboolean on_timer(gpointer data)
{
	sipb_bfcp_client *c = data;
	if (c->in && c->in->len > 0 && c->partial_since_us
		&& g_get_monotonic_time() - c->partial_since_us
			>= (int64_t)c->hub->lim.idle_timeout_s * G_USEC_PER_SEC)
		client_close_conn(c, "a partial message timed out");
	return G_SOURCE_CONTINUE;
}

/* Acts on the whole messages in c->in; false when the connection was closed. */
static bool tcp_take_buffered(sipb_bfcp_client *c)
{
	while (c->fd >= 0 && c->in->len >= 4) {
		size_t need = bfcp_msg_frame_length(c->in->data, c->in->len);
		if (need < BFCP_HEADER_LEN || need > c->hub->lim.max_msg) {
			c->hub->st.bad_input++;
			client_close_conn(c, "message too large or not BFCP");
			return false;
		}
		if (c->in->len < need)
			break;
		take_message(c, c->in->data, need);
		if (c->fd >= 0)
			g_byte_array_remove_range(c->in, 0, (guint)need);
	}
	if (c->fd >= 0 && c->in->len > c->hub->lim.max_msg) {
		client_close_conn(c, "message too large");
		return false;
	}
	if (c->fd < 0)
		return false;
	c->partial_since_us = c->in->len
		? (c->partial_since_us ? c->partial_since_us : g_get_monotonic_time())
		: 0;
	return true;
}

static void tcp_input(sipb_bfcp_client *c)
{
	uint8_t buf[4096];
	for (int rounds = 0; rounds < 16 && c->fd >= 0; rounds++) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0
			|| (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
			client_close_conn(c, n == 0 ? "closed by the peer" : "receive failed");
			return;
		}
		if (n < 0)
			return;
		g_byte_array_append(c->in, buf, (guint)n);
		if (!tcp_take_buffered(c))
			return;
	}
}

static void udp_input(sipb_bfcp_client *c)
{
	uint8_t buf[8192];
	for (int rounds = 0; rounds < 64; rounds++) {
		sipb_addr from;
		from.len = sizeof(from.ss);
		ssize_t n = recvfrom(c->fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC,
			(struct sockaddr *)&from.ss, &from.len);
		if (n < 0)
			return;
		if (!host_taken(c, &from)) {
			c->hub->st.conns_refused++;
			continue;
		}
		if ((size_t)n > sizeof(buf) || (size_t)n > c->hub->lim.max_msg
			|| (size_t)n < BFCP_HEADER_LEN) {
			c->hub->st.bad_input++;
			continue;
		}
		c->remote = from; /* replies go where the last datagram came from */
		c->connected = true;
		const uint8_t *again;
		size_t again_len;
		switch (bfcp_retrans_receive(c->rt, buf, (size_t)n, now_ms(), &again, &again_len)) {
		case BFCP_RETRANS_TAKE: take_message(c, buf, (size_t)n); break;
		case BFCP_RETRANS_REPEAT:
			/* RFC 8855 §8.3.2: the same answer again, the request is not acted on */
			c->hub->st.msgs_in++;
			c->hub->st.udp_repeats++;
			udp_send(c, again, again_len);
			break;
		case BFCP_RETRANS_ACK:
		case BFCP_RETRANS_STRAY:
			c->hub->st.msgs_in++;
			rt_arm(c);
			break;
		}
	}
}

static gboolean on_readable(gint fd, GIOCondition cond, gpointer data)
{
	(void)fd;
	(void)cond;
	sipb_bfcp_client *c = data;
	if (c->udp)
		udp_input(c);
	else
		tcp_input(c);
	return G_SOURCE_CONTINUE;
}

static void watch_conn(sipb_bfcp_client *c)
{
	c->src = g_unix_fd_source_new(c->fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
	g_source_set_callback(c->src, (GSourceFunc)(void (*)(void))on_readable, c, NULL);
	g_source_attach(c->src, c->hub->ctx);
}

static void drop_conn_fd(sipb_bfcp_client *c)
{
	if (c->wsrc) {
		g_source_destroy(c->wsrc);
		g_source_unref(c->wsrc);
		c->wsrc = NULL;
	}
	if (c->src) {
		g_source_destroy(c->src);
		g_source_unref(c->src);
		c->src = NULL;
	}
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
		c->hub->conns--;
	}
	c->connected = false;
	g_byte_array_set_size(c->in, 0);
	g_byte_array_set_size(c->out, 0);
	c->partial_since_us = 0;
}

/* A TCP connection ends: the client may connect again (we keep listening); the floor it
 * held is released, as on Goodbye (RFC 8855 §6.2: the server treats it as leaving). */
static void client_close_conn(sipb_bfcp_client *c, const char *why)
{
	if (c->udp || c->fd < 0)
		return;
	vmr_log(VMR_LOG_INFO, "[sipbridge] BFCP user %u of room %s: connection closed (%s)",
		c->user_id, c->room->address, why);
	c->hub->st.conns_closed++;
	drop_conn_fd(c);
	hub_room *r = c->room;
	uint16_t before = bfcp_floor_holder(r->fs, SIPB_BFCP_FLOOR_ID);
	bfcp_outbox out = { 0 };
	bfcp_floor_client_remove(r->fs, c->user_id, &out);
	floor_client_add(c, 1);
	deliver(r, &out);
	settle(r, before);
}

/* Takes held connection i out of the list; its descriptor is returned. */
static int held_remove(sipb_bfcp_client *c, int i)
{
	int fd = c->held[i].fd;
	memmove(&c->held[i], &c->held[i + 1], (size_t)(c->n_held - i - 1) * sizeof(c->held[0]));
	c->n_held--;
	return fd;
}

/* Closes held connection i (counted as refused when `refused`), logged with why (NULL: not). */
static void held_close(sipb_bfcp_client *c, int i, bool refused, const char *why)
{
	if (why)
		vmr_log(VMR_LOG_INFO, "[sipbridge] BFCP user %u of room %s: connection closed (%s)",
			c->user_id, c->room->address, why);
	close(held_remove(c, i));
	c->hub->conns--;
	if (refused)
		c->hub->st.conns_refused++;
	else
		c->hub->st.conns_closed++;
}

static void held_close_all(sipb_bfcp_client *c, bool refused, const char *why)
{
	while (c->n_held > 0)
		held_close(c, c->n_held - 1, refused, why);
}

/* Before a dial-out's answer nobody knows which host is the device's, so a connection is
 * held, not read (what it sends waits in the kernel): one per host, the newest (a device that
 * connects again replaces its own), at most HELD_MAX (then the oldest goes). A stranger who
 * connects before or after the device cannot push the device's connection out. */
static void hold_conn(sipb_bfcp_client *c, int fd, const sipb_addr *from)
{
	for (int i = 0; i < c->n_held; i++)
		if (sipb_addr_same_host(&c->held[i].from, from)) {
			held_close(c, i, false, "the same host connected again");
			break;
		}
	if (c->n_held == HELD_MAX)
		held_close(c, 0, false, "too many connections before the answer");
	c->held[c->n_held].fd = fd;
	c->held[c->n_held].from = *from;
	c->n_held++;
	c->hub->conns++;
}

/* Once the answer is known: the newest held connection from a host it names becomes the
 * client's connection (its waiting messages are read then); the others are closed. */
static void take_held(sipb_bfcp_client *c)
{
	int keep = -1;
	for (int i = c->n_held - 1; i >= 0 && keep < 0; i--)
		if (host_taken(c, &c->held[i].from))
			keep = i;
	if (keep >= 0) {
		c->conn_from = c->held[keep].from;
		c->fd = held_remove(c, keep);
		c->connected = true;
		watch_conn(c);
	}
	held_close_all(c, true, "not the answering device's host");
}

static gboolean on_accept(gint fd, GIOCondition cond, gpointer data)
{
	(void)cond;
	sipb_bfcp_client *c = data;
	sipb_addr from;
	from.len = sizeof(from.ss);
	int nfd = accept(fd, (struct sockaddr *)&from.ss, &from.len);
	if (nfd < 0)
		return G_SOURCE_CONTINUE;
	if (!g_unix_set_fd_nonblocking(nfd, TRUE, NULL) || fcntl(nfd, F_SETFD, FD_CLOEXEC) < 0) {
		close(nfd);
		return G_SOURCE_CONTINUE;
	}
	if (!host_taken(c, &from) || c->hub->conns >= c->hub->lim.max_conns) {
		c->hub->st.conns_refused++;
		close(nfd);
		return G_SOURCE_CONTINUE;
	}
	if (c->await_peer) {
		hold_conn(c, nfd, &from);
		return G_SOURCE_CONTINUE;
	}
	if (c->fd >= 0)
		client_close_conn(c, "the peer connected again"); /* connection:new */
	c->fd = nfd;
	c->conn_from = from;
	c->hub->conns++;
	c->connected = true;
	watch_conn(c);
	return G_SOURCE_CONTINUE;
}

/* --- clients ------------------------------------------------------------------------- */

static int open_socket(sipb_bfcp_client *c, const char *local_ip, int type, int *fd_out)
{
	sipb_addr local;
	if (sipb_addr_set(&local, local_ip, 0) < 0)
		return -EINVAL;
	int fd = socket(local.ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&local.ss, local.len) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	sipb_addr bound;
	bound.len = sizeof(bound.ss);
	if (getsockname(fd, (struct sockaddr *)&bound.ss, &bound.len) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	c->port = (uint16_t)sipb_addr_port(&bound);
	*fd_out = fd;
	return 0;
}

static int client_open(sipb_bfcp_client *c, const sipb_bfcp_client_config *cfg)
{
	int r;
	if (c->udp) {
		r = open_socket(c, cfg->local_ip, SOCK_DGRAM, &c->fd);
		if (r < 0)
			return r;
		c->hub->conns++;
		/* the SDP's address may be sent to once the peer is known (same host) */
		if (cfg->remote_ip && cfg->remote_port > 0
			&& sipb_addr_set(&c->remote, cfg->remote_ip, cfg->remote_port) == 0
			&& c->have_peer_host && sipb_addr_same_host(&c->remote, &c->peer_host))
			c->connected = true;
		else
			memset(&c->remote, 0, sizeof(c->remote));
		watch_conn(c);
		return 0;
	}
	if (cfg->we_connect) {
		if (!cfg->remote_ip || cfg->remote_port <= 0
			|| sipb_addr_set(&c->remote, cfg->remote_ip, cfg->remote_port) < 0
			|| (c->have_peer_host && !sipb_addr_same_host(&c->remote, &c->peer_host)))
			return -EINVAL; /* never connect to a host the call did not come from */
		r = open_socket(c, cfg->local_ip, SOCK_STREAM, &c->fd);
		if (r < 0)
			return r;
		c->hub->conns++;
		if (connect(c->fd, (const struct sockaddr *)&c->remote.ss, c->remote.len) < 0
			&& errno != EINPROGRESS) {
			return -errno;
		}
		c->connected = true; /* messages queue until the connection is writable */
		watch_conn(c);
		return 0;
	}
	r = open_socket(c, cfg->local_ip, SOCK_STREAM, &c->lfd);
	if (r < 0)
		return r;
	if (listen(c->lfd, 4) < 0)
		return -errno;
	c->lsrc = g_unix_fd_source_new(c->lfd, G_IO_IN);
	g_source_set_callback(c->lsrc, (GSourceFunc)(void (*)(void))on_accept, c, NULL);
	g_source_attach(c->lsrc, c->hub->ctx);
	return 0;
}

int sipb_bfcp_client_new(sipb_bfcp_hub *h, const sipb_bfcp_client_config *cfg,
	const sipb_bfcp_client_events *ev, sipb_bfcp_client **out)
{
	*out = NULL;
	if (!h || !cfg || !cfg->room || !cfg->local_ip
		|| (cfg->await_peer && (cfg->udp || cfg->we_connect)))
		return -EINVAL;
	if (h->conns >= h->lim.max_conns)
		return -EMFILE;
	hub_room *r = room_get(h, cfg->room, true);
	uint16_t uid = 0;
	for (int tries = 0; tries < 0xfffe && uid == 0; tries++) {
		uint16_t u = r->next_user++;
		if (r->next_user == SIPB_BFCP_OTHER_USER)
			r->next_user = 1;
		if (u != 0 && u != SIPB_BFCP_OTHER_USER && room_client(r, u) == NULL)
			uid = u;
	}
	sipb_bfcp_client *c = g_new0(sipb_bfcp_client, 1);
	c->hub = h;
	c->room = r;
	c->user_id = uid;
	c->udp = cfg->udp != 0;
	c->lfd = c->fd = -1;
	c->presenter_key = cfg->presenter_key;
	c->in = g_byte_array_new();
	c->out = g_byte_array_new();
	if (c->udp)
		c->rt = bfcp_retrans_new();
	if (ev)
		c->ev = *ev;
	c->have_peer_host = cfg->peer_host && sipb_addr_set(&c->peer_host, cfg->peer_host, 0) == 0;
	c->await_peer = cfg->await_peer && !c->have_peer_host;
	g_ptr_array_add(r->clients, c);
	c->display = g_strdup(cfg->display);
	int rc = uid && floor_client_add(c, c->udp ? 2 : 1) ? client_open(c, cfg) : -EMFILE;
	if (rc < 0) {
		c->ev.floor = NULL;
		sipb_bfcp_client_free(c);
		return rc;
	}
	c->timer = g_timeout_source_new_seconds(1);
	g_source_set_callback(c->timer, on_timer, c, NULL);
	g_source_attach(c->timer, h->ctx);
	*out = c;
	return 0;
}

void sipb_bfcp_client_free(sipb_bfcp_client *c)
{
	if (!c)
		return;
	sipb_bfcp_hub *h = c->hub;
	hub_room *r = c->room;
	c->ev.floor = NULL;
	drop_conn_fd(c);
	held_close_all(c, false, NULL);
	if (c->lsrc) {
		g_source_destroy(c->lsrc);
		g_source_unref(c->lsrc);
	}
	if (c->lfd >= 0)
		close(c->lfd);
	if (c->timer) {
		g_source_destroy(c->timer);
		g_source_unref(c->timer);
	}
	bfcp_retrans_free(c->rt);
	c->rt = NULL; /* messages to this client from here on are not kept */
	rt_arm(c);
	uint16_t before = bfcp_floor_holder(r->fs, SIPB_BFCP_FLOOR_ID);
	bfcp_outbox out = { 0 };
	bfcp_floor_client_remove(r->fs, c->user_id, &out);
	g_ptr_array_remove(r->clients, c);
	deliver(r, &out);
	settle(r, before);
	g_byte_array_unref(c->in);
	g_byte_array_unref(c->out);
	g_free(c->display);
	g_free(c);
	if (r->clients->len == 0)
		g_hash_table_remove(h->rooms, r->address);
}

int sipb_bfcp_client_peer_known(sipb_bfcp_client *c, const char *host, const char *alt)
{
	if (!c || !c->await_peer)
		return 0;
	c->have_peer_host = host && sipb_addr_set(&c->peer_host, host, 0) == 0;
	c->have_peer_alt = alt && sipb_addr_set(&c->peer_alt, alt, 0) == 0;
	if (!c->have_peer_host && !c->have_peer_alt) {
		/* no host to take: nothing held is kept or acted on (the caller drops it) */
		held_close_all(c, true, "the answer named no host");
		return -EINVAL;
	}
	c->await_peer = false;
	take_held(c);
	return 0;
}

uint16_t sipb_bfcp_client_port(const sipb_bfcp_client *c)
{
	return c ? c->port : 0;
}

uint16_t sipb_bfcp_client_user_id(const sipb_bfcp_client *c)
{
	return c ? c->user_id : 0;
}

uint32_t sipb_bfcp_client_conference_id(const sipb_bfcp_client *c)
{
	return c ? sipb_bfcp_conference_id(c->room->address) : 0;
}

int sipb_bfcp_client_is_listening(const sipb_bfcp_client *c)
{
	return c && !c->udp && c->lfd >= 0;
}

int sipb_bfcp_client_is_udp(const sipb_bfcp_client *c)
{
	return c && c->udp;
}

int sipb_bfcp_client_connected(const sipb_bfcp_client *c)
{
	return c && c->fd >= 0 && c->connected;
}

void sipb_bfcp_client_udp_backlog(const sipb_bfcp_client *c, size_t *pending, size_t *cached)
{
	*pending = c && c->rt ? bfcp_retrans_pending(c->rt) : 0;
	*cached = c && c->rt ? bfcp_retrans_cached(c->rt) : 0;
}

/* --- the MCU's presenter ------------------------------------------------------------- */

void sipb_bfcp_room_presenter(
	sipb_bfcp_hub *h, const char *room, const void *presenter, const char *name)
{
	hub_room *r = h && room ? room_get(h, room, false) : NULL;
	if (!r)
		return;
	uint16_t before = bfcp_floor_holder(r->fs, SIPB_BFCP_FLOOR_ID), want = 0;
	if (presenter) {
		want = SIPB_BFCP_OTHER_USER;
		for (guint i = 0; i < r->clients->len; i++) {
			sipb_bfcp_client *c = g_ptr_array_index(r->clients, i);
			if (c->presenter_key == presenter)
				want = c->user_id;
		}
	}
	/* one browser taking over from another keeps the holder SIPB_BFCP_OTHER_USER: it is
	 * granted again all the same, so room systems see a new floor request in FloorStatus */
	bool other_changed = want == SIPB_BFCP_OTHER_USER && presenter != r->presenter;
	r->presenter = presenter;
	if (want == before && !other_changed)
		return;
	bfcp_outbox out = { 0 };
	if (want == 0) {
		bfcp_floor_drop(r->fs, before, SIPB_BFCP_FLOOR_ID, &out);
	} else {
		if (want == SIPB_BFCP_OTHER_USER && !r->other_added)
			r->other_added = bfcp_floor_client_add(r->fs, SIPB_BFCP_OTHER_USER, 0);
		if (want == SIPB_BFCP_OTHER_USER)
			bfcp_floor_client_set_name(r->fs, SIPB_BFCP_OTHER_USER, name);
		bfcp_floor_take(r->fs, want, SIPB_BFCP_FLOOR_ID, &out);
	}
	deliver(r, &out);
	settle(r, before);
}

uint16_t sipb_bfcp_room_holder(sipb_bfcp_hub *h, const char *room)
{
	hub_room *r = h && room ? room_get(h, room, false) : NULL;
	return r ? bfcp_floor_holder(r->fs, SIPB_BFCP_FLOOR_ID) : 0;
}

/* --- the hub ------------------------------------------------------------------------- */

sipb_bfcp_hub *sipb_bfcp_hub_new(GMainContext *ctx, const sipb_bfcp_limits *limits)
{
	sipb_bfcp_hub *h = g_new0(sipb_bfcp_hub, 1);
	h->ctx = ctx;
	h->lim.max_conns = limits && limits->max_conns > 0 ? limits->max_conns : 256;
	h->lim.max_msg = limits && limits->max_msg >= BFCP_HEADER_LEN ? limits->max_msg : 8192;
	h->lim.idle_timeout_s = limits && limits->idle_timeout_s > 0 ? limits->idle_timeout_s : 10;
	h->rooms = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, room_free);
	return h;
}

void sipb_bfcp_hub_free(sipb_bfcp_hub *h)
{
	if (!h)
		return;
	g_hash_table_destroy(h->rooms);
	g_free(h);
}

void sipb_bfcp_hub_stats(sipb_bfcp_hub *h, sipb_bfcp_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (h)
		*out = h->st;
}
