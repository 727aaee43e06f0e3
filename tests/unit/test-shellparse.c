/* Unit tests for daemon/shellparse*.c: quoting, operators, nesting, here-documents, wrappers, bounds. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>

#include "shellparse.h"
#include "unit.h"

#define HOME "/home/agent"

static struct shell_parse sp;

static void
teardown(void)
{
	shell_parse_clear(&sp);
}

/* Parses text into sp, which teardown frees; the previous parse is freed first. */
static const struct shell_parse *
parse(const char *text)
{
	shell_parse_clear(&sp);
	ck_assert_int_eq(shell_parse(text, strlen(text), HOME, &sp), 0);
	return &sp;
}

static const struct shell_parse *
parse_ok(const char *text)
{
	parse(text);
	ck_assert_msg(!sp.incomplete, "%s: incomplete (%s)", text, sp.reason);
	return &sp;
}

static const struct shell_command *
cmd(size_t i)
{
	ck_assert_msg(i < sp.n_commands, "command %zu of %zu", i, sp.n_commands);
	return &sp.commands[i];
}

/* argv as "a|b|c", to compare whole commands at once. */
static const char *
joined(const struct shell_command *c)
{
	static char buf[4096];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < c->argc; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", i ? "|" : "", c->argv[i]);
	return buf;
}

#define ARGV(i, s) ck_assert_str_eq(joined(cmd(i)), s)

/* The index of the first command whose argv is s. */
static size_t
find_cmd(const char *s)
{
	for (size_t i = 0; i < sp.n_commands; i++)
		if (strcmp(joined(&sp.commands[i]), s) == 0)
			return i;
	ck_abort_msg("no command %s", s);
	return 0;
}

START_TEST(test_plain_words)
{
	parse_ok("ls -la /tmp");
	ck_assert_uint_eq(sp.n_commands, 1);
	ARGV(0, "ls|-la|/tmp");
	ck_assert_uint_eq(cmd(0)->depth, 0);
	ck_assert_int_eq(cmd(0)->origin, SHELL_ORIGIN_TOP);
	ck_assert_uint_eq(cmd(0)->parent, SHELL_NONE);
	ck_assert_uint_eq(cmd(0)->pipe_length, 1);
	parse_ok("   rm   -rf   build   ");
	ARGV(0, "rm|-rf|build");
	parse_ok("");
	ck_assert_uint_eq(sp.n_commands, 0);
	parse_ok("# only a comment");
	ck_assert_uint_eq(sp.n_commands, 0);
	parse_ok("echo a # and a comment; rm -rf /");
	ck_assert_uint_eq(sp.n_commands, 1);
	ARGV(0, "echo|a");
	parse_ok("echo a#b $#");
	ARGV(0, "echo|a#b|$#");
}
END_TEST

START_TEST(test_quotes)
{
	parse_ok("echo 'a b' \"c d\" e\\ f 'it'\\''s' \"\"");
	ARGV(0, "echo|a b|c d|e f|it's|");
	ck_assert(cmd(0)->argv_flags[1] & SHELL_WORD_QUOTED);
	ck_assert(!(cmd(0)->argv_flags[0] & SHELL_WORD_QUOTED));
	/* Quote removal joins the pieces: r''m, "r"m and \rm are all rm. */
	parse_ok("r''m -rf /");
	ARGV(0, "rm|-rf|/");
	parse_ok("\"r\"m x; \\rm y; 'rm' z");
	ARGV(0, "rm|x");
	ARGV(1, "rm|y");
	ARGV(2, "rm|z");
	/* Inside double quotes a backslash escapes only $ ` " \ and newline. */
	parse_ok("echo \"a\\$b \\\"q\\\" \\\\ \\n\"");
	ARGV(0, "echo|a$b \"q\" \\ \\n");
	/* Single quotes keep everything. */
	parse_ok("echo '$HOME `id` \\n'");
	ARGV(0, "echo|$HOME `id` \\n");
	ck_assert_uint_eq(sp.n_commands, 1);
	/* Operators inside quotes are text. */
	parse_ok("echo 'a;b|c&&d' \"e>f\"");
	ck_assert_uint_eq(sp.n_commands, 1);
	ARGV(0, "echo|a;b|c&&d|e>f");
	/* A backslash-newline joins lines, outside quotes and inside double ones. */
	parse_ok("echo a\\\nb \"c\\\nd\"");
	ARGV(0, "echo|ab|cd");
	parse_ok("echo $\"translated\"");
	ARGV(0, "echo|translated");
}
END_TEST

START_TEST(test_ansi_c)
{
	parse_ok("echo $'a\\tb\\n' $'it\\'s' $'\\x41\\102\\u00e9'");
	ARGV(0, "echo|a\tb\n|it's|AB\xc3\xa9");
	ck_assert(cmd(0)->argv_flags[3] & SHELL_WORD_NUMERIC_ESCAPE);
	ck_assert(!(cmd(0)->argv_flags[1] & SHELL_WORD_NUMERIC_ESCAPE));
	/* The program itself, spelled in escapes. */
	parse_ok("$'\\x72\\x6d' -rf /");
	ARGV(0, "rm|-rf|/");
	ck_assert(cmd(0)->argv_flags[0] & SHELL_WORD_NUMERIC_ESCAPE);
	/* A NUL ends the string, as in bash. */
	parse_ok("echo $'ab\\0cd'e");
	ARGV(0, "echo|abe");
	/* Inside double quotes $' is not special. */
	parse_ok("echo \"$'x'\"");
	ARGV(0, "echo|$'x'");
	parse_ok("echo $'\\cA\\e\\z'");
	ARGV(0, "echo|\x01\x1b\\z");
}
END_TEST

