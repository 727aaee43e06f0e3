/* Fuzz target: counsel_reply_parse() on arbitrary replies from a model backend. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "counsel-backend.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[COUNSEL_MODEL_TEXT_MAX], small[8], err[200];
	int r;

	/* Twice: a full buffer, and one so small every counsel is cut. */
	r = counsel_reply_parse((const char *)data, size, out, sizeof out, err, sizeof err);
	fuzz_assert(r == 0 || r == -EINVAL || r == -E2BIG);
	if (r == 0) {
		size_t len = strlen(out);

		/* What reaches a terminal: UTF-8, not empty, no control characters but newlines. */
		fuzz_assert(len > 0 && len < sizeof out);
		fuzz_assert(fuzz_utf8_valid(out, len));
		for (size_t i = 0; i < len; i++)
			fuzz_assert((unsigned char)out[i] >= ' ' ? out[i] != 0x7f : out[i] == '\n');
	} else {
		fuzz_assert(out[0] == '\0');
		fuzz_assert(err[0] != '\0' && fuzz_utf8_valid(err, strlen(err)));
		fuzz_assert(r != -E2BIG || size > COUNSEL_REPLY_MAX);
	}
	r = counsel_reply_parse((const char *)data, size, small, sizeof small, err, sizeof err);
	if (r == 0)
		fuzz_assert(strlen(small) < sizeof small && fuzz_utf8_valid(small, strlen(small)));
	return 0;
}
