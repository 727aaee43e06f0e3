/* A fixed pool of worker threads for the governance subagents. */
#ifndef MAESTRO_WORKERS_H
#define MAESTRO_WORKERS_H

#include <sys/queue.h>

struct event_base;
struct worker_pool;

/*
 * One piece of work: work runs on a worker thread, then done runs on the
 * loop thread. The item belongs to the submitter, who must keep it alive
 * until done has run. With done NULL, nothing comes back to the loop: the
 * item must then see to its own hand-over (and lifetime) from work.
 */
struct work_item {
	void (*work)(struct work_item *item);
	void (*done)(struct work_item *item);
	STAILQ_ENTRY(work_item) entry;
};

int workers_start(struct event_base *base, unsigned threads, unsigned queue_max,
		  struct worker_pool **out);
/* Finishes what is queued, joins the threads, runs the last done callbacks. */
struct worker_pool *workers_stop(struct worker_pool *pool);

/* Queues item. Returns 0, or -EAGAIN when the queue is full, -ESHUTDOWN when stopping. */
int workers_submit(struct worker_pool *pool, struct work_item *item);
/* Queues all n items or none of them, returning as workers_submit(). */
int workers_submit_all(struct worker_pool *pool, struct work_item *const *items, unsigned n);
/*
 * Loop thread: takes all n items or none of them (returning as
 * workers_submit()), but queues them only at the next workers_flush(),
 * which the daemon calls once per turn of its event loop, or once a dozen
 * items wait. The requests read in one turn then cost the loop one lock
 * and at most one wake-up per dozen items, and a worker woken for them is
 * not switched to (on a busy or single CPU) after every request.
 */
int workers_defer(struct worker_pool *pool, struct work_item *const *items, unsigned n);
void workers_flush(struct worker_pool *pool);

unsigned workers_queued(struct worker_pool *pool);
/* Threads waiting for work. */
unsigned workers_idle(struct worker_pool *pool);

#endif
