/* Unit tests for proto/frame.c: splitting a byte stream into request lines. */
#include <stdint.h>
#include <string.h>
#include <check.h>

#include "frame.h"
#include "maestro-protocol.h"
#include "unit.h"

/* Copies n bytes into the reader in one commit, as one read() would. */
static void
put(struct frame_reader *fr, const char *data, size_t n)
{
	size_t avail = 0;
	char *p = frame_reader_space(fr, &avail);

	ck_assert_ptr_nonnull(p);
	ck_assert_uint_ge(avail, n);
	memcpy(p, data, n);
	frame_reader_commit(fr, n);
}

static void
put_str(struct frame_reader *fr, const char *s)
{
	put(fr, s, strlen(s));
}

static void
expect_line_n(struct frame_reader *fr, const char *want, size_t want_len)
{
	const char *line = NULL;
	size_t len = SIZE_MAX;

	ck_assert_int_eq(frame_reader_next(fr, &line, &len), FRAME_LINE);
	ck_assert_uint_eq(len, want_len);
	ck_assert_ptr_nonnull(line);
	ck_assert_msg(memcmp(line, want, len) == 0, "line is '%.*s', expected '%s'", (int)len,
		      line, want);
}

static void
expect_line(struct frame_reader *fr, const char *want)
{
	expect_line_n(fr, want, strlen(want));
}

static void
expect_status(struct frame_reader *fr, enum frame_status want)
{
	const char *line;
	size_t len;

	ck_assert_int_eq(frame_reader_next(fr, &line, &len), want);
}

/* The bound the header promises: a line, a '\r' (or the byte too many) and '\n'. */
static void
assert_bounded(const struct frame_reader *fr)
{
	ck_assert_uint_le(fr->cap, fr->max_line + 2);
	ck_assert_uint_le(frame_reader_pending(fr), fr->max_line + 2);
}

START_TEST(test_fresh_reader)
{
	struct frame_reader fr;

	/* Nothing read yet: no line, nothing pending, and no allocation needed. */
	ck_assert_int_eq(frame_reader_init(&fr, 64), 0);
	ck_assert_uint_eq(frame_reader_pending(&fr), 0);
	expect_status(&fr, FRAME_NEED_MORE);
	frame_reader_fini(&fr);
	/* fini leaves the reader zeroed, so a second fini is harmless. */
	frame_reader_fini(&fr);
	ck_assert_ptr_null(fr.buf);
}
END_TEST

