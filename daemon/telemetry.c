/* Telemetry: the export thread, its bounded queue, batching and retries. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <curl/curl.h>
#include <event2/buffer.h>

#include "audit.h"
#include "daemon.h"
#include "log.h"
#include "telemetry.h"
#include "util.h"

/* A batch goes out when it has this many items, or its oldest has waited a second. */
#define TELEMETRY_BATCH_MAX 512
#define TELEMETRY_BATCH_WAIT_USEC 1000000u
/* Attempts per batch, the first wait between them (doubling), and per attempt. */
#define TELEMETRY_ATTEMPTS 4
#define TELEMETRY_BACKOFF_USEC 250000u
#define TELEMETRY_TIMEOUT_MS 3000L
#define TELEMETRY_CONNECT_TIMEOUT_MS 1000L

struct telemetry_item {
	STAILQ_ENTRY(telemetry_item) entry;
	bool is_log;
	union {
		struct trace_record trace;
		struct otlp_log log;
	};
};

STAILQ_HEAD(item_list, telemetry_item);

struct telemetry {
	pthread_t thread;
	CURL *curl;			/* export thread only */
	char *url_traces, *url_logs;

	pthread_mutex_t lock;
	pthread_cond_t wake;		/* an item was queued, or stop */
	struct item_list queue;
	unsigned queued;
	uint64_t oldest_mono;		/* when the queue last went from empty to not */
	bool stopping;
	bool running;			/* the thread was started */
	struct telemetry_stats stats;

	/* Loop thread only: the last decision, whose audit row's observer call comes next. */
	char last_correlation_id[80];
	uint8_t last_trace_id[16];
};

static void
item_free(struct telemetry_item *it)
{
	if (it != NULL && it->is_log) {
		free(it->log.event);
		free(it->log.actor);
		free(it->log.correlation_id);
		free(it->log.body);
	}
	free(it);
}

static void
telemetry_enqueue(struct telemetry *t, struct telemetry_item *it, unsigned queue_max)
{
	pthread_mutex_lock(&t->lock);
	if (it == NULL || t->queued >= queue_max || t->stopping) {
		t->stats.dropped++;
		pthread_mutex_unlock(&t->lock);
		item_free(it);
		return;
	}
	if (t->queued++ == 0)
		t->oldest_mono = now_usec(CLOCK_MONOTONIC);
	STAILQ_INSERT_TAIL(&t->queue, it, entry);
	/* Only the first item wakes the thread; the rest wait for the batch timer. */
	if (t->queued == 1 || t->queued >= TELEMETRY_BATCH_MAX)
		pthread_cond_signal(&t->wake);
	pthread_mutex_unlock(&t->lock);
}

void
telemetry_add_trace(struct telemetry *t, const struct trace_record *r, unsigned queue_max)
{
	struct telemetry_item *it = malloc(sizeof *it);

	snprintf(t->last_correlation_id, sizeof t->last_correlation_id, "%s", r->correlation_id);
	memcpy(t->last_trace_id, r->trace_id, 16);
	if (it != NULL) {
		it->is_log = false;
		it->trace = *r;
	}
	telemetry_enqueue(t, it, queue_max);
}

static char *
strdup_or_null(const char *s, bool *oom)
{
	char *c = s ? strdup(s) : NULL;

	*oom |= s != NULL && c == NULL;
	return c;
}

void
telemetry_audit_row(const struct audit_record *rec, void *arg)
{
	struct maestrod *d = arg;
	struct telemetry *t = d->telemetry;
	struct telemetry_item *it;
	bool oom = false;

	if (t == NULL || !d->cfg.otlp_logs)
		return;
	it = calloc(1, sizeof *it);
	if (it != NULL) {
		it->is_log = true;
		it->log.time_us = rec->time_us;
		it->log.seq = rec->seq;
		it->log.event = strdup_or_null(rec->event, &oom);
		it->log.actor = strdup_or_null(rec->actor, &oom);
		it->log.correlation_id = strdup_or_null(rec->correlation_id, &oom);
		it->log.body = strdup_or_null(rec->detail, &oom);
		/* A decision's done callback (and so its trace) ran just before this call. */
		if (rec->correlation_id != NULL &&
		    strcmp(rec->correlation_id, t->last_correlation_id) == 0) {
			it->log.has_trace = true;
			memcpy(it->log.trace_id, t->last_trace_id, 16);
		}
		if (oom)
			item_free(it), it = NULL;
	}
	telemetry_enqueue(t, it, d->cfg.otlp_queue_max);
}

