/* maestroctl's connection to maestrod: connect, call, wait for the reply. */
#ifndef MAESTROCTL_RPC_H
#define MAESTROCTL_RPC_H

#include <stdint.h>
#include <json-c/json.h>

#include "frame.h"
#include "jsonrpc.h"

struct rpc_client {
	int fd;
	const char *path;
	int timeout_ms;
	int64_t next_id;
	struct frame_reader in;
};

/*
 * Connects to path. Returns 0 or a negative errno; the caller reports the
 * failure with rpc_report_connect_error().
 */
int rpc_connect(struct rpc_client *cl, const char *path, int timeout_ms);
void rpc_close(struct rpc_client *cl);
void rpc_report_connect_error(const char *path, int r);

/*
 * Sends a request (taking over params) with the next id, stored in *id
 * (may be NULL), without waiting: the caller reads what comes with
 * rpc_next_message(). Returns 0 or a negative errno.
 */
int rpc_send(struct rpc_client *cl, const char *method, struct json_object *params,
	     int64_t *id);

/*
 * Sends a request (taking over params) and waits for its reply, skipping
 * notifications. Returns 0 with *resp filled (it may carry an error
 * reply), -ETIMEDOUT, -ECONNRESET when maestrod closed the connection, or
 * -EPROTO when the reply is not valid JSON-RPC.
 */
int rpc_call(struct rpc_client *cl, const char *method, struct json_object *params,
	     struct rpc_response *resp);

/*
 * The next message maestrod sends, a notification or a reply, waiting until
 * deadline (rpc_mono_ms() time; -1: as long as it takes, for a follower or
 * a watcher). Returns 0 with *resp filled (cleared on error), -ETIMEDOUT,
 * -ECONNRESET when maestrod closed the connection, -EPROTO when the line is
 * not JSON-RPC.
 */
int rpc_next_message(struct rpc_client *cl, int64_t deadline, struct rpc_response *resp);
int64_t rpc_mono_ms(void);

#endif
