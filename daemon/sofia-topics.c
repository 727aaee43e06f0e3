/* sofia's topics: the words that raise each concern and the counsel each calls for. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "sofia-topics.h"

enum {
	T_CREDENTIALS,
	T_PRIVACY,
	T_MEDICAL,
	T_LEGAL,
	T_FINANCIAL,
	T_PRODUCTION,
	T_DESTRUCTIVE,
	T_IRREVERSIBLE,
	T_ETHICS,
	T_GENERAL,
	T_COUNT,
};

/* In the order a tie is broken: what costs most when it goes wrong first. */
static const struct sofia_topic topics[T_COUNT] = {
	[T_CREDENTIALS] = { "credentials",
		"Credentials are keys to other systems: whoever holds one can act as its owner. "
		"Share or use a secret only where the task needs it, prefer a narrow, short-lived "
		"credential, and never paste one into a chat, a log or a repository.",
		{ "Does this task really need this credential, and who owns it?",
		  "Where could the secret end up once it is used or shared?",
		  "Can a narrower, short-lived credential do instead?" }, 0.8, true },
	[T_PRIVACY] = { "privacy",
		"This touches personal data. Process only what the purpose needs, and only on a "
		"legal basis (consent, a contract, a legal duty). Laws such as the GDPR and the LGPD "
		"may require, or forbid, deleting, exporting or keeping it: the data's owner or a "
		"data protection officer should decide.",
		{ "Whose data is this, and did they agree to this use?",
		  "What do the retention rules and the law (GDPR, LGPD) require here?",
		  "Who is accountable for this data, and have they decided?" }, 0.8, true },
	[T_MEDICAL] = { "medical",
		"This is a medical matter. sofia can help think it through but is no substitute for "
		"a doctor or pharmacist, who knows the person's history; health data is also among "
		"the most sensitive personal data there is.",
		{ "Has a doctor or pharmacist who knows the case been asked?",
		  "Is anyone's health at risk if this is wrong or delayed?",
		  "Is health data being shared, and with whose consent?" }, 0.8, true },
	[T_LEGAL] = { "legal",
		"This has legal consequences. Rules differ between countries and contracts, and a "
		"mistake can bind people or the organization: a lawyer or the person responsible "
		"for compliance should decide.",
		{ "Which law, licence or contract applies, and where?",
		  "Who could be held liable if this goes wrong?",
		  "Has a lawyer or the compliance owner looked at it?" }, 0.8, true },
	[T_FINANCIAL] = { "financial",
		"Money is involved. Payments are often hard to reverse and financial data is "
		"sensitive; the person with authority over the budget or account should decide, and "
		"for investments or taxes a qualified adviser.",
		{ "Who has the authority to approve this spending or change?",
		  "Can the payment or change be reversed, and at what cost?",
		  "Is advice from an accountant or financial adviser needed?" }, 0.75, true },
	[T_PRODUCTION] = { "production",
		"This affects a production system that people depend on. Changes there reach real "
		"users at once: plan a rollback, pick a quiet moment and let the system's owner or "
		"the person on call agree first.",
		{ "Who depends on this system right now?",
		  "Is there a tested rollback if it goes wrong?",
		  "Has the system's owner or the person on call agreed?" }, 0.75, true },
	[T_DESTRUCTIVE] = { "destructive",
		"This removes something. Before deleting, make sure a recent, restorable backup "
		"exists, that the target is exactly what is meant and nothing more, and that no one "
		"else still needs it.",
		{ "Is there a backup or another copy of what would be removed?",
		  "Is the target exactly what is meant, and nothing more?",
		  "Does anyone else still need it?" }, 0.75, false },
	[T_IRREVERSIBLE] = { "irreversible",
		"This cannot be undone. Take the time to check the plan with someone else, and look "
		"for a way to reach the same goal that can be reversed.",
		{ "What exactly is lost for good if this goes ahead?",
		  "Is there a reversible way to reach the same goal?",
		  "Who else should agree before it is done?" }, 0.75, false },
	[T_ETHICS] = { "ethics",
		"This raises an ethical question: it may affect people who are not in the room. "
		"Think about who could be harmed or treated unfairly, whether they would agree if "
		"asked, and whether it would stand being made public.",
		{ "Who could be harmed or treated unfairly by this?",
		  "Would the people affected agree if they were asked?",
		  "Would this be acceptable if it were made public?" }, 0.7, true },
	[T_GENERAL] = { "general",
		"sofia found no specific concern in this question. Before going ahead, consider who "
		"is affected, whether it can be undone, and who should decide.",
		{ "Who is affected if this goes wrong?",
		  "Can it be undone, and how?",
		  "Who has the authority to decide this?" }, 0.3, false },
};

/*
 * A word raises its topic where it starts a word of the text and ends one
 * (an "s" or "es" plural allowed); a trailing '*' matches any ending.
 * action marks the words that make an action about people's data or
 * production (sofia_run), which were sofia's first list.
 */
