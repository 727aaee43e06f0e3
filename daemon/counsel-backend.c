/* sofia's optional model backend: one bounded HTTP call, a strict parse, any failure said plainly. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "config.h"
#include "counsel-backend.h"
#include "maestro-protocol.h"
#include "utf8.h"

/* Deep nesting is no part of a chat completion; json-c's default allows 32. */
#define REPLY_MAX_DEPTH 16

void
counsel_backend_from_config(struct counsel_backend *b, const struct config *cfg)
{
	memset(b, 0, sizeof *b);
	if (cfg->counsel_backend == NULL)
		return;
	snprintf(b->url, sizeof b->url, "%s", cfg->counsel_backend);
	snprintf(b->model, sizeof b->model, "%s",
		 cfg->counsel_model ? cfg->counsel_model : COUNSEL_MODEL_DEFAULT);
	b->timeout_usec = cfg->counsel_timeout_usec;
}

int
counsel_backend_url_check(const char *url, char *why, size_t size)
{
	const char *host = url + 7, *end;
	char addr[INET6_ADDRSTRLEN];
	bool loopback = false;
	size_t len;

	if (strlen(url) >= COUNSEL_URL_MAX) {
		snprintf(why, size, "the URL is longer than %d bytes", COUNSEL_URL_MAX - 1);
		return -EINVAL;
	}
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || *p == '@' || *p == '#') {
			snprintf(why, size, "a backend URL has no spaces, control characters, "
					    "non-ASCII, '@' or '#'");
			return -EINVAL;
		}
	if (strncmp(url, "http://", 7) != 0) {
		snprintf(why, size, "only http:// URLs to this machine are accepted, such as "
				    "http://127.0.0.1:8080/v1/chat/completions");
		return -EINVAL;
	}
	if (host[0] == '[') {
		struct in6_addr a6;

		end = strchr(host, ']');
		len = end ? (size_t)(end - host - 1) : 0;
		if (end == NULL || len >= sizeof addr)
			goto not_loopback;
		memcpy(addr, host + 1, len);
		addr[len] = '\0';
		loopback = inet_pton(AF_INET6, addr, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
		end++;
	} else {
		struct in_addr a4;

		len = strcspn(host, ":/");
		end = host + len;
		if (len >= sizeof addr)
			goto not_loopback;
		memcpy(addr, host, len);
		addr[len] = '\0';
		/* Numeric only: a name could resolve elsewhere tomorrow. */
		loopback = inet_pton(AF_INET, addr, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
	}
	if (!loopback)
		goto not_loopback;
	if (*end == ':') {
		unsigned long port = 0;
		const char *p = end + 1;

		while (*p >= '0' && *p <= '9' && port <= 65535)
			port = port * 10 + (unsigned long)(*p++ - '0');
		if (p == end + 1 || port == 0 || port > 65535 || (*p != '/' && *p != '\0')) {
			snprintf(why, size, "the port must be a number from 1 to 65535");
			return -EINVAL;
		}
		end = p;
	}
	if (*end != '/' && *end != '\0') {
		snprintf(why, size, "expected a path after the address, such as /v1/chat/completions");
		return -EINVAL;
	}
	return 0;

not_loopback:
	snprintf(why, size, "the backend must be a numeric loopback address (127.0.0.0/8 or [::1]): "
			    "questions and actions sent to it must not leave this machine");
	return -EINVAL;
}

/* Model text goes to terminals and logs: no escape sequences, no control characters. */
static void
text_clean(char *s)
{
	utf8_sanitize(s);
	for (; *s; s++)
		if (((unsigned char)*s < ' ' && *s != '\n') || *s == 0x7f)
			*s = ' ';
}

/* Copies at most size - 1 bytes of s, not cutting a UTF-8 character in two. */
static void
copy_bounded(char *out, size_t size, const char *s, size_t len)
{
	if (len >= size) {
		len = size - 1;
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(out, s, len);
	out[len] = '\0';
}

int
counsel_reply_parse(const char *body, size_t len, char *out, size_t size, char *err,
		    size_t err_size)
{
	struct json_tokener *tok;
	struct json_object *root, *v, *choice, *message, *content;
	const char *text;
	size_t end, text_len;
	int r = -EINVAL;

	out[0] = '\0';
	if (len > COUNSEL_REPLY_MAX) {
		snprintf(err, err_size, "the model's reply is larger than %d KiB", COUNSEL_REPLY_MAX / 1024);
		return -E2BIG;
	}
	if (len == 0 || memchr(body, '\0', len) != NULL || !utf8_valid(body, len, NULL)) {
		snprintf(err, err_size, "the model's reply is %s",
			 len == 0 ? "empty" : "not UTF-8 text");
		return -EINVAL;
	}
	tok = json_tokener_new_ex(REPLY_MAX_DEPTH);
	if (tok == NULL) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	root = json_tokener_parse_ex(tok, body, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (root == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		snprintf(err, err_size, "the model's reply is not JSON");
		goto out;
	}
	while (end < len && strchr(" \t\r\n", body[end]) != NULL)
		end++;
	if (end != len) {
		snprintf(err, err_size, "the model's reply has data after its JSON object");
		goto out;
	}
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(err, err_size, "the model's reply is not a JSON object");
		goto out;
	}
	if (!json_object_object_get_ex(root, "choices", &v) ||
	    !json_object_is_type(v, json_type_array) || json_object_array_length(v) == 0) {
		struct json_object *e, *m;

		if (json_object_object_get_ex(root, "error", &e) &&
		    json_object_object_get_ex(e, "message", &m) && json_object_is_type(m, json_type_string))
			snprintf(err, err_size, "the model answered with an error: %.100s",
				 json_object_get_string(m));
		else
			snprintf(err, err_size, "the model's reply has no choices");
		goto out;
	}
	choice = json_object_array_get_idx(v, 0);
	if (!json_object_is_type(choice, json_type_object) ||
	    !json_object_object_get_ex(choice, "message", &message) ||
	    !json_object_is_type(message, json_type_object) ||
	    !json_object_object_get_ex(message, "content", &content) ||
	    !json_object_is_type(content, json_type_string)) {
		snprintf(err, err_size, "the model's reply has no choices[0].message.content text");
		goto out;
	}
	text = json_object_get_string(content);
	text_len = (size_t)json_object_get_string_len(content);
	/* A \u0000 in the JSON string would end the C string early: refuse it. */
	if (strlen(text) != text_len) {
		snprintf(err, err_size, "the model's counsel contains a NUL character");
		goto out;
	}
	while (text_len > 0 && strchr(" \t\r\n", *text) != NULL)
		text++, text_len--;
	while (text_len > 0 && strchr(" \t\r\n", text[text_len - 1]) != NULL)
		text_len--;
	if (text_len == 0) {
		snprintf(err, err_size, "the model's counsel is empty");
		goto out;
	}
	copy_bounded(out, size, text, text_len);
	text_clean(out);
	r = 0;
out:
	if (r < 0)
		utf8_sanitize(err);
	json_object_put(root);
	json_tokener_free(tok);
	return r;
}

struct body {
	char *data;
	size_t len;
	bool too_big;
};

static size_t
body_collect(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb;

	if (n > COUNSEL_REPLY_MAX - b->len) {
		b->too_big = true;
		return 0; /* curl stops the transfer */
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	return n;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void
curl_init(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static char *
request_text(const struct counsel_backend *b, const struct counsel_message *msgs, unsigned n)
{
	struct json_object *req = json_object_new_object(), *list = json_object_new_array();
	char *text;

	json_object_object_add(req, "model", json_object_new_string(b->model));
	for (unsigned i = 0; i < n; i++) {
		struct json_object *m = json_object_new_object();

		json_object_object_add(m, "role", json_object_new_string(msgs[i].role));
		json_object_object_add(m, "content", json_object_new_string(msgs[i].content));
		json_object_array_add(list, m);
	}
	json_object_object_add(req, "messages", list);
	json_object_object_add(req, "temperature", json_object_new_double(0.2));
	json_object_object_add(req, "max_tokens", json_object_new_int(400));
	json_object_object_add(req, "stream", json_object_new_boolean(0));
	text = strdup(json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(req);
	return text;
}

int
counsel_backend_ask(const struct counsel_backend *b, uint64_t timeout_usec,
		    const struct counsel_message *msgs, unsigned n_msgs, char *out, size_t size,
		    char *err, size_t err_size)
{
	struct body body = { 0 };
	struct curl_slist *headers = NULL;
	long timeout_ms = (long)(timeout_usec / 1000), status = 0;
	char *request = NULL;
	CURL *curl = NULL;
	CURLcode c;
	int r = -EIO;

	out[0] = '\0';
	/* 0 would mean no timeout at all to curl. */
	if (timeout_ms < 1)
		timeout_ms = 1;
	pthread_once(&curl_once, curl_init);
	if (curl_init_result != CURLE_OK || (curl = curl_easy_init()) == NULL ||
	    (body.data = malloc(COUNSEL_REPLY_MAX + 1)) == NULL ||
	    (request = request_text(b, msgs, n_msgs)) == NULL ||
	    (headers = curl_slist_append(NULL, "Content-Type: application/json")) == NULL) {
		snprintf(err, err_size, "could not set up the HTTP client");
		r = -ENOMEM;
		goto out;
	}
	curl_easy_setopt(curl, CURLOPT_URL, b->url);
	/* Signals would break the timeout on a worker thread. */
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http");
	/* A proxy from the environment would take the text off this machine. */
	curl_easy_setopt(curl, CURLOPT_PROXY, "");
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(request));
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, body_collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "maestrod/" MAESTRO_VERSION);
	c = curl_easy_perform(curl);
	if (body.too_big) {
		snprintf(err, err_size, "the model's reply is larger than %d KiB",
			 COUNSEL_REPLY_MAX / 1024);
		r = -E2BIG;
		goto out;
	}
	if (c == CURLE_OPERATION_TIMEDOUT) {
		snprintf(err, err_size, "the model did not answer within %ld ms", timeout_ms);
		r = -ETIMEDOUT;
		goto out;
	}
	if (c != CURLE_OK) {
		snprintf(err, err_size, "the model could not be reached: %s", curl_easy_strerror(c));
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		snprintf(err, err_size, "the model answered HTTP status %ld", status);
		goto out;
	}
	r = counsel_reply_parse(body.data, body.len, out, size, err, err_size);
out:
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	free(request);
	free(body.data);
	return r;
}
