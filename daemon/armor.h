/* armor: screens what an agent reads, writes and runs for injection, jailbreaks, hidden text and secrets. */
#ifndef MAESTRO_ARMOR_H
#define MAESTRO_ARMOR_H

#include <stdbool.h>
#include <stddef.h>

#include "action.h"

/*
 * armor looks at text in the manner of Model Armor: before an action runs
 * (the command, the file contents to write, the URL, the MCP tool
 * arguments, the prompt the agent received, context.untrusted_text) and
 * after it (the tool's output). It does no I/O and allocates only
 * scratch memory that it frees before returning.
 *
 * Threads: armor_init() compiles the rules once, before the workers
 * start; armor_screen() and armor_redact() then only read them and may
 * run on any number of threads at once. armor_fini() frees the rules
 * once no screen is running.
 */

/* What the screened text is; the same words weigh differently in each. */
enum armor_source {
	ARMOR_SOURCE_COMMAND,		/* a shell command the agent wants to run */
	ARMOR_SOURCE_FILE_CONTENT,	/* contents the agent wants to write */
	ARMOR_SOURCE_URL,		/* a URL the agent wants to fetch */
	ARMOR_SOURCE_TOOL_ARGUMENTS,	/* MCP tool arguments */
	ARMOR_SOURCE_PROMPT,		/* a prompt the agent received */
	ARMOR_SOURCE_UNTRUSTED_CONTEXT, /* text the agent read: web, file, tool */
	ARMOR_SOURCE_TOOL_OUTPUT,	/* what a tool returned */
	ARMOR_SOURCE_COUNT,
};

enum armor_category {
	ARMOR_INJECTION,		/* "ignore previous instructions", fake system turns */
	ARMOR_JAILBREAK,		/* DAN, "no restrictions", role hijack */
	ARMOR_SYSTEM_PROMPT_EXTRACTION, /* "repeat your system prompt", "tell me the password" */
	ARMOR_EXFILTRATION,		/* "send the keys to https://..." */
	ARMOR_HIDDEN_UNICODE,		/* zero-width, tag characters, mixed-script look-alikes */
	ARMOR_BIDI_CONTROL,		/* U+202A..U+202E, U+2066..U+2069 */
	ARMOR_ENCODED_PAYLOAD,		/* base64, hex, %-encoding that hides something */
	ARMOR_SECRET,			/* credentials in the text */
	ARMOR_CATEGORY_COUNT,
};

/* The pipeline maps clean to allow, suspicious to ask, malicious to deny. */
enum armor_verdict {
	ARMOR_CLEAN,
	ARMOR_SUSPICIOUS,
	ARMOR_MALICIOUS,
};

/* Findings kept per screen; more are counted in n_dropped. */
#define ARMOR_MAX_FINDINGS 32

/* How many layers of encoding (base64 in %-encoding, ...) are opened. */
#define ARMOR_MAX_DEPTH 3

struct armor_finding {
	enum armor_category category;
	enum risk_level risk;	 /* of this finding alone, from weight */
	unsigned weight;	 /* 0..100, as this source weighs it */
	const char *rule;	 /* stable id, "injection.ignore-previous"; static */
	const char *message;	 /* one sentence for a person; static */
	const char *secret_kind; /* "aws-access-key-id", ... for secrets, else NULL; static */
	size_t offset;		 /* byte span in the screened text; for a finding */
	size_t length;		 /*   under encoding, the span of the encoded run */
	unsigned depth;		 /* 0: in the text itself; n: under n layers of encoding */
};

struct armor_result {
	enum armor_verdict verdict;
	unsigned score;		 /* 0..100 */
	enum risk_level risk;	 /* the score as a risk level */
	size_t n_findings;	 /* sorted by offset */
	size_t n_dropped;	 /* findings past ARMOR_MAX_FINDINGS */
	struct armor_finding findings[ARMOR_MAX_FINDINGS];
};

/*
 * Compiles the rules. Returns 0, or -ENOMEM. Call once at start-up before
 * any screening thread runs; a second call while initialized returns 0.
 */
int armor_init(void);

/* Frees the rules; armor_init() may follow. Takes no lock: no screen may run. */
void armor_fini(void);

/*
 * Screens text[0..len) (any bytes; NUL is a character) as coming from
 * source and fills *out. Never fails: without armor_init() or when memory
 * runs out it still reports the secrets, hidden characters and encodings it
 * can find without its phrase rules, and says so with the finding
 * "screen.degraded".
 */
void armor_screen(const char *text, size_t len, enum armor_source source,
		  struct armor_result *out);

/*
 * Replaces every secret armor_screen() finds in text[0..len) with
 * "[REDACTED:<kind>]" in place; size is the capacity of the buffer. Returns
 * the new length. When the marked-up text would not fit in size (or memory
 * runs out), each secret is overwritten with '*' instead and the length
 * stays len. Does not add a NUL. The result holds no secret armor_screen()
 * would still find, and stays valid UTF-8 when text was.
 */
size_t armor_redact(char *text, size_t len, size_t size);

/*
 * Like armor_redact() into a new NUL-terminated buffer the caller frees;
 * sets *out_len. NULL when memory runs out.
 */
char *armor_redact_dup(const char *text, size_t len, size_t *out_len);

/* Names as policies, logs and replies spell them; NULL for a bad value. */
const char *armor_source_name(enum armor_source source);
int armor_source_parse(const char *name, enum armor_source *source);
const char *armor_category_name(enum armor_category category);

/*
 * Whether res found instructions aimed at the agent (injection, jailbreak,
 * exfiltration, prompt extraction), as opposed to hidden characters or
 * secrets: what taints a session that read it.
 */
bool armor_found_instructions(const struct armor_result *res);
const char *armor_verdict_name(enum armor_verdict verdict);

#endif
