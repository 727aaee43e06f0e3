/* sofia: counsel for destructive, irreversible or sensitive actions, and when a person must decide. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "pipeline.h"
#include "sofia-topics.h"
#include "util.h"
#include "utf8.h"

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

/* The first word in what the action says that makes it about people's data or production. */
static const char *
sensitive_word(const struct eval_input *in)
{
	const char *word = NULL;

	for (unsigned i = 0; i < in->n_screens && word == NULL; i++)
		word = sofia_topics_sensitive(in->screens[i].text);
	return word;
}

/*
 * A model's counsel for a HIGH or CRITICAL action, as one more reason: it
 * enriches the counsel but never moves the verdict, and it must end
 * before the pipeline's deadline with room to spare, or sofia itself would
 * be late and counted as a deny. Any failure leaves the rules' counsel.
 */
static void
sofia_consult_model(const struct eval_input *in, struct check_result *out)
{
	uint64_t now = now_usec(CLOCK_MONOTONIC), left, budget;
	char prompt[1600], reply[COUNSEL_MODEL_TEXT_MAX], err[200];
	struct counsel_message msgs[2];
	size_t n;
	int r;

	left = in->deadline_usec > now ? in->deadline_usec - now : 0;
	/* A fifth of what is left (at least 5 ms) for sofia to finish and the merge to see it. */
	budget = left - (left / 5 > 5000 ? left / 5 : 5000 < left ? 5000 : left);
	if (budget > in->counsel.timeout_usec)
		budget = in->counsel.timeout_usec;
	if (budget < 10000) {
		check_add_reason(out, VERDICT_ALLOW, "sofia.backend",
				 "model counsel skipped: too little time left before the deadline; "
				 "the rule-based counsel stands");
		return;
	}
	n = (size_t)snprintf(prompt, sizeof prompt,
			     "An AI agent (role %s) wants to take a %s-risk action. maestro's rules "
			     "see a %s concern. In two or three sentences, counsel the person who "
			     "decides: what could go wrong and what to check first.\nThe action:\n",
			     in->agent.role ? in->agent.role : "unknown", risk_name(in->facts.risk),
			     out->counsel_type);
	for (unsigned i = 0; i < in->n_screens && n + 1 < sizeof prompt; i++)
		n += (size_t)snprintf(prompt + n, sizeof prompt - n, "%.600s\n", in->screens[i].text);
	utf8_sanitize(prompt); /* a cut may have split a character */
	msgs[0] = (struct counsel_message){ "system", "You are sofia, the counsel of maestro, a "
					  "governance daemon for AI agents. Be brief and concrete." };
	msgs[1] = (struct counsel_message){ "user", prompt };
	r = counsel_backend_ask(&in->counsel, budget, msgs, 2, reply, sizeof reply, err, sizeof err);
	if (r < 0)
		check_add_reason(out, VERDICT_ALLOW, "sofia.backend",
				 "model counsel unavailable (%s); the rule-based counsel stands", err);
	else
		check_add_reason(out, VERDICT_ALLOW, "sofia.model-counsel", "model counsel: %.360s",
				 reply);
}

void
sofia_run(const struct eval_input *in, struct check_result *out)
{
	const struct concern *c = NULL;
	const char *word = NULL;

	for (size_t i = 0; i < sizeof concerns / sizeof concerns[0] && c == NULL; i++)
		if (in->facts.effects & concerns[i].effects)
			c = &concerns[i];
	word = sensitive_word(in);

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
	if (in->facts.risk >= RISK_HIGH && counsel_backend_configured(&in->counsel))
		sofia_consult_model(in, out);
}
