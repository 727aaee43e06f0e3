/* Times in the audit trail: RFC 3339 and unix seconds, read and written. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit-query.h"

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (after H. Hinnant). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* n decimal digits at *p into *v; advances *p. */
static bool
digits(const char **p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return false;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return true;
}

static int
parse_unix_seconds(const char *s, int64_t *us)
{
	int64_t sec = 0, frac = 0;
	int n = 0, scale = 100000;

	for (; *s >= '0' && *s <= '9'; s++, n++) {
		sec = sec * 10 + (*s - '0');
		if (sec > AUDIT_TIME_MAX_SECONDS)
			return -EINVAL;
	}
	if (n == 0)
		return -EINVAL;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return -EINVAL;
		/* Microseconds are the resolution of the trail; finer digits are ignored. */
		for (n = 0; *s >= '0' && *s <= '9'; s++, n++) {
			if (n >= 9)
				return -EINVAL;
			if (scale > 0) {
				frac += (*s - '0') * scale;
				scale /= 10;
			}
		}
	}
	if (*s != '\0')
		return -EINVAL;
	*us = sec * 1000000 + frac;
	return 0;
}

static int
parse_rfc3339(const char *s, int64_t *us)
{
	static const unsigned char mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, frac = 0, scale = 100000;
	int64_t t;
	int sign = 0;

	if (!digits(&s, 4, &y) || *s++ != '-' || !digits(&s, 2, &mo) || *s++ != '-' ||
	    !digits(&s, 2, &d))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap(y)))
		return -EINVAL;
	if (*s != '\0') {
		if (*s != 'T' && *s != 't' && *s != ' ')
			return -EINVAL;
		s++;
		if (!digits(&s, 2, &h) || *s++ != ':' || !digits(&s, 2, &mi) || *s++ != ':' ||
		    !digits(&s, 2, &sec))
			return -EINVAL;
		/* 60: a leap second, which the trail's clock never shows but RFC 3339 allows. */
		if (h > 23 || mi > 59 || sec > 60)
			return -EINVAL;
		if (*s == '.') {
			int n;

			s++;
			for (n = 0; *s >= '0' && *s <= '9'; s++, n++) {
				if (n >= 9)
					return -EINVAL;
				if (scale > 0) {
					frac += (*s - '0') * scale;
					scale /= 10;
				}
			}
			if (n == 0)
				return -EINVAL;
		}
		if (*s == 'Z' || *s == 'z') {
			s++;
		} else if (*s == '+' || *s == '-') {
			sign = *s++ == '+' ? 1 : -1;
			if (!digits(&s, 2, &oh) || *s++ != ':' || !digits(&s, 2, &om) || oh > 23 ||
			    om > 59)
				return -EINVAL;
		} else {
			return -EINVAL; /* a time without its offset names no instant */
		}
		if (*s != '\0')
			return -EINVAL;
	}
	t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec;
	t -= sign * (oh * 3600 + om * 60);
	if (t < 0 || t > AUDIT_TIME_MAX_SECONDS)
		return -EINVAL;
	*us = t * 1000000 + frac;
	return 0;
}

int
audit_time_parse(const char *text, int64_t *us)
{
	size_t len;

	if (text == NULL)
		return -EINVAL;
	len = strlen(text);
	if (len == 0 || len > 64)
		return -EINVAL;
	/* A date has its '-' at index 4; unix seconds never do. */
	if (len >= 10 && text[4] == '-')
		return parse_rfc3339(text, us);
	return parse_unix_seconds(text, us);
}

void
audit_time_format(int64_t us, char buf[AUDIT_TIME_MAX])
{
	time_t sec = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
	long micro = (long)(us - (int64_t)sec * 1000000);
	struct tm tm;

	if (gmtime_r(&sec, &tm) == NULL) {
		snprintf(buf, AUDIT_TIME_MAX, "invalid");
		return;
	}
	snprintf(buf, AUDIT_TIME_MAX, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micro);
}
