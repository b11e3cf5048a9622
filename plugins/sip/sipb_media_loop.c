/*
 * sipb_media_loop.c - the pool of media loops (see sipb_media_loop.h).
 *
 * An epoll tag is (generation << 32 | slot << 8 | socket index); the loop's own eventfd has
 * WAKE_TAG. A slot's generation changes when its member detaches, so an event for a member
 * that left (fetched before it left) finds another generation and is dropped.
 */
#include "sipb_media_loop.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define MAX_US        100000 /* a loop runs its members' timers at least this often */
#define MAX_EVENTS    64
#define WAKE_TAG      UINT64_MAX
#define MAX_SLOTS     (1u << 24)
#define CPUS_PER_LOOP 4

typedef struct loop_slot {
	sipb_media *m; /* NULL: free */
	sipb_media_loop_member *lm;
	uint32_t gen;
	int64_t due_us; /* when its timers run next */
	int fd[SIPB_MEDIA_LOOP_SOCKETS];
} loop_slot;

struct sipb_media_loop {
	GThread *thread;
	int epoll_fd, wake_fd;
	gint stop;
	gint members;   /* atomic: slots in use, for picking the least busy loop */
	GRecMutex lock; /* held by the thread for a whole wake-up; guards what follows */
	loop_slot *slots;
	uint32_t n_slots;
	GPtrArray *dead; /* sipb_media freed by an event callback: destroyed after the wake-up */
};

static GMutex pool_lock;
static sipb_media_loop **pool;
static int pool_n, pool_want;
static gint pool_users; /* atomic: attached members */

static void wake_loop(sipb_media_loop *l)
{
	uint64_t one = 1;
	ssize_t r = write(l->wake_fd, &one, sizeof(one));
	(void)r;
}

static uint64_t tag_of(uint32_t slot, uint32_t gen, int idx)
{
	return (uint64_t)gen << 32 | (uint64_t)slot << 8 | (uint64_t)idx;
}

/* One wake-up's events (lock held). */
static void dispatch(sipb_media_loop *l, const struct epoll_event *evs, int n, bool *woken)
{
	for (int k = 0; k < n; k++) {
		uint64_t tag = evs[k].data.u64;
		if (tag == WAKE_TAG) {
			uint64_t v;
			ssize_t r = read(l->wake_fd, &v, sizeof(v));
			(void)r;
			*woken = true;
			continue;
		}
		uint32_t slot = (uint32_t)(tag >> 8) & (MAX_SLOTS - 1), gen = (uint32_t)(tag >> 32);
		int idx = (int)(tag & 0xff);
		if (slot >= l->n_slots || idx >= SIPB_MEDIA_LOOP_SOCKETS)
			continue;
		loop_slot *s = &l->slots[slot];
		if (s->m && s->gen == gen && s->fd[idx] >= 0)
			sipb_media_loop_ready(s->m, idx, s->fd[idx]);
	}
}

/* Runs the timers that are due or were asked for; returns the earliest next one (lock
 * held). */
static int64_t run_timers(sipb_media_loop *l, bool woken)
{
	int64_t now = g_get_monotonic_time(), next = now + MAX_US;
	for (uint32_t i = 0; i < l->n_slots; i++) {
		loop_slot *s = &l->slots[i];
		if (!s->m)
			continue;
		bool poked = woken && g_atomic_int_compare_and_exchange(&s->lm->poked, 1, 0);
		if (poked || now >= s->due_us) {
			int64_t due = sipb_media_loop_timers(s->m, now);
			s = &l->slots[i];
			if (s->m) /* (its callbacks may have freed it) */
				s->due_us = due;
		}
		if (s->m && s->due_us < next)
			next = s->due_us;
	}
	return next;
}

static gpointer loop_thread(gpointer data)
{
	sipb_media_loop *l = data;
	struct epoll_event evs[MAX_EVENTS];
	int64_t next = g_get_monotonic_time();
	while (!g_atomic_int_get(&l->stop)) {
		int64_t d = next - g_get_monotonic_time();
		int timeout_ms = d <= 0 ? 0 : (int)((d + 999) / 1000);
		int n = epoll_wait(l->epoll_fd, evs, MAX_EVENTS, timeout_ms);
		if (n < 0)
			n = 0; /* EINTR; nothing else can fail with a valid set */
		bool woken = false;
		g_rec_mutex_lock(&l->lock);
		dispatch(l, evs, n, &woken);
		next = run_timers(l, woken);
		GPtrArray *dead = l->dead->len ? l->dead : NULL;
		if (dead)
			l->dead = g_ptr_array_new();
		g_rec_mutex_unlock(&l->lock);
		if (dead) {
			for (guint i = 0; i < dead->len; i++) {
				sipb_media_loop_destroy(g_ptr_array_index(dead, i));
				g_atomic_int_dec_and_test(&pool_users); /* the pool stays up */
			}
			g_ptr_array_free(dead, TRUE);
		}
	}
	return NULL;
}

static void loop_free(sipb_media_loop *l)
{
	if (l->thread) {
		g_atomic_int_set(&l->stop, 1);
		wake_loop(l);
		g_thread_join(l->thread);
	}
	if (l->epoll_fd >= 0)
		close(l->epoll_fd);
	if (l->wake_fd >= 0)
		close(l->wake_fd);
	g_rec_mutex_clear(&l->lock);
	g_free(l->slots);
	if (l->dead)
		g_ptr_array_free(l->dead, TRUE);
	g_free(l);
}

