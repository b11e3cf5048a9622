/*
 * sipb_media_loop.h - the threads that receive every SIP call's media and run its timers.
 *
 * A process-wide pool of loops, one thread and one epoll set each. A call's sockets stay
 * registered with one loop (the one with the fewest calls when it attached) for the call's
 * life. A loop woken by one packet reads what has arrived for all of its calls in the same
 * wake-up, where a thread per call woke once per packet: with many calls, that is most of
 * what receiving cost (the scheduler and the wake-up, not the packet).
 *
 * The pool starts with the first member and stops when the last one leaves (from a thread
 * that is not a loop's). Size: sipb_media_loops_set_count (the SIP bridge's `media_threads`),
 * by default one loop per four CPUs, at least one.
 *
 * Threads: a loop calls sipb_media_loop_ready and sipb_media_loop_timers (sipb_media.c) for
 * its members holding its own (recursive) lock for the whole wake-up, event callbacks
 * included. A member detached under that lock is never touched again: an event fetched for
 * it before is dropped by its slot's generation. Lock order: a loop's lock, then whatever
 * sipb_media takes. An event callback may free its own call's media (it is destroyed after
 * the wake-up) but not another call's; when the last member leaves that way, the pool stays
 * up until a member attaches and leaves again.
 * Ownership: a sipb_media_loop_member lives in its sipb_media; loops belong to the pool.
 */
#ifndef TPAAS_SIPB_MEDIA_LOOP_H
#define TPAAS_SIPB_MEDIA_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

typedef struct sipb_media sipb_media;
typedef struct sipb_media_loop sipb_media_loop;

/* Per member: RTP and RTCP sockets of audio, video and slides, indices 0-5 (2 x stream + 1
 * for RTCP). */
#define SIPB_MEDIA_LOOP_SOCKETS 6

typedef struct sipb_media_loop_member {
	sipb_media_loop *loop; /* NULL: not attached */
	uint32_t slot, gen;
	gint poked; /* atomic: run the member's timers at the loop's next wake-up */
} sipb_media_loop_member;

/* How many loops the pool starts with (0: one per four CPUs, at least one). Takes effect
 * the next time the pool starts. */
void sipb_media_loops_set_count(int n);

/* Attaches m to a loop (starting the pool if it is not running). Its timers run at once.
 * Returns 0 or a negative errno. */
int sipb_media_loop_attach(sipb_media *m, sipb_media_loop_member *lm);

/* Registers socket idx (0 .. SIPB_MEDIA_LOOP_SOCKETS - 1) of an attached member; a socket
 * stays registered until detach (so it must stay open until then). */
int sipb_media_loop_watch(sipb_media_loop_member *lm, int idx, int fd);

/* Has the member's timers run at the loop's next wake-up, which it causes (any thread, no
 * lock taken). */
void sipb_media_loop_poke(sipb_media_loop_member *lm);

/* Detaches the member: the loop will not call it again. Returns true when the caller is the
 * member's own loop (an event callback freed the media): the loop then calls
 * sipb_media_loop_destroy after this wake-up, and the caller must not destroy m itself. */
bool sipb_media_loop_detach(sipb_media_loop_member *lm, sipb_media *m);

/* Implemented by sipb_media.c; called by the member's loop, holding the loop's lock. */
/* Packets wait on socket idx, descriptor fd. */
void sipb_media_loop_ready(sipb_media *m, int idx, int fd);
/* Runs what is due at now; returns when to run again (monotonic µs). */
int64_t sipb_media_loop_timers(sipb_media *m, int64_t now);
/* Finishes a sipb_media_free that an event callback of this loop made. */
void sipb_media_loop_destroy(sipb_media *m);

#endif