static size_t
discard_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	(void)ptr;
	(void)userdata;
	return size * nmemb;
}

/* One POST. 1: delivered; 0: worth retrying (no answer, 429, 5xx); -1: refused for good. */
static int
telemetry_post(struct telemetry *t, const char *url, struct evbuffer *body, long timeout_ms)
{
	struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
	size_t len = evbuffer_get_length(body);
	const char *data = (const char *)evbuffer_pullup(body, -1);
	long status = 0;
	CURLcode c;

	if (headers == NULL || (data == NULL && len > 0)) {
		curl_slist_free_all(headers);
		return 0;
	}
	curl_easy_setopt(t->curl, CURLOPT_URL, url);
	curl_easy_setopt(t->curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(t->curl, CURLOPT_POSTFIELDS, data);
	curl_easy_setopt(t->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(t->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	c = curl_easy_perform(t->curl);
	curl_slist_free_all(headers);
	if (c != CURLE_OK)
		return 0;
	curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 200 && status < 300)
		return 1;
	return status == 429 || status >= 500 ? 0 : -1;
}

/* Waits usec on the condition variable, unless stopping; false when stopping. */
static bool
telemetry_sleep(struct telemetry *t, uint64_t usec)
{
	uint64_t until = now_usec(CLOCK_MONOTONIC) + usec;
	struct timespec ts = { (time_t)(until / 1000000u), (long)(until % 1000000u) * 1000 };
	bool stopping;

	pthread_mutex_lock(&t->lock);
	while (!t->stopping && now_usec(CLOCK_MONOTONIC) < until)
		pthread_cond_timedwait(&t->wake, &t->lock, &ts);
	stopping = t->stopping;
	pthread_mutex_unlock(&t->lock);
	return !stopping;
}

static void
telemetry_count(struct telemetry *t, bool exported, size_t n)
{
	pthread_mutex_lock(&t->lock);
	if (exported)
		t->stats.exported += n;
	else
		t->stats.failed += n;
	pthread_mutex_unlock(&t->lock);
}

/* Sends n items of one kind, retrying with exponential backoff; counts the outcome. */
static void
telemetry_send(struct telemetry *t, bool logs, const void *const *items, size_t n, bool last)
{
	struct evbuffer *body = evbuffer_new();
	uint64_t backoff = TELEMETRY_BACKOFF_USEC;
	int r = -1, encoded;

	if (n == 0 || body == NULL) {
		if (body != NULL)
			evbuffer_free(body);
		if (n > 0)
			telemetry_count(t, false, n);
		return;
	}
	encoded = logs ? otlp_encode_logs(body, (const struct otlp_log *const *)items, n)
		       : otlp_encode_traces(body, (const struct trace_record *const *)items, n);
	for (int attempt = 0; encoded == 0 && attempt < (last ? 1 : TELEMETRY_ATTEMPTS); attempt++) {
		if (attempt > 0 && !telemetry_sleep(t, backoff))
			break;
		backoff *= 2;
		r = telemetry_post(t, logs ? t->url_logs : t->url_traces, body,
				   last ? 1000 : TELEMETRY_TIMEOUT_MS);
		if (r != 0)
			break;
	}
	evbuffer_free(body);
	telemetry_count(t, r == 1, n);
	if (r != 1)
		log_debug("telemetry: %zu %s not exported to %s", n, logs ? "log records" : "traces",
			  logs ? t->url_logs : t->url_traces);
}

static void
telemetry_export(struct telemetry *t, struct item_list *batch, bool last)
{
	const void *traces[TELEMETRY_BATCH_MAX], *logs[TELEMETRY_BATCH_MAX];
	size_t n_traces = 0, n_logs = 0;
	struct telemetry_item *it;

	STAILQ_FOREACH(it, batch, entry) {
		if (it->is_log)
			logs[n_logs++] = &it->log;
		else
			traces[n_traces++] = &it->trace;
	}
	telemetry_send(t, false, traces, n_traces, last);
	telemetry_send(t, true, logs, n_logs, last);
	while ((it = STAILQ_FIRST(batch)) != NULL) {
		STAILQ_REMOVE_HEAD(batch, entry);
		item_free(it);
	}
}

/* Under the lock: moves up to a batch off the queue. */
static void
telemetry_take(struct telemetry *t, struct item_list *batch)
{
	struct telemetry_item *it;

	for (unsigned n = 0; n < TELEMETRY_BATCH_MAX && (it = STAILQ_FIRST(&t->queue)); n++) {
		STAILQ_REMOVE_HEAD(&t->queue, entry);
		STAILQ_INSERT_TAIL(batch, it, entry);
		t->queued--;
	}
}

static void *
telemetry_thread(void *arg)
{
	struct telemetry *t = arg;
	struct item_list batch = STAILQ_HEAD_INITIALIZER(batch);

	pthread_mutex_lock(&t->lock);
	while (!t->stopping) {
		uint64_t now = now_usec(CLOCK_MONOTONIC), due = t->oldest_mono + TELEMETRY_BATCH_WAIT_USEC;

		if (t->queued == 0) {
			pthread_cond_wait(&t->wake, &t->lock);
			continue;
		}
		if (t->queued < TELEMETRY_BATCH_MAX && now < due) {
			struct timespec ts = { (time_t)(due / 1000000u), (long)(due % 1000000u) * 1000 };

			pthread_cond_timedwait(&t->wake, &t->lock, &ts);
			continue;
		}
		/* What stays queued is overdue already, so it goes next turn. */
		telemetry_take(t, &batch);
		pthread_mutex_unlock(&t->lock);
		telemetry_export(t, &batch, false);
		pthread_mutex_lock(&t->lock);
	}
	/* Stopping: what is left gets one short attempt, so a dead receiver cannot hold up a stop. */
	while (t->queued > 0) {
		telemetry_take(t, &batch);
		pthread_mutex_unlock(&t->lock);
		telemetry_export(t, &batch, true);
		pthread_mutex_lock(&t->lock);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

int
telemetry_start(const char *endpoint, struct telemetry **out)
{
	struct telemetry *t = calloc(1, sizeof *t);
	size_t len = strlen(endpoint);
	pthread_condattr_t attr;

	if (t == NULL)
		return -ENOMEM;
	while (len > 0 && endpoint[len - 1] == '/')
		len--;
	STAILQ_INIT(&t->queue);
	pthread_mutex_init(&t->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&t->wake, &attr);
	pthread_condattr_destroy(&attr);
	/* Before any thread uses curl: its global set-up is not thread-safe. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (t->curl = curl_easy_init()) == NULL ||
	    asprintf(&t->url_traces, "%.*s/v1/traces", (int)len, endpoint) < 0 ||
	    asprintf(&t->url_logs, "%.*s/v1/logs", (int)len, endpoint) < 0) {
		telemetry_stop(t);
		return -ENOMEM;
	}
	curl_easy_setopt(t->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->curl, CURLOPT_CONNECTTIMEOUT_MS, TELEMETRY_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(t->curl, CURLOPT_WRITEFUNCTION, discard_body);
	curl_easy_setopt(t->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(t->curl, CURLOPT_USERAGENT, "maestrod/" MAESTRO_VERSION);
	if (pthread_create(&t->thread, NULL, telemetry_thread, t) != 0) {
		telemetry_stop(t);
		return -EAGAIN;
	}
	t->running = true;
	*out = t;
	return 0;
}

struct telemetry *
telemetry_stop(struct telemetry *t)
{
	if (t == NULL)
		return NULL;
	if (t->running) {
		pthread_mutex_lock(&t->lock);
		t->stopping = true;
		pthread_cond_signal(&t->wake);
		pthread_mutex_unlock(&t->lock);
		pthread_join(t->thread, NULL);
	}
	if (t->curl != NULL)
		curl_easy_cleanup(t->curl);
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->wake);
	free(t->url_traces);
	free(t->url_logs);
	free(t);
	return NULL;
}

void
telemetry_get_stats(struct telemetry *t, struct telemetry_stats *st)
{
	pthread_mutex_lock(&t->lock);
	*st = t->stats;
	st->queued = t->queued;
	pthread_mutex_unlock(&t->lock);
}