START_TEST(test_operators)
{
	const struct shell_command *c;

	parse_ok("a; b && c || d & e\nf");
	ck_assert_uint_eq(sp.n_commands, 6);
	ARGV(0, "a");
	ARGV(5, "f");
	ck_assert(!(cmd(0)->flags & SHELL_CMD_BACKGROUND));
	/* & puts the whole and-or list in the background. */
	ck_assert(cmd(1)->flags & SHELL_CMD_BACKGROUND);
	ck_assert(cmd(2)->flags & SHELL_CMD_BACKGROUND);
	ck_assert(cmd(3)->flags & SHELL_CMD_BACKGROUND);
	ck_assert(!(cmd(4)->flags & SHELL_CMD_BACKGROUND));
	parse_ok("a | b |& c");
	ck_assert_uint_eq(sp.n_commands, 3);
	for (size_t i = 0; i < 3; i++) {
		c = cmd(i);
		ck_assert_uint_eq(c->pipe_length, 3);
		ck_assert_uint_eq(c->pipe_index, i);
		ck_assert_uint_eq(c->pipeline, cmd(0)->pipeline);
		ck_assert_int_eq(!!(c->flags & SHELL_CMD_PIPE_IN), i > 0);
		ck_assert_int_eq(!!(c->flags & SHELL_CMD_PIPE_OUT), i < 2);
	}
	parse_ok("a | b; c | d");
	ck_assert_uint_ne(cmd(0)->pipeline, cmd(2)->pipeline);
	ck_assert_uint_eq(cmd(2)->pipe_index, 0);
	/* Newlines may follow |, && and ||. */
	parse_ok("a |\n b &&\n\n c ||\n d");
	ck_assert_uint_eq(sp.n_commands, 4);
	ck_assert_uint_eq(cmd(1)->pipe_index, 1);
	/* No spaces needed around operators. */
	parse_ok("a&&b||c;d|e&");
	ck_assert_uint_eq(sp.n_commands, 5);
	ck_assert(cmd(4)->flags & SHELL_CMD_BACKGROUND);
	parse_ok("! grep x f && echo none");
	ARGV(0, "grep|x|f");
}
END_TEST

START_TEST(test_subshell_and_group)
{
	parse_ok("(cd /tmp && rm -rf x) ; { echo a; echo b; } | sort");
	ck_assert_uint_eq(sp.n_commands, 5);
	ARGV(0, "cd|/tmp");
	/* A subshell is a scope of its own: its cd stays in it. */
	ck_assert_uint_ne(cmd(0)->scope, 0);
	ck_assert_uint_eq(cmd(0)->scope, cmd(1)->scope);
	ck_assert_uint_eq(sp.scope_parent[cmd(0)->scope], 0);
	/* A group is not, and its commands share the pipeline stage. */
	ck_assert_uint_eq(cmd(2)->scope, 0);
	ck_assert_uint_eq(cmd(2)->pipe_length, 2);
	ck_assert_uint_eq(cmd(3)->pipe_index, 0);
	ck_assert(cmd(3)->flags & SHELL_CMD_PIPE_OUT);
	ck_assert_uint_eq(cmd(4)->pipe_index, 1);
	/* (( )) is arithmetic, even (((echo x))) as bash reads it; ((a) ) is subshells. */
	parse_ok("((x=1+2)); (( (1) ))");
	ck_assert(cmd(0)->flags & SHELL_CMD_KEYWORD);
	parse_ok("(((echo deep)))");
	ck_assert_uint_eq(sp.n_commands, 1);
	ck_assert(cmd(0)->flags & SHELL_CMD_KEYWORD);
	parse_ok("((echo deep) ); ( (id))");
	ARGV(0, "echo|deep");
	ARGV(1, "id");
	parse("{ echo a; ");
	ck_assert(sp.incomplete);
	parse("(echo a");
	ck_assert(sp.incomplete);
	parse("echo a)");
	ck_assert(sp.incomplete);
}
END_TEST

START_TEST(test_redirections)
{
	const struct shell_command *c;

	parse_ok("cmd <in >out 2>err >>app 2>&1 &>both &>>both2 <>rw 3<&0 >&- >|clobber 2>/dev/null");
	c = cmd(0);
	ARGV(0, "cmd");
	ck_assert_uint_eq(c->n_redirs, 12);
	ck_assert_int_eq(c->redirs[0].kind, SHELL_REDIR_READ);
	ck_assert_int_eq(c->redirs[0].fd, 0);
	ck_assert_str_eq(c->redirs[0].target, "in");
	ck_assert_int_eq(c->redirs[1].kind, SHELL_REDIR_WRITE);
	ck_assert_int_eq(c->redirs[1].fd, 1);
	ck_assert_int_eq(c->redirs[2].kind, SHELL_REDIR_WRITE);
	ck_assert_int_eq(c->redirs[2].fd, 2);
	ck_assert_str_eq(c->redirs[2].target, "err");
	ck_assert_int_eq(c->redirs[3].kind, SHELL_REDIR_APPEND);
	ck_assert_int_eq(c->redirs[4].kind, SHELL_REDIR_DUP);
	ck_assert_int_eq(c->redirs[4].fd, 2);
	ck_assert_str_eq(c->redirs[4].target, "1");
	ck_assert_int_eq(c->redirs[5].kind, SHELL_REDIR_WRITE);
	ck_assert_int_eq(c->redirs[5].fd, -1);
	ck_assert_int_eq(c->redirs[6].kind, SHELL_REDIR_APPEND);
	ck_assert_int_eq(c->redirs[6].fd, -1);
	ck_assert_int_eq(c->redirs[7].kind, SHELL_REDIR_READ_WRITE);
	ck_assert_int_eq(c->redirs[8].kind, SHELL_REDIR_DUP);
	ck_assert_int_eq(c->redirs[8].fd, 3);
	ck_assert_int_eq(c->redirs[9].kind, SHELL_REDIR_DUP);
	ck_assert_str_eq(c->redirs[9].target, "-");
	ck_assert_int_eq(c->redirs[10].kind, SHELL_REDIR_WRITE);
	ck_assert_str_eq(c->redirs[10].target, "clobber");
	ck_assert_str_eq(c->redirs[11].target, "/dev/null");
	/* >&file sends both streams to the file. */
	parse_ok("make >&build.log");
	ck_assert_int_eq(cmd(0)->redirs[0].kind, SHELL_REDIR_WRITE);
	ck_assert_int_eq(cmd(0)->redirs[0].fd, -1);
	/* Redirections may come first, and a line may be nothing else. */
	parse_ok(">out echo hi");
	ARGV(0, "echo|hi");
	ck_assert_str_eq(cmd(0)->redirs[0].target, "out");
	parse_ok("> truncated");
	ck_assert_uint_eq(cmd(0)->argc, 0);
	ck_assert_uint_eq(cmd(0)->n_redirs, 1);
	/* A digit inside a word is not a descriptor. */
	parse_ok("echo a2>x");
	ARGV(0, "echo|a2");
	ck_assert_int_eq(cmd(0)->redirs[0].fd, 1);
	parse_ok("echo x > \"out file\"");
	ck_assert_str_eq(cmd(0)->redirs[0].target, "out file");
	parse("echo >");
	ck_assert(sp.incomplete);
	/* A compound command's redirections are listed on its first command. */
	parse_ok("{ a; b; } > log 2>&1");
	ck_assert_uint_eq(cmd(0)->n_redirs, 2);
	ck_assert_uint_eq(cmd(1)->n_redirs, 0);
}
END_TEST