static const struct word {
	const char *text;
	unsigned char topic;
	bool action;
} words[] = {
	/* credentials */
	{ "password", T_CREDENTIALS }, { "passphrase", T_CREDENTIALS },
	{ "credential", T_CREDENTIALS }, { "api key", T_CREDENTIALS },
	{ "api token", T_CREDENTIALS }, { "access token", T_CREDENTIALS },
	{ "secret key", T_CREDENTIALS }, { "private key", T_CREDENTIALS },
	{ "ssh key", T_CREDENTIALS }, { "token", T_CREDENTIALS },
	{ "senha", T_CREDENTIALS }, { "credencia*", T_CREDENTIALS },
	{ "chave privada", T_CREDENTIALS }, { "contraseña", T_CREDENTIALS },
	{ "contrasena", T_CREDENTIALS }, { "clave privada", T_CREDENTIALS },
	/* privacy */
	{ "personal data", T_PRIVACY, true }, { "user data", T_PRIVACY, true },
	{ "customer", T_PRIVACY, true }, { "gdpr", T_PRIVACY, true }, { "pii", T_PRIVACY, true },
	{ "social security", T_PRIVACY, true }, { "passport", T_PRIVACY, true },
	{ "personal information", T_PRIVACY }, { "users' data", T_PRIVACY },
	{ "lgpd", T_PRIVACY }, { "email address", T_PRIVACY }, { "phone number", T_PRIVACY },
	{ "date of birth", T_PRIVACY }, { "privacy", T_PRIVACY }, { "tracking", T_PRIVACY },
	{ "dados pessoais", T_PRIVACY }, { "dados do usuário", T_PRIVACY },
	{ "dados dos usuários", T_PRIVACY }, { "dados de usuários", T_PRIVACY },
	{ "dados de clientes", T_PRIVACY }, { "privacidade", T_PRIVACY },
	{ "datos personales", T_PRIVACY }, { "datos de usuario*", T_PRIVACY },
	{ "datos de los usuarios", T_PRIVACY }, { "datos de clientes", T_PRIVACY },
	{ "privacidad", T_PRIVACY },
	/* medical */
	{ "medical", T_MEDICAL, true }, { "patient", T_MEDICAL, true },
	{ "diagnos*", T_MEDICAL }, { "symptom", T_MEDICAL }, { "medication", T_MEDICAL },
	{ "medicine", T_MEDICAL }, { "prescription", T_MEDICAL }, { "dosage", T_MEDICAL },
	{ "health record", T_MEDICAL }, { "doctor", T_MEDICAL }, { "médico", T_MEDICAL },
	{ "paciente", T_MEDICAL }, { "diagnóstico", T_MEDICAL }, { "sintoma", T_MEDICAL },
	{ "remédio", T_MEDICAL }, { "medicamento", T_MEDICAL }, { "síntoma", T_MEDICAL },
	/* legal */
	{ "legal", T_LEGAL }, { "illegal", T_LEGAL }, { "lawsuit", T_LEGAL }, { "lawyer", T_LEGAL },
	{ "attorney", T_LEGAL }, { "contract", T_LEGAL }, { "licen*", T_LEGAL },
	{ "copyright", T_LEGAL }, { "gpl", T_LEGAL }, { "compliance", T_LEGAL },
	{ "regulat*", T_LEGAL }, { "court", T_LEGAL }, { "liability", T_LEGAL },
	{ "terms of service", T_LEGAL }, { "advogado", T_LEGAL }, { "contrato", T_LEGAL },
	{ "jurídic*", T_LEGAL }, { "abogado", T_LEGAL }, { "demanda", T_LEGAL },
	/* financial */
	{ "payroll", T_FINANCIAL, true }, { "salary", T_FINANCIAL, true },
	{ "salaries", T_FINANCIAL }, { "invest*", T_FINANCIAL }, { "tax", T_FINANCIAL },
	{ "loan", T_FINANCIAL }, { "mortgage", T_FINANCIAL }, { "bank account", T_FINANCIAL },
	{ "credit card", T_FINANCIAL }, { "payment", T_FINANCIAL }, { "invoice", T_FINANCIAL },
	{ "bitcoin", T_FINANCIAL }, { "salário", T_FINANCIAL }, { "imposto", T_FINANCIAL },
	{ "empréstimo", T_FINANCIAL }, { "cartão de crédito", T_FINANCIAL },
	{ "salario", T_FINANCIAL }, { "impuesto", T_FINANCIAL }, { "inversión", T_FINANCIAL },
	{ "préstamo", T_FINANCIAL }, { "tarjeta de crédito", T_FINANCIAL },
	/* production */
	{ "production", T_PRODUCTION, true }, { "prod db", T_PRODUCTION, true },
	{ "prod", T_PRODUCTION }, { "live system", T_PRODUCTION },
	{ "live database", T_PRODUCTION }, { "deploy*", T_PRODUCTION },
	{ "produção", T_PRODUCTION }, { "producción", T_PRODUCTION },
	/* destructive */
	{ "delet*", T_DESTRUCTIVE }, { "remov*", T_DESTRUCTIVE }, { "erase", T_DESTRUCTIVE },
	{ "wipe", T_DESTRUCTIVE }, { "drop table", T_DESTRUCTIVE },
	{ "drop database", T_DESTRUCTIVE }, { "truncate", T_DESTRUCTIVE },
	{ "rm -rf", T_DESTRUCTIVE }, { "purge", T_DESTRUCTIVE }, { "destroy", T_DESTRUCTIVE },
	{ "apagar", T_DESTRUCTIVE }, { "excluir", T_DESTRUCTIVE }, { "deletar", T_DESTRUCTIVE },
	{ "remover", T_DESTRUCTIVE }, { "borrar", T_DESTRUCTIVE }, { "eliminar", T_DESTRUCTIVE },
	/* irreversible */
	{ "irreversib*", T_IRREVERSIBLE }, { "cannot be undone", T_IRREVERSIBLE },
	{ "can't be undone", T_IRREVERSIBLE }, { "permanent*", T_IRREVERSIBLE },
	{ "force push", T_IRREVERSIBLE }, { "force-push", T_IRREVERSIBLE },
	{ "push --force", T_IRREVERSIBLE }, { "rewrite history", T_IRREVERSIBLE },
	{ "irreversível", T_IRREVERSIBLE }, { "permanente", T_IRREVERSIBLE },
	/* ethics */
	{ "ethic*", T_ETHICS }, { "moral*", T_ETHICS }, { "unfair", T_ETHICS },
	{ "bias", T_ETHICS }, { "discriminat*", T_ETHICS }, { "manipulat*", T_ETHICS },
	{ "deceiv*", T_ETHICS }, { "deceptive", T_ETHICS }, { "lie", T_ETHICS },
	{ "harm", T_ETHICS }, { "surveil*", T_ETHICS }, { "consent", T_ETHICS },
	{ "ético", T_ETHICS }, { "ética", T_ETHICS }, { "enganar", T_ETHICS },
	{ "manipular", T_ETHICS }, { "consentimento", T_ETHICS }, { "engañar", T_ETHICS },
};

