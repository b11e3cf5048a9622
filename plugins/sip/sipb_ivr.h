/*
 * sipb_ivr.h - the keypad side of the IVR, pure: collects DTMF digits into an entry ended by
 * '#' or, when the entry has a known length (a 4-digit PIN, a 6-digit meeting number), by its
 * last digit; counts tries, and reads DTMF out of SIP INFO bodies (application/dtmf-relay
 * "Signal=5", application/dtmf "5"). What an entry means (a meeting number, a PIN) is the
 * call's business (sipb_call.c).
 *
 * Threads: any; a sipb_ivr is used by one thread. Ownership: plain value, nothing to free.
 */
#ifndef TPAAS_SIPB_IVR_H
#define TPAAS_SIPB_IVR_H

#include <stddef.h>

#define SIPB_IVR_MAX_DIGITS 12
#define SIPB_IVR_MAX_TRIES  3

typedef struct sipb_ivr {
	char digits[SIPB_IVR_MAX_DIGITS + 1];
	size_t n;
	size_t length;      /* digits that complete an entry without '#'; 0: only '#' does */
	int overflow;       /* more digits than any valid entry: the entry is wrong */
	int tries;          /* wrong entries so far */
	size_t base_length; /* the length before sipb_ivr_extend, 0 when not extended */
	int extended;       /* the entry last completed was collected past an extension */
} sipb_ivr;

void sipb_ivr_reset(sipb_ivr *ivr);
/* From now on an entry of length digits is complete at its last digit (0: only at '#'); '#'
 * still ends a shorter one. Keeps what was typed and the tries. */
void sipb_ivr_set_length(sipb_ivr *ivr, size_t length);
/* Feeds one key. Returns 1 when '#', or the digit that made the entry the set length, completed
 * an entry (*entry points to it, or to "" when it overflowed; valid until the next call), 0
 * otherwise. '*' clears the entry; a '#' with nothing typed is ignored (so the '#' a caller adds
 * after a complete PIN is no second, empty entry). */
int sipb_ivr_key(sipb_ivr *ivr, char key, const char **entry);
/* The entry just completed (by its set length) is not complete after all: it may be the
 * start of a longer one (a 4-digit PIN or the first digits of an invitation's code). Keeps
 * its digits and waits for more: the entry now completes at `length` digits or at '#'. The
 * next completed entry has ivr->extended set; then (or at '*') the length set before applies
 * again. Call it only right after sipb_ivr_key returned 1. */
void sipb_ivr_extend(sipb_ivr *ivr, size_t length);
/* Counts a wrong entry; returns 1 when the caller has used up SIPB_IVR_MAX_TRIES. */
int sipb_ivr_wrong(sipb_ivr *ivr);

/* The key of a SIP INFO DTMF body, or 0 when there is none. content_type may carry
 * parameters; body need not be NUL-terminated. */
char sipb_ivr_key_from_info(const char *content_type, const char *body, size_t len);

#endif
