/* armor: markers in the raw text: chat-template tokens, forged turns, alarms, script, disguised commands. */
#define _GNU_SOURCE
#include <string.h>

#include "armor-internal.h"

/*
 * These need the punctuation the folded text drops: "<|im_start|>system"
 * in text the agent reads is an attempt to open a system turn of its own.
 * Markers of data leaving are armor-exfil.c's.
 */

struct marker {
	const char *text;	/* matched case-insensitively */
	unsigned weight;
};

/* Special tokens of the common chat templates (ChatML, Llama 2 and 3, Gemma, Phi, Harmony). */
static const struct marker template_tokens[] = {
	{ "<|im_start|>", 60 },	      { "<|im_end|>", 55 },	     { "<|im_sep|>", 55 },
	{ "<|system|>", 65 },	      { "<|user|>", 50 },	     { "<|assistant|>", 55 },
	{ "<|endoftext|>", 50 },      { "<|begin_of_text|>", 55 },   { "<|start_header_id|>", 60 },
	{ "<|end_header_id|>", 55 },  { "<|eot_id|>", 55 },	     { "<|eom_id|>", 50 },
	{ "<|end|>", 45 },	      { "<|channel|>", 55 },	     { "<|message|>", 50 },
	{ "<|start|>", 50 },	      { "<|prompt|>", 50 },	     { "<|endofprompt|>", 55 },
	{ "<start_of_turn>", 60 },    { "<end_of_turn>", 55 },	     { "[INST]", 55 },
	{ "[/INST]", 55 },	      { "<<SYS>>", 65 },	     { "<</SYS>>", 60 },
	{ "<|system_prompt|>", 65 },  { "<|developer|>", 60 },	     { "<|tool|>", 45 },
};

/* Labels of the jailbreaks that ask for two answers side by side. */
static const struct marker jailbreak_tags[] = {
	{ "[\xf0\x9f\x94\x93JAILBREAK]", 70 }, /* [🔓JAILBREAK] */
	{ "[JAILBREAK]", 55 },
	{ "\xf0\x9f\x94\x93" "Developer Mode Output", 70 },
	{ "Developer Mode Output)", 55 },
	{ "[\xf0\x9f\x94\x92" "CLASSIC]", 45 },
	{ "(\xf0\x9f\x94\x92Normal Output)", 45 },
};

static const char *const roles_system[] = {
	"system", "system prompt", "system message", "system note", "system instruction",
	"system instructions", "system override", "system update", "new system prompt",
	"sys", "developer", "developer message", "admin", "administrator", "root", "instruction",
	"instructions", "new instructions",
};
/* Question/Answer pairs are everyday FAQ text; these name the parties of a chat. */
static const char *const roles_user[] = { "user", "human" };
static const char *const roles_assistant[] = { "assistant", "ai", "model", "bot", "gpt", "chatgpt", "claude" };

static bool
in_list(const char *word, size_t n, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strlen(list[i]) == n && armor_match_ci_at(word, n, 0, list[i]))
			return true;
	return false;
}

static void
scan_templates(struct armor_scan *scan)
{
	const char *s = scan->text;

	for (size_t i = 0; i < scan->len; i++) {
		if (s[i] != '<' && s[i] != '[' && s[i] != '(' && (unsigned char)s[i] != 0xf0 &&
		    s[i] != 'D' && s[i] != 'd')
			continue;
		for (size_t k = 0; (s[i] == '<' || s[i] == '[') &&
				   k < sizeof template_tokens / sizeof template_tokens[0]; k++) {
			const struct marker *m = &template_tokens[k];
			size_t n = strlen(m->text), after = i + n;
			unsigned w = m->weight;

			if (!armor_match_ci_at(s, scan->len, i, m->text))
				continue;
			while (after < scan->len && (s[after] == ' ' || s[after] == '\n'))
				after++;
			/* A turn that says it is the system's is the point of the forgery. */
			if (armor_match_ci_at(s, scan->len, after, "system") ||
			    armor_match_ci_at(s, scan->len, after, "developer"))
				w = 80;
			armor_hit(scan, ARMOR_INJECTION, w, "injection.chat-template",
			    "Contains a chat-template token that opens or closes a conversation turn.", i, n);
		}
		for (size_t k = 0; k < sizeof jailbreak_tags / sizeof jailbreak_tags[0]; k++) {
			const struct marker *m = &jailbreak_tags[k];

			if (armor_match_ci_at(s, scan->len, i, m->text))
				armor_hit(scan, ARMOR_JAILBREAK, m->weight, "jailbreak.dual-response",
				    "Labels a second, unrestricted answer, as two-answer jailbreaks do.", i,
				    strlen(m->text));
		}
	}
}

