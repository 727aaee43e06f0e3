/* System programs: package managers, services, disks, privileges, processes, containers. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "effects-internal.h"
#include "util.h"

/*
 * Package managers: the subcommands that install or remove, and those that
 * only fetch. The subcommand is the first operand after global options.
 */
static const struct manager {
	const char *name;
	const char *install; /* space-separated: install or remove packages */
	const char *fetch;   /* space-separated: only the network */
	const char *opts;    /* global short options that take a value */
} managers[] = {
	{ "apt", "install reinstall remove purge upgrade full-upgrade dist-upgrade autoremove build-dep",
	  "update download source", "ocqt" },
	{ "apt-get", "install reinstall remove purge upgrade dist-upgrade autoremove build-dep",
	  "update download source", "ocqt" },
	{ "aptitude", "install reinstall remove purge upgrade full-upgrade safe-upgrade", "update", "" },
	{ "yum", "install reinstall remove erase update upgrade downgrade groupinstall localinstall",
	  "makecache", "cCdex" },
	{ "dnf", "install reinstall remove erase update upgrade downgrade groupinstall localinstall",
	  "makecache download", "cCdex" },
	{ "microdnf", "install reinstall remove upgrade update", "makecache", "" },
	{ "zypper", "install in remove rm update up dist-upgrade dup patch", "refresh ref", "" },
	{ "apk", "add del upgrade fix", "update fetch", "pX" },
	{ "brew", "install reinstall upgrade uninstall remove rm tap bundle", "update fetch", "" },
	{ "port", "install uninstall upgrade", "selfupdate sync", "" },
	{ "snap", "install remove refresh revert", "download", "" },
	{ "flatpak", "install uninstall update", "", "" },
	{ "pip", "install uninstall", "download", "" },
	{ "pipx", "install uninstall upgrade reinstall inject", "", "" },
	{ "uv", "add remove sync install", "", "" },
	{ "poetry", "add remove install update", "", "" },
	{ "pipenv", "install uninstall update sync", "", "" },
	{ "conda", "install create remove uninstall update upgrade", "", "n" },
	{ "mamba", "install create remove uninstall update upgrade", "", "n" },
	{ "micromamba", "install create remove uninstall update upgrade", "", "n" },
	{ "npm", "install i add ci uninstall remove rm un update up upgrade link isntall",
	  "publish pack exec", "" },
	{ "pnpm", "install i add remove rm update up link", "publish dlx exec", "" },
	{ "yarn", "add install remove upgrade global", "publish dlx", "" },
	{ "bun", "add install i remove rm update", "publish x", "" },
	{ "gem", "install uninstall update", "push fetch", "" },
	{ "bundle", "install update add", "", "" },
	{ "cargo", "install uninstall", "add fetch publish", "" },
	{ "go", "install get", "", "" },
	{ "composer", "require install update remove", "", "" },
	{ "cpan", "install", "", "" },
	{ "cpanm", "install", "", "" },
	{ "luarocks", "install remove", "", "" },
	{ "rustup", "install update toolchain component target", "", "" },
	{ "nvm", "install uninstall", "", "" },
	{ "pyenv", "install uninstall", "", "" },
	{ "rbenv", "install uninstall", "", "" },
	{ "asdf", "install uninstall plugin", "", "" },
	{ "sdk", "install uninstall", "", "" },
	{ "choco", "install uninstall upgrade", "", "" },
	{ "winget", "install uninstall upgrade", "", "" },
	{ "scoop", "install uninstall update", "", "" },
	{ "nix-env", "", "", "" },
	{ "dpkg", "", "", "" },
	{ "rpm", "", "", "" },
	{ "pacman", "", "", "" },
	{ "yay", "", "", "" },
	{ "paru", "", "", "" },
};

static bool
word_in(const char *list, const char *w)
{
	size_t n = strlen(w);

	for (const char *s = list; n > 0 && (s = strstr(s, w)) != NULL; s += n)
		if ((s == list || s[-1] == ' ') && (s[n] == ' ' || s[n] == '\0'))
			return true;
	return false;
}

