/*
 * net.c - socket addresses as the command line gives them: "ADDR:PORT"
 * or "[ADDR]:PORT", numeric IPv4 or IPv6 only (no name lookups: a server
 * binds where it is told, and nothing here touches the network).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/core.h"

int sol_sockaddr_parse(const char *spec, struct sockaddr_storage *ss, unsigned *len)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *h = spec;
	size_t hn;
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (!close || close[1] != ':')
			return SOL_EUSAGE;
		h = spec + 1;
		hn = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(spec, ':');
		if (!colon)
			return SOL_EUSAGE;
		hn = (size_t)(colon - spec);
	}
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (hn == 0 || hn >= sizeof host || colon[1] < '0' || colon[1] > '9' || *end ||
	    port > 65535)
		return SOL_EUSAGE;
	memcpy(host, h, hn);
	host[hn] = '\0';
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof *a4;
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof *a6;
	} else {
		return SOL_EUSAGE;
	}
	return 0;
}
