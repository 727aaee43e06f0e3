/* sofia's optional model backend: an OpenAI-compatible chat completions endpoint on this machine. */
#ifndef MAESTRO_COUNSEL_BACKEND_H
#define MAESTRO_COUNSEL_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;

#define COUNSEL_URL_MAX 256
#define COUNSEL_MODEL_MAX 64
#define COUNSEL_MODEL_DEFAULT "local"
#define COUNSEL_TIMEOUT_DEFAULT_USEC 2000000u
/* The model's reply is untrusted input: more than this is refused unread. */
#define COUNSEL_REPLY_MAX (64 * 1024)
/* What is kept of the model's counsel. */
#define COUNSEL_MODEL_TEXT_MAX 4096

/*
 * The settings, copied by value where they are used (a worker, an
 * evaluation), so that a reload never changes them under a running call.
 * url is "" when no backend is configured.
 */
struct counsel_backend {
	char url[COUNSEL_URL_MAX];
	char model[COUNSEL_MODEL_MAX];
	uint64_t timeout_usec;
};

void counsel_backend_from_config(struct counsel_backend *b, const struct config *cfg);

static inline bool
counsel_backend_configured(const struct counsel_backend *b)
{
	return b->url[0] != '\0';
}

/*
 * Whether url may be a backend: http:// to a numeric loopback address
 * (127.0.0.0/8 or [::1]), an optional port, a path. 0, or -EINVAL with a
 * sentence in why.
 */
int counsel_backend_url_check(const char *url, char *why, size_t size);

struct counsel_message {
	const char *role; /* "system", "user", "assistant" */
	const char *content;
};

/*
 * Asks the model, waiting at most timeout_usec (connection included).
 * Blocks: only for worker threads. 0 with the counsel in out (UTF-8,
 * control characters but newlines replaced), or a negative errno with a
 * sentence in err (-ETIMEDOUT for the timeout).
 */
int counsel_backend_ask(const struct counsel_backend *b, uint64_t timeout_usec,
			const struct counsel_message *msgs, unsigned n_msgs, char *out, size_t size,
			char *err, size_t err_size);

/*
 * Parses a chat completions reply: choices[0].message.content, strictly
 * (size, UTF-8, one JSON object and nothing after it). 0 with the text in
 * out, or -EINVAL / -E2BIG with a sentence in err.
 */
int counsel_reply_parse(const char *body, size_t len, char *out, size_t size, char *err,
			size_t err_size);

#endif
