/* Line framing: splits a byte stream into '\n'-terminated request lines. */
#ifndef MAESTRO_FRAME_H
#define MAESTRO_FRAME_H

#include <stddef.h>

/*
 * A frame reader owns one growable buffer that never holds more than
 * max_line + 1 bytes of an unfinished line: the byte past the limit is how
 * an over-long line is recognised, and it is refused before anything more
 * is buffered. Bytes already scanned for '\n' are not scanned again, so a
 * line that arrives a few bytes at a time costs linear time.
 */
struct frame_reader {
	char *buf;
	size_t start;	 /* first byte not yet returned as a line */
	size_t end;	 /* one past the last byte read */
	size_t cap;
	size_t scanned;	 /* bytes from start known to hold no '\n' */
	size_t max_line; /* longest line accepted, '\n' not counted */
};

enum frame_status {
	FRAME_NEED_MORE = 0, /* no complete line yet */
	FRAME_LINE,	     /* *line and *len describe one line */
	FRAME_TOO_LONG,	     /* the line exceeds max_line; stop reading */
};

int frame_reader_init(struct frame_reader *fr, size_t max_line);
void frame_reader_fini(struct frame_reader *fr);

/*
 * Returns where up to *avail bytes may be read to, growing the buffer as
 * needed, or NULL with errno set. *avail is 0 only when a full line is
 * already buffered (call frame_reader_next() first) or the limit is hit.
 */
char *frame_reader_space(struct frame_reader *fr, size_t *avail);
void frame_reader_commit(struct frame_reader *fr, size_t n);

/*
 * The next complete line, without its '\n' (and without a '\r' before it).
 * The pointer stays valid until the next call to frame_reader_space().
 */
enum frame_status frame_reader_next(struct frame_reader *fr, const char **line,
				    size_t *len);

/* Bytes received but not yet returned as lines. */
size_t frame_reader_pending(const struct frame_reader *fr);

#endif
