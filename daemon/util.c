/* Small helpers every daemon module uses. */
#include <stdarg.h>
#include <stdio.h>

#include "util.h"

int
fail_with(char *msg, size_t size, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, size, fmt, ap);
	va_end(ap);
	return r;
}
