/* The daemon as a whole: its state, start-up, reload and orderly shutdown. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <systemd/sd-daemon.h>

#include <sodium.h>

#include "agent-store.h"
#include "armor.h"
#include "policy.h"
#include "reader.h"
#include "workers.h"
#include "audit.h"
#include "audit-follow.h"
#include "conn.h"
#include "counsel.h"
#include "daemon.h"
#include "exec.h"
#include "log.h"
#include "taint.h"
#include "telemetry.h"
#include "trace.h"
#include "metrics.h"
#include "paths.h"
#include "server.h"
#include "store.h"
#include "util.h"

/* A queued audit row older than this means the writer is stuck. */
#define AUDIT_STALL_USEC (10 * 1000000u)

/* Fills the settings the command line overrides and the paths left to defaults. */
static int
daemon_apply_options(struct maestrod *d, struct config *cfg)
{
	if (d->opts.socket_path != NULL) {
		free(cfg->socket_path);
		if ((cfg->socket_path = strdup(d->opts.socket_path)) == NULL)
			return -ENOMEM;
	}
	if (d->opts.db_path != NULL) {
		free(cfg->db_path);
		if ((cfg->db_path = strdup(d->opts.db_path)) == NULL)
			return -ENOMEM;
	}
	if (d->opts.log_level >= 0)
		cfg->log_level = d->opts.log_level;
	/* With sockets from systemd there is nothing to bind, so no path is needed. */
	if (cfg->socket_path == NULL && (cfg->socket_path = maestro_default_socket_path()) == NULL &&
	    getenv("LISTEN_FDS") == NULL)
		return -ENOENT;
	if (cfg->db_path == NULL && (cfg->db_path = paths_default_db()) == NULL)
		return -ENOENT;
	return 0;
}

/*
 * The policy file from the config, else the default path if it exists,
 * else the policy built into maestrod.
 */
int
daemon_load_policy(const struct config *cfg, struct policy **out, struct config_error *err)
{
	_cleanup_free_ char *path = NULL;
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	int r;

	if (cfg->policy_path != NULL)
		return policy_load(cfg->policy_path, out, err);
	if (geteuid() == 0)
		path = strdup("/etc/maestro/policy");
	else if (xdg != NULL && xdg[0] == '/')
		r = asprintf(&path, "%s/maestro/policy", xdg), (void)r;
	else if (home != NULL && home[0] == '/')
		r = asprintf(&path, "%s/.config/maestro/policy", home), (void)r;
	if (path != NULL && access(path, F_OK) == 0)
		return policy_load(path, out, err);
	return policy_default(out);
}

int
daemon_load_config(struct maestrod *d, struct config *cfg, struct config_error *err)
{
	int r;

	if (d->config_path == NULL) {
		/* No HOME and no XDG_CONFIG_HOME: there is no file to look for. */
		config_init(cfg);
		d->config_found = false;
	} else {
		r = config_load(cfg, d->config_path, d->opts.config_path != NULL, err);
		if (r < 0)
			return r;
		/* Only for status: whether the settings came from a file or the defaults. */
		d->config_found = access(d->config_path, F_OK) == 0;
	}
	r = daemon_apply_options(d, cfg);
	if (r == -ENOENT) {
		snprintf(err->file, sizeof err->file, "%s", d->config_path ? d->config_path : "maestrod");
		err->line = err->column = 0;
		snprintf(err->message, sizeof err->message,
			 "no default socket or database location: set XDG_RUNTIME_DIR and HOME, "
			 "or give --socket and --db");
		config_clear(cfg);
	}
	return r;
}

const char *
daemon_health(struct maestrod *d)
{
	struct audit_stats st;

	audit_get_stats(d->audit, &st);
	if (st.failing)
		return "degraded: the audit store cannot be written";
	if (st.oldest_wait_usec > AUDIT_STALL_USEC)
		return "degraded: the audit writer is stalled";
	if (d->draining)
		return "stopping";
	return "ok";
}

static void
daemon_record(struct maestrod *d, const char *event, struct json_object *detail)
{
	struct audit_record *rec;

	rec = audit_record_new(event, "maestrod", detail);
	if (rec == NULL || audit_submit(d->audit, rec) < 0) {
		log_warning("could not record %s in the audit trail", event);
		audit_record_free(rec);
	}
}

