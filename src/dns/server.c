/*
 * server.c - the DNS zone-transfer server: sockets, its thread, NOTIFY.
 *
 * One thread runs a poll() loop over: an eventfd that wakes it (stop, or
 * a new serial to NOTIFY), the UDP socket, the TCP listening socket and
 * up to DNS_CONN_MAX TCP connections. Every packet goes to dns_respond
 * (respond.c); the server only moves bytes.
 *
 * TCP. A connection reads one length-prefixed query (RFC 1035 4.2.2: two
 * bytes, big-endian), then writes the reply's messages one at a time as
 * the socket accepts them, each with its two-byte length, so a large AXFR
 * neither blocks the loop nor sits in memory; then it reads the next
 * query. A connection idle for DNS_IDLE_MS is closed.
 *
 * Zones. The server serves the bulk zone and (unless one_zone) the
 * recent-additions zone, each a dns_served: its responder, journal and
 * NOTIFY state. A packet goes to the zone its question names (read
 * straight from the wire); one naming neither goes to the bulk zone's
 * responder, which refuses it.
 *
 * NOTIFY. When a publish changes a zone's serial, every target is sent a
 * NOTIFY for it from the UDP socket, again every DNS_NOTIFY_RETRY_MS
 * until its acknowledgement (a response for that zone with the same id)
 * arrives, at most DNS_NOTIFY_TRIES times.
 *
 * Publishing happens in the caller's thread (dns_server_refresh): the
 * zone is built there (the first time from the whole store, afterwards
 * by applying what changed, live.c), split between the bulk and recent
 * zones (recent.c) and journaled, then swapped into the responders under
 * their locks; transfers already running keep their snapshot. The bulk
 * zone is published before the recent one, so a fold is in the bulk zone
 * before anything leaves the recent one.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "dns/dns_int.h"

#define DNS_IDLE_MS 30000        /* TCP connection idle timeout */
#define DNS_NOTIFY_RETRY_MS 1000 /* NOTIFY resend interval */
#define DNS_POLL_MS 200          /* longest sleep of the loop */
#define DNS_WRITE_BURST 8        /* transfer messages sent per turn of the loop */
#define DNS_TCP_MSG_MAX 65535    /* a DNS message over TCP */

typedef struct dns_conn {
	int fd;                          /* socket, -1 if the slot is free */
	struct sockaddr_storage peer;    /* remote address */
	uint8_t in[2 + DNS_TCP_MSG_MAX]; /* length prefix and query */
	size_t in_len;                   /* bytes read into in */
	sol_buf out;                     /* framed message being written */
	size_t out_off;                  /* bytes of out already written */
	dns_reply reply;                 /* the reply being sent */
	bool replying;                   /* reply is live */
	int64_t last_ms;                 /* last activity */
} dns_conn;

typedef struct dns_target {
	struct sockaddr_storage addr; /* where to send */
	socklen_t len;                /* its length */
	uint16_t id;                  /* id of the NOTIFY in flight */
	int tries;                    /* sends of the current serial */
	bool pending;                 /* not yet acknowledged */
	int64_t next_ms;              /* when to send again */
} dns_target;

/* One zone served: what answers for it, its history, its NOTIFYs. */
typedef struct dns_served {
	dns_responder resp;                 /* zone, ACL, keys */
	dns_journal journal;                /* serial and history (caller's thread) */
	dns_zone *published;                /* last zone published (caller's thread) */
	dns_zone *want;                     /* zone to publish: published, or a newer one a
					       failed publish left (caller's thread) */
	atomic_uint notify_gen;             /* bumped by each changing publish */
	unsigned notify_seen;               /* generation the loop has acted on */
	dns_target targets[DNS_NOTIFY_MAX]; /* NOTIFY state of each target */
	bool ready;                         /* resp and journal initialised */
} dns_served;

enum { SERVED_BULK, SERVED_RECENT, SERVED_MAX }; /* the zones[] of a server */