static int loop_new(sipb_media_loop **out)
{
	sipb_media_loop *l = g_new0(sipb_media_loop, 1);
	g_rec_mutex_init(&l->lock);
	l->dead = g_ptr_array_new();
	l->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	l->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int r = 0;
	struct epoll_event e = { .events = EPOLLIN, .data.u64 = WAKE_TAG };
	if (l->epoll_fd < 0 || l->wake_fd < 0
		|| epoll_ctl(l->epoll_fd, EPOLL_CTL_ADD, l->wake_fd, &e) < 0)
		r = -errno;
	if (r == 0) {
		l->thread = g_thread_try_new("sipb-media", loop_thread, l, NULL);
		if (!l->thread)
			r = -EAGAIN;
	}
	if (r < 0) {
		loop_free(l);
		return r;
	}
	*out = l;
	return 0;
}

/* pool_lock held */
static int pool_start(void)
{
	int n = pool_want > 0 ? pool_want : (int)g_get_num_processors() / CPUS_PER_LOOP;
	if (n < 1)
		n = 1;
	pool = g_new0(sipb_media_loop *, n);
	for (int i = 0; i < n; i++) {
		int r = loop_new(&pool[i]);
		if (r < 0) {
			for (int j = 0; j < i; j++)
				loop_free(pool[j]);
			g_clear_pointer(&pool, g_free);
			return r;
		}
	}
	pool_n = n;
	return 0;
}

static void pool_release(void)
{
	if (!g_atomic_int_dec_and_test(&pool_users))
		return;
	g_mutex_lock(&pool_lock);
	if (g_atomic_int_get(&pool_users) == 0 && pool_n > 0) {
		for (int i = 0; i < pool_n; i++)
			loop_free(pool[i]);
		g_clear_pointer(&pool, g_free);
		pool_n = 0;
	}
	g_mutex_unlock(&pool_lock);
}

void sipb_media_loops_set_count(int n)
{
	g_mutex_lock(&pool_lock);
	pool_want = n > 0 ? n : 0;
	g_mutex_unlock(&pool_lock);
}

int sipb_media_loop_attach(sipb_media *m, sipb_media_loop_member *lm)
{
	if (!m || !lm || lm->loop)
		return -EINVAL;
	g_mutex_lock(&pool_lock);
	int r = pool_n > 0 ? 0 : pool_start();
	sipb_media_loop *l = NULL;
	for (int i = 0; r == 0 && i < pool_n; i++)
		if (!l || g_atomic_int_get(&pool[i]->members) < g_atomic_int_get(&l->members))
			l = pool[i];
	if (l) {
		g_rec_mutex_lock(&l->lock);
		uint32_t slot = 0;
		while (slot < l->n_slots && l->slots[slot].m)
			slot++;
		if (slot == l->n_slots && slot < MAX_SLOTS) {
			uint32_t grow = l->n_slots ? l->n_slots : 16;
			l->slots = g_renew(loop_slot, l->slots, l->n_slots + grow);
			memset(l->slots + l->n_slots, 0, grow * sizeof(loop_slot));
			l->n_slots += grow;
		}
		if (slot < l->n_slots) {
			loop_slot *s = &l->slots[slot];
			s->m = m;
			s->lm = lm;
			s->due_us = 0;
			for (int i = 0; i < SIPB_MEDIA_LOOP_SOCKETS; i++)
				s->fd[i] = -1;
			lm->loop = l;
			lm->slot = slot;
			lm->gen = s->gen;
			g_atomic_int_inc(&l->members);
			g_atomic_int_inc(&pool_users);
		} else {
			r = -ENOSPC;
		}
		g_rec_mutex_unlock(&l->lock);
	}
	g_mutex_unlock(&pool_lock);
	if (r == 0)
		wake_loop(l); /* its first timers run now */
	return r;
}

int sipb_media_loop_watch(sipb_media_loop_member *lm, int idx, int fd)
{
	if (!lm || !lm->loop || idx < 0 || idx >= SIPB_MEDIA_LOOP_SOCKETS || fd < 0)
		return -EINVAL;
	sipb_media_loop *l = lm->loop;
	int r = 0;
	g_rec_mutex_lock(&l->lock);
	loop_slot *s = &l->slots[lm->slot];
	if (s->fd[idx] != fd) {
		struct epoll_event e = { .events = EPOLLIN,
			.data.u64 = tag_of(lm->slot, lm->gen, idx) };
		if (s->fd[idx] >= 0)
			epoll_ctl(l->epoll_fd, EPOLL_CTL_DEL, s->fd[idx], NULL);
		s->fd[idx] = -1;
		if (epoll_ctl(l->epoll_fd, EPOLL_CTL_ADD, fd, &e) < 0)
			r = -errno;
		else
			s->fd[idx] = fd;
	}
	g_rec_mutex_unlock(&l->lock);
	return r;
}

void sipb_media_loop_poke(sipb_media_loop_member *lm)
{
	if (!lm || !lm->loop)
		return;
	g_atomic_int_set(&lm->poked, 1);
	wake_loop(lm->loop);
}

bool sipb_media_loop_detach(sipb_media_loop_member *lm, sipb_media *m)
{
	if (!lm || !lm->loop)
		return false;
	sipb_media_loop *l = lm->loop;
	bool own = g_thread_self() == l->thread;
	g_rec_mutex_lock(&l->lock);
	loop_slot *s = &l->slots[lm->slot];
	for (int i = 0; i < SIPB_MEDIA_LOOP_SOCKETS; i++)
		if (s->fd[i] >= 0)
			epoll_ctl(l->epoll_fd, EPOLL_CTL_DEL, s->fd[i], NULL);
	s->m = NULL;
	s->lm = NULL;
	s->gen++;
	g_atomic_int_add(&l->members, -1);
	if (own)
		g_ptr_array_add(l->dead, m);
	g_rec_mutex_unlock(&l->lock);
	lm->loop = NULL;
	if (!own)
		pool_release();
	return own;
}