/*
 * Lines that open a turn of a conversation: "### System:", "[SYSTEM]",
 * "<system>", "Human:". One "System:" line may be a log; a system label
 * in markup, or a user turn and an assistant turn together, is a forged
 * transcript.
 */
static void
scan_turns(struct armor_scan *scan)
{
	const char *s = scan->text;
	size_t user_at = SIZE_MAX, assistant_at = SIZE_MAX;

	for (size_t i = 0; i < scan->len; i++) {
		size_t p = i, w, markup = 0;
		bool closed;

		if (i > 0 && s[i - 1] != '\n')
			continue;
		while (p < scan->len && (s[p] == ' ' || s[p] == '\t' || s[p] == '#' || s[p] == '*' ||
					 s[p] == '>' || s[p] == '[' || s[p] == '<' || s[p] == '(' ||
					 s[p] == '{' || s[p] == '|' || s[p] == '=' || s[p] == '-' ||
					 s[p] == '/')) {
			markup += s[p] != ' ' && s[p] != '\t';
			p++;
		}
		for (w = p; w < scan->len && w - p < 24 &&
			    (((s[w] | 0x20) >= 'a' && (s[w] | 0x20) <= 'z') || s[w] == ' ' || s[w] == '_');
		     w++)
			;
		if (w == p || w >= scan->len)
			continue;
		closed = s[w] == ':' || s[w] == ']' || s[w] == '>' || s[w] == ')' || s[w] == '}' || s[w] == '|';
		if (!closed)
			continue;
		if (in_list(s + p, w - p, roles_system, sizeof roles_system / sizeof roles_system[0])) {
			/* "SYSTEM:" in capitals or in markup is a header, "System: Linux" a log line. */
			bool caps = s[p] == 'S' && w - p >= 2 && s[p + 1] >= 'A' && s[p + 1] <= 'Z';

			if (markup > 0 || caps || s[w] != ':')
				armor_hit(scan, ARMOR_INJECTION, 45, "injection.fake-turn",
				    "Opens a system or developer turn inside the text.", p, w + 1 - p);
			else
				armor_hit(scan, ARMOR_INJECTION, 20, "injection.fake-turn",
				    "A line starts like a system message.", p, w + 1 - p);
		} else if (in_list(s + p, w - p, roles_user, sizeof roles_user / sizeof roles_user[0])) {
			if (user_at == SIZE_MAX)
				user_at = p;
		} else if (in_list(s + p, w - p, roles_assistant,
				   sizeof roles_assistant / sizeof roles_assistant[0])) {
			if (assistant_at == SIZE_MAX)
				assistant_at = p;
		}
	}
	if (user_at != SIZE_MAX && assistant_at != SIZE_MAX)
		armor_hit(scan, ARMOR_INJECTION, 35, "injection.fake-turn",
		    "Contains a made-up exchange between a user and an assistant.",
		    assistant_at, 1);
}