static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct maestrod *d = arg;

	(void)sig;
	(void)what;
	if (d->draining)
		return;
	log_info("SIGHUP: reloading the configuration");
	daemon_reload(d, "signal:SIGHUP", -1, -1, NULL, NULL);
}

static void
on_term(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	log_notice("%s: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
	daemon_shutdown(arg);
}

static void
on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	struct maestrod *d = arg;
	struct audit_stats st;

	(void)fd;
	(void)what;
	/*
	 * A live loop alone is not health: when the audit writer stops
	 * committing, no decision can be acknowledged, so let systemd
	 * restart us rather than pretend.
	 */
	audit_get_stats(d->audit, &st);
	if (st.oldest_wait_usec > d->watchdog_usec) {
		log_error("audit writer stalled for %llu ms; withholding the watchdog ping",
			  (unsigned long long)(st.oldest_wait_usec / 1000));
		return;
	}
	sd_notify(0, "WATCHDOG=1");
}

static void
on_finish(evutil_socket_t fd, short what, void *arg)
{
	struct maestrod *d = arg;

	(void)fd;
	(void)what;
	event_base_loopexit(d->base, NULL);
}

static void
conn_drain_cb(struct conn *c, void *arg)
{
	(void)arg;
	conn_drain(c);
}

static void
conn_close_cb(struct conn *c, void *arg)
{
	unsigned *unanswered = arg;

	*unanswered += c->n_calls;
	conn_free(c);
}

static void
on_drain_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct maestrod *d = arg;
	unsigned unanswered = 0, n = server_conn_count(d->server);

	(void)fd;
	(void)what;
	server_foreach_conn(d->server, conn_close_cb, &unanswered);
	log_warning("drain timeout: closed %u connections with %u requests unanswered", n,
		    unanswered);
	event_active(d->ev_finish, 0, 0);
}

void
daemon_maybe_finish(struct maestrod *d)
{
	if (d->draining && server_conn_count(d->server) == 0)
		event_active(d->ev_finish, 0, 0);
}

void
daemon_shutdown(struct maestrod *d)
{
	struct timeval tv;

	if (d->draining)
		return;
	d->draining = true;
	sd_notify(0, "STOPPING=1\nSTATUS=Finishing requests in flight");
	server_stop_listening(d->server);
	tv.tv_sec = (time_t)(d->cfg.drain_timeout_usec / 1000000u);
	tv.tv_usec = (suseconds_t)(d->cfg.drain_timeout_usec % 1000000u);
	evtimer_add(d->ev_drain_timeout, &tv);
	server_foreach_conn(d->server, conn_drain_cb, NULL);
	approvals_drain(d); /* parked approval.wait calls answer now, not at the drain timeout */
	exec_shutdown(d);   /* running commands are killed, and answered as they end */
	daemon_maybe_finish(d);
}

static int
daemon_events(struct maestrod *d)
{
	struct timeval tv;

	d->ev_term = evsignal_new(d->base, SIGTERM, on_term, d);
	d->ev_int = evsignal_new(d->base, SIGINT, on_term, d);
	d->ev_hup = evsignal_new(d->base, SIGHUP, on_hup, d);
	d->ev_finish = event_new(d->base, -1, 0, on_finish, d);
	d->ev_drain_timeout = evtimer_new(d->base, on_drain_timeout, d);
	if (!d->ev_term || !d->ev_int || !d->ev_hup || !d->ev_finish || !d->ev_drain_timeout)
		return -ENOMEM;
	event_add(d->ev_term, NULL);
	event_add(d->ev_int, NULL);
	event_add(d->ev_hup, NULL);
	if (sd_watchdog_enabled(0, &d->watchdog_usec) > 0 && d->watchdog_usec > 0) {
		/* Ping at half the interval, as systemd recommends. */
		uint64_t half = d->watchdog_usec / 2;

		d->ev_watchdog = event_new(d->base, -1, EV_PERSIST, on_watchdog, d);
		if (d->ev_watchdog == NULL)
			return -ENOMEM;
		tv.tv_sec = (time_t)(half / 1000000u);
		tv.tv_usec = (suseconds_t)(half % 1000000u);
		event_add(d->ev_watchdog, &tv);
	}
	return 0;
}

