/* Where clients find maestrod: the default socket path. */
#ifndef MAESTRO_PATHS_H
#define MAESTRO_PATHS_H

/*
 * $XDG_RUNTIME_DIR/maestro/maestrod.sock for a user, /run/maestro/maestrod.sock
 * for root; NULL when a user has no XDG_RUNTIME_DIR (or out of memory).
 * The caller frees the string.
 */
char *maestro_default_socket_path(void);

#endif
