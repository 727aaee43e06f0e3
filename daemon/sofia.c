/* sofia: counsel for destructive, irreversible or sensitive actions, and when a person must decide. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pipeline.h"

/* A kind of concern, what raises it, and what a person should weigh. */
struct concern {
	const char *type;
	unsigned effects;
	bool needs_person; /* at HIGH and above, a person decides */
	const char *questions[3];
};

static const struct concern concerns[] = {
	{ "self-modification", EFFECT_MAESTRO_SELF, true,
	  { "Why would an agent change the system that governs it?",
	    "Should an administrator make this change instead?" } },
	{ "credentials", EFFECT_SECRET_READ | EFFECT_SECRET_SEND, true,
	  { "Does this task really need these credentials?",
	    "Where could the secret end up once it is read?",
	    "Can a narrower, short-lived credential do?" } },
	{ "exfiltration", EFFECT_SUSPICIOUS_DESTINATION, true,
	  { "Is this destination known and trusted?",
	    "What data leaves the machine, and who can read it there?" } },
	{ "destructive", EFFECT_DISK | EFFECT_RECURSIVE_DELETE | EFFECT_DELETE, false,
	  { "Is there a backup or another copy of what would be removed?",
	    "Is the target exactly what the task needs, and nothing more?" } },
	{ "irreversible", EFFECT_HISTORY_REWRITE, false,
	  { "Will others lose work if shared history is rewritten?",
	    "Is there a way to reach the goal without rewriting history?" } },
	{ "privilege", EFFECT_PRIVILEGE | EFFECT_PERMISSIONS, true,
	  { "Why does this need more privilege than the agent has?",
	    "What else could run with that privilege?" } },
	{ "supply-chain", EFFECT_DOWNLOAD_EXEC | EFFECT_PACKAGE_INSTALL, false,
	  { "Is the source of this code trusted and pinned?",
	    "Could a project dependency file serve instead of an ad-hoc install?" } },
	{ "obfuscation", EFFECT_OBFUSCATION | EFFECT_UNPARSED, true,
	  { "Why is the command hidden or unusual in form?",
	    "What would it do if spelled out plainly?" } },
};

/* Words that make an action about people or production: privacy and blast radius. */
static const char *const sensitive_words[] = {
	"personal data", "user data", "customer", "patient", "medical", "gdpr", "pii",
	"social security", "passport", "production", "prod db", "payroll", "salary",
};

static bool
mentions(const struct eval_input *in, const char *word)
{
	for (unsigned i = 0; i < in->n_screens; i++)
		if (in->screens[i].text != NULL && strcasestr(in->screens[i].text, word) != NULL)
			return true;
	return false;
}

void
sofia_run(const struct eval_input *in, struct check_result *out)
{
	const struct concern *c = NULL;
	const char *word = NULL;

	for (size_t i = 0; i < sizeof concerns / sizeof concerns[0] && c == NULL; i++)
		if (in->facts.effects & concerns[i].effects)
			c = &concerns[i];
	for (size_t i = 0; i < sizeof sensitive_words / sizeof sensitive_words[0] && !word; i++)
		if (mentions(in, sensitive_words[i]))
			word = sensitive_words[i];

	out->verdict = VERDICT_ALLOW;
	if (in->facts.risk < RISK_HIGH && word == NULL) {
		check_add_reason(out, VERDICT_ALLOW, "sofia.no-counsel",
				 "no counsel needed for a %s action", risk_name(in->facts.risk));
		return;
	}
	out->counsel = true;
	out->counsel_type = c ? c->type : word ? "privacy" : "general";
	out->confidence = c ? 0.9 : 0.6;
	if (c != NULL)
		for (unsigned i = 0; i < 3 && c->questions[i]; i++)
			out->questions[out->n_questions++] = c->questions[i];
	if (word != NULL && out->n_questions < 4)
		out->questions[out->n_questions++] =
			"Does this touch people's data or a production system, and who answers for it?";
	if (out->n_questions == 0)
		out->questions[out->n_questions++] = "What happens if this goes wrong, and can it be undone?";

	/*
	 * A person decides what is critical, what a concern marks as theirs
	 * to decide, and high-risk work on people's data or production.
	 */
	out->requires_professional = in->facts.risk == RISK_CRITICAL ||
				     (in->facts.risk >= RISK_HIGH && ((c && c->needs_person) || word));
	if (out->requires_professional)
		check_add_reason(out, VERDICT_ASK, "sofia.counsel",
				 "%s %s action%s%s: a person should decide", out->counsel_type,
				 risk_name(in->facts.risk), word ? " mentioning " : "", word ? word : "");
	else
		check_add_reason(out, VERDICT_ALLOW, "sofia.counsel",
				 "counsel given (%s): weigh the questions before going ahead",
				 out->counsel_type);
}
