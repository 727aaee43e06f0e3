/* Strict UTF-8 validation for what crosses the socket. */
#ifndef MAESTRO_UTF8_H
#define MAESTRO_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True when s[0..len) is well-formed UTF-8 as RFC 3629 defines it: no
 * overlong forms (C0 AF is not "/"), no UTF-16 surrogates, nothing above
 * U+10FFFF. json-c only checks the shape of byte sequences, and a policy
 * that matches paths must see the same characters a shell would.
 */
bool utf8_valid(const char *s, size_t len, size_t *bad_offset);

/*
 * Replaces every byte that is not part of well-formed UTF-8 with '?', in
 * place. Error messages quote what clients and files sent, and snprintf()
 * may cut a character in two; what we send back must still be UTF-8.
 */
void utf8_sanitize(char *s);

#endif