/* pacman -S, dpkg -i, rpm -i, nix-env -i: the operation is an option. */
static bool
option_install(struct cmd_ctx *x, const char *name)
{
	for (size_t k = 1; k < x->dashdash; k++) {
		const char *w = x->argv[k];

		if (w[0] != '-' || w[1] == '-')
			continue;
		/* rpm -qi is a query; dpkg -i and rpm -i, -U, -e install or erase. */
		if (strcmp(name, "rpm") == 0 && strchr(w + 1, 'q') != NULL)
			return false;
		if (strcmp(name, "dpkg") == 0 || strcmp(name, "rpm") == 0)
			return strpbrk(w + 1, strcmp(name, "dpkg") == 0 ? "irP" : "iUeF") != NULL;
		if (strcmp(name, "nix-env") == 0)
			return strpbrk(w + 1, "ieu") != NULL;
		/* pacman -S and -U install, -R removes; -Ss, -Si, -Sl only look. */
		if (w[1] == 'U' || w[1] == 'R' || (w[1] == 'S' && strpbrk(w + 2, "sil") == NULL))
			return true;
	}
	return arg_has(x, 0, "--install") || arg_has(x, 0, "--remove") || arg_has(x, 0, "--purge") ||
	       arg_has(x, 0, "--sync") || arg_has(x, 0, "--upgrade");
}

static void
h_package(struct cmd_ctx *x)
{
	const struct manager *m = NULL;
	size_t k;
	const char *sub;

	for (size_t i = 0; i < ARRAY_SIZE(managers); i++)
		if (strcmp(managers[i].name, x->prog->name) == 0)
			m = &managers[i];
	if (m == NULL)
		return;
	if (m->install[0] == '\0') {
		if (option_install(x, m->name))
			effects_add(x, EFFECT_PACKAGE_INSTALL | EFFECT_NETWORK);
		return;
	}
	k = arg_next(x, 0, m->opts);
	/* yarn alone installs; yarn global add, uv pip install: the next word decides. */
	if (k >= x->argc) {
		if (strcmp(m->name, "yarn") == 0)
			effects_add(x, EFFECT_PACKAGE_INSTALL | EFFECT_NETWORK);
		return;
	}
	sub = x->argv[k];
	if ((strcmp(m->name, "uv") == 0 && strcmp(sub, "pip") == 0) ||
	    (strcmp(m->name, "uv") == 0 && strcmp(sub, "tool") == 0) ||
	    (strcmp(m->name, "yarn") == 0 && strcmp(sub, "global") == 0) ||
	    (strcmp(m->name, "brew") == 0 && strcmp(sub, "cask") == 0) ||
	    (strcmp(m->name, "conda") == 0 && strcmp(sub, "env") == 0)) {
		k = arg_next(x, k, m->opts);
		sub = k < x->argc ? x->argv[k] : "";
	}
	if (word_in(m->install, sub)) {
		effects_add(x, EFFECT_PACKAGE_INSTALL);
		if (strstr(sub, "remove") == NULL && strstr(sub, "uninstall") == NULL &&
		    strcmp(sub, "rm") != 0 && strcmp(sub, "purge") != 0 && strcmp(sub, "del") != 0)
			effects_add(x, EFFECT_NETWORK);
	} else if (word_in(m->fetch, sub)) {
		effects_add(x, EFFECT_NETWORK);
	}
}

static void
h_kill(struct cmd_ctx *x)
{
	/* kill -l lists signals, kill -0 only checks that a process exists. */
	if (arg_has(x, 'l', "--list") || arg_has(x, 'L', "--table") ||
	    (x->argc > 1 && strcmp(x->argv[1], "-0") == 0))
		return;
	if (arg_count(x, "snuUgPtF") > 0 || strcmp(x->prog->name, "killall5") == 0)
		effects_add(x, EFFECT_PROCESS_KILL);
}