/* Letters and digits, and any byte of a multi-byte UTF-8 character. */
static bool
word_byte(char c)
{
	return isalnum((unsigned char)c) || (unsigned char)c >= 0x80;
}

static bool
word_in(const char *text, const char *word)
{
	char needle[64];
	size_t n = strlen(word);
	bool prefix = n > 0 && word[n - 1] == '*';

	if (prefix)
		n--;
	if (n == 0 || n >= sizeof needle)
		return false;
	memcpy(needle, word, n);
	needle[n] = '\0';
	for (const char *p = text; (p = strcasestr(p, needle)) != NULL; p++) {
		const char *end = p + n;

		if (p > text && word_byte(p[-1]))
			continue;
		if (prefix)
			return true;
		if (tolower((unsigned char)end[0]) == 'e' && tolower((unsigned char)end[1]) == 's')
			end += 2;
		else if (tolower((unsigned char)end[0]) == 's')
			end++;
		if (!word_byte(*end))
			return true;
	}
	return false;
}

void
sofia_topics_detect(const char *text, struct sofia_match *m)
{
	unsigned hits[T_COUNT] = { 0 };
	const char *first[T_COUNT] = { 0 };
	int best = -1, second = -1;

	memset(m, 0, sizeof *m);
	if (text == NULL)
		return;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (word_in(text, words[i].text)) {
			if (hits[words[i].topic]++ == 0)
				first[words[i].topic] = words[i].text;
		}
	for (int t = 0; t < T_GENERAL; t++) {
		if (hits[t] == 0)
			continue;
		if (best < 0 || hits[t] > hits[best]) {
			second = best;
			best = t;
		} else if (second < 0 || hits[t] > hits[second]) {
			second = t;
		}
	}
	if (best < 0)
		return;
	m->topic = &topics[best];
	m->also = second >= 0 ? &topics[second] : NULL;
	m->word = first[best];
	m->hits = hits[best];
}

const char *
sofia_topics_sensitive(const char *text)
{
	if (text == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (words[i].action && word_in(text, words[i].text))
			return words[i].text;
	return NULL;
}

const struct sofia_topic *
sofia_topic_find(const char *type)
{
	for (int t = 0; type != NULL && t < T_COUNT; t++)
		if (strcmp(topics[t].type, type) == 0)
			return &topics[t];
	return NULL;
}

const struct sofia_topic *
sofia_topic_general(void)
{
	return &topics[T_GENERAL];
}
