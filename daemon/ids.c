/* Ids maestrod makes and checks: correlation ids, and the time prefix they share with traces. */
#include <ctype.h>
#include <string.h>
#include <sodium.h>

#include "ids.h"
#include "util.h"

void
id_time_prefix(uint8_t out[6], uint64_t now_us)
{
	uint64_t ms = now_us / 1000;

	for (int i = 0; i < 6; i++)
		out[i] = (uint8_t)(ms >> (40 - 8 * i));
}

void
correlation_new(char out[33])
{
	unsigned char raw[16];

	randombytes_buf(raw, sizeof raw);
	id_time_prefix(raw, now_usec(CLOCK_REALTIME));
	sodium_bin2hex(out, 33, raw, sizeof raw);
}

bool
correlation_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._:-", s[i]))
			return false;
	return true;
}