int
daemon_start(struct maestrod *d, const struct options *opts)
{
	struct config_error err;
	char msg[PATH_MAX + 300];
	struct json_object *detail;
	int64_t last_seq;
	int r;

	memset(d, 0, sizeof *d);
	d->opts = *opts;
	d->started_realtime_usec = now_usec(CLOCK_REALTIME);
	d->started_monotonic_usec = now_usec(CLOCK_MONOTONIC);
	d->config_path = opts->config_path ? strdup(opts->config_path) : config_default_path();
	if (daemon_load_config(d, &d->cfg, &err) < 0) {
		config_error_format(&err, msg, sizeof msg);
		log_error("%s", msg);
		return -EINVAL;
	}
	log_set_level(d->cfg.log_level);

	if (sodium_init() < 0) {
		log_error("cannot initialise libsodium");
		return -EIO;
	}
	if (evthread_use_pthreads() < 0 || (d->base = event_base_new()) == NULL) {
		log_error("cannot set up the event loop");
		return -ENOMEM;
	}
	r = server_open(d, d->cfg.socket_path, &d->server, msg, sizeof msg);
	if (r < 0) {
		log_error("%s", msg);
		return r;
	}
	/* Both listeners are bound before anything is written, so a taken port changes nothing. */
	if (metrics_new(&d->metrics) < 0) {
		log_error("cannot set up metrics: out of memory");
		return -ENOMEM;
	}
	if (d->cfg.metrics_host != NULL) {
		r = metrics_http_start(d, d->cfg.metrics_host, d->cfg.metrics_port,
				       &d->metrics_http, msg, sizeof msg);
		if (r < 0) {
			log_error("%s", msg);
			return r;
		}
	}
	r = store_open(d->cfg.db_path, d->cfg.audit_sync, &d->store, msg, sizeof msg);
	if (r < 0) {
		log_error("%s", msg);
		return r;
	}
	r = agent_store_load(d->store->db, &d->agents, msg, sizeof msg);
	if (r == 0)
		r = registry_copy(&d->stored, &d->agents);
	if (r == 0)
		r = approvals_load(d, d->store->db, msg, sizeof msg);
	if (r < 0) {
		log_error("%s: %s", d->cfg.db_path, msg);
		return r;
	}
	d->started_socket = d->cfg.socket_path ? strdup(d->cfg.socket_path) : NULL;
	d->started_db = strdup(d->cfg.db_path);
	d->started_sync = d->cfg.audit_sync;
	d->started_has_group = d->cfg.has_socket_group;
	d->started_group = d->cfg.socket_group;
	d->started_workers = d->cfg.workers;
	d->started_otlp = d->cfg.otlp_endpoint ? strdup(d->cfg.otlp_endpoint) : NULL;
	r = daemon_load_policy(&d->cfg, &d->policy, &err);
	if (r < 0) {
		config_error_format(&err, msg, sizeof msg);
		log_error("%s", msg);
		return r;
	}
	if (armor_init() < 0 ||
	    workers_start(d->base, d->cfg.workers, d->cfg.workers * 1024, &d->workers) < 0) {
		log_error("cannot start the governance workers");
		return -ENOMEM;
	}
	/* Two readers: queries and exports run beside each other, never on the workers. */
	r = reader_start(d->base, d->store->path, 2, 1024, &d->reader);
	if (r < 0) {
		log_error("cannot start the store readers: %s", strerror(-r));
		return r;
	}
	/* Read while the store is still ours: from here on the writer owns it. */
	last_seq = audit_query_last_seq(d->store->db);
	r = audit_start(d->base, d->store->db, d->cfg.audit_queue_max, &d->audit);
	if (r < 0) {
		log_error("cannot start the audit writer: %s", strerror(-r));
		return r;
	}
	audit_set_chain(d->audit, d->cfg.audit_checkpoint_every, d->cfg.audit_max_rows,
			d->cfg.audit_max_age_usec);
	r = audit_follow_start(d->audit, last_seq, &d->follow);
	if (r < 0) {
		log_error("cannot set up audit following: %s", strerror(-r));
		return r;
	}
	if (d->cfg.otlp_endpoint != NULL) {
		r = telemetry_start(d->cfg.otlp_endpoint, &d->telemetry);
		if (r == 0)
			r = audit_add_observer(d->audit, telemetry_audit_row, d);
		if (r < 0) {
			log_error("cannot start the OTLP export: %s", strerror(-r));
			return r;
		}
	}
	r = daemon_events(d);
	if (r == 0)
		r = server_start(d->server);
	if (r < 0) {
		log_error("cannot set up events: %s", strerror(-r));
		return r;
	}

	detail = json_object_new_object();
	json_object_object_add(detail, "version", json_object_new_string(MAESTRO_VERSION));
	json_object_object_add(detail, "pid", json_object_new_int(getpid()));
	json_object_object_add(detail, "uid", json_object_new_int64(getuid()));
	json_object_object_add(detail, "socket", json_object_new_string(server_path(d->server)));
	daemon_record(d, "daemon.start", detail);

	log_notice("maestrod %s listening on %s, database %s", MAESTRO_VERSION,
		   server_path(d->server), d->store->path);
	sd_notifyf(0, "READY=1\nSTATUS=Listening on %s\nMAINPID=%d", server_path(d->server),
		   (int)getpid());
	return 0;
}