START_TEST(test_byte_by_byte)
{
	static const char msg[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"system.ping\"}\n";
	struct frame_reader fr;

	frame_reader_init(&fr, 4096);
	for (size_t i = 0; i + 1 < sizeof msg - 1; i++) {
		put(&fr, msg + i, 1);
		expect_status(&fr, FRAME_NEED_MORE);
		ck_assert_uint_eq(frame_reader_pending(&fr), i + 1);
		/* Bytes already scanned are not scanned again: that is what keeps this linear. */
		ck_assert_uint_eq(fr.scanned, i + 1);
	}
	put(&fr, "\n", 1);
	expect_line_n(&fr, msg, sizeof msg - 2);
	ck_assert_uint_eq(frame_reader_pending(&fr), 0);
	expect_status(&fr, FRAME_NEED_MORE);
	assert_bounded(&fr);
	frame_reader_fini(&fr);
}
END_TEST

START_TEST(test_many_lines_one_commit)
{
	struct frame_reader fr;

	frame_reader_init(&fr, 4096);
	put_str(&fr, "one\ntwo\n\nthree\r\nfour");
	expect_line(&fr, "one");
	expect_line(&fr, "two");
	expect_line(&fr, "");
	expect_line(&fr, "three");
	expect_status(&fr, FRAME_NEED_MORE);
	ck_assert_uint_eq(frame_reader_pending(&fr), 4);
	/* The unfinished "four" is kept across the next commit. */
	put_str(&fr, " and five\nsix\n");
	expect_line(&fr, "four and five");
	expect_line(&fr, "six");
	expect_status(&fr, FRAME_NEED_MORE);
	ck_assert_uint_eq(frame_reader_pending(&fr), 0);
	frame_reader_fini(&fr);
}
END_TEST

START_TEST(test_split_lines)
{
	struct frame_reader fr;

	/* A line split over commits at every awkward place, '\r' and '\n' included. */
	frame_reader_init(&fr, 4096);
	put_str(&fr, "ab");
	expect_status(&fr, FRAME_NEED_MORE);
	put_str(&fr, "c\r");
	expect_status(&fr, FRAME_NEED_MORE);
	put_str(&fr, "\nde");
	expect_line(&fr, "abc");
	expect_status(&fr, FRAME_NEED_MORE);
	put_str(&fr, "f\n");
	expect_line(&fr, "def");
	put_str(&fr, "\n");
	expect_line(&fr, "");
	frame_reader_fini(&fr);
}
END_TEST

START_TEST(test_pointer_validity)
{
	struct frame_reader fr;
	const char *l1, *l2, *l3;
	size_t n1, n2, n3;

	frame_reader_init(&fr, 4096);
	put_str(&fr, "alpha\nbeta\ngamma\nrest");
	ck_assert_int_eq(frame_reader_next(&fr, &l1, &n1), FRAME_LINE);
	ck_assert_int_eq(frame_reader_next(&fr, &l2, &n2), FRAME_LINE);
	ck_assert_int_eq(frame_reader_next(&fr, &l3, &n3), FRAME_LINE);
	expect_status(&fr, FRAME_NEED_MORE);
	/* Later calls to next() leave earlier lines alone: all three still read right. */
	ck_assert_uint_eq(n1, 5);
	ck_assert_uint_eq(n2, 4);
	ck_assert_uint_eq(n3, 5);
	ck_assert(memcmp(l1, "alpha", 5) == 0);
	ck_assert(memcmp(l2, "beta", 4) == 0);
	ck_assert(memcmp(l3, "gamma", 5) == 0);
	/* They point into the reader's own buffer; no copy is made. */
	ck_assert(l1 >= fr.buf && l3 + n3 <= fr.buf + fr.end);

	/*
	 * space() moves the unfinished line to the front, over the lines
	 * returned before; that is why they are only valid until it is called.
	 */
	{
		size_t avail;
		char *p = frame_reader_space(&fr, &avail);

		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq(fr.start, 0);
		ck_assert(memcmp(fr.buf, "rest", 4) == 0);
		ck_assert_ptr_eq(p, fr.buf + 4);
	}
	put_str(&fr, "\n");
	expect_line(&fr, "rest");
	frame_reader_fini(&fr);
}
END_TEST

START_TEST(test_exact_max_line)
{
	enum { MAX = 16 };
	char line[MAX + 1];
	struct frame_reader fr;

	memset(line, 'x', MAX);
	line[MAX] = '\n';

	/* In one commit. */
	frame_reader_init(&fr, MAX);
	put(&fr, line, MAX + 1);
	expect_line_n(&fr, line, MAX);
	assert_bounded(&fr);
	frame_reader_fini(&fr);

	/* A byte at a time: still waiting, not refused, at max_line bytes. */
	frame_reader_init(&fr, MAX);
	for (size_t i = 0; i < MAX; i++) {
		put(&fr, line + i, 1);
		expect_status(&fr, FRAME_NEED_MORE);
	}
	put(&fr, "\n", 1);
	expect_line_n(&fr, line, MAX);
	assert_bounded(&fr);
	frame_reader_fini(&fr);
}
END_TEST

START_TEST(test_max_line_plus_one)
{
	enum { MAX = 16 };
	char line[MAX + 2];
	struct frame_reader fr;

	memset(line, 'y', MAX + 1);
	line[MAX + 1] = '\n';

	/* The whole line with its '\n' in one commit. */
	frame_reader_init(&fr, MAX);
	put(&fr, line, MAX + 2);
	expect_status(&fr, FRAME_TOO_LONG);
	assert_bounded(&fr);
	frame_reader_fini(&fr);

	/* A byte at a time: refused at byte max_line + 1, without waiting for '\n'. */
	frame_reader_init(&fr, MAX);
	for (size_t i = 0; i < MAX; i++) {
		put(&fr, line + i, 1);
		expect_status(&fr, FRAME_NEED_MORE);
	}
	put(&fr, line + MAX, 1);
	expect_status(&fr, FRAME_TOO_LONG);
	/* And it stays refused. */
	expect_status(&fr, FRAME_TOO_LONG);
	assert_bounded(&fr);
	frame_reader_fini(&fr);
}
END_TEST

START_TEST(test_crlf)
{
	enum { MAX = 16 };
	char line[MAX + 4];
	struct frame_reader fr;

	frame_reader_init(&fr, 4096);
	put_str(&fr, "abc\r\n\r\na\rb\nx\r\r\n");
	expect_line(&fr, "abc");
	expect_line(&fr, "");	   /* "\r\n" alone is an empty line */
	expect_line(&fr, "a\rb");  /* a '\r' not before '\n' is data */
	expect_line(&fr, "x\r");   /* only one '\r' belongs to the ending */
	expect_status(&fr, FRAME_NEED_MORE);
	frame_reader_fini(&fr);

	/* max_line bytes then "\r\n", a byte at a time: the '\r' is not yet too much. */
	memset(line, 'z', MAX);
	memcpy(line + MAX, "\r\n", 2);
	frame_reader_init(&fr, MAX);
	for (size_t i = 0; i < MAX + 1; i++) {
		put(&fr, line + i, 1);
		expect_status(&fr, FRAME_NEED_MORE);
	}
	put(&fr, "\n", 1);
	expect_line_n(&fr, line, MAX);
	assert_bounded(&fr);
	frame_reader_fini(&fr);

	/* The same in one commit, which fills the buffer to max_line + 2 exactly. */
	frame_reader_init(&fr, MAX);
	put(&fr, line, MAX + 2);
	expect_line_n(&fr, line, MAX);
	assert_bounded(&fr);
	frame_reader_fini(&fr);

	/* max_line bytes, '\r', then not '\n': the '\r' was data after all. */
	frame_reader_init(&fr, MAX);
	put(&fr, line, MAX + 1);
	expect_status(&fr, FRAME_NEED_MORE);
	put_str(&fr, "q");
	expect_status(&fr, FRAME_TOO_LONG);
	frame_reader_fini(&fr);

	/* max_line + 1 bytes before "\r\n" is too long however it arrives. */
	memset(line, 'z', MAX + 1);
	memcpy(line + MAX + 1, "\r\n", 2);
	frame_reader_init(&fr, MAX);
	put(&fr, line, MAX + 1);
	expect_status(&fr, FRAME_TOO_LONG);
	frame_reader_fini(&fr);
	frame_reader_init(&fr, MAX + 1);
	/* (with one more byte allowed it fits, '\r' stripped) */
	put(&fr, line, MAX + 3);
	expect_line_n(&fr, line, MAX + 1);
	frame_reader_fini(&fr);
}
END_TEST

START_TEST(test_empty_lines)
{
	struct frame_reader fr;

	frame_reader_init(&fr, 4096);
	put_str(&fr, "\n\n\n");
	for (int i = 0; i < 3; i++)
		expect_line(&fr, "");
	expect_status(&fr, FRAME_NEED_MORE);
	ck_assert_uint_eq(frame_reader_pending(&fr), 0);
	frame_reader_fini(&fr);
}
END_TEST

START_TEST(test_limit_without_newline)
{
	enum { MAX = 100 };
	struct frame_reader fr;
	size_t total = 0;
	int too_long = 0;

	/*
	 * A client that never sends '\n' must be refused after max_line + 1
	 * bytes, and the reader must not take more than max_line + 2 even if
	 * the caller ignores the refusal and keeps reading.
	 */
	frame_reader_init(&fr, MAX);
	for (int round = 0; round < 100; round++) {
		size_t avail;
		char *p = frame_reader_space(&fr, &avail);
		size_t n = avail < 7 ? avail : 7;

		ck_assert_ptr_nonnull(p);
		assert_bounded(&fr);
		ck_assert_uint_le(frame_reader_pending(&fr) + avail, MAX + 2);
		if (avail == 0)
			break;
		memset(p, 'z', n);
		frame_reader_commit(&fr, n);
		total += n;
		if (total <= MAX) {
			expect_status(&fr, FRAME_NEED_MORE);
		} else {
			expect_status(&fr, FRAME_TOO_LONG);
			too_long++;
		}
	}
	ck_assert_int_gt(too_long, 0);
	ck_assert_uint_eq(total, MAX + 2);
	ck_assert_uint_eq(frame_reader_pending(&fr), MAX + 2);
	expect_status(&fr, FRAME_TOO_LONG);
	frame_reader_fini(&fr);
}
END_TEST

START_TEST(test_full_buffer)
{
	struct frame_reader fr;
	size_t avail = SIZE_MAX;

	/* Lines that fill the buffer: no room until they are taken out. */
	frame_reader_init(&fr, 8);
	put_str(&fr, "1234\n5678\n");
	ck_assert_ptr_nonnull(frame_reader_space(&fr, &avail));
	ck_assert_uint_eq(avail, 0);
	expect_line(&fr, "1234");
	expect_line(&fr, "5678");
	expect_status(&fr, FRAME_NEED_MORE);
	ck_assert_ptr_nonnull(frame_reader_space(&fr, &avail));
	ck_assert_uint_eq(avail, 10);
	assert_bounded(&fr);
	frame_reader_fini(&fr);
}
END_TEST

/*
 * Streams lines of varied lengths up to max_line, with both endings, in
 * reads of varied sizes, checking every line and the buffer bound after
 * every read. Covers the sizes around the first allocation (4096) and the
 * read chunk (65536).
 */
static void
stream_lines(size_t max_line)
{
	static const size_t chunks[] = { 1, 3, 4096, 65536, 7, SIZE_MAX, 2 };
	struct frame_reader fr;
	size_t n_lines = 24, line_no = 0, sent_line = 0, sent_off = 0, k = 0;
	char *scratch;

	frame_reader_init(&fr, max_line);
	while (line_no < n_lines) {
		/* Line i has length len(i), filled with one letter, "\n" or "\r\n". */
		size_t avail, want = chunks[k++ % (sizeof chunks / sizeof chunks[0])];
		char *p = frame_reader_space(&fr, &avail);
		size_t done = 0;

		ck_assert_ptr_nonnull(p);
		assert_bounded(&fr);
		ck_assert_uint_le(fr.end + avail, fr.cap);
		if (want > avail)
			want = avail;
		while (done < want && sent_line < n_lines) {
			size_t len = (sent_line * 7919 + (sent_line % 3 == 0 ? max_line : 0)) %
				     (max_line + 1);
			bool crlf = sent_line % 2;
			size_t total = len + (crlf ? 2 : 1);

			if (sent_off < len)
				p[done] = (char)('a' + sent_line % 26);
			else if (crlf && sent_off == len)
				p[done] = '\r';
			else
				p[done] = '\n';
			done++;
			if (++sent_off == total) {
				sent_line++;
				sent_off = 0;
			}
		}
		frame_reader_commit(&fr, done);
		for (;;) {
			const char *line;
			size_t len, want_len;
			enum frame_status st = frame_reader_next(&fr, &line, &len);

			ck_assert_int_ne(st, FRAME_TOO_LONG);
			if (st == FRAME_NEED_MORE)
				break;
			want_len = (line_no * 7919 + (line_no % 3 == 0 ? max_line : 0)) %
				   (max_line + 1);
			ck_assert_uint_eq(len, want_len);
			scratch = malloc(len + 1);
			ck_assert_ptr_nonnull(scratch);
			memset(scratch, 'a' + (int)(line_no % 26), len);
			ck_assert_msg(memcmp(line, scratch, len) == 0, "line %zu corrupted", line_no);
			free(scratch);
			line_no++;
		}
	}
	ck_assert_uint_eq(frame_reader_pending(&fr), 0);
	assert_bounded(&fr);
	frame_reader_fini(&fr);
}

START_TEST(test_buffer_bounded)
{
	static const size_t sizes[] = { 1, 2, 3, 100, 4093, 4094, 4095, 4096, 4097,
					65534, 65535, 65536, 70000, 300000 };

	stream_lines(sizes[_i]);
}
END_TEST

START_TEST(test_linear_time)
{
	/*
	 * An 8 MiB line arriving a byte at a time: if next() rescanned from
	 * the start each time this would be ~3.5e13 byte comparisons, minutes
	 * even for a vectorized memchr(), and hit the test timeout; scanning
	 * each byte once it takes a fraction of a second. (At the default
	 * 1 MiB a quadratic scan still finishes in seconds.)
	 */
	const size_t max = 8 * MAESTRO_MAX_LINE_DEFAULT;
	struct frame_reader fr;
	const char *line;
	size_t len;

	frame_reader_init(&fr, max);
	for (size_t i = 0; i < max; i++) {
		size_t avail;
		char *p = frame_reader_space(&fr, &avail);

		/* No ck_assert here: each one that passes still costs Check a write(). */
		if (p == NULL || avail == 0)
			ck_abort_msg("no room at byte %zu", i);
		*p = 'q';
		frame_reader_commit(&fr, 1);
		if (frame_reader_next(&fr, &line, &len) != FRAME_NEED_MORE)
			ck_abort_msg("refused at byte %zu", i + 1);
	}
	put(&fr, "\n", 1);
	ck_assert_int_eq(frame_reader_next(&fr, &line, &len), FRAME_LINE);
	ck_assert_uint_eq(len, max);
	ck_assert_uint_le(fr.cap, max + 2);
	frame_reader_fini(&fr);
}
END_TEST

START_TEST(test_max_line_changed_live)
{
	struct frame_reader fr;
	char big[50];

	/* conn_set_max_line() lowers the limit under a partial line: refused. */
	memset(big, 'b', sizeof big);
	frame_reader_init(&fr, 100);
	put(&fr, big, sizeof big);
	expect_status(&fr, FRAME_NEED_MORE);
	fr.max_line = 20;
	expect_status(&fr, FRAME_TOO_LONG);
	frame_reader_fini(&fr);

	/* Raised under a partial line: the longer line is accepted. */
	frame_reader_init(&fr, 16);
	put(&fr, big, 16);
	expect_status(&fr, FRAME_NEED_MORE);
	fr.max_line = 64;
	put(&fr, big, 10);
	put_str(&fr, "\n");
	expect_line_n(&fr, big, 26);
	assert_bounded(&fr);
	frame_reader_fini(&fr);
}
END_TEST

static Suite *
frame_suite(void)
{
	Suite *s = suite_create("frame");
	TCase *tc = tcase_create("frame");
	TCase *slow = tcase_create("frame_linear");

	tcase_add_test(tc, test_fresh_reader);
	tcase_add_test(tc, test_byte_by_byte);
	tcase_add_test(tc, test_many_lines_one_commit);
	tcase_add_test(tc, test_split_lines);
	tcase_add_test(tc, test_pointer_validity);
	tcase_add_test(tc, test_exact_max_line);
	tcase_add_test(tc, test_max_line_plus_one);
	tcase_add_test(tc, test_crlf);
	tcase_add_test(tc, test_empty_lines);
	tcase_add_test(tc, test_limit_without_newline);
	tcase_add_test(tc, test_full_buffer);
	tcase_add_loop_test(tc, test_buffer_bounded, 0, 14);
	tcase_add_test(tc, test_max_line_changed_live);
	suite_add_tcase(s, tc);

	/* Its own case so that its timeout is explicit: being slow is the failure. */
	tcase_set_timeout(slow, 10);
	tcase_add_test(slow, test_linear_time);
	suite_add_tcase(s, slow);
	return s;
}

int
main(void)
{
	return unit_run(frame_suite());
}