/* systemctl VERB, service NAME VERB, launchctl VERB, ...: only the verbs that change something. */
static void
h_service(struct cmd_ctx *x)
{
	static const char *const systemctl =
		"start stop restart reload try-restart reload-or-restart try-reload-or-restart enable "
		"disable reenable mask unmask kill isolate poweroff reboot halt suspend hibernate "
		"hybrid-sleep daemon-reload daemon-reexec set-property edit revert preset link "
		"switch-root default rescue emergency exit set-default kexec";
	static const char *const service = "start stop restart reload force-reload condrestart "
					   "try-restart zap enable disable";
	static const char *const launchctl = "load unload remove start stop kill bootout bootstrap "
					     "enable disable kickstart";
	const char *name = x->prog->name;
	size_t k = arg_next(x, 0, "HMtpnos");
	size_t k2 = arg_next(x, k, "HMtpnos");

	if (strcmp(name, "systemctl") == 0 || strcmp(name, "initctl") == 0) {
		if (k < x->argc && word_in(systemctl, x->argv[k]))
			effects_add(x, EFFECT_SERVICE_CONTROL);
	} else if (strcmp(name, "launchctl") == 0) {
		if (k < x->argc && word_in(launchctl, x->argv[k]))
			effects_add(x, EFFECT_SERVICE_CONTROL);
	} else if (strcmp(name, "sv") == 0) {
		if (k < x->argc && strcmp(x->argv[k], "status") != 0)
			effects_add(x, EFFECT_SERVICE_CONTROL);
	} else if (k2 < x->argc && word_in(service, x->argv[k2])) {
		/* service NAME VERB, rc-service NAME VERB */
		effects_add(x, EFFECT_SERVICE_CONTROL);
	}
}

/* crontab FILE, crontab -e, crontab -r change what the machine runs on its own. */
static void
h_crontab(struct cmd_ctx *x)
{
	if (arg_has(x, 'l', NULL) && !arg_has(x, 'r', NULL) && !arg_has(x, 'e', NULL))
		return;
	if (arg_has(x, 'r', NULL) || arg_has(x, 'e', NULL) || arg_count(x, "u") > 0 ||
	    (x->argc > 1 && strcmp(x->argv[x->argc - 1], "-") == 0))
		effects_add(x, EFFECT_SERVICE_CONTROL);
}

/* Firewalls, audit, SELinux and kernel parameters: changes unless the command only lists. */
static void
h_system_config(struct cmd_ctx *x)
{
	static const char *const verbs =
		"enable disable allow deny reject limit delete reset insert default route add "
		"flush replace create destroy rename 0 off Permissive permissive";
	const char *name = x->prog->name;
	bool change = false;

	for (size_t k = 1; k < x->argc; k++) {
		const char *w = x->argv[k];

		if (w[0] == '-' && w[1] != '-' && strpbrk(w + 1, "ADIRFXPZNEewd") != NULL &&
		    strcmp(name, "sysctl") != 0 && strcmp(name, "setenforce") != 0)
			change = true;
		if (strncmp(w, "--add", 5) == 0 || strncmp(w, "--remove", 8) == 0 ||
		    strncmp(w, "--set", 5) == 0 || strncmp(w, "--delete", 8) == 0 ||
		    strncmp(w, "--flush", 7) == 0 || strcmp(w, "--reload") == 0 ||
		    strcmp(w, "--panic-on") == 0 || strncmp(w, "--append", 8) == 0 ||
		    strncmp(w, "--insert", 8) == 0 || strncmp(w, "--policy", 8) == 0 ||
		    strncmp(w, "--vacuum", 8) == 0 || strcmp(w, "--rotate") == 0)
			change = true;
		if (w[0] != '-' && (word_in(verbs, w) || (strcmp(name, "sysctl") == 0 && strchr(w, '='))))
			change = true;
	}
	if (strcmp(name, "sysctl") == 0 && arg_has(x, 'w', "--write"))
		change = true;
	if (strcmp(name, "iptables-restore") == 0 || strcmp(name, "ip6tables-restore") == 0 ||
	    strcmp(name, "mount") == 0 || strcmp(name, "umount") == 0 ||
	    strcmp(name, "swapoff") == 0 || strcmp(name, "swapon") == 0)
		change = x->argc > 1 && !arg_has(x, 'l', NULL) && !arg_has(x, 's', "--show");
	if (change)
		effects_add(x, EFFECT_SERVICE_CONTROL);
}