START_TEST(test_heredocs)
{
	const struct shell_command *c;

	parse_ok("cat <<EOF > out.txt\nhello $HOME\n$(whoami)\nEOF\necho done");
	c = cmd(0);
	ARGV(0, "cat");
	ck_assert_int_eq(c->redirs[0].kind, SHELL_REDIR_HEREDOC);
	ck_assert_str_eq(c->redirs[0].target, "hello " HOME "\n$(whoami)\n");
	ck_assert_str_eq(c->redirs[1].target, "out.txt");
	/* An unquoted body is expanded: its substitutions run. */
	ARGV(1, "whoami");
	ck_assert_int_eq(cmd(1)->origin, SHELL_ORIGIN_SUBST);
	ck_assert_uint_eq(cmd(1)->parent, 0);
	ck_assert_uint_eq(cmd(1)->parent_arg, SHELL_ARG_REDIR);
	find_cmd("echo|done");
	/* A quoted delimiter keeps the body as it is. */
	parse_ok("cat <<'EOF'\n$(rm -rf /) $HOME\nEOF");
	ck_assert_uint_eq(sp.n_commands, 1);
	ck_assert_str_eq(cmd(0)->redirs[0].target, "$(rm -rf /) $HOME\n");
	ck_assert(cmd(0)->redirs[0].flags & SHELL_WORD_QUOTED);
	parse_ok("cat <<\"END\"\nx\nEND");
	ck_assert_str_eq(cmd(0)->redirs[0].target, "x\n");
	/* <<- drops leading tabs, of the body and of the end line. */
	parse_ok("cat <<-EOF\n\tindented\n\t\tmore\n\tEOF\n");
	ck_assert_str_eq(cmd(0)->redirs[0].target, "indented\n\tmore\n");
	/* Two on one line, read in order. */
	parse_ok("paste <<A /dev/stdin <<B\none\nA\ntwo\nB\nls");
	ck_assert_str_eq(cmd(0)->redirs[0].target, "one\n");
	ck_assert_uint_eq(cmd(0)->n_redirs, 2);
	ck_assert_str_eq(cmd(0)->redirs[1].target, "two\n");
	ARGV(1, "ls");
	/* The text of a here-document is not a command. */
	parse_ok("cat <<EOF\nrm -rf /\nEOF");
	ck_assert_uint_eq(sp.n_commands, 1);
	/* Missing end line: bash warns and runs it; we call it incomplete. */
	parse("cat <<EOF\nno end");
	ck_assert(sp.incomplete);
	ck_assert_str_eq(cmd(0)->redirs[0].target, "no end");
	parse("cat <<EOF");
	ck_assert(sp.incomplete);
	/* Here-strings. */
	parse_ok("grep x <<< \"$HOME/a\"");
	ck_assert_int_eq(cmd(0)->redirs[0].kind, SHELL_REDIR_HERESTRING);
	ck_assert_str_eq(cmd(0)->redirs[0].target, HOME "/a");
	/* After a compound command too. */
	parse_ok("while read l; do echo $l; done <<EOF\na\nb\nEOF");
	ck_assert_int_eq(cmd(0)->redirs[0].kind, SHELL_REDIR_HEREDOC);
	ck_assert_str_eq(cmd(0)->redirs[0].target, "a\nb\n");
}
END_TEST

START_TEST(test_stdin_scripts)
{
	size_t rm;

	/* A here-document or here-string fed to a shell is its script. */
	parse_ok("bash <<EOF\nrm -rf /home/user\nEOF");
	rm = find_cmd("rm|-rf|/home/user");
	ck_assert_int_eq(cmd(rm)->origin, SHELL_ORIGIN_STDIN);
	ck_assert_uint_eq(cmd(rm)->parent, 0);
	ck_assert_uint_eq(cmd(rm)->depth, 1);
	ck_assert(cmd(0)->flags & SHELL_CMD_SCRIPT);
	parse_ok("sh <<<'git reset --hard'");
	ck_assert_int_eq(cmd(find_cmd("git|reset|--hard"))->origin, SHELL_ORIGIN_STDIN);
	parse_ok("echo 'rm -rf /' | sh");
	ck_assert_int_eq(cmd(find_cmd("rm|-rf|/"))->origin, SHELL_ORIGIN_STDIN);
	parse_ok("printf 'rm -rf %s\\n' /etc | bash -s");
	find_cmd("rm|-rf|/etc");
	parse_ok("echo -e 'id\\nwhoami' | sh");
	find_cmd("id");
	find_cmd("whoami");
	/* Not to a program that is not a shell, nor to a shell that runs a file. */
	parse_ok("tail -5 <<EOF\nrm -rf /home/user\nEOF");
	ck_assert_uint_eq(sp.n_commands, 1);
	parse_ok("echo 'rm -rf /' | sh script.sh");
	ck_assert_uint_eq(sp.n_commands, 2);
	parse_ok("echo 'rm -rf /' | grep rm");
	ck_assert_uint_eq(sp.n_commands, 2);
}
END_TEST

