/* maestroctl sofia: ask sofia for counsel, once or as a chat. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonrpc.h"
#include "maestroctl.h"

/* ANSI colours, only on a terminal and only when NO_COLOR is not set (no-color.org). */
struct style {
	const char *bold, *type, *warn, *dim, *model, *reset;
};

static struct style
style_for(FILE *f)
{
	static const struct style plain = { "", "", "", "", "", "" };
	static const struct style ansi = { "\033[1m", "\033[1;36m", "\033[1;33m", "\033[2m",
					   "\033[35m", "\033[0m" };
	const char *no_color = getenv("NO_COLOR");

	return isatty(fileno(f)) && (no_color == NULL || no_color[0] == '\0') ? ansi : plain;
}

/* Prints text wrapped at 76 columns, each line after indent. */
static void
print_wrapped(const char *text, const char *indent)
{
	size_t col = 0;

	fputs(indent, stdout);
	while (*text) {
		size_t word = strcspn(text, " \n");

		if (col > 0 && col + 1 + word > 76 - strlen(indent)) {
			printf("\n%s", indent);
			col = 0;
		} else if (col > 0) {
			putchar(' ');
			col++;
		}
		fwrite(text, 1, word, stdout);
		col += word;
		text += word;
		if (*text == '\n') {
			printf("\n%s", indent);
			col = 0;
		}
		while (*text == ' ' || *text == '\n')
			text++;
	}
	putchar('\n');
}

static void
print_counsel(struct json_object *r)
{
	struct style s = style_for(stdout);
	struct json_object *v, *questions, *backend;
	const char *text;

	json_object_object_get_ex(r, "confidence", &v);
	printf("%s%s%s (confidence %.2f)\n", s.type, rpc_str(r, "type") ?: "?", s.reset,
	       json_object_get_double(v));
	if (json_object_object_get_ex(r, "requires_professional", &v) && json_object_get_boolean(v))
		printf("%sA professional or a person with authority must decide.%s\n", s.warn,
		       s.reset);
	else
		printf("You may decide, having weighed the questions.\n");
	if ((text = rpc_str(r, "counsel")) != NULL) {
		printf("\n");
		print_wrapped(text, "");
	}
	if (json_object_object_get_ex(r, "questions", &questions) &&
	    json_object_array_length(questions) > 0) {
		printf("\n%sQuestions to weigh:%s\n", s.bold, s.reset);
		for (size_t i = 0; i < json_object_array_length(questions); i++)
			printf("  - %s\n", json_object_get_string(json_object_array_get_idx(questions, i)));
	}
	if ((text = rpc_str(r, "model_counsel")) != NULL) {
		printf("\n%sFrom the model:%s\n", s.model, s.reset);
		print_wrapped(text, "  ");
	}
	if (json_object_object_get_ex(r, "backend", &backend) &&
	    (text = rpc_str(backend, "error")) != NULL)
		printf("\n%smodel not used: %s%s\n", s.dim, text, s.reset);
}

static struct json_object *
ask_params(const char *query, const char *chat_id)
{
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "query", json_object_new_string(query));
	if (chat_id != NULL)
		json_object_object_add(p, "chat_id", json_object_new_string(chat_id));
	return p;
}

/* One question; exit 0 whatever the counsel says: it is advice, not a decision. */
static int
sofia_once(struct ctl *ctl, const char *query, const char *chat_id)
{
	struct json_object *r = NULL;
	int ec = ctl_call(ctl, "counsel.ask", ask_params(query, chat_id), &r);

	if (ec != EXIT_OK)
		return ec;
	if (ctl->json)
		ctl_print_json(r);
	else
		print_counsel(r);
	json_object_put(r);
	return EXIT_OK;
}

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && strchr(" \t\r\n", end[-1]) != NULL)
		*--end = '\0';
	return s;
}

/* A conversation on stdin: every turn in the same chat, so sofia keeps its topic. */
static int
sofia_chat(struct ctl *ctl, const char *chat_id)
{
	struct style s = style_for(stdout);
	struct json_object *r = NULL;
	char *line = NULL, *q, *id = NULL;
	size_t cap = 0;
	int ec = EXIT_OK;

	if (chat_id == NULL) {
		ec = ctl_call(ctl, "counsel.chat_open", NULL, &r);
		if (ec != EXIT_OK)
			return ec;
		chat_id = rpc_str(r, "chat_id");
		id = chat_id ? strdup(chat_id) : NULL;
		json_object_put(r);
		if (id == NULL) {
			fprintf(stderr, "maestroctl: maestrod returned no chat id\n");
			return EXIT_PROTOCOL;
		}
		chat_id = id;
	}
	if (!ctl->json)
		printf("%sChatting with sofia (chat %s). Type exit or quit to end.%s\n", s.dim,
		       chat_id, s.reset);
	for (;;) {
		if (!ctl->json) {
			printf("%sYou:%s ", s.bold, s.reset);
			fflush(stdout);
		}
		if (getline(&line, &cap, stdin) < 0) {
			if (!ctl->json)
				putchar('\n');
			break;
		}
		q = trim(line);
		/* Piped questions are not echoed by a terminal: show them, for a readable transcript. */
		if (!ctl->json && !isatty(STDIN_FILENO))
			printf("%s\n", q);
		if (*q == '\0')
			continue;
		if (strcmp(q, "exit") == 0 || strcmp(q, "quit") == 0)
			break;
		if (!ctl->json)
			printf("\n%ssofia:%s ", s.bold, s.reset);
		ec = sofia_once(ctl, q, chat_id);
		if (ec != EXIT_OK)
			break;
		if (!ctl->json)
			putchar('\n');
		fflush(stdout);
	}
	free(line);
	free(id);
	return ec;
}

static int
cmd_sofia(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "chat", no_argument, NULL, 'c' },
		{ "chat-id", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *chat_id = NULL;
	char *query = NULL;
	size_t len = 0;
	bool chat = false;
	int c, ec;

	optind = 0; /* 0: glibc forgets the state of the previous parse */
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'c': chat = true; break;
		case 'i': chat_id = optarg; break;
		case 'j': ctl->json = true; break;
		default: goto usage;
		}
	}
	if (chat)
		return optind == argc ? sofia_chat(ctl, chat_id) : (fprintf(stderr,
			"maestroctl: sofia --chat reads its questions from stdin\n"), EXIT_USAGE);
	if (optind >= argc)
		goto usage;
	/* The words of the question, as the shell split them, joined again. */
	for (int i = optind; i < argc; i++)
		len += strlen(argv[i]) + 1;
	query = malloc(len);
	if (query == NULL)
		return EXIT_ERROR;
	query[0] = '\0';
	for (int i = optind; i < argc; i++) {
		if (i > optind)
			strcat(query, " ");
		strcat(query, argv[i]);
	}
	ec = sofia_once(ctl, query, chat_id);
	free(query);
	return ec;
usage:
	fprintf(stderr, "usage: maestroctl sofia [--json] [--chat-id ID] QUESTION...\n"
			"       maestroctl sofia [--json] --chat [--chat-id ID]\n");
	return EXIT_USAGE;
}

const struct command sofia_commands[] = {
	{ "sofia", "QUESTION|--chat", "ask sofia for counsel; --chat for a conversation", cmd_sofia },
	{ NULL, NULL, NULL, NULL },
};
