/* Sessions: which agent a connection or a call speaks for, and proving it. */
#ifndef MAESTRO_SESSION_H
#define MAESTRO_SESSION_H

#include <stdbool.h>
#include <stddef.h>

struct agent;
struct conn;
struct maestrod;

/*
 * A connection that fails this many authentications (hello or one-shot
 * "auth") without one succeeding in between is closed.
 */
#define SESSION_MAX_FAILURES 3

/*
 * Checks an agent id and token. Returns the agent, or NULL with the reason
 * in msg; the reason never tells an unknown agent from a wrong token.
 */
struct agent *session_authenticate(struct maestrod *d, const char *id, const char *token,
				   char *msg, size_t size);

/*
 * The agent a bound connection speaks for, re-checked on every use: NULL
 * with a reason when it was deleted, suspended, expired or its token
 * rotated since the hello.
 */
struct agent *session_agent(struct maestrod *d, struct conn *c, char *msg, size_t size);

/* Binds c to a, after a successful hello. */
void session_bind(struct conn *c, const struct agent *a);

/* A successful authentication resets the count of failures. */
void session_succeeded(struct conn *c);

/*
 * Records a failed authentication in the audit trail and counts it against
 * the connection. Returns true when the connection must now be closed.
 */
bool session_failed(struct maestrod *d, struct conn *c, const char *agent, const char *method,
		    const char *reason);

#endif