/* mkfs, fdisk, parted, wipefs, ...: the disk itself, unless only listing. */
static void
h_disk(struct cmd_ctx *x)
{
	const char *name = x->prog->name;

	if (arg_has(x, 'l', "--list") || arg_has(x, 0, "--help") || arg_has(x, 'V', "--version"))
		return;
	if (strcmp(name, "parted") == 0) {
		bool only_print = true;

		for (size_t k = arg_next(x, 0, "s"); k < x->argc; k = arg_next(x, k, "s"))
			if (strncmp(x->argv[k], "/dev/", 5) != 0 && strcmp(x->argv[k], "print") != 0)
				only_print = false;
		if (only_print)
			return;
	}
	if (strcmp(name, "wipefs") == 0 && !arg_has(x, 'a', "--all") && !arg_has(x, 'o', "--offset"))
		return;
	if (strcmp(name, "badblocks") == 0 && !arg_has(x, 'w', NULL))
		return;
	effects_add(x, EFFECT_DISK);
	for (size_t k = arg_next(x, 0, x->prog->opts); k < x->argc; k = arg_next(x, k, x->prog->opts))
		if (x->argv[k][0] == '/')
			effects_path(x, x->argv[k], x->flags[k], PATH_WRITE, 0);
}

/* docker and podman: privileged containers, host mounts, deletes, registries. */
static void
h_container(struct cmd_ctx *x)
{
	size_t k = arg_next(x, 0, "Hc");
	const char *sub = k < x->argc ? x->argv[k] : "";

	if (strcmp(sub, "run") == 0 || strcmp(sub, "create") == 0) {
		for (size_t i = k + 1; i < x->argc; i++) {
			const char *w = x->argv[i];
			const char *v = (strcmp(w, "-v") == 0 || strcmp(w, "--volume") == 0) && i + 1 < x->argc ?
						x->argv[i + 1] :
					strncmp(w, "--volume=", 9) == 0 ? w + 9 :
					strncmp(w, "-v", 2) == 0 && w[2] ? w + 2 : NULL;

			if (strcmp(w, "--privileged") == 0 || strcmp(w, "--pid=host") == 0 ||
			    strcmp(w, "--net=host") == 0 || strcmp(w, "--network=host") == 0 ||
			    strcmp(w, "--userns=host") == 0 || strncmp(w, "--cap-add", 9) == 0)
				effects_add(x, EFFECT_PRIVILEGE);
			/* -v /:/host or the docker socket: the container owns the machine. */
			if (v != NULL && (strncmp(v, "/:", 2) == 0 || strstr(v, "docker.sock") != NULL ||
					  strncmp(v, "/etc:", 5) == 0 || strncmp(v, "/root", 5) == 0))
				effects_add(x, EFFECT_PRIVILEGE);
		}
	} else if (strcmp(sub, "rm") == 0 || strcmp(sub, "rmi") == 0 || strcmp(sub, "prune") == 0 ||
		   ((strcmp(sub, "system") == 0 || strcmp(sub, "volume") == 0 ||
		     strcmp(sub, "image") == 0 || strcmp(sub, "container") == 0 ||
		     strcmp(sub, "network") == 0 || strcmp(sub, "builder") == 0) &&
		    k + 1 < x->argc &&
		    (strcmp(x->argv[k + 1], "rm") == 0 || strcmp(x->argv[k + 1], "prune") == 0))) {
		effects_add(x, EFFECT_DELETE);
	} else if (strcmp(sub, "kill") == 0) {
		effects_add(x, EFFECT_PROCESS_KILL);
	} else if (strcmp(sub, "stop") == 0 || strcmp(sub, "restart") == 0) {
		effects_add(x, EFFECT_SERVICE_CONTROL);
	} else if (strcmp(sub, "pull") == 0 || strcmp(sub, "push") == 0 || strcmp(sub, "login") == 0 ||
		   strcmp(sub, "search") == 0) {
		effects_add(x, EFFECT_NETWORK);
	}
}

