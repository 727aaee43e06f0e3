/* The maestro wire protocol: version, limits and error codes. */
#ifndef MAESTRO_PROTOCOL_H
#define MAESTRO_PROTOCOL_H

/*
 * JSON-RPC 2.0 over a Unix stream socket, one UTF-8 JSON object per line.
 * maestro-protocol(7) is the reference; keep it in step with this file.
 *
 * The protocol version is a single integer. It grows when a method changes
 * in a way an existing client would notice; new methods and new optional
 * fields do not bump it.
 */
#define MAESTRO_PROTOCOL_VERSION 1

/* Default limit on one request line, the '\n' not counted. */
#define MAESTRO_MAX_LINE_DEFAULT (1024 * 1024)
/* Bounds an administrator may set max_line to. */
#define MAESTRO_MAX_LINE_MIN 1024
#define MAESTRO_MAX_LINE_MAX (64 * 1024 * 1024)

/* Nesting depth json-c may descend to while parsing a request. */
#define MAESTRO_MAX_JSON_DEPTH 64

/* Longest method name and string id we accept. */
#define MAESTRO_MAX_METHOD 128
#define MAESTRO_MAX_ID 256
/* Integer ids stay within what a double holds exactly, 2^53 - 1. */
#define MAESTRO_MAX_INT_ID 9007199254740991ll

/* Standard JSON-RPC 2.0 error codes. */
enum {
	RPC_PARSE_ERROR = -32700,
	RPC_INVALID_REQUEST = -32600,
	RPC_METHOD_NOT_FOUND = -32601,
	RPC_INVALID_PARAMS = -32602,
	RPC_INTERNAL_ERROR = -32603,
};

/*
 * maestro's own range, -32000..-32099. Codes are never reused; a new
 * meaning gets a new code.
 */
enum {
	/* The caller is known but may not call this method. */
	MAESTRO_E_UNAUTHORIZED = -32000,
	/* The method needs an agent identity and the caller has none. */
	MAESTRO_E_UNAUTHENTICATED = -32001,
	/* The named object does not exist. */
	MAESTRO_E_NOT_FOUND = -32002,
	/* The request conflicts with current state (exists, already decided). */
	MAESTRO_E_CONFLICT = -32003,
	/* A queue or quota is full; retrying later may succeed. */
	MAESTRO_E_OVERLOADED = -32004,
	/* maestrod cannot serve this now (shutting down, store failed). */
	MAESTRO_E_UNAVAILABLE = -32005,
	/* A configuration or policy file was rejected; data names file:line. */
	MAESTRO_E_INVALID_CONFIG = -32006,
};

#endif
