/*
 * sipb_ivr_test.c - the keypad side of the IVR and SIP INFO DTMF bodies (sipb_ivr.c).
 */
#include <string.h>
#include <glib.h>
#include "sipb_ivr.h"

static int feed(sipb_ivr *ivr, const char *keys, const char **entry)
{
	int done = 0;
	for (const char *k = keys; *k; k++)
		done = sipb_ivr_key(ivr, *k, entry);
	return done;
}

static void test_entries(void)
{
	sipb_ivr ivr;
	const char *e = NULL;
	sipb_ivr_reset(&ivr);
	g_assert_cmpint(feed(&ivr, "123", &e), ==, 0);
	g_assert_cmpint(feed(&ivr, "456#", &e), ==, 1);
	g_assert_cmpstr(e, ==, "123456");
	g_assert_cmpint(feed(&ivr, "12*98#", &e), ==, 1); /* '*' starts over */
	g_assert_cmpstr(e, ==, "98");
	g_assert_cmpint(
		feed(&ivr, "#", &e), ==, 0); /* a '#' alone is no entry (and no wrong try) */
	g_assert_cmpint(feed(&ivr, "1234567890123456789#", &e), ==, 1); /* too long: wrong */
	g_assert_cmpstr(e, ==, "");
	g_assert_cmpint(feed(&ivr, "AB7#", &e), ==, 1);
	g_assert_cmpstr(e, ==, "7");
	g_assert_cmpint(sipb_ivr_wrong(&ivr), ==, 0);
	g_assert_cmpint(sipb_ivr_wrong(&ivr), ==, 0);
	g_assert_cmpint(sipb_ivr_wrong(&ivr), ==, 1);
}

/* A PIN is 4 digits and a meeting number 6: the entry is taken at its last digit, and a '#'
 * after it (the old habit, or what the prompt used to ask for) is no second, empty entry. */
static void test_fixed_length(void)
{
	sipb_ivr ivr;
	const char *e = NULL;
	sipb_ivr_reset(&ivr);
	sipb_ivr_set_length(&ivr, 4);
	g_assert_cmpint(feed(&ivr, "432", &e), ==, 0);
	g_assert_cmpint(sipb_ivr_key(&ivr, '1', &e), ==, 1);
	g_assert_cmpstr(e, ==, "4321");
	g_assert_cmpint(sipb_ivr_key(&ivr, '#', &e), ==, 0);
	g_assert_cmpint(feed(&ivr, "98*1234", &e), ==, 1); /* '*' starts over */
	g_assert_cmpstr(e, ==, "1234");
	g_assert_cmpint(feed(&ivr, "12#", &e), ==, 1); /* '#' still ends a shorter entry */
	g_assert_cmpstr(e, ==, "12");
	sipb_ivr_set_length(&ivr, 6);
	g_assert_cmpint(feed(&ivr, "12345", &e), ==, 0);
	g_assert_cmpint(sipb_ivr_key(&ivr, '6', &e), ==, 1);
	g_assert_cmpstr(e, ==, "123456");
	g_assert_cmpint(ivr.tries, ==, 0);
}

/* At the PIN prompt the first 4 digits of an invitation's 10-digit code look like a PIN: the
 * call extends the entry, which then goes on to the code's last digit (or '#'); afterwards,
 * and after '*', a 4-digit PIN is taken at its 4th digit again. */
