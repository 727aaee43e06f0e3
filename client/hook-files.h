/* The files maestroctl hook install reads and writes (hook-files.c). */
#ifndef MAESTROCTL_HOOK_FILES_H
#define MAESTROCTL_HOOK_FILES_H

#include <sys/types.h>

/* Settings files larger than this are refused. */
#define SETTINGS_MAX (4 * 1024 * 1024)

/* The whole file, NUL-terminated; NULL with *r (-ENOENT: there is none). */
char *hook_read_file(const char *path, int *r);

/* Makes the directories above path, 0700 where new. 0 or a negative errno. */
int hook_make_parents(const char *path);

/*
 * Replaces path's contents with text atomically (a temporary file and a
 * rename), keeping its mode, or new_mode for a new file. A symlink is
 * written through. 0 or a negative errno.
 */
int hook_write_file(const char *path, const char *text, mode_t new_mode);

/* Prints a line diff of before and after (either may be NULL: no file). */
void hook_print_diff(const char *path, const char *before, const char *after);

#endif
