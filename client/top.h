/* maestroctl top: the state its files share, and what each offers the others. */
#ifndef MAESTROCTL_TOP_H
#define MAESTROCTL_TOP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <termios.h>
#include <json-c/json.h>

#include "maestroctl.h"
#include "top-calc.h"

/*
 * One connection, kept open, and one loop around ppoll(): the terminal's
 * keys, the socket's replies, the refresh timer and the signals all wake
 * the same wait, so q and Ctrl-C act at once even while maestrod is slow
 * to answer. That is why top does its own reading instead of rpc_call(),
 * which blocks until the reply or the timeout.
 *
 * The files: cmd-top.c (options, the loop), top-term.c (the terminal and
 * the signals), top-conn.c (the socket: requests and replies),
 * top-frame.c (what a frame shows), top-calc.c (the figures, pure).
 */

/* The requests of one refresh, sent together; a sample needs every reply. */
enum top_request { TOP_REQ_STATUS, TOP_REQ_METRICS, TOP_REQ_APPROVALS, TOP_REQS };

struct top {
	struct ctl *ctl;
	double interval; /* seconds between polls */
	bool live;	 /* redraw a terminal in place; otherwise two polls, one plain frame */

	int term_fd;	 /* the terminal whose modes we change (stdin), or -1 */
	bool keys_open;	 /* term_fd still gives keys */
	struct termios saved;
	bool raw, screen; /* what top_term_leave() has to undo */
	unsigned rows, cols;

	struct rpc_client rpc;
	bool connected;
	int64_t ids[TOP_REQS]; /* requests in flight; 0 once answered */
	struct json_object *replies[TOP_REQS];
	int64_t deadline_ms; /* for the replies in flight; 0: none */
	int64_t next_poll_ms;

	struct top_sample now, before;
	char health[128];
	long long pid;
	struct json_object *approvals; /* the pending ones, newest first; NULL: not listed */
	int samples;
	char problem[512]; /* why the figures are not fresh, or "" */
	bool done;
	int exit_code;
};

/* Set by the handlers, read by the loop: signals are blocked outside ppoll(). */
extern volatile sig_atomic_t top_got_quit, top_got_winch, top_got_tstp;

/* top-term.c */
int64_t top_mono_ms(void);
int top_write_all(int fd, const char *buf, size_t len);
void top_term_size(struct top *t);
void top_term_enter(struct top *t);
void top_term_leave(struct top *t);
void top_suspend(struct top *t);
/* Writes s, control bytes as '?', cut after max_chars UTF-8 characters. */
void top_put_sanitized(FILE *out, const char *s, size_t len, size_t max_chars);
/*
 * What an agent wrote, made to fit max_chars characters into out, of
 * size (> 8) bytes: control bytes become '?' (a newline would split a
 * frame's line), and a longer text ends in "..." so that the cut is seen.
 */
void top_fit_text(const char *in, size_t max_chars, char *out, size_t size);

/* The signals top handles, and how they were before it took them. */
#define TOP_N_SIGNALS 5
struct top_signals {
	struct sigaction old_sa[TOP_N_SIGNALS];
	sigset_t old_mask;
};

/* Takes the signals and blocks them; *wait_mask is the mask to pass to ppoll(). */
void top_signals_take(struct top_signals *s, sigset_t *wait_mask);
void top_signals_give_back(const struct top_signals *s);

/* top-conn.c */
bool top_conn_in_flight(const struct top *t);
void top_conn_close(struct top *t);
/* Connects if need be and sends the requests of a refresh; the next one is due an interval on. */
void top_conn_poll(struct top *t);
void top_conn_on_readable(struct top *t);
void top_conn_on_timeout(struct top *t);

/* cmd-top.c: ends top with code after a message on stderr, once the terminal is back. */
void top_fail(struct top *t, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* top-frame.c */
void top_draw(struct top *t);

#endif