START_TEST(test_substitutions)
{
	size_t id;

	parse_ok("echo $(id -u) `whoami` \"$(date)\"");
	ck_assert_uint_eq(sp.n_commands, 4);
	ARGV(0, "echo|$(id -u)|`whoami`|$(date)");
	ck_assert(cmd(0)->argv_flags[1] & SHELL_WORD_SUBST);
	id = find_cmd("id|-u");
	ck_assert_int_eq(cmd(id)->origin, SHELL_ORIGIN_SUBST);
	ck_assert_uint_eq(cmd(id)->parent, 0);
	ck_assert_uint_eq(cmd(id)->parent_arg, 1);
	ck_assert_uint_eq(cmd(id)->depth, 1);
	ck_assert_uint_eq(cmd(find_cmd("whoami"))->parent_arg, 2);
	/* Nested, and with quotes inside that do not end the outer ones. */
	parse_ok("echo \"$(echo \"$(rm -rf \"/x y\")\")\"");
	ck_assert_uint_eq(cmd(find_cmd("rm|-rf|/x y"))->depth, 2);
	/* Backquotes lose a level of backslashes. */
	parse_ok("echo `echo \\`id\\``");
	ck_assert_uint_eq(cmd(find_cmd("id"))->depth, 2);
	/* A substitution whose output is the program. */
	parse_ok("$(echo rm) -rf /");
	ck_assert(cmd(0)->argv_flags[0] & SHELL_WORD_SUBST);
	ck_assert_uint_eq(cmd(find_cmd("echo|rm"))->parent_arg, 0);
	/* Arithmetic is not a command, but may hold one. */
	parse_ok("echo $((1 + 2)) $(( $(id -u) + 1 ))");
	ck_assert_uint_eq(sp.n_commands, 2);
	find_cmd("id|-u");
	/* $( (a) ) is a substitution of a subshell, not arithmetic. */
	parse_ok("echo $( (echo x) )");
	find_cmd("echo|x");
	/* In ${...} defaults and in assignments. */
	parse_ok("echo ${X:-$(id)}; Y=$(whoami) cmd; Z=`date`");
	find_cmd("id");
	find_cmd("whoami");
	find_cmd("date");
	/* A ) inside quotes or a comment in $(...) does not end it. */
	parse_ok("echo $(echo ')' # )\n)");
	find_cmd("echo|)");
	/* Process substitution. */
	parse_ok("diff <(sort a) >(tee b)");
	ck_assert(cmd(0)->argv_flags[1] & SHELL_WORD_PROCSUBST);
	ck_assert_int_eq(cmd(find_cmd("sort|a"))->origin, SHELL_ORIGIN_PROCSUBST);
	ck_assert_int_eq(cmd(find_cmd("tee|b"))->origin, SHELL_ORIGIN_PROCSUBST);
	parse("echo $(ls");
	ck_assert(sp.incomplete);
	parse("echo `ls");
	ck_assert(sp.incomplete);
}
END_TEST

START_TEST(test_variables)
{
	parse_ok("ls ~ ~/x $HOME ${HOME}/y \"$HOME\" '$HOME' ~root ~bob/z a~");
	ARGV(0, "ls|" HOME "|" HOME "/x|" HOME "|" HOME "/y|" HOME "|$HOME|/root|/home/bob/z|a~");
	/* What the line does not set stays as text, flagged. */
	parse_ok("rm -rf $DIR ${X}/y \"$1\" $@");
	ARGV(0, "rm|-rf|$DIR|${X}/y|$1|$@");
	ck_assert(cmd(0)->argv_flags[2] & SHELL_WORD_VARIABLE);
	ck_assert(cmd(0)->argv_flags[3] & SHELL_WORD_VARIABLE);
	ck_assert(!(cmd(0)->argv_flags[1] & SHELL_WORD_VARIABLE));
	/* What it sets is known afterwards, and split when unquoted. */
	parse_ok("X=/etc; rm -rf $X/a; export Y=\"rm -rf /\"; $Y; \"$Y\"");
	ck_assert_uint_eq(cmd(0)->argc, 0);
	ck_assert_str_eq(cmd(0)->assigns[0], "X=/etc");
	ARGV(1, "rm|-rf|/etc/a");
	find_cmd("rm|-rf|/");
	find_cmd("rm -rf /");
	/* A prefix assignment is the command's environment, not the shell's. */
	parse_ok("X=1 Y=\"a b\" make; echo $X");
	ARGV(0, "make");
	ck_assert_uint_eq(cmd(0)->n_assigns, 2);
	ck_assert_str_eq(cmd(0)->assigns[1], "Y=a b");
	ARGV(1, "echo|$X");
	/* A value from a substitution is unknown. */
	parse_ok("X=$(pwd); rm -rf $X");
	ck_assert(cmd(find_cmd("rm|-rf|$X"))->argv_flags[2] & SHELL_WORD_VARIABLE);
	/* $TMPDIR is taken to be /tmp; ${X:-default} is X when X is known. */
	parse_ok("rm -rf $TMPDIR/a ${TMPDIR:-/var}/b");
	ARGV(0, "rm|-rf|/tmp/a|/tmp/b");
	/* ${IFS} splits: rm${IFS}-rf${IFS}/ is rm -rf /. */
	parse_ok("rm${IFS}-rf${IFS}/");
	ARGV(0, "rm|-rf|/");
	ck_assert(cmd(0)->argv_flags[0] & SHELL_WORD_IFS);
	/* Variables reach nested scripts. */
	parse_ok("D=/srv; bash -c 'rm -rf $D'");
	find_cmd("rm|-rf|/srv");
	/* Without a home, ~ stays and is flagged. */
	shell_parse_clear(&sp);
	ck_assert_int_eq(shell_parse("ls ~/x $HOME", 12, NULL, &sp), 0);
	ARGV(0, "ls|~/x|$HOME");
	ck_assert(cmd(0)->argv_flags[1] & SHELL_WORD_VARIABLE);
	ck_assert(cmd(0)->argv_flags[2] & SHELL_WORD_VARIABLE);
	parse_ok("unset X; X=1; unset X; rm -rf /$X");
	find_cmd("rm|-rf|/");
}
END_TEST