static void test_extended_entry(void)
{
	sipb_ivr ivr;
	const char *e = NULL;
	sipb_ivr_reset(&ivr);
	sipb_ivr_set_length(&ivr, 4);
	g_assert_cmpint(feed(&ivr, "7315", &e), ==, 1);
	g_assert_cmpstr(e, ==, "7315");
	g_assert_cmpint(ivr.extended, ==, 0);
	sipb_ivr_extend(&ivr, 10);
	g_assert_cmpint(feed(&ivr, "04829", &e), ==, 0);
	g_assert_cmpint(sipb_ivr_key(&ivr, '6', &e), ==, 1);
	g_assert_cmpstr(e, ==, "7315048296");
	g_assert_cmpint(ivr.extended, ==, 1);
	g_assert_cmpint(sipb_ivr_key(&ivr, '#', &e), ==, 0); /* the '#' after it: nothing */
	/* back to 4 digits */
	g_assert_cmpint(feed(&ivr, "432", &e), ==, 0);
	g_assert_cmpint(sipb_ivr_key(&ivr, '1', &e), ==, 1);
	g_assert_cmpstr(e, ==, "4321");
	g_assert_cmpint(ivr.extended, ==, 0);
	/* extended, then '#' after the 4 digits: the 4 digits, marked extended */
	sipb_ivr_extend(&ivr, 10);
	g_assert_cmpint(sipb_ivr_key(&ivr, '#', &e), ==, 1);
	g_assert_cmpstr(e, ==, "4321");
	g_assert_cmpint(ivr.extended, ==, 1);
	/* extended, then '*': cleared, and 4 digits complete an entry again */
	g_assert_cmpint(feed(&ivr, "7315", &e), ==, 1);
	sipb_ivr_extend(&ivr, 10);
	g_assert_cmpint(feed(&ivr, "04*", &e), ==, 0);
	g_assert_cmpint(feed(&ivr, "1111", &e), ==, 1);
	g_assert_cmpstr(e, ==, "1111");
	g_assert_cmpint(ivr.extended, ==, 0);
	/* a shorter code ended by '#' */
	g_assert_cmpint(feed(&ivr, "1234", &e), ==, 1);
	sipb_ivr_extend(&ivr, 10);
	g_assert_cmpint(feed(&ivr, "5678#", &e), ==, 1);
	g_assert_cmpstr(e, ==, "12345678");
	g_assert_cmpint(ivr.tries, ==, 0);
}

static void test_info_bodies(void)
{
	const char *b = "Signal=5\r\nDuration=160\r\n";
	g_assert_cmpint(sipb_ivr_key_from_info("application/dtmf-relay", b, strlen(b)), ==, '5');
	b = "Duration= 250\r\nSignal = #\r\n";
	g_assert_cmpint(sipb_ivr_key_from_info("Application/DTMF-Relay", b, strlen(b)), ==, '#');
	b = "Signal=11\r\n";
	g_assert_cmpint(sipb_ivr_key_from_info("application/dtmf-relay", b, strlen(b)), ==, '#');
	b = "Signal=10";
	g_assert_cmpint(sipb_ivr_key_from_info("application/dtmf-relay", b, strlen(b)), ==, '*');
	b = "7\r\n";
	g_assert_cmpint(sipb_ivr_key_from_info("application/dtmf", b, strlen(b)), ==, '7');
	b = "Signal=x\r\n";
	g_assert_cmpint(sipb_ivr_key_from_info("application/dtmf-relay", b, strlen(b)), ==, 0);
	b = "Signal=5";
	g_assert_cmpint(sipb_ivr_key_from_info("text/plain", b, strlen(b)), ==, 0);
	g_assert_cmpint(sipb_ivr_key_from_info("application/dtmf-relay", b, 0), ==, 0);
	g_assert_cmpint(sipb_ivr_key_from_info(NULL, b, strlen(b)), ==, 0);
	/* not NUL-terminated: only len bytes are read */
	char buf[8] = { 'S', 'i', 'g', 'n', 'a', 'l', '=', '3' };
	g_assert_cmpint(
		sipb_ivr_key_from_info("application/dtmf-relay", buf, sizeof(buf)), ==, '3');
	g_assert_cmpint(sipb_ivr_key_from_info("application/dtmf-relay", buf, 7), ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sipb/ivr/entries", test_entries);
	g_test_add_func("/sipb/ivr/a-4-digit-pin-is-taken-at-its-4th-digit-with-or-without-hash",
		test_fixed_length);
	g_test_add_func("/sipb/ivr/an-extended-entry-runs-to-the-code-length-then-pins-are-4-again",
		test_extended_entry);
	g_test_add_func("/sipb/ivr/info-bodies", test_info_bodies);
	return g_test_run();
}
