/*
 * The worker pool: every item runs, done callbacks come back on the loop,
 * and an item never waits for a busy worker while another one sleeps.
 * The last is what decisions depend on: a subagent stuck in a slow check
 * (sofia asking a model) must not hold up the checks queued behind it.
 * Each test blocks on the very item it is about, so a pool that failed to
 * wake a worker hangs, and Check's timeout fails the test.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "unit.h"
#include "workers.h"

struct job {
	struct work_item item;
	pthread_mutex_t *lock;
	pthread_cond_t *cond;
	atomic_int *count;
	const atomic_int *wait_for; /* run only once *wait_for reaches want */
	int want;
	int done_calls;
};

static void
job_work(struct work_item *item)
{
	struct job *j = (struct job *)item;

	pthread_mutex_lock(j->lock);
	while (j->wait_for != NULL && atomic_load(j->wait_for) < j->want)
		pthread_cond_wait(j->cond, j->lock);
	atomic_fetch_add(j->count, 1);
	pthread_cond_broadcast(j->cond);
	pthread_mutex_unlock(j->lock);
}

static void
job_done(struct work_item *item)
{
	((struct job *)item)->done_calls++;
}

static struct event_base *
base_new(void)
{
	ck_assert_int_eq(evthread_use_pthreads(), 0);
	return event_base_new();
}

/* Runs the loop until n done callbacks came back. */
static void
wait_done(struct event_base *base, struct job *jobs, int n)
{
	for (;;) {
		int got = 0;

		for (int i = 0; i < n; i++)
			got += jobs[i].done_calls;
		if (got == n)
			return;
		event_base_loop(base, EVLOOP_ONCE);
	}
}

START_TEST(test_every_item_runs_and_comes_back)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
	atomic_int count = 0;
	struct event_base *base = base_new();
	struct worker_pool *p;
	struct job jobs[300] = { 0 };
	struct work_item *items[3];

	ck_assert_int_eq(workers_start(base, 4, 1000, &p), 0);
	for (int i = 0; i < 300; i++) {
		jobs[i] = (struct job){ .item = { .work = job_work, .done = job_done },
					.lock = &lock, .cond = &cond, .count = &count };
		items[i % 3] = &jobs[i].item;
		if (i % 3 == 2)
			ck_assert_int_eq(workers_submit_all(p, items, 3), 0);
	}
	wait_done(base, jobs, 300);
	ck_assert_int_eq(atomic_load(&count), 300);
	for (int i = 0; i < 300; i++)
		ck_assert_int_eq(jobs[i].done_calls, 1);
	workers_stop(p);
	event_base_free(base);
}
END_TEST

START_TEST(test_busy_worker_does_not_hold_up_the_queue)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
	atomic_int slow_may_finish = 0, count = 0;
	struct event_base *base = base_new();
	struct worker_pool *p;
	struct job jobs[4] = { 0 };

	ck_assert_int_eq(workers_start(base, 2, 100, &p), 0);
	while (workers_idle(p) != 2)
		sched_yield(); /* both asleep: the pool must wake the second itself */
	/* The first item occupies a worker until all the others have run. */
	jobs[0] = (struct job){ .item = { .work = job_work, .done = job_done }, .lock = &lock,
				.cond = &cond, .count = &slow_may_finish, .wait_for = &count,
				.want = 3 };
	ck_assert_int_eq(workers_submit(p, &jobs[0].item), 0);
	/* Wait until a worker took it, so the others arrive while it is busy. */
	while (workers_queued(p) != 0)
		sched_yield();
	for (int i = 1; i < 4; i++) {
		jobs[i] = (struct job){ .item = { .work = job_work, .done = job_done },
					.lock = &lock, .cond = &cond, .count = &count };
		ck_assert_int_eq(workers_submit(p, &jobs[i].item), 0);
	}
	wait_done(base, jobs, 4);
	ck_assert_int_eq(atomic_load(&count), 3);
	ck_assert_int_eq(atomic_load(&slow_may_finish), 1);
	workers_stop(p);
	event_base_free(base);
}
END_TEST