int
daemon_run(struct maestrod *d)
{
	struct json_object *detail;
	int r;

	/*
	 * One turn at a time: the subagents of the requests read in a turn
	 * go to the workers together at its end (see workers_defer()).
	 */
	do {
		r = event_base_loop(d->base, EVLOOP_ONCE);
		workers_flush(d->workers);
	} while (r == 0 && !event_base_got_exit(d->base) && !event_base_got_break(d->base));
	if (r < 0)
		return -EIO;
	detail = json_object_new_object();
	json_object_object_add(detail, "pid", json_object_new_int(getpid()));
	json_object_object_add(detail, "requests",
			       json_object_new_int64((int64_t)d->stats.requests_total));
	daemon_record(d, "daemon.stop", detail);
	/* Decisions in flight finish first; their audit rows follow them into the writer. */
	d->workers = workers_stop(d->workers);
	exec_free_all(d); /* commands still running past the drain timeout */
	d->reader = reader_stop(d->reader);
	/* Stopping the writer commits everything still queued, the last traces too. */
	trace_flush(d);
	d->audit = audit_stop(d->audit);
	/* After the writer, whose last rows it may still be handed. */
	d->telemetry = telemetry_stop(d->telemetry);
	log_notice("maestrod stopped");
	return 0;
}

void
daemon_free(struct maestrod *d)
{
	d->workers = workers_stop(d->workers);
	exec_free_all(d);
	d->reader = reader_stop(d->reader);
	d->audit = audit_stop(d->audit);
	d->telemetry = telemetry_stop(d->telemetry);
	d->trace_pending = trace_pending_free(d->trace_pending);
	/* After the workers and the audit writer: their last callbacks still use the chats. */
	d->counsel = counsel_chats_free(d->counsel);
	approvals_clear(d); /* after the writer: a decision being recorded still holds its approval */
	d->policy = policy_unref(d->policy);
	d->metrics_http = metrics_http_free(d->metrics_http);
	d->metrics = metrics_free(d->metrics);
	armor_fini();
	d->server = server_free(d->server);
	/* After the connections, which leave it as they close. */
	d->follow = audit_follow_free(d->follow);
	d->store = store_close(d->store);
	if (d->ev_term) event_free(d->ev_term);
	if (d->ev_int) event_free(d->ev_int);
	if (d->ev_hup) event_free(d->ev_hup);
	if (d->ev_watchdog) event_free(d->ev_watchdog);
	if (d->ev_finish) event_free(d->ev_finish);
	if (d->ev_drain_timeout) event_free(d->ev_drain_timeout);
	if (d->base) event_base_free(d->base);
	config_clear(&d->cfg);
	free(d->config_path);
	registry_clear(&d->agents);
	registry_clear(&d->stored);
	free(d->started_socket);
	free(d->started_db);
	free(d->started_otlp);
	taint_free(d);
}
