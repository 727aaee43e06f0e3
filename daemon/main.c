/* maestrod: the governance daemon for AI agents; start-up and options. */
#define _GNU_SOURCE
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "maestro-protocol.h"
#include "util.h"

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: maestrod [options]\n"
		"\n"
		"  -c, --config FILE      read FILE instead of the default maestrod.conf\n"
		"  -s, --socket PATH      listen on PATH (overrides the config)\n"
		"  -d, --db PATH          keep the database at PATH (overrides the config)\n"
		"  -l, --log-level LEVEL  error, warning, notice, info or debug\n"
		"      --check-config     parse the configuration, report, and exit\n"
		"  -V, --version          print the version and exit\n"
		"  -h, --help             print this help and exit\n"
		"\n"
		"maestrod runs in the foreground; see maestrod(8).\n");
}

/* Sockets are descriptors; a daemon serving many clients wants all it may have. */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int
check_config(const struct options *opts)
{
	_cleanup_free_ char *path = NULL;
	struct config_error err;
	struct config cfg;
	char msg[PATH_MAX + 300];

	path = opts->config_path ? strdup(opts->config_path) : config_default_path();
	if (path == NULL) {
		fprintf(stderr, "maestrod: no configuration file to check\n");
		return EXIT_FAILURE;
	}
	if (config_load(&cfg, path, true, &err) < 0) {
		config_error_format(&err, msg, sizeof msg);
		fprintf(stderr, "maestrod: %s\n", msg);
		return EXIT_FAILURE;
	}
	config_clear(&cfg);
	printf("%s: ok\n", path);
	return EXIT_SUCCESS;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "db", required_argument, NULL, 'd' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct options opts = { .log_level = -1 };
	struct maestrod d;
	bool check = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "c:s:d:l:Vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			opts.config_path = optarg;
			break;
		case 's':
			if (optarg[0] != '/') {
				fprintf(stderr, "maestrod: --socket needs an absolute path\n");
				return 2;
			}
			opts.socket_path = optarg;
			break;
		case 'd':
			if (optarg[0] != '/') {
				fprintf(stderr, "maestrod: --db needs an absolute path\n");
				return 2;
			}
			opts.db_path = optarg;
			break;
		case 'l':
			opts.log_level = log_level_parse(optarg);
			if (opts.log_level < 0) {
				fprintf(stderr, "maestrod: unknown log level '%s' "
						"(error, warning, notice, info, debug)\n", optarg);
				return 2;
			}
			break;
		case 'C':
			check = true;
			break;
		case 'V':
			printf("maestrod %s (protocol %d)\n", MAESTRO_VERSION, MAESTRO_PROTOCOL_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "maestrod: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (check)
		return check_config(&opts);

	log_init();
	if (opts.log_level >= 0)
		log_set_level(opts.log_level);
	/* Writes to a vanished client fail with EPIPE instead of killing us. */
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();

	r = daemon_start(&d, &opts);
	if (r == 0)
		r = daemon_run(&d);
	daemon_free(&d);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
