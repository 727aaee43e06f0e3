/* maestroctl top: the terminal's modes and screen, the signals, and bytes fit to show. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "top.h"

volatile sig_atomic_t top_got_quit, top_got_winch, top_got_tstp;

/* Quit (three ways), a new size, a suspension. */
static const int top_signal_list[TOP_N_SIGNALS] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGTSTP };
#define N_SIGNALS (sizeof top_signal_list / sizeof top_signal_list[0])

static void
on_signal(int sig)
{
	if (sig == SIGWINCH)
		top_got_winch = 1;
	else if (sig == SIGTSTP)
		top_got_tstp = 1;
	else
		top_got_quit = 1;
}

/*
 * The signals stay blocked except inside ppoll(), which unblocks them
 * atomically: none can slip in between the check of its flag and the
 * wait, and none interrupts a write of the frame halfway.
 */
void
top_signals_take(struct top_signals *s, sigset_t *wait_mask)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block;

	sigemptyset(&block);
	sigfillset(&sa.sa_mask);
	for (size_t i = 0; i < N_SIGNALS; i++) {
		sigaddset(&block, top_signal_list[i]);
		sigaction(top_signal_list[i], &sa, &s->old_sa[i]);
	}
	sigprocmask(SIG_BLOCK, &block, &s->old_mask);
	*wait_mask = s->old_mask;
	for (size_t i = 0; i < N_SIGNALS; i++)
		sigdelset(wait_mask, top_signal_list[i]);
}

void
top_signals_give_back(const struct top_signals *s)
{
	for (size_t i = 0; i < N_SIGNALS; i++)
		sigaction(top_signal_list[i], &s->old_sa[i], NULL);
	sigprocmask(SIG_SETMASK, &s->old_mask, NULL);
}

int64_t
top_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The whole buffer to fd; a terminal that went away ends the view. */
int
top_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };

			poll(&p, 1, 1000);
			continue;
		}
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

void
top_term_size(struct top *t)
{
	struct winsize ws;

	t->rows = 24;
	t->cols = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
		t->rows = ws.ws_row;
		t->cols = ws.ws_col;
	}
}

/*
 * Keys one at a time without echo (ICANON and ECHO off), but ISIG kept:
 * Ctrl-C and Ctrl-Z still arrive as signals, handled like q and as a
 * suspension. Then the alternate screen, so the shell's screen comes back
 * intact, and no cursor blinking over the figures.
 */
void
top_term_enter(struct top *t)
{
	static const char enter[] = "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J";

	if (t->term_fd >= 0 && tcgetattr(t->term_fd, &t->saved) == 0) {
		struct termios raw = t->saved;

		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		if (tcsetattr(t->term_fd, TCSANOW, &raw) == 0)
			t->raw = true;
	}
	top_write_all(STDOUT_FILENO, enter, sizeof enter - 1);
	t->screen = true;
	top_term_size(t);
}

/* Undoes top_term_enter(); safe to call twice. Every way out passes here. */
void
top_term_leave(struct top *t)
{
	static const char leave[] = "\x1b[?25h\x1b[?1049l";

	if (t->screen)
		top_write_all(STDOUT_FILENO, leave, sizeof leave - 1);
	t->screen = false;
	if (t->raw)
		tcsetattr(t->term_fd, TCSANOW, &t->saved);
	t->raw = false;
}

/* Ctrl-Z: give the shell its screen back, stop, and take the terminal again on SIGCONT. */
void
top_suspend(struct top *t)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL }, ours;
	sigset_t tstp;

	top_term_leave(t);
	sigemptyset(&tstp);
	sigaddset(&tstp, SIGTSTP);
	sigaction(SIGTSTP, &dfl, &ours);
	raise(SIGTSTP); /* pending while blocked; unblocking stops us here */
	sigprocmask(SIG_UNBLOCK, &tstp, NULL);
	sigprocmask(SIG_BLOCK, &tstp, NULL);
	sigaction(SIGTSTP, &ours, NULL);
	top_term_enter(t);
	top_draw(t);
}

/*
 * Bytes a terminal would act on (escapes, bells, backspaces) become '?':
 * the figures come from another process and must not drive the terminal.
 */
void
top_put_sanitized(FILE *out, const char *s, size_t len, size_t max_chars)
{
	size_t chars = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		/* A UTF-8 continuation byte belongs to the character before it. */
		if ((c & 0xc0) != 0x80 && chars++ >= max_chars)
			break;
		fputc(c < 0x20 || c == 0x7f ? '?' : c, out);
	}
}

/* Counts characters first: whether "..." is needed decides where to cut. */
void
top_fit_text(const char *in, size_t max_chars, char *out, size_t size)
{
	size_t n = 0, chars = 0, total = 0, keep = SIZE_MAX;

	for (const char *p = in; *p != '\0'; p++)
		total += ((unsigned char)*p & 0xc0) != 0x80;
	if (total > max_chars)
		keep = max_chars > 3 ? max_chars - 3 : 0;
	for (; *in != '\0'; in++) {
		unsigned char c = (unsigned char)*in;
		bool starts = (c & 0xc0) != 0x80; /* a UTF-8 continuation byte does not */

		/* Room is kept for "..." and the NUL; a whole character or none. */
		if (starts && (chars++ >= keep || n + 4 + 4 >= size))
			break;
		if (n + 4 >= size)
			break;
		out[n++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (*in != '\0') {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}
