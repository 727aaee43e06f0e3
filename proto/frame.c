/* Line framing: splits a byte stream into '\n'-terminated request lines. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

/* Read in pieces of this size; a request rarely needs more than one. */
#define FRAME_READ_CHUNK 65536

int
frame_reader_init(struct frame_reader *fr, size_t max_line)
{
	memset(fr, 0, sizeof *fr);
	fr->max_line = max_line;
	return 0;
}

void
frame_reader_fini(struct frame_reader *fr)
{
	free(fr->buf);
	memset(fr, 0, sizeof *fr);
}

size_t
frame_reader_pending(const struct frame_reader *fr)
{
	return fr->end - fr->start;
}

char *
frame_reader_space(struct frame_reader *fr, size_t *avail)
{
	size_t pending = fr->end - fr->start;
	size_t limit = fr->max_line + 2; /* line, a '\r' or one byte too many, '\n' */
	size_t want;

	/* Move the unfinished line to the front before growing. */
	if (fr->start > 0) {
		memmove(fr->buf, fr->buf + fr->start, pending);
		fr->start = 0;
		fr->end = pending;
	}
	if (pending >= limit) {
		*avail = 0;
		return fr->buf + fr->end;
	}
	want = limit - pending;
	if (want > FRAME_READ_CHUNK)
		want = FRAME_READ_CHUNK;
	if (fr->cap - fr->end < want) {
		size_t ncap = fr->cap ? fr->cap : 4096;
		char *nbuf;

		while (ncap - fr->end < want)
			ncap *= 2;
		if (ncap > limit && limit >= fr->end + want)
			ncap = limit;
		nbuf = realloc(fr->buf, ncap);
		if (nbuf == NULL)
			return NULL;
		fr->buf = nbuf;
		fr->cap = ncap;
	}
	*avail = want;
	return fr->buf + fr->end;
}

void
frame_reader_commit(struct frame_reader *fr, size_t n)
{
	fr->end += n;
}

enum frame_status
frame_reader_next(struct frame_reader *fr, const char **line, size_t *len)
{
	size_t pending = fr->end - fr->start;
	const char *base, *nl = NULL;
	size_t n;

	if (fr->buf == NULL)
		return FRAME_NEED_MORE; /* nothing was ever read */
	base = fr->buf + fr->start;
	if (pending > fr->scanned)
		nl = memchr(base + fr->scanned, '\n', pending - fr->scanned);
	if (nl == NULL) {
		fr->scanned = pending;
		/* A '\r' may still precede the '\n', so allow one byte for it. */
		if (pending > fr->max_line + 1 ||
		    (pending == fr->max_line + 1 && base[pending - 1] != '\r'))
			return FRAME_TOO_LONG;
		return FRAME_NEED_MORE;
	}
	n = (size_t)(nl - base);
	fr->start += n + 1;
	fr->scanned = 0;
	if (n > 0 && base[n - 1] == '\r')
		n--;
	if (n > fr->max_line)
		return FRAME_TOO_LONG;
	*line = base;
	*len = n;
	return FRAME_LINE;
}
