/* Fuzz target: a client's bytes through frame_reader, rpc_parse_request and the reply builders. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "fuzz.h"
#include "jsonrpc.h"
#include "maestro-protocol.h"
#include "utf8.h"

/*
 * The smallest limit an administrator may set, well below the default
 * (1 MiB), so that inputs of a few KiB, which libFuzzer explores best and
 * fastest, reach the too-long path too.
 */
#define FUZZ_MAX_LINE MAESTRO_MAX_LINE_MIN

/*
 * The next read size. It is derived from the input (a running hash of the
 * bytes at each split point), so libFuzzer's mutations move the splits
 * and reach reads of one byte, of many lines, and of everything between.
 */
static size_t
next_chunk(uint32_t *h, const uint8_t *data, size_t size, size_t fed, unsigned max_shift)
{
	unsigned shift;

	*h = (*h ^ (fed < size ? data[fed] : 0xa5u) ^ (uint32_t)fed) * 16777619u;
	shift = (*h >> 24) % (max_shift + 1);
	return 1 + ((*h >> 4) & (((size_t)1 << shift) - 1));
}

/*
 * A reference model of the framing, written from the header's contract:
 * lines end at '\n', one '\r' before it is dropped, a line of more than
 * max_line bytes is too long and so is an unfinished one that can no
 * longer end within the limit. Looks at data[*pos..received).
 */
static enum frame_status
model_next(const uint8_t *data, size_t received, size_t *pos, size_t max_line, size_t *off,
	   size_t *len)
{
	const uint8_t *nl = memchr(data + *pos, '\n', received - *pos);
	size_t n, pending = received - *pos;

	if (nl == NULL) {
		if (pending > max_line + 1 ||
		    (pending == max_line + 1 && data[received - 1] != '\r'))
			return FRAME_TOO_LONG;
		return FRAME_NEED_MORE;
	}
	n = (size_t)(nl - (data + *pos));
	*off = *pos;
	*pos += n + 1;
	if (n > 0 && data[*off + n - 1] == '\r')
		n--;
	if (n > max_line)
		return FRAME_TOO_LONG;
	*len = n;
	return FRAME_LINE;
}

/* conn.c skips lines of only blanks; so does this harness. */
static int
blank(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t')
			return 0;
	return 1;
}

/*
 * Serializes a reply as conn_send() does and reads it back as maestroctl
 * does: one line, and a well-formed reply to the same id with the same
 * error or result. want_result is compared as text since NaN != NaN.
 */
static void
check_reply(struct json_object *reply, struct json_object *id, int code, const char *message,
	    struct json_object *want_result)
{
	struct rpc_response resp;
	struct rpc_error err;
	const char *line;
	size_t len = 0;
	int r;

	line = rpc_to_line(reply, &len);
	fuzz_assert(line != NULL);
	fuzz_assert(strlen(line) == len); /* any NUL inside a string was escaped */
	fuzz_assert(memchr(line, '\n', len) == NULL);
	fuzz_assert(memchr(line, '\r', len) == NULL);

	r = rpc_parse_response(line, len, &resp, &err);
	if (r != 0)
		fprintf(stderr, "reply refused by the client parser: %s\n%s\n", err.message, line);
	fuzz_assert(r == 0);
	fuzz_assert(resp.method == NULL);
	if (id == NULL)
		fuzz_assert(resp.id == NULL);
	else
		fuzz_assert(json_object_equal(resp.id, id));
	if (code != 0) {
		fuzz_assert(resp.error_code == code);
		fuzz_assert(strcmp(resp.error_message, message) == 0);
	} else {
		const char *a = json_object_to_json_string_ext(resp.result, JSON_C_TO_STRING_PLAIN);
		const char *b = json_object_to_json_string_ext(want_result, JSON_C_TO_STRING_PLAIN);

		fuzz_assert(resp.error_code == 0);
		fuzz_assert(strcmp(a, b) == 0);
	}
	rpc_response_clear(&resp);
}

/*
 * proto/utf8.c against the decoder in fuzz.h: the same verdict, an offset
 * where good text ends and bad begins, and utf8_sanitize() leaving valid
 * text of the same length.
 */
static void
check_utf8(const char *line, size_t len)
{
	size_t bad = SIZE_MAX;
	bool ok = utf8_valid(line, len, &bad);
	char *copy;

	fuzz_assert(ok == fuzz_utf8_valid(line, len));
	if (!ok) {
		fuzz_assert(bad < len);
		fuzz_assert(fuzz_utf8_valid(line, bad));
		fuzz_assert(!fuzz_utf8_valid(line + bad, len - bad));
	}
	copy = strndup(line, len); /* up to any NUL, as messages are */
	fuzz_assert(copy != NULL);
	len = strlen(copy);
	utf8_sanitize(copy);
	fuzz_assert(strlen(copy) == len);
	fuzz_assert(fuzz_utf8_valid(copy, len));
	if (ok)
		fuzz_assert(memcmp(copy, line, len) == 0);
	free(copy);
}

