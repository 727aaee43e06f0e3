/* governance.execute's end: output screened and redacted, trust and usage as a report, the audit row, the reply. */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "conn.h"
#include "daemon.h"
#include "dispatch.h"
#include "exec-internal.h"
#include "log.h"
#include "maestro-protocol.h"
#include "taint.h"
#include "trust.h"
#include "utf8.h"
#include "util.h"

static int
remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

/* Replaces each byte that is not well-formed UTF-8 with '?': the reply is JSON text. */
static void
utf8_fix(char *s, size_t len)
{
	for (size_t off = 0, bad; off < len && !utf8_valid(s + off, len - off, &bad); off += bad + 1)
		s[off + bad] = '?';
}

static void
screen_stream(struct exec_stream *s)
{
	char *redacted;
	size_t len;

	if (s->buf == NULL)
		return;
	armor_screen(s->buf, s->len, ARMOR_SOURCE_TOOL_OUTPUT, &s->screen);
	redacted = armor_redact_dup(s->buf, s->len, &len);
	if (redacted != NULL) {
		free(s->buf);
		s->buf = redacted;
		s->len = len;
	} else {
		s->len = 0; /* never hand out what could not be redacted */
	}
	utf8_fix(s->buf, s->len);
}

/* On a worker: screening a megabyte and removing a tree are not the loop's work. */
static void
finish_work(struct work_item *item)
{
	struct execution *ex = (struct execution *)((char *)item - offsetof(struct execution, item));

	screen_stream(&ex->out);
	screen_stream(&ex->err);
	/* Physical walk: a symlink the command left points nowhere we delete. */
	if (ex->tmpdir != NULL && nftw(ex->tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
		log_warning("governance.execute: cannot remove %s: %s", ex->tmpdir, strerror(errno));
}

static void
add_findings(struct json_object *arr, const struct armor_result *res, const char *stream,
	     unsigned *secrets)
{
	for (size_t i = 0; i < res->n_findings; i++) {
		const struct armor_finding *f = &res->findings[i];
		struct json_object *o = json_object_new_object();

		*secrets += f->category == ARMOR_SECRET;
		json_object_object_add(o, "stream", json_object_new_string(stream));
		json_object_object_add(o, "category", json_object_new_string(armor_category_name(f->category)));
		json_object_object_add(o, "rule", json_object_new_string(f->rule));
		json_object_object_add(o, "text", json_object_new_string(f->message));
		json_object_array_add(arr, o);
	}
}

static bool
executed(const struct execution *ex)
{
	return ex->error[0] == '\0' && ex->pid > 0;
}

/* The outcome, for the reply (keep: the whole output) or the audit row (keep: a bound). */
static struct json_object *
outcome_json(struct execution *ex, size_t keep)
{
	struct json_object *r = json_object_new_object(), *findings = json_object_new_array();
	unsigned secrets = 0;

	json_object_object_add(r, "decision", json_object_get(ex->decision));
	json_object_object_add(r, "executed", json_object_new_boolean(executed(ex)));
	if (ex->error[0] != '\0')
		json_object_object_add(r, "error", json_object_new_string(ex->error));
	if (ex->confinement != NULL)
		json_object_object_add(r, "confinement", json_object_get(ex->confinement));
	if (!executed(ex)) {
		json_object_put(findings);
		return r;
	}
	if (ex->exit_code >= 0) {
		json_object_object_add(r, "exit_code", json_object_new_int(ex->exit_code));
	} else {
		json_object_object_add(r, "signal", json_object_new_int(ex->signal));
		json_object_object_add(r, "signal_name", json_object_new_string(sigabbrev_np(ex->signal)
									 ? sigabbrev_np(ex->signal) : "?"));
	}
	json_object_object_add(r, "timed_out", json_object_new_boolean(ex->timed_out));
	if (ex->killed != NULL)
		json_object_object_add(r, "killed", json_object_new_string(ex->killed));
	json_object_object_add(r, "duration_ms", json_object_new_int64((int64_t)ex->duration_ms));
	for (int i = 0; i < 2; i++) {
		struct exec_stream *s = i == 0 ? &ex->out : &ex->err;
		const char *name = i == 0 ? "stdout" : "stderr";
		size_t n = s->len < keep ? s->len : keep;
		char key[32];

		/* A cut may split a character: back up to its first byte. */
		while (n < s->len && n > 0 && ((unsigned char)s->buf[n] & 0xc0) == 0x80)
			n--;
		json_object_object_add(r, name, json_object_new_string_len(s->buf ? s->buf : "", (int)n));
		snprintf(key, sizeof key, "%s_truncated", name);
		json_object_object_add(r, key, json_object_new_boolean(s->truncated || n < s->len));
		add_findings(findings, &s->screen, name, &secrets);
	}
	json_object_object_add(r, "findings", findings);
	json_object_object_add(r, "secrets_redacted", json_object_new_int((int)secrets));
	json_object_object_add(r, "tainted", json_object_new_boolean(ex->tainted));
	json_object_object_add(r, "trust_score", json_object_new_double(ex->trust));
	return r;
}

struct json_object *
exec_result_new(struct execution *ex)
{
	return outcome_json(ex, SIZE_MAX);
}

static void
record_committed(struct audit_record *rec, void *userdata)
{
	struct execution *ex = userdata;
	struct json_object *r;

	if (rec->error) {
		call_fail(ex->call, MAESTRO_E_UNAVAILABLE, rec->error_message, NULL);
	} else {
		r = exec_result_new(ex);
		json_object_object_add(r, "audit_seq", json_object_new_int64(rec->seq));
		call_reply(ex->call, r);
	}
	ex->call = NULL;
	exec_free(ex);
}

/* On the loop: what the output showed is applied, then recorded, then answered. */
static void
finish_done(struct work_item *item)
{
	struct execution *ex = (struct execution *)((char *)item - offsetof(struct execution, item));
	struct maestrod *d = ex->d;
	struct json_object *detail;
	struct audit_record *rec;
	struct agent *a;

	ex->state = EXEC_RECORDING;
	ex->tainted = armor_found_instructions(&ex->out.screen) ||
		      armor_found_instructions(&ex->err.screen);
	/* Instructions hidden in what the agent will read make its next risky steps a person's call. */
	if (ex->tainted && ex->call->conn != NULL)
		ex->call->conn->tainted = true;
	if (ex->tainted)
		taint_report(d, ex->agent_id, ex->correlation_id);
	a = registry_find(&d->agents, ex->agent_id);
	ex->trust = a != NULL ? a->trust : 0;
	/*
	 * As governance.report would: the allowed evaluation is owed one report,
	 * and this is it (unless the agent reported on it itself meanwhile). A
	 * command maestrod killed because its client left or maestrod stopped
	 * has no outcome to judge: the report is taken, trust does not move.
	 */
	if (executed(ex) && trust_claim_report(d, ex->agent_id, ex->correlation_id) == 0 &&
	    ex->killed == NULL)
		trust_after_report(d, ex->agent_id, ex->exit_code == 0 && !ex->timed_out, ex->tainted,
				   0, 0, ex->correlation_id, &ex->trust);

	detail = outcome_json(ex, EXEC_AUDIT_OUTPUT_KEEP);
	json_object_object_del(detail, "decision");
	json_object_object_add(detail, "agent", json_object_new_string(ex->agent_id));
	if (ex->argv != NULL) {
		struct json_object *argv = json_object_new_array();

		for (char **p = ex->argv; *p != NULL; p++)
			json_object_array_add(argv, json_object_new_string(*p));
		json_object_object_add(detail, "argv", argv);
	}
	json_object_object_add(detail, "command", json_object_new_string(ex->command));
	json_object_object_add(detail, "cwd", json_object_new_string(ex->cwd));
	if (ex->workspace != NULL)
		json_object_object_add(detail, "workspace", json_object_new_string(ex->workspace));
	json_object_object_add(detail, "decision_seq",
			       json_object_get(json_object_object_get(ex->decision, "audit_seq")));
	rec = audit_record_new("governance.execute", ex->agent_id, detail);
	if (rec == NULL || (rec->correlation_id = strdup(ex->correlation_id)) == NULL) {
		audit_record_free(rec);
		call_fail(ex->call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
		exec_free(ex);
		return;
	}
	if (ex->call->conn != NULL) {
		rec->has_peer = true;
		rec->peer_uid = ex->call->conn->uid;
		rec->peer_pid = ex->call->conn->pid;
	}
	rec->done = record_committed;
	rec->userdata = ex;
	audit_submit_or_fail(d->audit, rec);
}

void
exec_finish(struct execution *ex)
{
	ex->state = EXEC_SCREENING;
	ex->item.work = finish_work;
	ex->item.done = finish_done;
	if (workers_submit(ex->d->workers, &ex->item) < 0) {
		/* The queue is full or stopping: late is better than unscreened. */
		finish_work(&ex->item);
		finish_done(&ex->item);
	}
}
