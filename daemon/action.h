/* What an agent wants to do, and what the daemon makes of it: kinds, effects, risk. */
#ifndef MAESTRO_ACTION_H
#define MAESTRO_ACTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * This header is the contract between the modules of the governance
 * pipeline: the shell parser and the effect classifier (shellparse.c,
 * effects.c) fill struct action_facts; the policy (policy.c), justica,
 * sofia and armor read it. Nothing here allocates or does I/O.
 */

enum action_kind {
	ACTION_SHELL,
	ACTION_FILE_READ,
	ACTION_FILE_WRITE,
	ACTION_FILE_DELETE,
	ACTION_NETWORK,
	ACTION_MCP_TOOL,
	ACTION_PROMPT,
	ACTION_KIND_COUNT,
};

/* "shell", "file_read", ... as on the wire; NULL for an unknown kind. */
const char *action_kind_name(enum action_kind kind);
int action_kind_parse(const char *name, enum action_kind *kind);

enum risk_level {
	RISK_LOW,
	RISK_MEDIUM,
	RISK_HIGH,
	RISK_CRITICAL,
};

/* "LOW" .. "CRITICAL"; parsing is case-insensitive. */
const char *risk_name(enum risk_level risk);
int risk_parse(const char *name, enum risk_level *risk);

/*
 * Effects: what running the action would do to the machine, independent of
 * how the command was spelled. One bit each, so a command's effects are a
 * set and a policy rule can test for any of them.
 */
enum effect {
	EFFECT_READ = 1u << 0,		   /* reads files */
	EFFECT_WRITE = 1u << 1,		   /* creates or changes files */
	EFFECT_DELETE = 1u << 2,	   /* removes files */
	EFFECT_RECURSIVE_DELETE = 1u << 3, /* rm -r, find -delete, ... */
	EFFECT_EXECUTE = 1u << 4,	   /* runs a program (any shell action) */
	EFFECT_NETWORK = 1u << 5,	   /* talks to the network */
	EFFECT_DOWNLOAD_EXEC = 1u << 6,	   /* curl ... | sh, wget -O- | bash, ... */
	EFFECT_PRIVILEGE = 1u << 7,	   /* sudo, doas, su, pkexec, setuid bits */
	EFFECT_HISTORY_REWRITE = 1u << 8,  /* git push --force, git reset --hard, ... */
	EFFECT_PERMISSIONS = 1u << 9,	   /* chmod, chown, chattr, setfacl */
	EFFECT_RECURSIVE_PERMISSIONS = 1u << 10, /* chmod -R, chown -R */
	EFFECT_PACKAGE_INSTALL = 1u << 11, /* apt, pip, npm -g, cargo install, ... */
	EFFECT_PROCESS_KILL = 1u << 12,	   /* kill, pkill, killall */
	EFFECT_DISK = 1u << 13,		   /* mkfs, dd to a device, fdisk, wipefs, ... */
	EFFECT_SECRET_READ = 1u << 14,	   /* reads a sensitive location */
	EFFECT_SECRET_SEND = 1u << 15,	   /* sends a sensitive location to the network */
	EFFECT_OUTSIDE_WORKSPACE = 1u << 16, /* touches a path outside the workspace */
	EFFECT_SYSTEM_PATH = 1u << 17,	   /* touches /, /etc, /usr, /boot, ... */
	EFFECT_MAESTRO_SELF = 1u << 18,	   /* touches maestro's own socket, config, policy, db, keys, or runs maestroctl */
	EFFECT_SUSPICIOUS_DESTINATION = 1u << 19, /* metadata address, raw IP, paste/webhook site */
	EFFECT_SERVICE_CONTROL = 1u << 20, /* systemctl, service, shutdown, reboot */
	EFFECT_OBFUSCATION = 1u << 21,	   /* eval of decoded text, base64 -d | sh, ... */
	EFFECT_UNPARSED = 1u << 22,	   /* the command could not be parsed completely */
};

/* "read", "recursive-delete", ... as policy files and replies spell them. */
const char *effect_name(unsigned bit);
int effect_parse(const char *name, unsigned *bit);

/* Why a path matters. */
enum path_use {
	PATH_READ,
	PATH_WRITE,
	PATH_DELETE,
};

/* A path the action touches, resolved to an absolute, normalised form. */
struct action_path {
	char *path;		/* absolute, no "." or "..", no "//" */
	enum path_use use;
	bool in_workspace;
	bool sensitive;		/* ~/.ssh, ~/.aws, .env, /etc/shadow, ... */
	bool maestro;		/* maestro's own socket, config, policy, database, keys */
};

/* A network destination the action reaches. */
struct action_host {
	char *host;		/* lower case, no port */
	char *url;		/* as given, when there was one */
	bool suspicious;	/* metadata address, raw IP, paste or webhook site */
};

/*
 * Everything the daemon knows about one action. Strings are owned by the
 * facts; action_facts_clear() frees them.
 */
struct action_facts {
	enum action_kind kind;
	unsigned effects;	   /* enum effect bits */
	unsigned permissions;	   /* enum permission bits (agent.h) the effects imply */
	enum risk_level risk;	   /* computed from the effects */
	const char *risk_reason;   /* the effect that set the risk, for people */
	char **programs;	   /* every program run, after unwrapping sudo/env/bash -c */
	size_t n_programs;
	char **commands;	   /* every simple command as text, for policy patterns */
	size_t n_commands;
	struct action_path *paths;
	size_t n_paths;
	struct action_host *hosts;
	size_t n_hosts;
};

void action_facts_clear(struct action_facts *facts);

#endif
