/* Unit tests for proto/utf8.c: strict UTF-8 validation and sanitizing of messages. */
#include <stdint.h>
#include <string.h>
#include <check.h>

#include "unit.h"
#include "utf8.h"

/* Valid, bad at offset want_bad (SIZE_MAX: valid), with an explicit length. */
static void
expect(const char *s, size_t len, size_t want_bad)
{
	size_t bad = SIZE_MAX;
	bool ok = utf8_valid(s, len, &bad);

	if (want_bad == SIZE_MAX) {
		ck_assert_msg(ok, "refused at %zu", bad);
		ck_assert_uint_eq(bad, SIZE_MAX); /* left alone on success */
	} else {
		ck_assert_msg(!ok, "accepted a sequence bad at %zu", want_bad);
		ck_assert_uint_eq(bad, want_bad);
	}
	/* bad_offset may be NULL. */
	ck_assert(utf8_valid(s, len, NULL) == ok);
}

#define EXPECT_OK(lit) expect(lit, sizeof lit - 1, SIZE_MAX)
#define EXPECT_BAD(lit, at) expect(lit, sizeof lit - 1, at)

START_TEST(test_boundaries_accepted)
{
	EXPECT_OK("");
	EXPECT_OK("plain ASCII, \t\r\n and DEL \x7f");
	EXPECT_OK("\x00"); /* NUL is a character; the parsers refuse it separately */
	EXPECT_OK("\xc2\x80");		/* U+0080, the first 2-byte character */
	EXPECT_OK("\xdf\xbf");		/* U+07FF */
	EXPECT_OK("\xe0\xa0\x80");	/* U+0800, the first 3-byte character */
	EXPECT_OK("\xed\x9f\xbf");	/* U+D7FF, just below the surrogates */
	EXPECT_OK("\xee\x80\x80");	/* U+E000, just above them */
	EXPECT_OK("\xef\xbf\xbf");	/* U+FFFF */
	EXPECT_OK("\xf0\x90\x80\x80");	/* U+10000, the first 4-byte character */
	EXPECT_OK("\xf4\x8f\xbf\xbf");	/* U+10FFFF, the last there is */
	EXPECT_OK("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}
END_TEST

START_TEST(test_bad_forms_refused)
{
	EXPECT_BAD("\x80", 0);			/* continuation with no lead */
	EXPECT_BAD("\xbf", 0);
	EXPECT_BAD("\xc0\xaf", 0);		/* overlong "/" */
	EXPECT_BAD("\xc1\xbf", 0);		/* overlong U+007F */
	EXPECT_BAD("\xe0\x9f\xbf", 0);		/* overlong U+07FF */
	EXPECT_BAD("\xed\xa0\x80", 0);		/* surrogate U+D800 */
	EXPECT_BAD("\xed\xbf\xbf", 0);		/* surrogate U+DFFF */
	EXPECT_BAD("\xf0\x8f\xbf\xbf", 0);	/* overlong U+FFFF */
	EXPECT_BAD("\xf4\x90\x80\x80", 0);	/* U+110000 */
	EXPECT_BAD("\xf5\x80\x80\x80", 0);	/* no lead byte past F4 */
	EXPECT_BAD("\xf8\x88\x80\x80\x80", 0);	/* old 5-byte form */
	EXPECT_BAD("\xff", 0);
	EXPECT_BAD("\xfe", 0);
	/* A sequence cut short, by the end or by another byte, at each position. */
	EXPECT_BAD("\xc3", 0);
	EXPECT_BAD("\xe2\x82", 0);
	EXPECT_BAD("\xf0\x9f\x98", 0);
	EXPECT_BAD("\xc3" "a", 0);
	EXPECT_BAD("\xe2" "a\xac", 0);
	EXPECT_BAD("\xe2\x82" "a", 0);
	EXPECT_BAD("\xf0\x9f" "a\x80", 0);
	EXPECT_BAD("\xf0\x9f\x98" "a", 0);
	EXPECT_BAD("\xf0\x9f\x98\xc0", 0);
	/* The offset is where the bad sequence starts, after good text. */
	EXPECT_BAD("ok \xc3\xa9 then \xff", 11);
	EXPECT_BAD("\xe2\x82\xac\xe2\x82", 3);
}
END_TEST

START_TEST(test_length_is_respected)
{
	/* The length, not a NUL, ends the text: a character cut by it is bad. */
	ck_assert(!utf8_valid("\xc3\xa9", 1, NULL));
	ck_assert(utf8_valid("\xc3\xa9", 2, NULL));
	ck_assert(utf8_valid("a\xff", 1, NULL));
	ck_assert(utf8_valid("\xff", 0, NULL));
}
END_TEST

/*
 * Every 1-, 2- and 3-byte string against the independent decoder in
 * unit.h, and every 4-byte one whose last two bytes come from a set that
 * covers each class (ASCII, continuation edges, lead bytes, invalid).
 */
START_TEST(test_agrees_with_reference)
{
	static const unsigned char tails[] = { 0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f,
					       0xa0, 0xbf, 0xc0, 0xc2, 0xe0, 0xf0, 0xff };
	unsigned char b[4];
	unsigned long n = 0;

	for (unsigned x = 0; x < 256; x++) {
		b[0] = (unsigned char)x;
		ck_assert(utf8_valid((char *)b, 1, NULL) == ref_utf8_valid((char *)b, 1));
		for (unsigned y = 0; y < 256; y++) {
			b[1] = (unsigned char)y;
			if (utf8_valid((char *)b, 2, NULL) != ref_utf8_valid((char *)b, 2))
				ck_abort_msg("disagree on %02x %02x", x, y);
			for (unsigned z = 0; z < 256; z++) {
				b[2] = (unsigned char)z;
				if (utf8_valid((char *)b, 3, NULL) != ref_utf8_valid((char *)b, 3))
					ck_abort_msg("disagree on %02x %02x %02x", x, y, z);
				for (size_t w = 0; w < sizeof tails && x >= 0xf0; w++) {
					b[3] = tails[w];
					if (utf8_valid((char *)b, 4, NULL) !=
					    ref_utf8_valid((char *)b, 4))
						ck_abort_msg("disagree on %02x %02x %02x %02x", x, y,
							     z, b[3]);
					n++;
				}
			}
		}
	}
	ck_assert_uint_gt(n, 0);
}
END_TEST

static void
expect_sanitized(const char *in, const char *want)
{
	char buf[64];

	ck_assert_uint_lt(strlen(in), sizeof buf);
	strcpy(buf, in);
	utf8_sanitize(buf);
	ck_assert_str_eq(buf, want);
	ck_assert(ref_utf8_valid(buf, strlen(buf)));
}

START_TEST(test_sanitize)
{
	expect_sanitized("", "");
	expect_sanitized("fine: caf\xc3\xa9 \xf0\x9f\x98\x80", "fine: caf\xc3\xa9 \xf0\x9f\x98\x80");
	/* Byte for byte, so the length never changes and nothing is dropped. */
	expect_sanitized("cut \xc3", "cut ?");
	expect_sanitized("cut \xe2\x82", "cut ??");
	expect_sanitized("\xff\xfe", "??");
	expect_sanitized("overlong \xc0\xaf!", "overlong ??" "!"); /* (no trigraph) */
	expect_sanitized("surrogate \xed\xa0\x80.", "surrogate ???.");
	expect_sanitized("\xc3\xa9\xff\xc3\xa9", "\xc3\xa9?\xc3\xa9");
	/* A lead byte followed by a valid character keeps the character. */
	expect_sanitized("\xe2\xc3\xa9", "?\xc3\xa9");
}
END_TEST

static Suite *
utf8_suite(void)
{
	Suite *s = suite_create("utf8");
	TCase *tc = tcase_create("utf8");

	tcase_add_test(tc, test_boundaries_accepted);
	tcase_add_test(tc, test_bad_forms_refused);
	tcase_add_test(tc, test_length_is_respected);
	tcase_add_test(tc, test_agrees_with_reference);
	tcase_add_test(tc, test_sanitize);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(utf8_suite());
}
