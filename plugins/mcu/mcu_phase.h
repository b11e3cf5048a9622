/*
 * mcu_phase.h - spreads the rooms' periodic work over its period. Each room's composer (and
 * audio mixer) ticks at a fixed rate; rooms started together tick together, so on a node
 * with six rooms all six compose and encode at the same moment and the last one waits for
 * the other five, while the rest of the period the cores idle. A room's thread takes a phase
 * when it starts (the middle of the widest gap between the phases in use, so phases stay
 * as far apart as possible however rooms come and go) and gives it back when it stops; its
 * ticks then fall at that phase of the period, counted from a process-wide origin (0 of the
 * monotonic clock), so rooms with the same period never drift into each other.
 *
 * A phase is a fraction of the period in 1/65536 steps, so rooms of different frame rates
 * share one table (their ticks then meet now and then, which nothing can avoid).
 *
 * Threads: any; each table is one process-wide array under its own mutex (a room takes a
 * phase once, when its thread starts). mcu_phase_pick and mcu_phase_next_tick are pure.
 */
#ifndef TPAAS_MCU_PHASE_H
#define TPAAS_MCU_PHASE_H

#include <stddef.h>
#include <stdint.h>

typedef enum mcu_phase_kind {
	MCU_PHASE_VIDEO = 0, /* the composers */
	MCU_PHASE_AUDIO,     /* the audio mixers */
	MCU_PHASE_KINDS
} mcu_phase_kind;

/* The middle of the widest gap between the n phases in used (any order, repeats allowed);
 * 0 when n is 0. */
uint16_t mcu_phase_pick(const uint16_t *used, size_t n);

/* Takes a phase of the kind's table (mcu_phase_pick over the phases in use) and returns it;
 * give it back with mcu_phase_release. */
uint16_t mcu_phase_acquire(mcu_phase_kind kind);
void mcu_phase_release(mcu_phase_kind kind, uint16_t phase);

/* The first time at or after now_us at which a tick of period period_us with this phase
 * falls: t with t mod period_us == phase * period_us / 65536. */
int64_t mcu_phase_next_tick(int64_t now_us, int64_t period_us, uint16_t phase);

#endif
