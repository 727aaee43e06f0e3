/* JSON-RPC 2.0 messages: parsing requests and responses, building replies. */
#ifndef MAESTRO_JSONRPC_H
#define MAESTRO_JSONRPC_H

#include <stddef.h>
#include <json-c/json.h>

/*
 * Why a line was rejected. message is a sentence for a person; data, when
 * set, is a JSON object the caller hands on as the error's data member.
 */
struct rpc_error {
	int code;
	char message[200];
};

/* A request as received. root owns everything; the rest borrow from it. */
struct rpc_request {
	struct json_object *root;
	struct json_object *id;	    /* NULL when the line had no usable id */
	const char *method;
	struct json_object *params; /* NULL when absent */
};

/* A response as received by a client. */
struct rpc_response {
	struct json_object *root;
	struct json_object *id;
	struct json_object *result; /* set on success */
	int error_code;		    /* set with error_message on failure */
	const char *error_message;
	struct json_object *error_data;
	const char *method; /* set when the line is a notification */
	struct json_object *params;
};

/*
 * Parses one line into *req. Returns 0, or a JSON-RPC error code with
 * *err filled in; req->id is set even then when the line carried a valid
 * id, so the error reply can name the request it answers. Call
 * rpc_request_clear() either way.
 */
int rpc_parse_request(const char *line, size_t len, struct rpc_request *req,
		      struct rpc_error *err);
void rpc_request_clear(struct rpc_request *req);

int rpc_parse_response(const char *line, size_t len, struct rpc_response *resp,
		       struct rpc_error *err);
void rpc_response_clear(struct rpc_response *resp);

/* Parses JSON text with the protocol's strictness (UTF-8, depth, no trailing bytes). */
struct json_object *rpc_parse_json(const char *text, size_t len, struct rpc_error *err);

/*
 * Builders. They take a reference of their own on id (which may be NULL
 * for a JSON null) and take over result, data and params.
 */
struct json_object *rpc_result_new(struct json_object *id, struct json_object *result);
/*
 * A value that serializes as text, verbatim: JSON already serialized
 * elsewhere (on a worker thread, say) and not worth parsing back. Takes
 * over text, which must be valid JSON on one line. NULL when out of memory.
 */
struct json_object *rpc_raw_new(char *text);
struct json_object *rpc_error_new(struct json_object *id, int code,
				  const char *message, struct json_object *data);
struct json_object *rpc_notification_new(const char *method, struct json_object *params);
struct json_object *rpc_request_new(struct json_object *id, const char *method,
				    struct json_object *params);

/*
 * A member of o that is a string, or NULL when o is NULL, the member is
 * absent or it is of another type: how daemon and client read JSON they
 * did not write.
 */
const char *rpc_str(struct json_object *o, const char *key);

/*
 * A duration as the protocol and maestroctl write it: whole seconds, or a
 * number with s, m, h, d or w ("90", "30m", "2w"), from 1 second to max_s.
 * Returns 0 with *seconds set, or -EINVAL.
 */
int rpc_parse_duration(const char *text, long long max_s, long long *seconds);

/* Serializes msg on one line, without the '\n'; the string lives as long as msg. */
const char *rpc_to_line(struct json_object *msg, size_t *len);

/* The standard name of an error code, for messages ("invalid request"). */
const char *rpc_error_name(int code);

#endif
