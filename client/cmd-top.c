/* maestroctl top: the command, its options and the loop that drives the view. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "top.h"

/* Shorter than this, a refresh would mostly measure its own requests. */
#define INTERVAL_MIN 0.1
#define INTERVAL_MAX 3600.0

void
top_fail(struct top *t, int code, const char *fmt, ...)
{
	va_list ap;

	top_term_leave(t);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	t->exit_code = code;
	t->done = true;
}

static void
on_keys(struct top *t)
{
	char buf[64];
	ssize_t n = read(t->term_fd, buf, sizeof buf);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		t->keys_open = false; /* no more keys; Ctrl-C still ends top */
		return;
	}
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == 'q' || buf[i] == 'Q')
			t->done = true;
}

static void
run(struct top *t, const sigset_t *wait_mask)
{
	t->next_poll_ms = top_mono_ms();
	while (!t->done) {
		struct pollfd fds[2];
		nfds_t nfds = 0;
		int key = -1, sock = -1;
		int64_t now = top_mono_ms(), wake;
		struct timespec ts;

		if (!top_conn_in_flight(t) && now >= t->next_poll_ms) {
			top_conn_poll(t);
			continue;
		}
		if (top_conn_in_flight(t) && t->deadline_ms != 0 && now >= t->deadline_ms) {
			top_conn_on_timeout(t);
			continue;
		}
		wake = top_conn_in_flight(t) ? t->deadline_ms : t->next_poll_ms;
		if (t->keys_open) {
			key = (int)nfds;
			fds[nfds++] = (struct pollfd){ .fd = t->term_fd, .events = POLLIN };
		}
		/* Watched between polls too: a maestrod that goes away is shown at once. */
		if (t->connected) {
			sock = (int)nfds;
			fds[nfds++] = (struct pollfd){ .fd = t->rpc.fd, .events = POLLIN };
		}
		if (wake != 0) {
			int64_t left = wake > now ? wake - now : 0;

			ts = (struct timespec){ .tv_sec = left / 1000, .tv_nsec = left % 1000 * 1000000 };
		}
		if (ppoll(fds, nfds, wake != 0 ? &ts : NULL, wait_mask) < 0 && errno != EINTR) {
			top_fail(t, EXIT_ERROR, "maestroctl: poll: %s\n", strerror(errno));
			break;
		}
		if (top_got_quit)
			break;
		if (top_got_tstp) {
			top_got_tstp = 0;
			top_suspend(t);
		}
		if (top_got_winch) {
			top_got_winch = 0;
			top_term_size(t);
			top_draw(t);
		}
		if (key >= 0 && fds[key].revents != 0)
			on_keys(t);
		if (!t->done && sock >= 0 && t->connected && fds[sock].revents != 0)
			top_conn_on_readable(t);
	}
}

/* What the view held, let go; its exit code. */
static int
finish(struct top *t)
{
	top_conn_close(t);
	json_object_put(t->approvals);
	t->approvals = NULL;
	top_sample_clear(&t->now);
	top_sample_clear(&t->before);
	return t->exit_code;
}

static int
parse_interval(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= INTERVAL_MIN && v <= INTERVAL_MAX))
		return -EINVAL;
	*out = v;
	return 0;
}

static int
cmd_top(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "once", no_argument, NULL, '1' },
		{ NULL, 0, NULL, 0 },
	};
	struct top t = { .ctl = ctl, .interval = 1.0, .term_fd = -1 };
	struct top_signals sigs;
	sigset_t wait_mask;
	bool once = false;
	int c;

	optind = 0; /* 0: glibc forgets the state of the previous parse */
	while ((c = getopt_long(argc, argv, "i:1", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (parse_interval(optarg, &t.interval) < 0) {
				fprintf(stderr, "maestroctl top: --interval takes seconds from %.1f to "
						"%.0f, such as 2 or 0.5\n", INTERVAL_MIN, INTERVAL_MAX);
				return EXIT_USAGE;
			}
			break;
		case '1':
			once = true;
			break;
		default:
			fprintf(stderr, "usage: maestroctl top [--interval SECONDS] [--once]\n");
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "maestroctl top: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (ctl->agent != NULL) {
		/* system.metrics is administrative: as an agent every poll would be refused. */
		fprintf(stderr, "maestroctl top: top is administrative and does not speak for an "
				"agent; drop --agent or unset MAESTRO_AGENT\n");
		return EXIT_USAGE;
	}
	if (ctl->json) {
		fprintf(stderr, "maestroctl top: --json does not apply; use maestroctl metrics --json\n");
		return EXIT_USAGE;
	}
	/* A script or a pipe gets one plain frame, as with --once. */
	t.live = !once && isatty(STDOUT_FILENO);
	if (!t.live) {
		run(&t, NULL);
		return finish(&t);
	}

	top_signals_take(&sigs, &wait_mask);
	if (isatty(STDIN_FILENO)) {
		t.term_fd = STDIN_FILENO;
		t.keys_open = true;
	}
	top_term_enter(&t);
	run(&t, &wait_mask);
	top_term_leave(&t);
	top_signals_give_back(&sigs);
	return finish(&t);
}

const struct command top_commands[] = {
	{ "top", "[--once] [-i S]", "watch maestrod live: decisions, latency, agents",
	  cmd_top },
	{ NULL, NULL, NULL, NULL },
};