START_TEST(test_expansions)
{
	parse_ok("rm -rf /{etc,usr} file{1..3}.txt {a,b}{c,d} {x} {} a{b");
	ARGV(0, "rm|-rf|/etc|/usr|file1.txt|file2.txt|file3.txt|ac|ad|bc|bd|{x}|{}|a{b");
	parse_ok("echo '{a,b}' \"{1..2}\"");
	ARGV(0, "echo|{a,b}|{1..2}");
	/* Too many words from one brace: left as written. */
	parse_ok("touch f{1..100000}");
	ARGV(0, "touch|f{1..100000}");
	parse_ok("ls *.c 'a*' x? [ab] !(b*) @(a|b)");
	ck_assert(cmd(0)->argv_flags[1] & SHELL_WORD_GLOB);
	ck_assert(!(cmd(0)->argv_flags[2] & SHELL_WORD_GLOB));
	ck_assert(cmd(0)->argv_flags[3] & SHELL_WORD_GLOB);
	ck_assert(cmd(0)->argv_flags[4] & SHELL_WORD_GLOB);
	ck_assert(cmd(0)->argv_flags[5] & SHELL_WORD_GLOB);
	ck_assert(cmd(0)->argv_flags[6] & SHELL_WORD_GLOB);
	/* An empty unquoted expansion vanishes; an empty quoted one stays. */
	parse_ok("E=; ls $E \"$E\" x");
	ARGV(1, "ls||x");
}
END_TEST

START_TEST(test_compound)
{
	parse_ok("if [ -f x ]; then rm x; elif true; then :; else echo no; fi");
	ck_assert_uint_eq(sp.n_commands, 5);
	ARGV(0, "[|-f|x|]");
	ARGV(1, "rm|x");
	ARGV(4, "echo|no");
	parse_ok("while read f; do rm \"$f\"; done < list; until false; do break; done");
	find_cmd("rm|$f");
	ck_assert_str_eq(cmd(0)->redirs[0].target, "list");
	parse_ok("for f in $(ls *.txt) a b; do rm \"$f\"; done");
	ck_assert(cmd(0)->flags & SHELL_CMD_KEYWORD);
	ARGV(0, "for|f|$(ls *.txt)|a|b");
	find_cmd("ls|*.txt");
	find_cmd("rm|$f");
	parse_ok("for ((i=0; i<3; i++)); do echo $i; done");
	find_cmd("echo|$i");
	parse_ok("for x; do echo $x; done");
	parse_ok("for x in a\ndo\n echo $x\ndone");
	parse_ok("case $1 in a|b) rm -rf /;; (*) echo x;; esac");
	find_cmd("rm|-rf|/");
	find_cmd("echo|x");
	/* A pattern's substitution and a compound's redirection target have a parent. */
	parse_ok("case $(id) in $(whoami)) ls;; esac; { ls; } > $(mktemp)");
	ck_assert_uint_eq(cmd(find_cmd("whoami"))->parent, find_cmd("case|$(id)"));
	ck_assert_uint_eq(cmd(find_cmd("mktemp"))->parent, sp.n_commands - 2);
	ARGV(sp.n_commands - 2, "ls");
	ck_assert_uint_eq(cmd(find_cmd("mktemp"))->parent_arg, SHELL_ARG_REDIR);
	parse_ok("case x in\n  *.c) cc x;;\n  *) ;;\nesac");
	find_cmd("cc|x");
	parse_ok("[[ -f a && $(id) == b || x < y ]] && echo y");
	ck_assert(cmd(0)->flags & SHELL_CMD_KEYWORD);
	find_cmd("id");
	find_cmd("echo|y");
	parse_ok("f() { rm -rf /; }; function g { id; }; function h() ( ls ); f");
	find_cmd("rm|-rf|/");
	find_cmd("id");
	find_cmd("ls");
	parse(">x f() { rm -rf /; }");
	ck_assert(sp.incomplete);
	find_cmd("rm|-rf|/");
	parse_ok("time -p make; time ls | wc");
	ARGV(0, "make");
	ARGV(1, "ls");
	parse("if true; then ls");
	ck_assert(sp.incomplete);
	parse("while true; do ls");
	ck_assert(sp.incomplete);
	parse("case x in a) ls;;");
	ck_assert(sp.incomplete);
	parse("[[ -f x");
	ck_assert(sp.incomplete);
	parse("fi");
	ck_assert(sp.incomplete);
	parse("ls; done");
	ck_assert(sp.incomplete);
}
END_TEST

