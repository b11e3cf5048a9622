/*
 * mcu_g711.h - ITU-T G.711 companding: µ-law (PCMU) and A-law (PCMA), 8 kHz, one byte per
 * sample. Sample-exact with the reference algorithm (segment + 4-bit mantissa).
 *
 * Threads: pure functions, callable from any thread. Ownership: callers' buffers only.
 */
#ifndef TPAAS_MCU_G711_H
#define TPAAS_MCU_G711_H

#include <stddef.h>
#include <stdint.h>

#define MCU_G711_CLOCK_HZ      8000
#define MCU_G711_FRAME_SAMPLES 160 /* 20 ms at 8 kHz */

uint8_t mcu_g711_ulaw_encode(int16_t s);
int16_t mcu_g711_ulaw_decode(uint8_t u);
uint8_t mcu_g711_alaw_encode(int16_t s);
int16_t mcu_g711_alaw_decode(uint8_t a);

/* Whole buffers; n samples/bytes. is_alaw selects the law. */
void mcu_g711_encode(int is_alaw, const int16_t *pcm, uint8_t *out, size_t n);
void mcu_g711_decode(int is_alaw, const uint8_t *in, int16_t *pcm, size_t n);

#endif