/* Alarm words dressed up to look official: **URGENT**, <IMPORTANT>, **NEW INSTRUCTIONS**. */
static void
scan_alarms(struct armor_scan *scan)
{
	static const char *const words[] = { "URGENT", "IMPORTANT", "EMERGENCY", "ATTENTION", "SYSTEM",
					     "ADMIN", "PRIORITY", "OVERRIDE", "NEW INSTRUCTION",
					     "NEW TASK", "CRITICAL", "NOTICE TO AI", "AI NOTE" };
	const char *s = scan->text;
	bool read = (1u << scan->source) & ARMOR_SRC_READ;

	for (size_t i = 0; i + 4 < scan->len; i++) {
		size_t p, w;

		if (s[i] == '<' && armor_match_ci_at(s, scan->len, i, "<important>")) {
			armor_hit(scan, ARMOR_INJECTION, read ? 40 : 25, "injection.alarm",
			    "An <IMPORTANT> block, as poisoned tool descriptions use.", i, 11);
			continue;
		}
		if (!(s[i] == '*' && s[i + 1] == '*') && !(s[i] == '#' && s[i + 1] == '#') && s[i] != '[')
			continue;
		p = s[i] == '[' ? i + 1 : i + 2;
		for (w = p; w < scan->len && w - p < 32 && ((s[w] >= 'A' && s[w] <= 'Z') || s[w] == ' ' || s[w] == '!'); w++)
			;
		if (w - p < 4)
			continue;
		for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
			if (armor_find_ci(s, w, p, words[k]) != SIZE_MAX &&
			    memmem(s + p, w - p, words[k], strlen(words[k])) != NULL) {
				armor_hit(scan, ARMOR_INJECTION, read ? 30 : 20, "injection.alarm",
				    "Shouts an urgent notice in capitals, as injected instructions do.", i, w - i);
				break;
			}
		i = w;
	}
}

/*
 * HTML that runs script when rendered (<img onerror=...>, <svg onload=...>)
 * in a prompt: the model is being asked to emit it into a page. In files
 * and tool output it is ordinary web code.
 */
static void
scan_active_content(struct armor_scan *scan)
{
	static const char *const marks[] = { "onerror=", "onload=", "<script", "javascript:", "<iframe",
					     "onmouseover=", "srcdoc=" };

	if (scan->source != ARMOR_SOURCE_PROMPT && scan->source != ARMOR_SOURCE_TOOL_ARGUMENTS)
		return;
	for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++) {
		size_t at = armor_scan_find(scan, 0, scan->len, marks[k]);

		if (at != SIZE_MAX) {
			armor_hit(scan, ARMOR_INJECTION, 30, "injection.active-content",
			    "Contains HTML that runs script when rendered.", at, strlen(marks[k]));
			return;
		}
	}
}

/*
 * Two things a command or URL hides from a reader: PowerShell's encoded
 * commands, and host names in punycode ("xn--80ak6aa92e.com" shows as
 * Cyrillic letters that look like a familiar name).
 */
static void
scan_disguises(struct armor_scan *scan)
{
	static const char *const flags[] = { " -enc ", " -encodedcommand ", " -e ", " -ec ", " -en " };
	const char *s = scan->text;
	size_t ps = armor_scan_find(scan, 0, scan->len, "powershell");

	if (ps == SIZE_MAX)
		ps = armor_scan_find(scan, 0, scan->len, "pwsh");
	for (size_t k = 0; ps != SIZE_MAX && k < sizeof flags / sizeof flags[0]; k++) {
		size_t at = armor_scan_find(scan, ps, scan->len, flags[k]);

		if (at != SIZE_MAX) {
			armor_hit(scan, ARMOR_ENCODED_PAYLOAD, 50, "encoded.powershell",
			    "Runs a PowerShell command given in base64, which a reader cannot check.", ps,
			    at + strlen(flags[k]) - ps);
			break;
		}
	}
	for (size_t at = 0; (at = armor_scan_find(scan, at, scan->len, "xn--")) != SIZE_MAX; at++)
		if (at == 0 || s[at - 1] == '.' || s[at - 1] == '/' || s[at - 1] == '@' || s[at - 1] == ' ') {
			size_t end = at;

			while (end < scan->len && (armor_is_alnum((unsigned char)s[end]) || s[end] == '-' || s[end] == '.'))
				end++;
			armor_hit(scan, ARMOR_HIDDEN_UNICODE, 30, "unicode.punycode-host",
			    "A host name in punycode, which may spell a look-alike of a known name.", at, end - at);
			break;
		}
}

void
armor_marker_scan(struct armor_scan *scan)
{
	scan_disguises(scan);
	scan_templates(scan);
	scan_turns(scan);
	armor_exfil_scan(scan);
	scan_alarms(scan);
	scan_active_content(scan);
}