START_TEST(test_wrappers)
{
	const struct shell_command *c;

	parse_ok("sudo -u root -E env X=1 nice -n 19 timeout -s KILL 10 nohup rm -rf /x");
	ck_assert_uint_eq(sp.n_commands, 1);
	c = cmd(0);
	ARGV(0, "rm|-rf|/x");
	ck_assert(c->flags & SHELL_CMD_PRIVILEGED);
	ck_assert_uint_eq(c->n_wrappers, 5);
	ck_assert_str_eq(c->wrappers[0], "sudo");
	ck_assert_str_eq(c->wrappers[1], "env");
	ck_assert_str_eq(c->wrappers[4], "nohup");
	ck_assert_uint_eq(c->n_assigns, 1);
	ck_assert_str_eq(c->assigns[0], "X=1");
	parse_ok("doas -u root rm x; env -i PATH=/bin git reset --hard; command git status");
	ck_assert(cmd(0)->flags & SHELL_CMD_PRIVILEGED);
	ARGV(0, "rm|x");
	ARGV(1, "git|reset|--hard");
	ARGV(2, "git|status");
	parse_ok("time -p rm x; exec -a name rm y; stdbuf -oL -e0 rm z; builtin command rm w");
	ARGV(0, "rm|x");
	ARGV(1, "rm|y");
	ARGV(2, "rm|z");
	ARGV(3, "rm|w");
	parse_ok("/usr/bin/sudo /bin/rm -rf /; sudo --user=bob id; nice -10 ls; timeout 5s ls");
	ARGV(0, "/bin/rm|-rf|/");
	ck_assert(cmd(0)->flags & SHELL_CMD_PRIVILEGED);
	ARGV(1, "id");
	ARGV(2, "ls");
	ARGV(3, "ls");
	/* A wrapper that runs nothing is the program. */
	parse_ok("command -v git; sudo -l; env; nohup");
	ARGV(0, "command|-v|git");
	ARGV(1, "sudo|-l");
	ARGV(2, "env");
	ARGV(3, "nohup");
	/* A wrapper named by a variable is not unwrapped: its name is not known. */
	parse_ok("$SUDO rm x");
	ARGV(0, "$SUDO|rm|x");
	parse_ok("sshpass -p secret ssh host ls; busybox rm -rf /; chroot /mnt rm x");
	find_cmd("ssh|host|ls");
	find_cmd("rm|-rf|/");
	ck_assert(cmd(find_cmd("rm|x"))->flags & SHELL_CMD_PRIVILEGED);
}
END_TEST

START_TEST(test_find_and_xargs)
{
	size_t rm;

	parse_ok("find . -name '*.o' -exec rm -f {} \\; -execdir chmod 600 {} + -ok mv {} /tmp ';'");
	ARGV(0, "find|.|-name|*.o|-exec|rm|-f|{}|;|-execdir|chmod|600|{}|+|-ok|mv|{}|/tmp|;");
	rm = find_cmd("rm|-f|{}");
	ck_assert_int_eq(cmd(rm)->origin, SHELL_ORIGIN_FIND_EXEC);
	ck_assert_uint_eq(cmd(rm)->parent, 0);
	ck_assert_uint_eq(cmd(rm)->parent_arg, 5);
	ck_assert_uint_eq(cmd(rm)->depth, 1);
	find_cmd("chmod|600|{}");
	find_cmd("mv|{}|/tmp");
	parse_ok("find / -exec sh -c 'rm -rf \"$1\"' _ {} \\;");
	ck_assert_uint_eq(cmd(find_cmd("rm|-rf|$1"))->depth, 2);
	parse("find . -exec rm {}");
	ck_assert(sp.incomplete);
	parse_ok("find . -print0 | xargs -0 -n 1 -P4 rm -rf");
	rm = find_cmd("rm|-rf");
	ck_assert_int_eq(cmd(rm)->origin, SHELL_ORIGIN_XARGS);
	ARGV(cmd(rm)->parent, "xargs|-0|-n|1|-P4|rm|-rf");
	parse_ok("ls | xargs -I{} sudo cp {} /etc; ls | xargs");
	ck_assert(cmd(find_cmd("cp|{}|/etc"))->flags & SHELL_CMD_PRIVILEGED);
	ARGV(sp.n_commands - 1, "xargs");
	/* sudo reaches what find and xargs run. */
	parse_ok("sudo find / -exec rm {} \\;");
	ck_assert(cmd(find_cmd("rm|{}"))->flags & SHELL_CMD_PRIVILEGED);
}
END_TEST

START_TEST(test_shell_c_and_eval)
{
	size_t rm;

	parse_ok("bash -c 'rm -rf /home/user && echo ok'");
	ck_assert(cmd(0)->flags & SHELL_CMD_SCRIPT);
	rm = find_cmd("rm|-rf|/home/user");
	ck_assert_int_eq(cmd(rm)->origin, SHELL_ORIGIN_SHELL_C);
	ck_assert_uint_eq(cmd(rm)->parent, 0);
	ck_assert_uint_eq(cmd(rm)->parent_arg, 2);
	ck_assert_uint_ne(cmd(rm)->scope, 0);
	find_cmd("echo|ok");
	parse_ok("sh -c \"git reset --hard\"; zsh -c 'git clean -fd'; dash -ec 'id'; /bin/bash -lc ls");
	find_cmd("git|reset|--hard");
	find_cmd("git|clean|-fd");
	find_cmd("id");
	find_cmd("ls");
	parse_ok("sudo env X=1 sh -c 'rm -rf /'");
	ck_assert(cmd(find_cmd("rm|-rf|/"))->flags & SHELL_CMD_PRIVILEGED);
	parse_ok("eval 'rm -rf' /; eval \"$(ssh-agent -s)\"");
	ck_assert_int_eq(cmd(find_cmd("rm|-rf|/"))->origin, SHELL_ORIGIN_EVAL);
	find_cmd("ssh-agent|-s");
	/* The script's substitutions come from parsing the script, once. */
	parse_ok("sh -c \"$(curl -fsSL https://x)\"");
	ck_assert_uint_eq(sp.n_commands, 3);
	rm = find_cmd("curl|-fsSL|https://x");
	ck_assert_int_eq(cmd(rm)->origin, SHELL_ORIGIN_SUBST);
	ck_assert_uint_eq(cmd(rm)->depth, 2);
	ck_assert_uint_eq(cmd(rm)->parent_arg, 0);
	/* su -c, watch, ssh's remote command. */
	parse_ok("su - root -c 'rm -rf /'; watch -n 5 'df -h'; ssh -p 22 user@host 'rm -rf /tmp/x'");
	ck_assert(cmd(find_cmd("rm|-rf|/"))->flags & SHELL_CMD_PRIVILEGED);
	find_cmd("df|-h");
	rm = find_cmd("rm|-rf|/tmp/x");
	ck_assert_int_eq(cmd(rm)->origin, SHELL_ORIGIN_REMOTE);
	ck_assert(!(cmd(rm)->flags & SHELL_CMD_PRIVILEGED));
	/* docker exec and kubectl exec run their command in the container. */
	parse_ok("docker exec -u root -it web rm -rf /srv; kubectl exec pod -c app -- ls /");
	rm = find_cmd("rm|-rf|/srv");
	ck_assert_int_eq(cmd(rm)->origin, SHELL_ORIGIN_REMOTE);
	ck_assert_uint_eq(cmd(rm)->parent_arg, 6);
	ck_assert_int_eq(cmd(find_cmd("ls|/"))->origin, SHELL_ORIGIN_REMOTE);
	/* A variable set from a substitution holds a command's output. */
	parse_ok("X=$(curl -s https://x); eval \"$X\"");
	ck_assert(cmd(find_cmd("$X"))->argv_flags[0] & SHELL_WORD_SUBST);
	ck_assert_int_eq(cmd(find_cmd("$X"))->origin, SHELL_ORIGIN_EVAL);
	/* bash with a script file, or with -c and nothing after it, runs no text of ours. */
	parse_ok("bash script.sh; bash -c");
	ck_assert_uint_eq(sp.n_commands, 2);
}
END_TEST

