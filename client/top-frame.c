/* maestroctl top: what one frame shows, laid out in lines, and drawing it. */
#define _GNU_SOURCE
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "top.h"

/* The pending approvals a frame lists, newest first; maestroctl approvals lists them all. */
#define APPROVALS_SHOWN 5

static void
fmt_count(double v, char *buf, size_t size)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.0f", v);
}

/* Small rates keep two decimals: 0.05/s is not "0.0". */
static void
fmt_rate(double v, char *buf, size_t size)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else if (v == 0)
		snprintf(buf, size, "0");
	else if (v < 10)
		snprintf(buf, size, "%.2f", v);
	else
		snprintf(buf, size, "%.1f", v);
}

static void
fmt_uptime(double s, char *buf, size_t size)
{
	long long t = isnan(s) ? 0 : (long long)s;

	if (t < 60)
		snprintf(buf, size, "%llds", t);
	else if (t < 3600)
		snprintf(buf, size, "%lldm%02llds", t / 60, t % 60);
	else if (t < 86400)
		snprintf(buf, size, "%lldh%02lldm", t / 3600, t % 3600 / 60);
	else
		snprintf(buf, size, "%lldd%02lldh", t / 86400, t % 86400 / 3600);
}

/* Lines of one frame, counted so that a terminal's last rows are not overrun. */
struct frame {
	FILE *f;
	size_t lines, max;
};

static void __attribute__((format(printf, 2, 3)))
line(struct frame *fr, const char *fmt, ...)
{
	va_list ap;

	if (fr->lines >= fr->max)
		return;
	va_start(ap, fmt);
	vfprintf(fr->f, fmt, ap);
	va_end(ap);
	fputc('\n', fr->f);
	fr->lines++;
}

static void
render_latency(struct frame *fr, const char *what, const struct top_histogram *h)
{
	char p[3][32], n[32];
	static const double q[3] = { 0.5, 0.9, 0.99 };

	for (int i = 0; i < 3; i++)
		top_format_seconds(top_histogram_quantile(q[i], h), p[i], sizeof p[i]);
	fmt_count(h->count, n, sizeof n);
	line(fr, "%-26s %10s %10s %10s %10s", what, p[0], p[1], p[2], n);
}

/*
 * Pending approvals: the decisions of verdict ask that wait for a person,
 * from approval.list. Counted, then the newest listed with what a person
 * needs to decide (maestroctl approve ID, deny ID), the summary cut to
 * the terminal's width. A maestrod without approval.list leaves the count
 * out rather than showing 0.
 */
static void
render_approvals(struct top *t, struct frame *fr)
{
	static const char *const what = "pending approvals";
	struct timespec ts;
	int64_t now_us;
	size_t n, shown;

	if (t->approvals == NULL) {
		line(fr, "%-26s %s", what, "(not shown: maestrod has no approval.list)");
		return;
	}
	n = json_object_array_length(t->approvals);
	if (n == 0) {
		line(fr, "%-26s %s", what, "0");
		return;
	}
	line(fr, "%-26s %zu, newest first", what, n);
	clock_gettime(CLOCK_REALTIME, &ts);
	now_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	shown = n < APPROVALS_SHOWN ? n : APPROVALS_SHOWN;
	for (size_t i = 0; i < shown; i++) {
		struct json_object *a = json_object_array_get_idx(t->approvals, i), *v;
		char id[32], age[16], agent[96], risk[16], summary[512];
		int64_t created = json_object_object_get_ex(a, "created_us", &v)
					  ? json_object_get_int64(v)
					  : now_us;
		/* "  " then id, age, agent and risk, each padded and followed by a space. */
		const unsigned prefix = 2 + 20 + 1 + 5 + 1 + 16 + 1 + 8 + 1;

		top_fit_text(ctl_text(a, "id"), 20, id, sizeof id);
		/* A clock that stepped back shows no age, not a negative one. */
		ctl_span(now_us > created ? now_us - created : 0, age, sizeof age);
		top_fit_text(ctl_text(a, "agent"), 16, agent, sizeof agent);
		top_fit_text(ctl_text(a, "risk_level"), 8, risk, sizeof risk);
		/* The summary's first 200 characters at most; live, no further than the edge. */
		top_fit_text(ctl_text(a, "summary"),
			     t->live && t->cols > prefix + 10 ? t->cols - prefix : 200, summary,
			     sizeof summary);
		line(fr, "  %-20s %5s %-16s %-8s %s", id, age, agent, risk, summary);
	}
	if (n > shown)
		line(fr, "  ... and %zu more: maestroctl approvals", n - shown);
}

