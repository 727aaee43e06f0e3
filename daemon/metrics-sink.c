/* Metrics: writing families out as the Prometheus text format or as JSON. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/buffer.h>

#include "metrics.h"
#include "util.h"

void
metrics_format_value(double v, char *buf, size_t size)
{
	if (isnan(v)) {
		snprintf(buf, size, "NaN");
	} else if (isinf(v)) {
		snprintf(buf, size, "%s", v > 0 ? "+Inf" : "-Inf");
	} else if (v >= -1e15 && v <= 1e15 && v == (double)(long long)v) {
		/* Counters are whole numbers; print them as such, not as 1e+06. */
		snprintf(buf, size, "%lld", (long long)v);
	} else {
		/* The shortest form that reads back as the same double, as Go's FormatFloat does. */
		for (int prec = 15; prec <= 17; prec++) {
			snprintf(buf, size, "%.*g", prec, v);
			if (strtod(buf, NULL) == v)
				break;
		}
	}
}

/* The text format's escapes: \\ and \n everywhere, and \" inside label values. */
static void
escape(struct evbuffer *out, const char *s, bool quote)
{
	const char *run = s;

	for (; *s; s++) {
		const char *rep = NULL;

		if (*s == '\\')
			rep = "\\\\";
		else if (*s == '\n')
			rep = "\\n";
		else if (*s == '"' && quote)
			rep = "\\\"";
		if (rep == NULL)
			continue;
		evbuffer_add(out, run, (size_t)(s - run));
		evbuffer_add(out, rep, strlen(rep));
		run = s + 1;
	}
	evbuffer_add(out, run, (size_t)(s - run));
}

void
metrics_escape_label_value(struct evbuffer *out, const char *value)
{
	escape(out, value, true);
}

/* {a="x",b="y"} with an optional le last; nothing at all for no labels. */
static void
text_labels(struct evbuffer *out, const struct metrics_label *labels, unsigned n, const char *le)
{
	if (n == 0 && le == NULL)
		return;
	evbuffer_add(out, "{", 1);
	for (unsigned i = 0; i < n; i++) {
		evbuffer_add_printf(out, "%s%s=\"", i ? "," : "", labels[i].name);
		metrics_escape_label_value(out, labels[i].value ? labels[i].value : "");
		evbuffer_add(out, "\"", 1);
	}
	if (le != NULL)
		evbuffer_add_printf(out, "%sle=\"%s\"", n ? "," : "", le);
	evbuffer_add(out, "}", 1);
}

static struct json_object *
json_labels(const struct metrics_label *labels, unsigned n)
{
	struct json_object *o = json_object_new_object();

	for (unsigned i = 0; i < n; i++)
		json_object_object_add(o, labels[i].name,
				       json_object_new_string(labels[i].value ? labels[i].value : ""));
	return o;
}

/* Whole numbers as JSON integers; fractions keep the text format's spelling. */
static struct json_object *
json_value(double v)
{
	char buf[64];

	if (isnan(v) || isinf(v))
		return NULL; /* JSON has no spelling for them */
	if (v >= -1e15 && v <= 1e15 && v == (double)(long long)v)
		return json_object_new_int64((int64_t)v);
	metrics_format_value(v, buf, sizeof buf);
	return json_object_new_double_s(v, buf);
}

void
metrics_family(struct metrics_sink *s, const char *name, const char *type, const char *help)
{
	s->family = name;
	if (s->text != NULL) {
		evbuffer_add_printf(s->text, "# HELP %s ", name);
		escape(s->text, help, false);
		evbuffer_add_printf(s->text, "\n# TYPE %s %s\n", name, type);
	}
	if (s->json != NULL) {
		struct json_object *f = json_object_new_object();

		json_object_object_add(f, "type", json_object_new_string(type));
		json_object_object_add(f, "help", json_object_new_string(help));
		s->samples = json_object_new_array();
		json_object_object_add(f, "samples", s->samples);
		json_object_object_add(s->json, name, f);
	}
}

void
metrics_sample(struct metrics_sink *s, const struct metrics_label *labels, unsigned n_labels,
	       double value)
{
	char buf[64];

	if (s->text != NULL) {
		metrics_format_value(value, buf, sizeof buf);
		evbuffer_add_printf(s->text, "%s", s->family);
		text_labels(s->text, labels, n_labels, NULL);
		evbuffer_add_printf(s->text, " %s\n", buf);
	}
	if (s->json != NULL && s->samples != NULL) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "labels", json_labels(labels, n_labels));
		json_object_object_add(o, "value", json_value(value));
		json_object_array_add(s->samples, o);
	}
}

void
metrics_sample_histogram(struct metrics_sink *s, const struct metrics_label *labels,
			 unsigned n_labels, const struct metrics_histogram *h)
{
	double sum = (double)h->sum_usec / 1e6;
	char le[64], buf[64];
	uint64_t cum = 0;

	if (s->text != NULL) {
		for (unsigned i = 0; i <= METRICS_BUCKETS; i++) {
			cum += h->buckets[i];
			if (i < METRICS_BUCKETS)
				metrics_format_value((double)metrics_bucket_usec[i] / 1e6, le, sizeof le);
			else
				snprintf(le, sizeof le, "+Inf");
			evbuffer_add_printf(s->text, "%s_bucket", s->family);
			text_labels(s->text, labels, n_labels, le);
			evbuffer_add_printf(s->text, " %llu\n", (unsigned long long)cum);
		}
		metrics_format_value(sum, buf, sizeof buf);
		evbuffer_add_printf(s->text, "%s_sum", s->family);
		text_labels(s->text, labels, n_labels, NULL);
		evbuffer_add_printf(s->text, " %s\n%s_count", buf, s->family);
		text_labels(s->text, labels, n_labels, NULL);
		evbuffer_add_printf(s->text, " %llu\n", (unsigned long long)h->count);
	}
	if (s->json != NULL && s->samples != NULL) {
		struct json_object *o = json_object_new_object(), *b = json_object_new_array();

		json_object_object_add(o, "labels", json_labels(labels, n_labels));
		json_object_object_add(o, "count", json_object_new_int64((int64_t)h->count));
		json_object_object_add(o, "sum", json_value(sum));
		cum = 0;
		for (unsigned i = 0; i < METRICS_BUCKETS; i++) {
			struct json_object *e = json_object_new_object();

			cum += h->buckets[i];
			json_object_object_add(e, "le",
					       json_value((double)metrics_bucket_usec[i] / 1e6));
			json_object_object_add(e, "count", json_object_new_int64((int64_t)cum));
			json_object_array_add(b, e);
		}
		json_object_object_add(o, "buckets", b);
		json_object_array_add(s->samples, o);
	}
}