/* What dispatch_line() does with a line, short of calling a method. */
static void
serve_line(const char *line, size_t len)
{
	struct rpc_request req;
	struct rpc_error err;
	struct rpc_response resp;
	struct json_object *reply;
	int r;

	if (blank(line, len))
		return;
	check_utf8(line, len);
	memset(&err, 0, sizeof err);
	r = rpc_parse_request(line, len, &req, &err);
	/* Only a parse error may let through bytes that are not strict UTF-8 or NUL-free. */
	if (r != RPC_PARSE_ERROR)
		fuzz_assert(fuzz_utf8_valid(line, len) && memchr(line, '\0', len) == NULL);
	if (r != 0) {
		fuzz_assert(r == err.code);
		fuzz_assert(r == RPC_PARSE_ERROR || r == RPC_INVALID_REQUEST);
		fuzz_assert(err.message[0] != '\0');
		fuzz_assert(memchr(err.message, '\0', sizeof err.message) != NULL);
		if (r == RPC_PARSE_ERROR)
			fuzz_assert(req.root == NULL && req.id == NULL);
		if (req.id != NULL)
			fuzz_assert(json_object_is_type(req.id, json_type_string) ||
				    json_object_is_type(req.id, json_type_int));
		reply = rpc_error_new(req.id, err.code, err.message, NULL);
		check_reply(reply, req.id, err.code, err.message, NULL);
	} else if (strlen(req.method) % 2 == 0) {
		/* Echo the params: serializes whatever the parser accepted. */
		struct json_object *result;

		fuzz_assert(req.root != NULL && req.id != NULL && req.method != NULL);
		fuzz_assert(json_object_is_type(req.id, json_type_string) ||
			    json_object_is_type(req.id, json_type_int));
		fuzz_assert(req.params == NULL || json_object_is_type(req.params, json_type_object) ||
			    json_object_is_type(req.params, json_type_array));
		/* The shared readers of what params carry: a string member, a duration. */
		{
			const char *scope = rpc_str(req.params, "scope");
			long long secs = 0;

			if (scope != NULL && rpc_parse_duration(scope, 7 * 86400, &secs) == 0)
				fuzz_assert(secs >= 1 && secs <= 7 * 86400);
		}
		result = req.params ? json_object_get(req.params) : json_object_new_object();
		reply = rpc_result_new(req.id, json_object_get(result));
		check_reply(reply, req.id, 0, NULL, result);
		json_object_put(result);
	} else {
		char msg[256];

		snprintf(msg, sizeof msg, "method not found: %.*s", MAESTRO_MAX_METHOD, req.method);
		/*
		 * With data, as some errors carry it. Not the params: nested one
		 * level deeper than in the request they could pass the depth limit.
		 */
		reply = rpc_error_new(req.id, RPC_METHOD_NOT_FOUND, msg,
				      json_object_new_string(req.method));
		check_reply(reply, req.id, RPC_METHOD_NOT_FOUND, msg, NULL);
	}
	json_object_put(reply);
	rpc_request_clear(&req);

	/* The same line through maestroctl's parser, which also reads untrusted bytes. */
	if (rpc_parse_response(line, len, &resp, &err) == 0)
		fuzz_assert(resp.root != NULL);
	rpc_response_clear(&resp);
}

/* The reply conn.c sends when it gives up on a connection's input. */
static void
serve_error(int code, const char *message)
{
	struct json_object *reply = rpc_error_new(NULL, code, message, NULL);

	check_reply(reply, NULL, code, message, NULL);
	json_object_put(reply);
}

/*
 * Feeds the whole input through one frame_reader in reads of
 * input-derived sizes, checking each result against the model and the
 * buffer against its bound; serves each line when serve is set.
 */
static void
run_stream(const uint8_t *data, size_t size, size_t max_line, unsigned max_shift, int serve)
{
	struct frame_reader fr;
	size_t fed = 0, pos = 0;
	uint32_t h = 2166136261u ^ (uint32_t)max_line;

	frame_reader_init(&fr, max_line);
	for (;;) {
		size_t avail = 0, n;
		char *p = frame_reader_space(&fr, &avail);

		fuzz_assert(p != NULL);
		fuzz_assert(fr.cap <= max_line + 2);
		fuzz_assert(frame_reader_pending(&fr) + avail <= max_line + 2);
		fuzz_assert(frame_reader_pending(&fr) == fed - pos);
		if (fed == size) {
			/* End of input inside a request, as conn.c reports it. */
			if (serve && frame_reader_pending(&fr) > 0)
				serve_error(RPC_PARSE_ERROR,
					    "parse error: the connection ended inside a request (no '\\n')");
			break;
		}
		/* Every complete line was taken and none is too long: there must be room. */
		fuzz_assert(avail > 0);
		n = next_chunk(&h, data, size, fed, max_shift);
		if (n > avail)
			n = avail;
		if (n > size - fed)
			n = size - fed;
		memcpy(p, data + fed, n);
		frame_reader_commit(&fr, n);
		fed += n;

		for (;;) {
			const char *line = NULL;
			size_t len = 0, want_off = 0, want_len = 0;
			enum frame_status st = frame_reader_next(&fr, &line, &len);
			enum frame_status want = model_next(data, fed, &pos, max_line, &want_off,
							    &want_len);

			fuzz_assert(st == want);
			if (st == FRAME_NEED_MORE)
				break;
			if (st == FRAME_TOO_LONG) {
				char msg[128];

				if (serve) {
					snprintf(msg, sizeof msg,
						 "invalid request: line exceeds the limit of %zu bytes; closing",
						 max_line);
					serve_error(RPC_INVALID_REQUEST, msg);
				}
				frame_reader_fini(&fr);
				return;
			}
			fuzz_assert(len == want_len);
			fuzz_assert(len <= max_line);
			fuzz_assert(memcmp(line, data + want_off, len) == 0);
			if (serve)
				serve_line(line, len);
		}
	}
	frame_reader_fini(&fr);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* As the daemon sees it: the protocol's limit scaled down, every line served. */
	run_stream(data, size, FUZZ_MAX_LINE, 13, 1);
	/*
	 * Framing alone, with a tiny limit taken from the input and reads of
	 * 1 to 8 bytes: many limit checks, '\r' at the boundary, buffer moves.
	 */
	if (size > 0)
		run_stream(data, size, 1 + data[size - 1] % 64, 3, 0);
	return 0;
}