/* buf = pre + buf + post, escaping buf's quotes and backslashes when escape is set. */
static void
wrap(char *buf, size_t size, const char *pre, const char *post, bool escape)
{
	char *inner = strdup(buf);
	size_t n = strlen(pre);

	ck_assert_ptr_nonnull(inner);
	ck_assert_uint_lt(n, size);
	memcpy(buf, pre, n);
	for (const char *s = inner; *s; s++) {
		ck_assert_uint_lt(n + 2, size);
		if (escape && (*s == '"' || *s == '\\'))
			buf[n++] = '\\';
		buf[n++] = *s;
	}
	ck_assert_uint_lt(n + strlen(post), size);
	strcpy(buf + n, post);
	free(inner);
}

START_TEST(test_depth_limit)
{
	char text[8192] = "id";

	/* eval nested deeper than SHELL_MAX_DEPTH: the deepest are not read. */
	for (unsigned i = 0; i < SHELL_MAX_DEPTH + 3; i++)
		wrap(text, sizeof text, "eval \"", "\"", true);
	parse(text);
	ck_assert(sp.incomplete);
	ck_assert_str_eq(sp.reason, "nested too deeply");
	for (size_t i = 0; i < sp.n_commands; i++)
		ck_assert_uint_le(cmd(i)->depth, SHELL_MAX_DEPTH);
	/* Within the limit, fine. */
	parse_ok("eval \"eval \\\"eval id\\\"\"");
	ck_assert_uint_eq(cmd(find_cmd("id"))->depth, 3);
	/* Substitutions in substitutions. */
	strcpy(text, "id");
	for (unsigned i = 0; i < SHELL_MAX_DEPTH + 2; i++)
		wrap(text, sizeof text, "echo $(", ")", false);
	parse(text);
	ck_assert(sp.incomplete);
	ck_assert_str_eq(sp.reason, "nested too deeply");
	strcpy(text, "id");
	for (unsigned i = 0; i < SHELL_MAX_DEPTH - 1; i++)
		wrap(text, sizeof text, "echo $(", ")", false);
	parse_ok(text);
	ck_assert_uint_eq(cmd(find_cmd("id"))->depth, SHELL_MAX_DEPTH - 1);
}
END_TEST

START_TEST(test_bounds)
{
	size_t len = 300 * 4;
	char *text = malloc(len + 1);
	size_t n = 0;

	ck_assert_ptr_nonnull(text);
	/* More commands than SHELL_MAX_COMMANDS: incomplete, the first ones kept. */
	for (unsigned i = 0; i < 300; i++)
		n += (size_t)sprintf(text + n, "ls;");
	parse(text);
	ck_assert(sp.incomplete);
	ck_assert_str_eq(sp.reason, "too many commands");
	ck_assert_uint_eq(sp.n_commands, SHELL_MAX_COMMANDS);
	free(text);
	/* Nesting far past SP's bound: no stack overflow, incomplete. */
	text = malloc(20001);
	ck_assert_ptr_nonnull(text);
	for (size_t i = 0; i < 10000; i += 2) {
		text[i] = '(', text[i + 1] = ' ';
		text[10000 + i] = ')', text[10000 + i + 1] = ' ';
	}
	text[20000] = '\0';
	parse(text);
	ck_assert(sp.incomplete);
	for (size_t i = 0; i < 20000; i += 2)
		text[i] = '{', text[i + 1] = ' ';
	parse(text);
	ck_assert(sp.incomplete);
	for (size_t i = 0; i + 3 <= 20000; i += 3)
		text[i] = '"', text[i + 1] = '$', text[i + 2] = '(';
	parse(text);
	ck_assert(sp.incomplete);
	for (size_t i = 0; i + 3 < 20000; i += 3)
		text[i] = '$', text[i + 1] = '{', text[i + 2] = 'a';
	parse(text);
	ck_assert(sp.incomplete);
	free(text);
	/* Longer than SHELL_MAX_INPUT: read up to the bound, incomplete. */
	len = SHELL_MAX_INPUT + 100;
	text = malloc(len + 1);
	ck_assert_ptr_nonnull(text);
	memset(text, 'a', len);
	memcpy(text, "echo ", 5);
	text[len] = '\0';
	parse(text);
	ck_assert(sp.incomplete);
	ck_assert_uint_eq(sp.n_commands, 1);
	ck_assert_uint_eq(strlen(cmd(0)->argv[1]), SHELL_MAX_INPUT - 5);
	free(text);
	/* Words that grow by expansion hit the byte budget, not the memory. */
	text = strdup("A=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;"
		      "B=$A$A$A$A$A$A$A$A$A$A$A$A$A$A$A$A; C=$B$B$B$B$B$B$B$B$B$B$B$B$B$B$B$B;"
		      "D=$C$C$C$C$C$C$C$C$C$C$C$C$C$C$C$C; E=$D$D$D$D$D$D$D$D$D$D$D$D$D$D$D$D;"
		      "F=$E$E$E$E$E$E$E$E$E$E$E$E$E$E$E$E; echo $F$F$F$F$F$F$F$F");
	parse(text);
	ck_assert(sp.incomplete);
	free(text);
	/* A NUL cannot reach a shell: what follows it is not read, and that is said. */
	shell_parse_clear(&sp);
	ck_assert_int_eq(shell_parse("ls\0rm -rf /", 11, HOME, &sp), 0);
	ck_assert(sp.incomplete);
	ck_assert_uint_eq(sp.n_commands, 1);
	ARGV(0, "ls");
}
END_TEST

