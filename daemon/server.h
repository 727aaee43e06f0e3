/* The listening sockets: binding, socket activation, accepting, admission. */
#ifndef MAESTRO_SERVER_H
#define MAESTRO_SERVER_H

#include <stdbool.h>
#include <sys/types.h>

struct conn;
struct maestrod;
struct server;

/*
 * Takes the sockets from systemd if it passed any, else binds path. On
 * failure returns a negative errno and writes a sentence into msg.
 */
int server_open(struct maestrod *d, const char *path, struct server **out, char *msg,
		size_t size);
struct server *server_free(struct server *s);

/* Starts accepting on the loop; the server must be open. */
int server_start(struct server *s);
/* Stops accepting and removes a socket file we created. */
void server_stop_listening(struct server *s);

/* Whether the socket came from systemd socket activation. */
bool server_activated(const struct server *s);
/* The path clients connect to (from the socket itself when activated). */
const char *server_path(const struct server *s);

void server_conn_closed(struct server *s, struct conn *c);
/* Calls fn on every connection; fn may close the one it is given. */
void server_foreach_conn(struct server *s, void (*fn)(struct conn *c, void *arg), void *arg);
unsigned server_conn_count(const struct server *s);

#endif
