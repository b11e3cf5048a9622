/*
 * mcu_g711.c - G.711 µ-law and A-law (see mcu_g711.h).
 *
 * µ-law (G.711 §3): add a bias of 0x84 to the magnitude, the segment is the position of the
 * highest set bit above bit 7, the mantissa the next 4 bits; all bits are inverted on the
 * wire. A-law (§2): 13-bit magnitude, segment 0 and 1 are linear, even bits inverted (0x55).
 */
#include "mcu_g711.h"

#define ULAW_BIAS 0x84
#define ULAW_CLIP 32635

uint8_t mcu_g711_ulaw_encode(int16_t s)
{
	int v = s;
	int sign = 0;
	if (v < 0) {
		sign = 0x80;
		v = -v;
	}
	if (v > ULAW_CLIP)
		v = ULAW_CLIP;
	v += ULAW_BIAS;
	int seg = 7;
	for (int mask = 0x4000; seg > 0 && !(v & mask); mask >>= 1)
		seg--;
	int mant = (v >> (seg + 3)) & 0x0f;
	return (uint8_t) ~(sign | (seg << 4) | mant);
}

int16_t mcu_g711_ulaw_decode(uint8_t u)
{
	u = (uint8_t)~u;
	int seg = (u >> 4) & 0x07;
	int v = (((u & 0x0f) << 3) + ULAW_BIAS) << seg;
	v -= ULAW_BIAS;
	return (int16_t)((u & 0x80) ? -v : v);
}

uint8_t mcu_g711_alaw_encode(int16_t s)
{
	int v = s >> 3; /* 13-bit */
	int mask;
	if (v >= 0) {
		mask = 0xd5;
	} else {
		mask = 0x55;
		v = -v - 1;
	}
	int seg = 0;
	while (seg < 8 && v > (0x20 << seg) - 1)
		seg++;
	if (seg >= 8)
		return (uint8_t)(0x7f ^ mask);
	int aval = seg << 4;
	aval |= seg < 2 ? (v >> 1) & 0x0f : (v >> seg) & 0x0f;
	return (uint8_t)(aval ^ mask);
}

int16_t mcu_g711_alaw_decode(uint8_t a)
{
	a ^= 0x55;
	int t = (a & 0x0f) << 4;
	int seg = (a & 0x70) >> 4;
	if (seg == 0)
		t += 8;
	else
		t = (t + 0x108) << (seg - 1);
	return (int16_t)((a & 0x80) ? t : -t);
}

void mcu_g711_encode(int is_alaw, const int16_t *pcm, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = is_alaw ? mcu_g711_alaw_encode(pcm[i]) : mcu_g711_ulaw_encode(pcm[i]);
}

void mcu_g711_decode(int is_alaw, const uint8_t *in, int16_t *pcm, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pcm[i] = is_alaw ? mcu_g711_alaw_decode(in[i]) : mcu_g711_ulaw_decode(in[i]);
}