/* date MMDDhhmm and date -s set the clock: a change to the system, not a question. */
static void
h_date(struct cmd_ctx *x)
{
	if (arg_has(x, 's', "--set") ||
	    (arg_next(x, 0, "dfrI") < x->argc && x->argv[arg_next(x, 0, "dfrI")][0] != '+'))
		effects_add(x, EFFECT_SERVICE_CONTROL);
}

/* dscl . -create /Users/x, dseditgroup -o edit: macOS accounts and groups. */
static void
h_accounts(struct cmd_ctx *x)
{
	for (size_t k = 1; k < x->argc; k++)
		if (strcmp(x->argv[k], "-create") == 0 || strcmp(x->argv[k], "-append") == 0 ||
		    strcmp(x->argv[k], "-passwd") == 0 || strcmp(x->argv[k], "-delete") == 0 ||
		    strcmp(x->argv[k], "edit") == 0 || strcmp(x->argv[k], "-addUser") == 0 ||
		    strcmp(x->argv[k], "-deleteUser") == 0)
			effects_add(x, EFFECT_PRIVILEGE);
}

/* networksetup -set...: the machine's network configuration. */
static void
h_networksetup(struct cmd_ctx *x)
{
	for (size_t k = 1; k < x->argc; k++)
		if (strncmp(x->argv[k], "-set", 4) == 0 || strncmp(x->argv[k], "-remove", 7) == 0)
			effects_add(x, EFFECT_SERVICE_CONTROL);
}

/* ssh-keygen -f FILE writes a key, unless it only reads one (-l, -y, -F). */
static void
h_keygen(struct cmd_ctx *x)
{
	const char *f = arg_value(x, 'f', NULL);
	bool reads = arg_has(x, 'l', NULL) || arg_has(x, 'y', NULL) || arg_has(x, 'F', NULL);

	if (f != NULL)
		effects_path(x, f, 0, reads ? PATH_READ : PATH_WRITE, reads ? 0 : HOW_CREDENTIAL);
}

/* gpg --export-secret-keys, gpg -d, security find-generic-password: secrets on stdout. */
static void
h_secret_tool(struct cmd_ctx *x)
{
	bool secret = false;

	for (size_t k = 1; k < x->argc; k++) {
		const char *w = x->argv[k];

		secret = secret || strncmp(w, "--export-secret", 15) == 0 ||
			 strcmp(w, "--decrypt") == 0 || strcmp(w, "-d") == 0 ||
			 strcmp(w, "find-generic-password") == 0 ||
			 strcmp(w, "find-internet-password") == 0 || strcmp(w, "dump-keychain") == 0 ||
			 strcmp(w, "export") == 0 || strcmp(w, "show") == 0;
	}
	if (secret || strcmp(x->prog->name, "pass") == 0) {
		effects_add(x, EFFECT_SECRET_READ);
		x->traits |= T_SECRET;
	}
}

