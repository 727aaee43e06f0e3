/* Helpers shared by the Check unit test suites: running a suite, checking UTF-8. */
#ifndef MAESTRO_TESTS_UNIT_H
#define MAESTRO_TESTS_UNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <check.h>

/* Runs one suite, honouring CK_RUN_CASE, CK_FORK, CK_VERBOSITY and friends. */
static inline int
unit_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * Whether s[0..len) is well-formed UTF-8 by RFC 3629: no overlong forms,
 * no surrogates, nothing past U+10FFFF. Written independently of
 * proto/utf8.c (by decoding, not by byte ranges) so the two check each
 * other; replies must pass it, since clients refuse anything else.
 */
static inline bool
ref_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		unsigned long cp, min;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (len - i - 1 < n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

#endif
