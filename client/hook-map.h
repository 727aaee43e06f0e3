/* Between hook-map.c, which reads the payload, and hook-map-tools.c, which maps each tool's input. */
#ifndef MAESTROCTL_HOOK_MAP_H
#define MAESTROCTL_HOOK_MAP_H

#include "hook.h"
#include "jsonrpc.h"

/*
 * action[key] = s (or from[from_key], when it is a string). A NUL inside
 * would let maestrod judge a shorter string than the tool uses: -EINVAL
 * with why[] filled.
 */
int hook_put(struct json_object *action, const char *key, const char *s, size_t len, char *why,
	     size_t size);
int hook_put_member(struct json_object *action, const char *key, struct json_object *from,
		    const char *from_key, char *why, size_t size);

/*
 * Fill call->action from the tool's input in; 0, -EINVAL with why[], or
 * -ENOMEM. cwd is where the agent runs.
 */
int hook_map_shell(struct hook_call *call, struct json_object *in, const char *cwd, char *why,
		   size_t size);
int hook_map_paths(struct hook_call *call, struct json_object *in, const char *kind, char *why,
		   size_t size);
int hook_map_network(struct hook_call *call, struct json_object *in, char *why, size_t size);
int hook_map_mcp(struct hook_call *call, struct json_object *payload, struct json_object *in);

#endif