static void
render_agents(struct top *t, struct frame *fr, double dt)
{
	struct top_agent_row *rows;
	size_t n = t->now.n_agents, room;

	line(fr, "%-28s %8s %10s %7s %7s %12s", "AGENT", "DEC/S", "TOTAL", "DENY%", "TRUST",
	     "TOKENS");
	if (n == 0) {
		line(fr, "(no agents)");
		return;
	}
	rows = calloc(n, sizeof *rows);
	if (rows == NULL) {
		line(fr, "(out of memory)");
		return;
	}
	top_agent_rows(&t->now, t->before.valid ? &t->before : NULL, dt, rows);
	room = fr->max - fr->lines;
	for (size_t i = 0; i < n; i++) {
		char rate[32], total[32], deny[32], trust[32], tokens[32];
		const struct top_agent_row *r = &rows[i];

		/* The busiest first; what does not fit is counted, not silently lost. */
		if (i + 1 == room && i + 1 < n) {
			line(fr, "... and %zu more agents", n - i);
			break;
		}
		fmt_rate(r->rate, rate, sizeof rate);
		fmt_count(r->total, total, sizeof total);
		if (isnan(r->deny_share))
			snprintf(deny, sizeof deny, "-");
		else
			snprintf(deny, sizeof deny, "%.1f%%", r->deny_share * 100);
		if (isnan(r->agent->trust))
			snprintf(trust, sizeof trust, "-");
		else
			snprintf(trust, sizeof trust, "%.2f", r->agent->trust);
		fmt_count(r->agent->tokens, tokens, sizeof tokens);
		line(fr, "%-28s %8s %10s %7s %7s %12s", r->agent->id, rate, total, deny, trust, tokens);
	}
	free(rows);
}