const struct program effects_tool_programs[] = {
	{ "apt", h_package, 0, 0, "" },
	{ "apt-get", h_package, 0, 0, "" },
	{ "aptitude", h_package, 0, 0, "" },
	{ "yum", h_package, 0, 0, "" },
	{ "dnf", h_package, 0, 0, "" },
	{ "microdnf", h_package, 0, 0, "" },
	{ "zypper", h_package, 0, 0, "" },
	{ "apk", h_package, 0, 0, "" },
	{ "brew", h_package, 0, 0, "" },
	{ "port", h_package, 0, 0, "" },
	{ "snap", h_package, 0, 0, "" },
	{ "flatpak", h_package, 0, 0, "" },
	{ "pip", h_package, 0, 0, "" },
	{ "pipx", h_package, 0, 0, "" },
	{ "uv", h_package, 0, 0, "" },
	{ "poetry", h_package, 0, 0, "" },
	{ "pipenv", h_package, 0, 0, "" },
	{ "conda", h_package, 0, 0, "" },
	{ "mamba", h_package, 0, 0, "" },
	{ "micromamba", h_package, 0, 0, "" },
	{ "npm", h_package, 0, 0, "" },
	{ "pnpm", h_package, 0, 0, "" },
	{ "yarn", h_package, 0, 0, "" },
	{ "bun", h_package, 0, 0, "" },
	{ "gem", h_package, 0, 0, "" },
	{ "bundle", h_package, 0, 0, "" },
	{ "cargo", h_package, 0, 0, "" },
	{ "go", h_package, 0, 0, "" },
	{ "composer", h_package, 0, 0, "" },
	{ "cpan", h_package, 0, 0, "" },
	{ "cpanm", h_package, 0, 0, "" },
	{ "luarocks", h_package, 0, 0, "" },
	{ "rustup", h_package, 0, 0, "" },
	{ "nvm", h_package, 0, 0, "" },
	{ "pyenv", h_package, 0, 0, "" },
	{ "rbenv", h_package, 0, 0, "" },
	{ "asdf", h_package, 0, 0, "" },
	{ "sdk", h_package, 0, 0, "" },
	{ "choco", h_package, 0, 0, "" },
	{ "winget", h_package, 0, 0, "" },
	{ "scoop", h_package, 0, 0, "" },
	{ "nix-env", h_package, 0, 0, "" },
	{ "dpkg", h_package, 0, 0, "" },
	{ "rpm", h_package, 0, 0, "" },
	{ "pacman", h_package, 0, 0, "" },
	{ "yay", h_package, 0, 0, "" },
	{ "paru", h_package, 0, 0, "" },
	{ "npx", NULL, EFFECT_NETWORK, 0, "" },
	{ "kill", h_kill, 0, 0, "" },
	{ "pkill", h_kill, 0, 0, "" },
	{ "killall", h_kill, 0, 0, "" },
	{ "killall5", h_kill, 0, 0, "" },
	{ "skill", h_kill, 0, 0, "" },
	{ "xkill", NULL, EFFECT_PROCESS_KILL, 0, "" },
	{ "systemctl", h_service, 0, 0, "" },
	{ "service", h_service, 0, 0, "" },
	{ "rc-service", h_service, 0, 0, "" },
	{ "initctl", h_service, 0, 0, "" },
	{ "launchctl", h_service, 0, 0, "" },
	{ "sv", h_service, 0, 0, "" },
	{ "update-rc.d", NULL, EFFECT_SERVICE_CONTROL, 0, "" },
	{ "chkconfig", NULL, EFFECT_SERVICE_CONTROL, 0, "" },
	{ "rc-update", NULL, EFFECT_SERVICE_CONTROL, 0, "" },
	{ "shutdown", NULL, EFFECT_SERVICE_CONTROL, 0, "" },
	{ "reboot", NULL, EFFECT_SERVICE_CONTROL, 0, "" },
	{ "halt", NULL, EFFECT_SERVICE_CONTROL, 0, "" },
	{ "poweroff", NULL, EFFECT_SERVICE_CONTROL, 0, "" },
	{ "init", NULL, EFFECT_SERVICE_CONTROL, 0, "" },
	{ "telinit", NULL, EFFECT_SERVICE_CONTROL, 0, "" },
	{ "crontab", h_crontab, 0, 0, "" },
	{ "iptables", h_system_config, 0, 0, "" },
	{ "ip6tables", h_system_config, 0, 0, "" },
	{ "iptables-restore", h_system_config, 0, 0, "" },
	{ "ip6tables-restore", h_system_config, 0, 0, "" },
	{ "nft", h_system_config, 0, 0, "" },
	{ "ufw", h_system_config, 0, 0, "" },
	{ "firewall-cmd", h_system_config, 0, 0, "" },
	{ "pfctl", h_system_config, 0, 0, "" },
	{ "auditctl", h_system_config, 0, 0, "" },
	{ "setenforce", h_system_config, 0, 0, "" },
	{ "sysctl", h_system_config, 0, 0, "" },
	{ "journalctl", h_system_config, 0, 0, "" },
	{ "mount", h_system_config, 0, 0, "" },
	{ "umount", h_system_config, 0, 0, "" },
	{ "swapon", h_system_config, 0, 0, "" },
	{ "swapoff", h_system_config, 0, 0, "" },
	{ "mkfs", h_disk, 0, 0, "tLbcCEgGIjJmNoOrT" },
	{ "mke2fs", h_disk, 0, 0, "tLbcCEgGIjJmNoOrT" },
	{ "mkswap", h_disk, 0, 0, "Lpu" },
	{ "fdisk", h_disk, 0, 0, "bcCHSu" },
	{ "sfdisk", h_disk, 0, 0, "N" },
	{ "gdisk", h_disk, 0, 0, "" },
	{ "sgdisk", h_disk, 0, 0, "" },
	{ "cfdisk", h_disk, 0, 0, "" },
	{ "parted", h_disk, 0, 0, "s" },
	{ "wipefs", h_disk, 0, 0, "ot" },
	{ "blkdiscard", h_disk, 0, 0, "ols" },
	{ "badblocks", h_disk, 0, 0, "bcdeiopt" },
	{ "cryptsetup", h_disk, 0, 0, "" },
	{ "lvremove", h_disk, 0, 0, "" },
	{ "vgremove", h_disk, 0, 0, "" },
	{ "pvremove", h_disk, 0, 0, "" },
	{ "mdadm", h_disk, 0, 0, "" },
	{ "zpool", h_disk, 0, 0, "" },
	{ "hdparm", h_disk, 0, 0, "" },
	{ "su", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "sudo", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "doas", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "pkexec", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "runuser", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "passwd", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "chpasswd", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "useradd", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "userdel", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "usermod", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "adduser", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "deluser", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "groupadd", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "groupdel", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "groupmod", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "gpasswd", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "visudo", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "vipw", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "setcap", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "chsh", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "newgrp", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "sg", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "modprobe", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "insmod", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "rmmod", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "kexec", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "docker", h_container, 0, 0, "" },
	{ "podman", h_container, 0, 0, "" },
	{ "nerdctl", h_container, 0, 0, "" },
	{ "gpg", h_secret_tool, 0, 0, "" },
	{ "gpg2", h_secret_tool, 0, 0, "" },
	{ "security", h_secret_tool, 0, 0, "" },
	{ "pass", h_secret_tool, 0, 0, "" },
	{ "date", h_date, 0, 0, "" },
	{ "dscl", h_accounts, 0, 0, "" },
	{ "dseditgroup", h_accounts, 0, 0, "" },
	{ "sysadminctl", h_accounts, 0, 0, "" },
	{ "dsenableroot", NULL, EFFECT_PRIVILEGE, 0, "" },
	{ "networksetup", h_networksetup, 0, 0, "" },
	{ "systemd-run", NULL, EFFECT_SERVICE_CONTROL, 0, "" },
	{ "ssh-keygen", h_keygen, 0, T_OWN_ARGS, "" },
	{ "sshpass", NULL, 0, 0, "" },
	/* Lookups: they name programs, they do not run them. */
	{ "which", NULL, 0, T_OWN_ARGS, "" },
	{ "type", NULL, 0, T_OWN_ARGS, "" },
	{ "command", NULL, 0, T_OWN_ARGS, "" },
	{ "whereis", NULL, 0, T_OWN_ARGS, "" },
	{ "hash", NULL, 0, T_OWN_ARGS, "" },
	{ "man", NULL, 0, T_OWN_ARGS, "" },
	{ "whatis", NULL, 0, T_OWN_ARGS, "" },
	{ "apropos", NULL, 0, T_OWN_ARGS, "" },
	{ "help", NULL, 0, T_OWN_ARGS, "" },
	/* Runners: what they run is a child of its own, classified there. */
	{ "xargs", NULL, 0, T_OWN_ARGS, "" },
	{ "watch", NULL, 0, T_OWN_ARGS, "" },
	{ "nohup", NULL, 0, T_OWN_ARGS, "" },
	{ "env", NULL, 0, 0, "" },
	{ "script", NULL, 0, T_OWN_ARGS, "" },
	{ "flock", NULL, 0, T_OWN_ARGS, "" },
	{ "maestroctl", NULL, EFFECT_MAESTRO_SELF, 0, "" },
	{ "maestrod", NULL, EFFECT_MAESTRO_SELF, 0, "" },
};
const size_t effects_n_tool_programs = ARRAY_SIZE(effects_tool_programs);
