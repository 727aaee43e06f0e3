/* A fixed pool of worker threads for the governance subagents. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>

#include "log.h"
#include "util.h"
#include "workers.h"

STAILQ_HEAD(item_list, work_item);

struct worker_pool {
	pthread_t *threads;
	unsigned n_threads;
	struct event *ev_done; /* activated by workers, runs on the loop */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct item_list queue;
	struct item_list done;
	unsigned queued;
	unsigned queue_max;
	unsigned idle; /* threads waiting for work */
	unsigned busy; /* threads running an item */
	unsigned waking; /* idle threads signalled, not yet running */
	bool stopping;
	/* Loop thread only: items queued together by workers_flush(). */
	struct item_list deferred;
	unsigned n_deferred;
};

/*
 * workers_defer() queues at most this many items before the end of the
 * loop's turn: a turn that reads many requests starts the first ones'
 * subagents while it reads the rest.
 */
#define WORKERS_DEFER_MAX 12

/*
 * Called with the lock held. A thread neither idle nor busy is between
 * items, or woken and on its way: it takes the next item itself. Only when
 * there is none such, and one sleeps, is there someone to wake; each that
 * takes an item wakes the next the same way while items remain. Under
 * load, with the workers busy, queueing costs no wake-up at all; and an
 * item never waits for a busy worker while another sleeps.
 */
static void
wake_if_needed(struct worker_pool *p)
{
	if (p->idle > p->waking && p->n_threads - p->idle - p->busy + p->waking == 0 &&
	    !STAILQ_EMPTY(&p->queue)) {
		p->waking++;
		pthread_cond_signal(&p->wake);
	}
}

static void *
worker_thread(void *arg)
{
	struct worker_pool *p = arg;
	struct work_item *item;
	bool back;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (STAILQ_EMPTY(&p->queue) && !p->stopping) {
			p->idle++;
			pthread_cond_wait(&p->wake, &p->lock);
			p->idle--;
			if (p->waking > 0)
				p->waking--;
		}
		item = STAILQ_FIRST(&p->queue);
		if (item == NULL)
			break; /* stopping, nothing left */
		STAILQ_REMOVE_HEAD(&p->queue, entry);
		p->queued--;
		p->busy++;
		wake_if_needed(p);
		pthread_mutex_unlock(&p->lock);

		/* Read first: an item without done may be freed by its own work. */
		back = item->done != NULL;

		item->work(item);

		pthread_mutex_lock(&p->lock);
		p->busy--;
		if (back) {
			STAILQ_INSERT_TAIL(&p->done, item, entry);
			event_active(p->ev_done, EV_READ, 0);
		}
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void
workers_run_done(struct worker_pool *p)
{
	struct item_list done = STAILQ_HEAD_INITIALIZER(done);
	struct work_item *item;

	pthread_mutex_lock(&p->lock);
	STAILQ_CONCAT(&done, &p->done);
	pthread_mutex_unlock(&p->lock);
	while ((item = STAILQ_FIRST(&done)) != NULL) {
		STAILQ_REMOVE_HEAD(&done, entry);
		item->done(item);
	}
}

static void
workers_on_done(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	workers_run_done(arg);
}

int
workers_start(struct event_base *base, unsigned threads, unsigned queue_max,
	      struct worker_pool **out)
{
	struct worker_pool *p = calloc(1, sizeof *p);
	int r;

	if (p == NULL || (p->threads = calloc(threads, sizeof *p->threads)) == NULL) {
		free(p);
		return -ENOMEM;
	}
	p->queue_max = queue_max;
	STAILQ_INIT(&p->queue);
	STAILQ_INIT(&p->done);
	STAILQ_INIT(&p->deferred);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	p->ev_done = event_new(base, -1, 0, workers_on_done, p);
	if (p->ev_done == NULL) {
		workers_stop(p);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < threads; i++) {
		r = pthread_create(&p->threads[i], NULL, worker_thread, p);
		if (r != 0) {
			log_error("cannot start worker thread %u: %s", i, strerror(r));
			workers_stop(p);
			return -r;
		}
		p->n_threads++;
	}
	*out = p;
	return 0;
}

struct worker_pool *
workers_stop(struct worker_pool *p)
{
	if (p == NULL)
		return NULL;
	workers_flush(p); /* what was deferred is finished like the rest */
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->n_threads; i++)
		pthread_join(p->threads[i], NULL);
	workers_run_done(p);
	if (p->ev_done)
		event_free(p->ev_done);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->wake);
	free(p->threads);
	free(p);
	return NULL;
}

/* Called with the lock held. */
static int
room_for(struct worker_pool *p, unsigned n)
{
	if (p->stopping)
		return -ESHUTDOWN;
	if (p->queued + p->n_deferred + n > p->queue_max)
		return -EAGAIN;
	return 0;
}

int
workers_submit_all(struct worker_pool *p, struct work_item *const *items, unsigned n)
{
	int r;

	pthread_mutex_lock(&p->lock);
	r = room_for(p, n);
	if (r == 0) {
		for (unsigned i = 0; i < n; i++)
			STAILQ_INSERT_TAIL(&p->queue, items[i], entry);
		p->queued += n;
		wake_if_needed(p);
	}
	pthread_mutex_unlock(&p->lock);
	return r;
}

int
workers_defer(struct worker_pool *p, struct work_item *const *items, unsigned n)
{
	int r;

	pthread_mutex_lock(&p->lock);
	r = room_for(p, n);
	pthread_mutex_unlock(&p->lock);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < n; i++)
		STAILQ_INSERT_TAIL(&p->deferred, items[i], entry);
	p->n_deferred += n;
	if (p->n_deferred >= WORKERS_DEFER_MAX)
		workers_flush(p);
	return 0;
}

void
workers_flush(struct worker_pool *p)
{
	if (p->n_deferred == 0)
		return;
	pthread_mutex_lock(&p->lock);
	STAILQ_CONCAT(&p->queue, &p->deferred);
	p->queued += p->n_deferred;
	p->n_deferred = 0;
	wake_if_needed(p);
	pthread_mutex_unlock(&p->lock);
}

int
workers_submit(struct worker_pool *p, struct work_item *item)
{
	return workers_submit_all(p, &item, 1);
}

unsigned
workers_queued(struct worker_pool *p)
{
	unsigned n;

	pthread_mutex_lock(&p->lock);
	n = p->queued;
	pthread_mutex_unlock(&p->lock);
	return n;
}

unsigned
workers_idle(struct worker_pool *p)
{
	unsigned n;

	pthread_mutex_lock(&p->lock);
	n = p->idle;
	pthread_mutex_unlock(&p->lock);
	return n;
}
