/* Reloading the configuration: parsed, recorded in the audit trail, then applied. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-daemon.h>

#include "audit.h"
#include "conn.h"
#include "daemon.h"
#include "log.h"
#include "metrics.h"
#include "policy.h"
#include "server.h"
#include "util.h"

/* A parsed configuration waiting for its audit row. */
struct reload {
	struct maestrod *d;
	struct config next;
	struct policy *policy; /* parsed with next; swapped in with it */
	struct reload_result res;
	reload_done_fn done;
	void *userdata;
};

static bool
str_differs(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0);
}

/* Compared with what start-up applied, so the list stands until a restart. */
static void
reload_restart_required(struct maestrod *d, const struct config *next, struct reload_result *res)
{
	if (!server_activated(d->server) && str_differs(next->socket_path, d->started_socket))
		res->restart_required[res->n_restart_required++] = "socket";
	if (str_differs(next->db_path, d->started_db))
		res->restart_required[res->n_restart_required++] = "database";
	if (next->audit_sync != d->started_sync)
		res->restart_required[res->n_restart_required++] = "audit_sync";
	if (next->has_socket_group != d->started_has_group ||
	    (next->has_socket_group && next->socket_group != d->started_group))
		res->restart_required[res->n_restart_required++] = "socket_group";
	/* The worker threads are started once; resizing a busy pool is not worth its risks. */
	if (next->workers != d->started_workers)
		res->restart_required[res->n_restart_required++] = "workers";
	/* The export thread keeps the endpoint it was started with. */
	if (str_differs(next->otlp_endpoint, d->started_otlp))
		res->restart_required[res->n_restart_required++] = "otlp_endpoint";
	/* Rebinding would need its failure reported after the row is committed: not worth it. */
	if (metrics_http_differs(d->metrics_http, next->metrics_host, next->metrics_port))
		res->restart_required[res->n_restart_required++] = "metrics_listen";
}

static void
conn_apply_limits(struct conn *c, void *arg)
{
	conn_set_max_line(c, *(size_t *)arg);
}

static void
reload_apply(struct maestrod *d, struct config *next, struct policy *rl_policy)
{
	config_clear(&d->cfg);
	d->cfg = *next;
	config_init(next); /* moved */
	/* Evaluations in flight keep the policy they started with. */
	policy_unref(d->policy);
	d->policy = TAKE_PTR(rl_policy);
	log_set_level(d->cfg.log_level);
	audit_set_queue_max(d->audit, d->cfg.audit_queue_max);
	audit_set_chain(d->audit, d->cfg.audit_checkpoint_every, d->cfg.audit_max_rows,
			d->cfg.audit_max_age_usec);
	server_foreach_conn(d->server, conn_apply_limits, &d->cfg.max_line);
}

static void
reload_finish(struct reload *rl, struct audit_record *rec)
{
	struct maestrod *d = rl->d;
	char where[sizeof rl->res.error.file + 300];

	if (rec != NULL && rec->error == 0)
		rl->res.audit_seq = rec->seq;
	if (rec != NULL && rec->error != 0)
		snprintf(rl->res.audit_error, sizeof rl->res.audit_error, "%s", rec->error_message);

	if (rl->res.config_invalid) {
		config_error_format(&rl->res.error, where, sizeof where);
		log_error("reload failed, keeping the running configuration: %s", where);
		sd_notifyf(0, "READY=1\nSTATUS=Reload failed (%s); running on the previous configuration",
			   where);
	} else if (rl->res.audit_error[0] != '\0') {
		log_error("reload not applied: it could not be recorded: %s", rl->res.audit_error);
		sd_notify(0, "READY=1\nSTATUS=Reload not applied: the audit trail cannot be written");
	} else {
		reload_apply(d, &rl->next, TAKE_PTR(rl->policy));
		rl->res.applied = true;
		log_notice("configuration reloaded from %s%s",
			   d->config_path ? d->config_path : "(built-in defaults)",
			   rl->res.n_restart_required ? "; some changes need a restart" : "");
		sd_notifyf(0, "READY=1\nSTATUS=Listening on %s", server_path(d->server));
	}
	if (rl->done != NULL)
		rl->done(&rl->res, rl->userdata);
	config_clear(&rl->next);
	policy_unref(rl->policy);
	free(rl);
}

static void
reload_committed(struct audit_record *rec, void *userdata)
{
	reload_finish(userdata, rec);
}

static struct audit_record *
reload_record(struct maestrod *d, const struct reload_result *res, const char *actor)
{
	struct json_object *detail = json_object_new_object(), *list;
	char where[sizeof res->error.file + 300];

	json_object_object_add(detail, "ok", json_object_new_boolean(!res->config_invalid));
	json_object_object_add(detail, "config",
			       d->config_path ? json_object_new_string(d->config_path) : NULL);
	if (res->config_invalid) {
		config_error_format(&res->error, where, sizeof where);
		json_object_object_add(detail, "error", json_object_new_string(where));
	}
	list = json_object_new_array();
	for (unsigned i = 0; i < res->n_restart_required; i++)
		json_object_array_add(list, json_object_new_string(res->restart_required[i]));
	json_object_object_add(detail, "restart_required", list);
	return audit_record_new("config.reload", actor, detail);
}

void
daemon_reload(struct maestrod *d, const char *actor, long peer_uid, long peer_pid,
	      reload_done_fn done, void *userdata)
{
	struct audit_record *rec;
	struct reload *rl;

	rl = calloc(1, sizeof *rl);
	if (rl == NULL) {
		struct reload_result res = { .audit_error = "out of memory" };

		if (done)
			done(&res, userdata);
		return;
	}
	rl->d = d;
	rl->done = done;
	rl->userdata = userdata;
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
		   (unsigned long long)now_usec(CLOCK_MONOTONIC));

	/* Reading a small file on the loop thread; reloads are rare and admin-driven. */
	/* The config and the policy it names go together, or neither does. */
	if (daemon_load_config(d, &rl->next, &rl->res.error) < 0 ||
	    daemon_load_policy(&rl->next, &rl->policy, &rl->res.error) < 0)
		rl->res.config_invalid = true;
	else
		reload_restart_required(d, &rl->next, &rl->res);

	rec = reload_record(d, &rl->res, actor);
	if (rec == NULL) {
		snprintf(rl->res.audit_error, sizeof rl->res.audit_error, "out of memory");
		reload_finish(rl, NULL);
		return;
	}
	if (peer_uid >= 0) {
		rec->has_peer = true;
		rec->peer_uid = (uid_t)peer_uid;
		rec->peer_pid = (pid_t)peer_pid;
	}
	rec->done = reload_committed;
	rec->userdata = rl;
	if (audit_submit(d->audit, rec) < 0) {
		rec->done = NULL;
		audit_record_free(rec);
		snprintf(rl->res.audit_error, sizeof rl->res.audit_error, "the audit queue is full");
		rl->res.overloaded = true;
		reload_finish(rl, NULL);
	}
}