struct dns_server {
	dns_served zones[SERVED_MAX]; /* the bulk zone, then the recent zone */
	size_t n_zones;               /* 1 with one_zone, else 2 */
	dns_zone_opts zone_opts;      /* how refresh builds the zone */
	dns_live *live;               /* the zone following the store (caller's thread) */
	dns_recent *recent;           /* its split (caller's thread); NULL with one_zone */
	dns_zone *empty;              /* a finished empty zone */
	pthread_mutex_t pub_lock;     /* one publish at a time */
	int udp, tcp, wake;           /* sockets and the eventfd */
	uint16_t port;                /* bound port */
	pthread_t thread;             /* the loop */
	atomic_bool stop;             /* loop should end */
	atomic_uint acks;             /* NOTIFYs acknowledged */
	size_t n_targets;             /* NOTIFY targets of each zone */
	dns_conn *conns;              /* DNS_CONN_MAX slots */
	sol_buf msg;                  /* the loop's scratch message */
	bool running;                 /* thread started */
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_port(struct sockaddr_storage *a, uint16_t port)
{
	if (a->ss_family == AF_INET)
		((struct sockaddr_in *)a)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)a)->sin6_port = htons(port);
}

static int bind_sockets(dns_server *s, const char *listen_at, sol_err *err)
{
	struct sockaddr_storage a;
	unsigned len;
	if (sol_sockaddr_parse(listen_at, &a, &len))
		return sol_fail(err, SOL_EUSAGE, "--dns", "'%s' is not ADDR:PORT", listen_at);
	s->tcp = socket(a.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	s->udp = socket(a.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (s->tcp < 0 || s->udp < 0 ||
	    setsockopt(s->tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(s->tcp, (struct sockaddr *)&a, len) != 0 || listen(s->tcp, 64) != 0)
		return sol_fail(err, SOL_EIO, listen_at, "cannot listen on TCP: %s",
				strerror(errno));
	struct sockaddr_storage bound;
	socklen_t blen = sizeof bound;
	getsockname(s->tcp, (struct sockaddr *)&bound, &blen);
	s->port = ntohs(bound.ss_family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
						   : ((struct sockaddr_in6 *)&bound)->sin6_port);
	set_port(&a, s->port);
	if (bind(s->udp, (struct sockaddr *)&a, len) != 0)
		return sol_fail(err, SOL_EIO, listen_at, "cannot bind UDP port %u: %s", s->port,
				strerror(errno));
	return 0;
}

/* The zone the packet wire[0..n) is about: the one its question names,
 * else the bulk zone. */
static dns_served *served_pick(dns_server *s, const uint8_t *wire, size_t n)
{
	dns_served *z = &s->zones[SERVED_BULK];
	size_t pos = LDNS_HEADER_SIZE;
	ldns_rdf *q = NULL;
	if (s->n_zones < 2 || n <= LDNS_HEADER_SIZE || LDNS_QDCOUNT(wire) == 0 ||
	    ldns_wire2dname(&q, wire, n, &pos) != LDNS_STATUS_OK)
		return z;
	for (size_t i = 0; i < s->n_zones; i++)
		if (ldns_dname_compare(q, s->zones[i].resp.apex) == 0)
			z = &s->zones[i];
	ldns_rdf_deep_free(q);
	return z;
}

/* ---- TCP connections ------------------------------------------------------ */

static void conn_close(dns_conn *c)
{
	if (c->replying)
		dns_reply_fini(&c->reply);
	c->replying = false;
	close(c->fd);
	c->fd = -1;
	c->in_len = 0;
	buf_reset(&c->out);
	c->out_off = 0;
}

/* Frame the reply's next message into c->out; false when it is finished. */
static bool conn_fill(dns_server *s, dns_conn *c)
{
	sol_buf *msg = &s->msg;
	buf_reset(&c->out);
	c->out_off = 0;
	if (!c->replying || !dns_reply_next(&c->reply, msg)) {
		if (c->replying)
			dns_reply_fini(&c->reply);
		c->replying = false;
		return false;
	}
	uint8_t len[2] = {(uint8_t)(msg->len >> 8), (uint8_t)msg->len};
	buf_append(&c->out, len, 2);
	buf_append(&c->out, msg->data, msg->len);
	return true;
}

static void conn_read(dns_server *s, dns_conn *c)
{
	ssize_t n = read(c->fd, c->in + c->in_len, sizeof c->in - c->in_len);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			conn_close(c);
		return;
	}
	c->in_len += (size_t)n;
	if (c->in_len < 2)
		return;
	size_t want = (size_t)c->in[0] << 8 | c->in[1];
	if (c->in_len < 2 + want)
		return;
	uint16_t ack;
	dns_verdict v = dns_respond(&served_pick(s, c->in + 2, want)->resp, c->in + 2, want,
				    (struct sockaddr *)&c->peer, true, &c->reply, &ack);
	memmove(c->in, c->in + 2 + want, c->in_len - 2 - want);
	c->in_len -= 2 + want;
	if (v != DNS_ANSWER) {
		conn_close(c);
		return;
	}
	c->replying = true;
	conn_fill(s, c);
}

/* Send what is framed, framing the next messages as they go, at most
 * DNS_WRITE_BURST of them per call: a transfer of a million records takes
 * many seconds, and the loop must keep answering the others (and keep
 * its own idle clock) meanwhile. */
static void conn_write(dns_server *s, dns_conn *c)
{
	for (int burst = 0; c->out_off < c->out.len && burst < DNS_WRITE_BURST;) {
		ssize_t n =
		    send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				conn_close(c);
			return;
		}
		c->out_off += (size_t)n;
		if (c->out_off < c->out.len)
			continue;
		if (!conn_fill(s, c))
			return;
		burst++;
	}
}

static void tcp_accept(dns_server *s)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof peer;
	int fd = accept4(s->tcp, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (size_t i = 0; i < DNS_CONN_MAX; i++) {
		dns_conn *c = &s->conns[i];
		if (c->fd < 0) {
			c->fd = fd;
			c->peer = peer;
			c->last_ms = now_ms();
			return;
		}
	}
	close(fd); /* full: the client retries later */
}

/* ---- UDP and NOTIFY --------------------------------------------------------- */

static void udp_read(dns_server *s)
{
	uint8_t pkt[DNS_TCP_MSG_MAX];
	struct sockaddr_storage peer;
	socklen_t len = sizeof peer;
	ssize_t n = recvfrom(s->udp, pkt, sizeof pkt, 0, (struct sockaddr *)&peer, &len);
	if (n <= 0)
		return;
	dns_reply x;
	uint16_t ack = 0;
	dns_served *z = served_pick(s, pkt, (size_t)n);
	dns_verdict v =
	    dns_respond(&z->resp, pkt, (size_t)n, (struct sockaddr *)&peer, false, &x, &ack);
	if (v == DNS_NOTIFY_ACK) {
		for (size_t i = 0; i < s->n_targets; i++)
			if (z->targets[i].pending && z->targets[i].id == ack) {
				z->targets[i].pending = false;
				atomic_fetch_add(&s->acks, 1);
			}
		return;
	}
	if (v != DNS_ANSWER)
		return;
	sol_buf msg;
	buf_init(&msg, SIZE_MAX);
	if (dns_reply_next(&x, &msg))
		sendto(s->udp, msg.data, msg.len, 0, (struct sockaddr *)&peer, len);
	buf_fini(&msg);
	dns_reply_fini(&x);
}

static void notify_send(dns_server *s, dns_served *z, int64_t now)
{
	unsigned gen = atomic_load(&z->notify_gen);
	if (gen != z->notify_seen) {
		z->notify_seen = gen;
		for (size_t i = 0; i < s->n_targets; i++) {
			z->targets[i].pending = true;
			z->targets[i].tries = 0;
			z->targets[i].next_ms = now;
		}
	}
	sol_buf msg;
	buf_init(&msg, SIZE_MAX);
	for (size_t i = 0; i < s->n_targets; i++) {
		dns_target *t = &z->targets[i];
		if (!t->pending || t->next_ms > now)
			continue;
		if (t->tries == DNS_NOTIFY_TRIES) {
			t->pending = false;
			continue;
		}
		uint16_t id;
		getentropy(&id, sizeof id);
		if (dns_notify_wire(&z->resp, id, &msg) == 0) {
			t->id = id;
			sendto(s->udp, msg.data, msg.len, 0, (struct sockaddr *)&t->addr, t->len);
		}
		t->tries++;
		t->next_ms = now + DNS_NOTIFY_RETRY_MS;
	}
	buf_fini(&msg);
}

static void *server_loop(void *arg)
{
	dns_server *s = arg;
	struct pollfd pf[3 + DNS_CONN_MAX];
	dns_conn *which[3 + DNS_CONN_MAX];
	while (!atomic_load(&s->stop)) {
		int64_t now = now_ms();
		for (size_t i = 0; i < s->n_zones; i++)
			notify_send(s, &s->zones[i], now);
		nfds_t n = 0;
		pf[n++] = (struct pollfd){.fd = s->wake, .events = POLLIN};
		pf[n++] = (struct pollfd){.fd = s->udp, .events = POLLIN};
		pf[n++] = (struct pollfd){.fd = s->tcp, .events = POLLIN};
		for (size_t i = 0; i < DNS_CONN_MAX; i++) {
			dns_conn *c = &s->conns[i];
			if (c->fd < 0)
				continue;
			if (now - c->last_ms > DNS_IDLE_MS) {
				conn_close(c);
				continue;
			}
			which[n] = c;
			pf[n++] = (struct pollfd){
			    .fd = c->fd, .events = c->out_off < c->out.len ? POLLOUT : POLLIN};
		}
		if (poll(pf, n, DNS_POLL_MS) <= 0)
			continue;
		if (pf[0].revents) {
			uint64_t v;
			if (read(s->wake, &v, sizeof v) < 0 && errno != EAGAIN)
				break;
		}
		if (pf[1].revents & POLLIN)
			udp_read(s);
		if (pf[2].revents & POLLIN)
			tcp_accept(s);
		for (nfds_t i = 3; i < n; i++) {
			dns_conn *c = which[i];
			if (!pf[i].revents || c->fd < 0)
				continue;
			c->last_ms = now_ms();
			if (pf[i].revents & POLLOUT)
				conn_write(s, c);
			else if (pf[i].revents & (POLLIN | POLLHUP | POLLERR))
				conn_read(s, c);
		}
	}
	return NULL;
}

/* ---- public ----------------------------------------------------------------- */

void dns_server_opts_init(dns_server_opts *o)
{
	memset(o, 0, sizeof *o);
	o->listen = "127.0.0.1:0";
	o->fold.records = DNS_FOLD_RECORDS;
	o->fold.age = (sol_time)DNS_FOLD_AGE * 1000000;
	o->fold.grace = (sol_time)DNS_FOLD_GRACE * 1000000;
	dns_zone_opts_init(&o->zone_opts);
}

static void wake(dns_server *s)
{
	uint64_t one = 1;
	if (write(s->wake, &one, sizeof one) < 0 && errno != EAGAIN)
		abort(); /* an eventfd write fails only on overflow */
}

/* Publish v->want if it is not what v serves: journal it, serve it,
 * NOTIFY if it changed (*changed is set then, never cleared). */
static int served_sync(dns_server *s, dns_served *v, store *st, bool *changed, sol_err *err)
{
	if (v->want == v->published)
		return 0;
	bool ch = false;
	pthread_mutex_lock(&s->pub_lock);
	int rc =
	    dns_journal_publish(st, &v->journal, v->published, v->want, sol_time_now(), &ch, err);
	if (rc == 0) {
		dns_responder_set(&v->resp, &v->journal, v->want);
		dns_zone_unref(v->published);
		v->published = dns_zone_ref(v->want);
	}
	pthread_mutex_unlock(&s->pub_lock);
	if (rc == 0 && ch && s->n_targets) {
		atomic_fetch_add(&v->notify_gen, 1);
		wake(s);
	}
	if (changed && ch)
		*changed = true;
	return rc;
}

/* The zone v should serve is z (the reference is taken). */
static void served_want(dns_served *v, dns_zone *z)
{
	dns_zone_unref(v->want);
	v->want = z;
}

int dns_server_publish(dns_server *s, store *st, dns_zone *z, bool *changed, sol_err *err)
{
	if (changed)
		*changed = false;
	served_want(&s->zones[SERVED_BULK], z);
	return served_sync(s, &s->zones[SERVED_BULK], st, changed, err);
}

/* Split the outcome of a pass of the live zone between the bulk and the
 * recent zone: z the whole zone after a build (the reference is taken),
 * or c what changed, or neither. */
static void split(dns_server *s, dns_zone *z, const dns_change *c, sol_time now)
{
	dns_served *bulk = &s->zones[SERVED_BULK], *recent = &s->zones[SERVED_RECENT];
	dns_zone *base = NULL; /* after a build: the bulk zone before this step */
	if (z) {
		dns_zone *waiting = dns_recent_keep(s->recent, z);
		base = dns_zone_count(waiting) ? dns_zone_patch(z, waiting, s->empty)
					       : dns_zone_ref(z);
		dns_zone_unref(waiting);
		dns_zone_unref(z);
	}
	dns_zone *to_bulk;
	bool recent_changed = dns_recent_step(s->recent, c, now, &to_bulk);
	const dns_zone *gone = c ? c->removed : s->empty;
	if (dns_zone_count(gone) || dns_zone_count(to_bulk))
		served_want(bulk, dns_zone_patch(base ? base : bulk->want, gone, to_bulk));
	else if (base)
		served_want(bulk, dns_zone_ref(base));
	dns_zone_unref(base);
	dns_zone_unref(to_bulk);
	if (recent_changed || !recent->want)
		served_want(recent, dns_recent_zone(s->recent));
}

int dns_server_refresh(dns_server *s, store *st, bool *changed, sol_err *err)
{
	dns_zone *z;
	dns_change *c = NULL;
	sol_time now = sol_time_now();
	int rc;
	if (changed)
		*changed = false;
	if (!s->live) {
		dns_zone_opts o = s->zone_opts;
		o.select.now = now;
		rc = dns_live_new(st, s->zones[SERVED_BULK].resp.origin, &o, &s->live, &z, err);
	} else {
		rc = dns_live_update(s->live, st, now, &z, &c, err);
	}
	if (rc)
		return rc;
	dns_served *bulk = &s->zones[SERVED_BULK];
	if (s->recent)
		split(s, z, c, now);
	else if (z)
		served_want(bulk, z);
	else if (c)
		served_want(bulk, dns_zone_patch(bulk->want, c->removed, c->added));
	dns_change_unref(c);
	/* the bulk zone first: a fold is there before anything leaves the recent zone */
	for (size_t i = 0; rc == 0 && i < s->n_zones; i++)
		rc = served_sync(s, &s->zones[i], st, changed, err);
	if (rc == 0 && s->recent)
		rc = dns_recent_save(s->recent, st, err);
	return rc;
}

/* The recent zone's name for o, or NULL after filling err. */
static char *recent_name(const dns_server_opts *o, const char *bulk, sol_err *err)
{
	const char *zone = o->zone ? o->zone : EXPORT_RPZ_ZONE;
	size_t first = strcspn(zone, ".");
	char *name = o->recent
			 ? xstrdup(o->recent)
			 : xasprintf("%.*s%s%s", (int)first, zone, DNS_RECENT_LABEL, zone + first);
	size_t n = strlen(name);
	char *abs = xasprintf("%s%s", name, n && name[n - 1] == '.' ? "" : ".");
	ldns_rdf *d =
	    n && n <= EXPORT_NAME_MAX && strcmp(abs, ".") != 0 ? ldns_dname_new_frm_str(abs) : NULL;
	bool ok = d && strcasecmp(abs, bulk) != 0;
	ldns_rdf_deep_free(d);
	free(abs);
	if (!ok) {
		sol_fail(err, SOL_EUSAGE, "--dns-recent-zone",
			 "'%s' is not a zone name other than the zone's", name);
		free(name);
		return NULL;
	}
	return name;
}

/* Set up v, the next zone of s, named by o->zone. */
static int served_init(dns_server *s, dns_served *v, const dns_server_opts *o, sol_err *err)
{
	int rc = dns_responder_init(&v->resp, o, err);
	if (rc)
		return rc;
	dns_journal_init(&v->journal, v->resp.origin);
	v->ready = true;
	s->n_zones++;
	return 0;
}

int dns_server_start(store *st, const dns_server_opts *o, dns_server **out, sol_err *err)
{
	dns_server *s = xcalloc(1, sizeof *s);
	s->udp = s->tcp = s->wake = -1;
	pthread_mutex_init(&s->pub_lock, NULL);
	s->zone_opts = o->zone_opts;
	s->empty = dns_zone_new();
	dns_zone_finish(s->empty);
	buf_init(&s->msg, SIZE_MAX);
	s->conns = xcalloc(DNS_CONN_MAX, sizeof *s->conns);
	for (size_t i = 0; i < DNS_CONN_MAX; i++) {
		s->conns[i].fd = -1;
		buf_init(&s->conns[i].out, 2 + DNS_TCP_MSG_MAX);
	}
	int rc = served_init(s, &s->zones[SERVED_BULK], o, err);
	if (rc == 0 && !o->one_zone) {
		char *name = recent_name(o, s->zones[SERVED_BULK].resp.origin, err);
		dns_server_opts ro = *o;
		ro.zone = name;
		rc = name ? served_init(s, &s->zones[SERVED_RECENT], &ro, err) : SOL_EUSAGE;
		if (rc == 0)
			s->recent = dns_recent_new(s->zones[SERVED_RECENT].resp.origin, &o->fold);
		free(name);
	}
	if (rc == 0 && o->n_notify > DNS_NOTIFY_MAX)
		rc = sol_fail(err, SOL_ETOOBIG, "--dns-notify", "more than %d targets",
			      DNS_NOTIFY_MAX);
	for (size_t i = 0; rc == 0 && i < o->n_notify; i++, s->n_targets++) {
		struct sockaddr_storage a;
		unsigned len;
		if (sol_sockaddr_parse(o->notify[i], &a, &len) != 0)
			rc = sol_fail(err, SOL_EUSAGE, "--dns-notify", "'%s' is not ADDR:PORT",
				      o->notify[i]);
		for (size_t k = 0; k < s->n_zones; k++) {
			s->zones[k].targets[i].addr = a;
			s->zones[k].targets[i].len = (socklen_t)len;
		}
	}
	if (rc == 0)
		rc = bind_sockets(s, o->listen, err);
	if (rc == 0 && (s->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
		rc = sol_fail(err, SOL_EIO, NULL, "eventfd: %s", strerror(errno));
	for (size_t i = 0; rc == 0 && i < s->n_zones; i++)
		rc = dns_journal_load(st, &s->zones[i].journal, err);
	if (rc == 0 && s->recent)
		rc = dns_recent_load(s->recent, st, err);
	if (rc == 0)
		rc = dns_server_refresh(s, st, NULL, err);
	if (rc == 0 && pthread_create(&s->thread, NULL, server_loop, s) != 0)
		rc = sol_fail(err, SOL_EINTERNAL, NULL, "cannot start the DNS thread");
	s->running = rc == 0;
	if (rc) {
		dns_server_stop(s);
		return rc;
	}
	*out = s;
	return 0;
}

uint16_t dns_server_port(const dns_server *s)
{
	return s->port;
}

uint32_t dns_server_serial(const dns_server *s)
{
	return dns_responder_serial((dns_responder *)&s->zones[SERVED_BULK].resp);
}

uint32_t dns_server_recent_serial(const dns_server *s)
{
	return s->recent ? dns_responder_serial((dns_responder *)&s->zones[SERVED_RECENT].resp) : 0;
}

const char *dns_server_recent_zone(const dns_server *s)
{
	return s->recent ? s->zones[SERVED_RECENT].resp.origin : NULL;
}

unsigned dns_server_notify_acks(const dns_server *s)
{
	return atomic_load(&s->acks);
}

void dns_server_stop(dns_server *s)
{
	if (!s)
		return;
	if (s->running) {
		atomic_store(&s->stop, true);
		wake(s);
		pthread_join(s->thread, NULL);
	}
	for (size_t i = 0; s->conns && i < DNS_CONN_MAX; i++) {
		if (s->conns[i].fd >= 0)
			conn_close(&s->conns[i]);
		buf_fini(&s->conns[i].out);
	}
	free(s->conns);
	buf_fini(&s->msg);
	if (s->udp >= 0)
		close(s->udp);
	if (s->tcp >= 0)
		close(s->tcp);
	if (s->wake >= 0)
		close(s->wake);
	for (size_t i = 0; i < SERVED_MAX; i++) {
		dns_served *v = &s->zones[i];
		if (!v->ready)
			continue;
		dns_zone_unref(v->published);
		dns_zone_unref(v->want);
		dns_journal_fini(&v->journal);
		dns_responder_fini(&v->resp);
	}
	dns_zone_unref(s->empty);
	dns_live_free(s->live);
	dns_recent_free(s->recent);
	pthread_mutex_destroy(&s->pub_lock);
	free(s);
}
