/* The armor subagent: screens the action's texts and turns findings into a verdict. */
#define _GNU_SOURCE
#include <stdio.h>

#include "armor.h"
#include "pipeline.h"

static const char *const source_names[ARMOR_SOURCE_COUNT] = {
	"command", "file content", "URL", "tool arguments", "prompt", "untrusted context",
	"tool output",
};

void
armor_run(const struct eval_input *in, struct check_result *out)
{
	struct armor_result res;
	bool any = false;

	out->verdict = VERDICT_ALLOW;
	for (unsigned i = 0; i < in->n_screens; i++) {
		const struct screen_text *s = &in->screens[i];
		enum verdict v;

		if (s->text == NULL || s->len == 0)
			continue;
		armor_screen(s->text, s->len, (enum armor_source)s->source, &res);
		v = res.verdict == ARMOR_MALICIOUS	? VERDICT_DENY
		    : res.verdict == ARMOR_SUSPICIOUS ? VERDICT_ASK
						      : VERDICT_ALLOW;
		for (size_t k = 0; k < res.n_findings; k++) {
			const struct armor_finding *f = &res.findings[k];
			char rule[96];

			snprintf(rule, sizeof rule, "armor.%s", f->rule);
			check_add_reason(out, v, rule, "%s (in the %s)", f->message,
					 source_names[s->source]);
			any = true;
		}
		if (v > out->verdict)
			out->verdict = v;
	}
	if (!any)
		check_add_reason(out, VERDICT_ALLOW, "armor.clean",
				 "no injection, hidden text or secrets found");
}