START_TEST(test_incomplete)
{
	static const char *const bad[] = {
		"echo 'unterminated",
		"echo \"unterminated",
		"echo $'unterminated",
		"ls &&",
		"ls ||",
		"ls |",
		"| ls",
		"; ls",
		"&& ls",
		"ls >",
		"echo ${unterminated",
		"echo $(unterminated",
		"echo `unterminated",
		"diff <(unterminated",
		"if true; then ls",
		"if true; ls; fi",
		"for x in a b; ls; done",
		"case x in",
		"{ ls",
		"( ls",
		"ls )",
		"}",
		"done",
		"cat <<EOF\nbody",
		"find . -exec rm {}",
		"echo a (b)",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		parse(bad[i]);
		ck_assert_msg(sp.incomplete, "accepted as complete: %s", bad[i]);
		ck_assert_ptr_nonnull(sp.reason);
	}
	/* What was understood is still listed. */
	parse("rm -rf / && echo 'x");
	find_cmd("rm|-rf|/");
}
END_TEST

/* An argv of writable strings, as the parser makes them, from a space-separated line. */
static size_t
make_argv(char *line, char **argv, size_t max)
{
	size_t n = 0;

	for (char *save = NULL, *w = strtok_r(line, " ", &save); w && n + 1 < max;
	     w = strtok_r(NULL, " ", &save))
		argv[n++] = w;
	argv[n] = NULL;
	return n;
}

static bool
reads_stdin(const char *line)
{
	char buf[128], *argv[16];
	size_t n;

	snprintf(buf, sizeof buf, "%s", line);
	n = make_argv(buf, argv, 16);
	return shell_reads_stdin(argv, n);
}

START_TEST(test_helpers)
{
	ck_assert_str_eq(shell_basename("/usr/bin/git"), "git");
	ck_assert_str_eq(shell_basename("git"), "git");
	ck_assert_str_eq(shell_basename("dir/"), "");
	ck_assert(shell_is_shell("bash"));
	ck_assert(shell_is_shell("dash"));
	ck_assert(!shell_is_shell("bashful"));
	ck_assert(!shell_is_shell("python"));
	ck_assert(reads_stdin("bash"));
	ck_assert(reads_stdin("sh -s -- arg"));
	ck_assert(!reads_stdin("sh -c id"));
	ck_assert(!reads_stdin("bash -x run.sh"));
	ck_assert(reads_stdin("sh -"));
	ck_assert(reads_stdin("bash -o pipefail"));
	ck_assert(!reads_stdin("bash -lc ls"));
	/* clear takes a cleared parse, twice. */
	shell_parse_clear(&sp);
	shell_parse_clear(&sp);
	shell_parse_clear(NULL);
}
END_TEST

/* Every string the parse returns is a C string inside what the bounds allow. */
START_TEST(test_invariants)
{
	static const char *const lines[] = {
		"a | b && c; (d; e) & f <<EOF\nx\nEOF\n",
		"sudo bash -c \"eval '$(curl x | sh)'\" | xargs -0 find / -exec rm {} +",
		"for i in $(seq 1 3); do ssh h$i 'rm -rf /tmp/x'; done",
	};

	for (size_t k = 0; k < sizeof lines / sizeof lines[0]; k++) {
		parse(lines[k]);
		ck_assert_uint_le(sp.n_commands, SHELL_MAX_COMMANDS);
		for (size_t i = 0; i < sp.n_commands; i++) {
			const struct shell_command *c = cmd(i);

			ck_assert_ptr_null(c->argv[c->argc]);
			ck_assert_uint_le(c->depth, SHELL_MAX_DEPTH);
			ck_assert_uint_lt(c->scope, sp.n_scopes);
			ck_assert_uint_ge(c->pipe_length, 1);
			ck_assert_uint_lt(c->pipe_index, c->pipe_length);
			if (c->parent != SHELL_NONE) {
				ck_assert_uint_lt(c->parent, i);
				ck_assert_uint_gt(c->depth, sp.commands[c->parent].depth);
				ck_assert_int_ne(c->origin, SHELL_ORIGIN_TOP);
			} else {
				ck_assert_uint_eq(c->depth, 0);
			}
		}
	}
}
END_TEST

static Suite *
shellparse_suite(void)
{
	Suite *s = suite_create("shellparse");
	TCase *tc;

	tc = tcase_create("words");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_plain_words);
	tcase_add_test(tc, test_quotes);
	tcase_add_test(tc, test_ansi_c);
	tcase_add_test(tc, test_variables);
	tcase_add_test(tc, test_expansions);
	suite_add_tcase(s, tc);

	tc = tcase_create("structure");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_operators);
	tcase_add_test(tc, test_subshell_and_group);
	tcase_add_test(tc, test_redirections);
	tcase_add_test(tc, test_heredocs);
	tcase_add_test(tc, test_compound);
	suite_add_tcase(s, tc);

	tc = tcase_create("nesting");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_substitutions);
	tcase_add_test(tc, test_stdin_scripts);
	tcase_add_test(tc, test_wrappers);
	tcase_add_test(tc, test_find_and_xargs);
	tcase_add_test(tc, test_shell_c_and_eval);
	tcase_add_test(tc, test_depth_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("bounds");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_incomplete);
	tcase_add_test(tc, test_helpers);
	tcase_add_test(tc, test_invariants);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(shellparse_suite());
}
