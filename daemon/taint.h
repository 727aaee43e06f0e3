/* Sessions that read injected instructions, across connections (loop thread only). */
#ifndef MAESTRO_TAINT_H
#define MAESTRO_TAINT_H

#include <stdbool.h>
#include <stdint.h>

struct maestrod;

/* Evaluations remembered with their session; sessions remembered as tainted. */
#define TAINT_EVALUATIONS 4096
#define TAINT_SESSIONS 1024

/*
 * A connection's taint ends with the connection, but a coding agent's hook
 * runs as a new process, on a new connection, for every tool call. Its
 * session is the one it names in context.session_id: a report of injected
 * instructions on an evaluation of that session taints the session, so its
 * next HIGH actions are asked, whichever connection they come on. Entries
 * are keyed hashes of (agent, id), so one agent cannot name another's.
 */
struct taint_table {
	struct {
		uint64_t correlation;
		uint64_t session;
	} evaluations[TAINT_EVALUATIONS];
	unsigned next_evaluation;
	uint64_t sessions[TAINT_SESSIONS];
	unsigned next_session;
	unsigned char key[16];
};

/* An evaluation of agent's session_id (may be NULL: nothing to remember). */
void taint_note_evaluation(struct maestrod *d, const char *agent, const char *correlation_id,
			   const char *session_id);
/* What was reported on correlation_id carried injected instructions. */
void taint_report(struct maestrod *d, const char *agent, const char *correlation_id);
/* Whether agent's session_id (may be NULL) is tainted. */
bool taint_session(struct maestrod *d, const char *agent, const char *session_id);

void taint_free(struct maestrod *d);

#endif