START_TEST(test_full_queue_takes_none)
{
	struct event_base *base = base_new();
	struct worker_pool *p;
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
	atomic_int count = 0, never = 0;
	struct job block = { .item = { .work = job_work, .done = job_done }, .lock = &lock,
			     .cond = &cond, .count = &count, .wait_for = &never, .want = 1 };
	struct job jobs[3] = { 0 };
	struct work_item *items[3];

	/* One worker, held by block; a queue of two cannot take three at once. */
	ck_assert_int_eq(workers_start(base, 1, 2, &p), 0);
	while (workers_idle(p) != 1)
		sched_yield();
	ck_assert_int_eq(workers_submit(p, &block.item), 0);
	while (workers_queued(p) != 0)
		sched_yield();
	for (int i = 0; i < 3; i++) {
		jobs[i] = (struct job){ .item = { .work = job_work, .done = job_done },
					.lock = &lock, .cond = &cond, .count = &count };
		items[i] = &jobs[i].item;
	}
	ck_assert_int_eq(workers_submit_all(p, items, 3), -EAGAIN);
	ck_assert_uint_eq(workers_queued(p), 0);
	ck_assert_int_eq(workers_submit_all(p, items, 2), 0);
	/* Let block finish; the two queued run after it. */
	pthread_mutex_lock(&lock);
	atomic_store(&never, 1);
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	wait_done(base, jobs, 2);
	workers_stop(p);
	ck_assert_int_eq(block.done_calls, 1);
	ck_assert_int_eq(jobs[2].done_calls, 0);
	event_base_free(base);
}
END_TEST

START_TEST(test_deferred_items_wait_for_the_flush_or_a_dozen)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
	atomic_int count = 0, go = 0;
	struct event_base *base = base_new();
	struct worker_pool *p;
	struct job block = { .item = { .work = job_work, .done = job_done }, .lock = &lock,
			     .cond = &cond, .count = &count, .wait_for = &go, .want = 1 };
	struct job jobs[12] = { 0 };
	struct work_item *items[3];

	/* One worker held by block, so queued items stay countable. */
	ck_assert_int_eq(workers_start(base, 1, 100, &p), 0);
	ck_assert_int_eq(workers_submit(p, &block.item), 0);
	while (workers_queued(p) != 0)
		sched_yield();
	for (int i = 0; i < 12; i++)
		jobs[i] = (struct job){ .item = { .work = job_work, .done = job_done },
					.lock = &lock, .cond = &cond, .count = &count };
	/* Three decisions' worth waits for the end of the loop's turn... */
	for (int k = 0; k < 3; k++) {
		for (int i = 0; i < 3; i++)
			items[i] = &jobs[3 * k + i].item;
		ck_assert_int_eq(workers_defer(p, items, 3), 0);
		ck_assert_uint_eq(workers_queued(p), 0);
	}
	/* ...the fourth makes a dozen, which go at once... */
	for (int i = 0; i < 3; i++)
		items[i] = &jobs[9 + i].item;
	ck_assert_int_eq(workers_defer(p, items, 3), 0);
	ck_assert_uint_eq(workers_queued(p), 12);
	/* ...and a flush with nothing deferred changes nothing. */
	workers_flush(p);
	ck_assert_uint_eq(workers_queued(p), 12);
	pthread_mutex_lock(&lock);
	atomic_store(&go, 1);
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	wait_done(base, jobs, 12);
	ck_assert_int_eq(atomic_load(&count), 13);
	workers_stop(p);
	event_base_free(base);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("workers");
	TCase *tc = tcase_create("pool");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_every_item_runs_and_comes_back);
	tcase_add_test(tc, test_busy_worker_does_not_hold_up_the_queue);
	tcase_add_test(tc, test_full_queue_takes_none);
	tcase_add_test(tc, test_deferred_items_wait_for_the_flush_or_a_dozen);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
