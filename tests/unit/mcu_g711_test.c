/*
 * mcu_g711_test.c - G.711 µ-law and A-law (ITU-T G.711): the companding error of a round trip
 * stays within half a quantisation step, and every code word survives decode + encode.
 */
#include <glib.h>

#include "mcu_g711.h"

static void test_g711_companding_error_within_half_a_step(void)
{
	/* Companding error stays within half a step of the segment (about 1/16 relative). */
	for (int v = -32768; v <= 32767; v += 7) {
		int16_t s = (int16_t)v;
		int du = mcu_g711_ulaw_decode(mcu_g711_ulaw_encode(s)) - v;
		int da = mcu_g711_alaw_decode(mcu_g711_alaw_encode(s)) - v;
		int tol = MAX(ABS(v) / 16, 40);
		g_assert_cmpint(ABS(du), <=, tol);
		g_assert_cmpint(ABS(da), <=, tol);
	}
}

static void test_g711_codes_reencode_to_themselves(void)
{
	/* Codes decode and re-encode to themselves (except µ-law's two zeros). */
	for (int c = 0; c < 256; c++) {
		g_assert_cmpuint(mcu_g711_alaw_encode(mcu_g711_alaw_decode((uint8_t)c)), ==, c);
		if (c != 0x7f)
			g_assert_cmpuint(
				mcu_g711_ulaw_encode(mcu_g711_ulaw_decode((uint8_t)c)), ==, c);
	}
	g_assert_cmpuint(mcu_g711_ulaw_encode(0), ==, 0xff);
	g_assert_cmpuint(mcu_g711_alaw_encode(0), ==, 0xd5);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mcu/g711/companding-error-within-half-a-step",
		test_g711_companding_error_within_half_a_step);
	g_test_add_func(
		"/mcu/g711/codes-reencode-to-themselves", test_g711_codes_reencode_to_themselves);
	return g_test_run();
}