static void
render(struct top *t, struct frame *fr)
{
	const struct top_sample *s = &t->now, *b = &t->before;
	double dt = top_interval(s, b);
	struct top_histogram delta;
	char up[32], v[4][32], w[4][32], when[64];

	if (t->problem[0] != '\0') {
		line(fr, "%s", t->problem);
		line(fr, "retrying every %.1f s; q quits", t->interval);
		return;
	}
	if (!s->valid) { /* a resize before the first reply */
		line(fr, "waiting for maestrod at %s; q quits", t->ctl->socket_path);
		return;
	}
	fmt_uptime(s->uptime, up, sizeof up);
	if (t->live) {
		time_t now = time(NULL);
		struct tm tm;

		strftime(when, sizeof when, "  %H:%M:%S", localtime_r(&now, &tm));
	} else {
		when[0] = '\0';
	}
	line(fr, "maestrod %s, pid %lld, up %s, health %s%s", s->version, t->pid, up, t->health,
	     when);
	if (isnan(dt))
		line(fr, "rates per second: from the next refresh%s", t->live ? "; q quits" : "");
	else
		line(fr, "rates per second over the last %.2f s%s", dt, t->live ? "; q quits" : "");
	line(fr, "%s", "");

	line(fr, "%-26s %10s %10s %10s %10s", "", "allow", "ask", "deny", "total");
	for (int i = 0; i < TOP_VERDICTS; i++) {
		fmt_rate(top_rate(s->decisions[i], b->decisions[i], dt), v[i], sizeof v[i]);
		fmt_count(s->decisions[i], w[i], sizeof w[i]);
	}
	fmt_rate(top_rate(s->decisions[0] + s->decisions[1] + s->decisions[2],
			  b->decisions[0] + b->decisions[1] + b->decisions[2], dt),
		 v[3], sizeof v[3]);
	fmt_count(s->decisions[0] + s->decisions[1] + s->decisions[2], w[3], sizeof w[3]);
	line(fr, "%-26s %10s %10s %10s %10s", "decisions/s", v[0], v[1], v[2], v[3]);
	line(fr, "%-26s %10s %10s %10s %10s", "decisions", w[0], w[1], w[2], w[3]);
	line(fr, "%s", "");

	line(fr, "%-26s %10s %10s %10s %10s", "latency", "p50", "p90", "p99", "count");
	if (!isnan(dt) && top_histogram_delta(&s->evaluate, &b->evaluate, &delta))
		render_latency(fr, "evaluate, last interval", &delta);
	render_latency(fr, "evaluate, since start", &s->evaluate);
	if (!isnan(dt) && top_histogram_delta(&s->audit_commit, &b->audit_commit, &delta))
		render_latency(fr, "audit commit, last interval", &delta);
	render_latency(fr, "audit commit, since start", &s->audit_commit);
	line(fr, "%s", "");

	fmt_count(s->pipeline_errors, w[0], sizeof w[0]);
	fmt_rate(top_rate(s->pipeline_errors, b->pipeline_errors, dt), v[0], sizeof v[0]);
	fmt_count(s->timeouts, w[1], sizeof w[1]);
	fmt_rate(top_rate(s->timeouts, b->timeouts, dt), v[1], sizeof v[1]);
	line(fr, "%-26s %s (%s/s), timeouts %s (%s/s)", "pipeline errors", w[0], v[0], w[1], v[1]);
	fmt_count(s->audit_queue, w[0], sizeof w[0]);
	fmt_count(s->audit_committed, w[1], sizeof w[1]);
	fmt_rate(top_rate(s->audit_committed, b->audit_committed, dt), v[1], sizeof v[1]);
	fmt_count(s->audit_failed, w[2], sizeof w[2]);
	line(fr, "%-26s %s queued, %s committed (%s/s), %s failed%s", "audit rows", w[0], w[1], v[1],
	     w[2], s->audit_failing ? "; FAILING: decisions are denied" : "");
	fmt_count(s->connections_open, w[0], sizeof w[0]);
	fmt_count(s->connections_total, w[1], sizeof w[1]);
	fmt_count(s->connections_refused, w[2], sizeof w[2]);
	line(fr, "%-26s %s open, %s total, %s refused", "connections", w[0], w[1], w[2]);
	fmt_rate(top_rate(s->requests_total, b->requests_total, dt), v[0], sizeof v[0]);
	fmt_count(s->requests_failed, w[0], sizeof w[0]);
	fmt_count(s->worker_queue, w[1], sizeof w[1]);
	line(fr, "%-26s %s/s, %s failed; worker queue %s", "requests", v[0], w[0], w[1]);
	line(fr, "%s", "");

	render_approvals(t, fr);
	line(fr, "%s", "");
	render_agents(t, fr, dt);
}

void
top_draw(struct top *t)
{
	struct frame fr = { .max = t->live ? t->rows : SIZE_MAX };
	char *text = NULL, *out = NULL;
	size_t text_len = 0, out_len = 0;
	FILE *o;

	fr.f = open_memstream(&text, &text_len);
	if (fr.f == NULL)
		return;
	render(t, &fr);
	fclose(fr.f);
	o = open_memstream(&out, &out_len);
	if (o == NULL) {
		free(text);
		return;
	}
	/*
	 * In place: home, then each line cleared before it is written (clearing
	 * after a full-width line would erase its last character), and the rows
	 * below the frame cleared. One write, so the terminal never shows half
	 * a frame.
	 */
	if (t->live)
		fputs("\x1b[H", o);
	for (size_t start = 0, n = 0; start < text_len; n++) {
		char *nl = memchr(text + start, '\n', text_len - start);
		size_t len = nl ? (size_t)(nl - (text + start)) : text_len - start;

		if (t->live) {
			fputs(n ? "\r\n\x1b[K" : "\x1b[K", o);
			top_put_sanitized(o, text + start, len, t->cols);
		} else {
			top_put_sanitized(o, text + start, len, SIZE_MAX);
			fputc('\n', o);
		}
		start += len + 1;
	}
	if (t->live && fr.lines < t->rows)
		fputs("\r\n\x1b[J", o);
	fclose(o);
	if (top_write_all(STDOUT_FILENO, out, out_len) < 0)
		t->done = true; /* the terminal is gone; nobody is watching */
	free(text);
	free(out);
}

