/*
 * server.c - the TAXII server's HTTP side, on libmicrohttpd (MHD).
 *
 * Threads. MHD runs an epoll loop in each of `threads` pool threads
 * (MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TURBO). A request is answered
 * entirely on the thread that read it, with that thread's own store
 * connection (SQLite connections are not shared between threads): the
 * first request a thread serves opens it, and taxii_server_stop closes
 * them all. Writers (POST, DELETE) also take one process-wide mutex so
 * that date_added is assigned and committed in the same order. Those
 * connections keep a small page cache (STORE_CACHE_KIB) and read without
 * mmap, whose pages would count in our RSS (the OS caches the file), and a GET runs all its store
 * calls in one read transaction, so it takes SQLite's locks and snapshot once rather than per
 * statement.
 *
 * One request, three kinds of call. MHD calls the access handler first
 * with only the headers, then once per piece of body, then a last time
 * with no data. The response is queued on that last call: queuing on the
 * first call would make MHD close the connection after every reply
 * (keep-alive lost). The two exceptions close on purpose: a body announced
 * (Content-Length) larger than max_content_length gets its 413 on the
 * first call, before MHD sends "100 Continue"; a chunked body that grows
 * past the cap is discarded, answered 413 at the end, and cut off if it
 * keeps going past twice the cap.
 *
 * Limits against slow or greedy clients: MHD's connection memory limit
 * bounds request line plus headers (longer URLs get 414/431 from MHD),
 * CONNECTION_TIMEOUT closes a client that stops sending half way, and
 * PER_IP_CONNECTION_LIMIT keeps one address from taking every slot.
 *
 * Stopping. taxii_server_stop quiesces the daemon (no new connections),
 * waits for the requests in flight to complete (a counter raised on the
 * first call and lowered in the completion callback), then stops MHD.
 *
 * Exports (paths under /exports/, exports.c) answer with an open file
 * that MHD sends itself (MHD_create_response_from_fd64: sendfile where it
 * can), so a large export never sits in memory.
 *
 * Log: one line per request on the log stream:
 *   2026-01-02T03:04:05.123456Z 127.0.0.1 partner-a GET /api/ 200 341 87us
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "taxii/taxii_int.h"

#define CONN_MEMORY_LIMIT (16u << 10) /* request line + headers per connection */
#define STORE_CACHE_KIB (16u << 10)   /* page cache of each thread's store connection */
#define CONN_LIMIT 1000               /* connections in all */
#define STOP_GRACE_MS 5000            /* wait for requests in flight */
#define LOG_PATH_MAX 200              /* bytes of the path in a log line */

typedef struct slot {
	pthread_t thread; /* a pool thread */
	store *st;        /* its store connection */
} slot;

struct taxii_server {
	struct MHD_Daemon *daemon; /* the HTTP server */
	char *db_path;             /* store location, for per-thread connections */
	taxii_site site;           /* what taxii_handle needs (st set per call) */
	char *title, *description; /* owned strings behind site */
	bool tls_clients;          /* client certificates required */
	FILE *log;                 /* request log */
	unsigned port;             /* bound TCP port */
	atomic_int active;         /* requests between first call and completion */
	pthread_mutex_t lock;      /* guards slots */
	pthread_mutex_t wlock;     /* serialises writers */
	slot *slots;               /* one per thread that served a request */
	size_t n_slots, cap_slots;
	char *key_pem, *cert_pem, *ca_pem; /* TLS material, kept for MHD */
};

typedef struct request {
	struct timespec start; /* monotonic time of the first call */
	sol_buf body;          /* POST body, capped */
	bool too_big;          /* body went past max_content_length */
	bool answered;         /* a response is queued */
} request;

void taxii_options_init(taxii_options *o)
{
	memset(o, 0, sizeof *o);
	o->listen = TAXII_DEFAULT_LISTEN;
	o->max_content_length = TAXII_MAX_CONTENT_DEFAULT;
	o->page_max = TAXII_PAGE_MAX_DEFAULT;
	o->title = "solidarity TAXII server";
	o->threads = 2;
	o->timeout_s = 30;
	o->per_ip_limit = 64;
}

static void write_lock(void *ctx, bool lock)
{
	taxii_server *s = ctx;
	if (lock)
		pthread_mutex_lock(&s->wlock);
	else
		pthread_mutex_unlock(&s->wlock);
}

/* This thread's store connection, opened on first use; NULL on failure. */
static store *thread_store(taxii_server *s)
{
	pthread_t self = pthread_self();
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n_slots; i++) {
		if (pthread_equal(s->slots[i].thread, self)) {
			store *st = s->slots[i].st;
			pthread_mutex_unlock(&s->lock);
			return st;
		}
	}
	pthread_mutex_unlock(&s->lock);
	store *st;
	if (store_open(s->db_path, &st, NULL) != 0)
		return NULL;
	if (store_cache_set(st, STORE_CACHE_KIB, 0, NULL) != 0) {
		store_close(st);
		return NULL;
	}
	pthread_mutex_lock(&s->lock);
	if (s->n_slots == s->cap_slots) {
		s->cap_slots = s->cap_slots ? 2 * s->cap_slots : 4;
		s->slots = xrealloc(s->slots, s->cap_slots * sizeof *s->slots);
	}
	s->slots[s->n_slots++] = (slot){self, st};
	pthread_mutex_unlock(&s->lock);
	return st;
}

static int64_t elapsed_us(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (int64_t)(t1.tv_sec - t0->tv_sec) * 1000000 + (t1.tv_nsec - t0->tv_nsec) / 1000;
}

static void peer_name(struct MHD_Connection *c, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(out, size, "-");
	if (!ci || !ci->client_addr)
		return;
	socklen_t len = ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
							       : sizeof(struct sockaddr_in);
	getnameinfo(ci->client_addr, len, out, (socklen_t)size, NULL, 0, NI_NUMERICHOST);
}

static void log_line(taxii_server *s, struct MHD_Connection *c, const request *rq,
		     const char *method, const char *url, const taxii_response *res)
{
	char when[40], peer[64], path[LOG_PATH_MAX + 1];
	size_t n = 0;
	for (; url[n] && n < LOG_PATH_MAX; n++)
		path[n] =
		    (unsigned char)url[n] < 0x21 || (unsigned char)url[n] > 0x7e ? '?' : url[n];
	path[n] = '\0';
	peer_name(c, peer, sizeof peer);
	fprintf(s->log, "%s %s %s %.10s %s %d %zu %" PRId64 "us\n",
		taxii_time_format(sol_time_now(), when), peer, res->partner[0] ? res->partner : "-",
		method, path, res->status, res->fd >= 0 ? (size_t)res->fd_size : res->body.len,
		elapsed_us(&rq->start));
}

static enum MHD_Result queue(taxii_server *s, struct MHD_Connection *c, request *rq,
			     const char *method, const char *url, taxii_response *res)
{
	log_line(s, c, rq, method, url, res);
	size_t len = res->body.len;
	struct MHD_Response *r;
	if (res->fd >= 0) {
		r = MHD_create_response_from_fd64(res->fd_size, res->fd);
		if (r)
			res->fd = -1; /* MHD closes it */
	} else if (len) {
		r = MHD_create_response_from_buffer(len, buf_take(&res->body),
						    MHD_RESPMEM_MUST_FREE);
	} else {
		r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	}
	if (!r)
		return MHD_NO;
	if (len || res->fd_size)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
					res->content_type ? res->content_type : TAXII_MEDIA);
	if (res->etag[0])
		MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, res->etag);
	if (res->last_modified[0])
		MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, res->last_modified);
	if (res->no_cache)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	if (res->date_first[0])
		MHD_add_response_header(r, "X-TAXII-Date-Added-First", res->date_first);
	if (res->date_last[0])
		MHD_add_response_header(r, "X-TAXII-Date-Added-Last", res->date_last);
	if (res->challenge) {
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Basic realm=\"solidarity\", charset=\"UTF-8\"");
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Bearer realm=\"solidarity\"");
	}
	enum MHD_Result ok = MHD_queue_response(c, (unsigned)res->status, r);
	MHD_destroy_response(r);
	rq->answered = true;
	return ok;
}

typedef struct param_set {
	taxii_param v[TAXII_MAX_PARAMS + 1]; /* one more, to notice too many */
	size_t n;                            /* collected */
} param_set;

static enum MHD_Result param_add(void *ctx, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	(void)kind;
	param_set *p = ctx;
	if (p->n == TAXII_MAX_PARAMS + 1)
		return MHD_NO;
	p->v[p->n++] = (taxii_param){key, value};
	return MHD_YES;
}

/* With client_ca_file: the client presented a certificate our CAs signed. */
static bool client_cert_ok(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!ci || !ci->tls_session)
		return false;
	gnutls_session_t tls = ci->tls_session;
	unsigned status = 0;
	unsigned n = 0;
	if (!gnutls_certificate_get_peers(tls, &n) || n == 0)
		return false;
	return gnutls_certificate_verify_peers2(tls, &status) == 0 && status == 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	(void)version;
	taxii_server *s = cls;
	request *rq = *req_cls;
	if (!rq) {
		rq = xcalloc(1, sizeof *rq);
		clock_gettime(CLOCK_MONOTONIC, &rq->start);
		buf_init(&rq->body, s->site.max_content_length);
		atomic_fetch_add(&s->active, 1);
		*req_cls = rq;
		const char *cl =
		    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > s->site.max_content_length) {
			taxii_response res;
			taxii_response_init(&res);
			taxii_response_error(&res, 413, "Payload too large",
					     "the body is larger than max_content_length");
			enum MHD_Result ok = queue(s, c, rq, method, url, &res);
			taxii_response_fini(&res);
			return ok;
		}
		return MHD_YES;
	}
	if (rq->answered) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!rq->too_big && buf_append(&rq->body, upload_data, *upload_data_size) != 0)
			rq->too_big = true;
		if (rq->too_big) {
			rq->body.max += *upload_data_size;
			if (rq->body.max > 2 * s->site.max_content_length)
				return MHD_NO;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}

	taxii_response res;
	taxii_response_init(&res);
	param_set p = {.n = 0};
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, param_add, &p);
	taxii_site site = s->site;
	site.st = thread_store(s);
	if (rq->too_big) {
		taxii_response_error(&res, 413, "Payload too large",
				     "the body is larger than max_content_length");
	} else if (s->tls_clients && !client_cert_ok(c)) {
		taxii_response_error(&res, 401, "Unauthorized",
				     "a client certificate signed by a trusted CA is required");
	} else if (!site.st) {
		taxii_response_error(&res, 503, "Service unavailable",
				     "the store cannot be opened");
	} else {
		taxii_request req = {
		    .method = method,
		    .path = url,
		    .accept =
			MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT),
		    .content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
								MHD_HTTP_HEADER_CONTENT_TYPE),
		    .authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
								 MHD_HTTP_HEADER_AUTHORIZATION),
		    .if_none_match = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
								 MHD_HTTP_HEADER_IF_NONE_MATCH),
		    .if_modified_since = MHD_lookup_connection_value(
			c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_MODIFIED_SINCE),
		    .params = p.v,
		    .n_params = p.n,
		    .body = rq->body.data ? rq->body.data : "",
		    .body_len = rq->body.len,
		};
		/* A read request's store calls share one read transaction;
		 * exports build their files in transactions of their own. */
		bool reads = (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) &&
			     strncmp(url, TAXII_EXPORTS_PREFIX, strlen(TAXII_EXPORTS_PREFIX)) != 0;
		if (reads && store_read_begin(site.st, NULL) != 0)
			reads = false; /* each statement then takes its own snapshot */
		taxii_handle(&site, &req, &res);
		if (reads)
			store_read_end(site.st);
	}
	enum MHD_Result ok = queue(s, c, rq, method, url, &res);
	taxii_response_fini(&res);
	return ok;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			 enum MHD_RequestTerminationCode why)
{
	(void)c;
	(void)why;
	taxii_server *s = cls;
	request *rq = *req_cls;
	if (!rq)
		return;
	buf_fini(&rq->body);
	free(rq);
	*req_cls = NULL;
	atomic_fetch_sub(&s->active, 1);
}

/*
 * Percent-decoding of the path and parameters, as MHD's own but with a
 * decoded NUL ("%00") turned into \x01: a NUL would silently cut the
 * string short, so ".../objects/<id>%00junk/" would look like a clean id.
 * \x01 is valid in no id, type, number or timestamp, so routing or
 * parameter parsing rejects it.
 */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	size_t n = MHD_http_unescape(s);
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\0')
			s[i] = '\x01';
	return n;
}

/* "ADDR:PORT" or "[V6]:PORT" into a socket address. */
static int pem_read(const char *path, char **out, sol_err *err)
{
	sol_buf b;
	buf_init(&b, 1u << 20);
	int rc = sol_file_read(path, &b, err);
	if (rc == 0 && b.len == 0)
		rc = sol_fail(err, SOL_EIO, path, "empty PEM file");
	if (rc != 0) {
		buf_fini(&b);
		return rc;
	}
	*out = buf_take(&b);
	return 0;
}

static void server_free(taxii_server *s)
{
	for (size_t i = 0; i < s->n_slots; i++)
		store_close(s->slots[i].st);
	free(s->slots);
	taxii_exports_free(s->site.exports);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->wlock);
	free(s->db_path);
	free(s->title);
	free(s->description);
	free(s->key_pem);
	free(s->cert_pem);
	free(s->ca_pem);
	free(s);
}

int taxii_server_start(const taxii_options *o, taxii_server **out, sol_err *err)
{
	*out = NULL;
	struct sockaddr_storage ss;
	unsigned sslen;
	const char *listen = o->listen ? o->listen : TAXII_DEFAULT_LISTEN;
	if (sol_sockaddr_parse(listen, &ss, &sslen) != 0)
		return sol_fail(err, SOL_EUSAGE, listen,
				"expected ADDR:PORT or [ADDR]:PORT with a numeric IPv4 or IPv6 "
				"address");
	bool v6 = ss.ss_family == AF_INET6;
	int rc;
	if (!o->db_path)
		return sol_fail(err, SOL_EUSAGE, NULL, "no store to serve");
	if ((o->cert_file == NULL) != (o->key_file == NULL) || (o->client_ca_file && !o->cert_file))
		return sol_fail(err, SOL_EUSAGE, NULL,
				"--cert and --key go together; --client-ca needs both");
	/* Open the store once here so that a bad path fails now, not per request. */
	store *probe;
	rc = store_open(o->db_path, &probe, err);
	if (rc != 0)
		return rc;
	store_close(probe);

	taxii_server *s = xcalloc(1, sizeof *s);
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->wlock, NULL);
	s->db_path = xstrdup(o->db_path);
	s->title = xstrdup(o->title ? o->title : "solidarity TAXII server");
	s->description = o->description ? xstrdup(o->description) : NULL;
	s->log = o->log ? o->log : stderr;
	s->site = (taxii_site){
	    .title = s->title,
	    .description = s->description,
	    .max_content_length =
		o->max_content_length ? o->max_content_length : TAXII_MAX_CONTENT_DEFAULT,
	    .page_max = o->page_max ? o->page_max : TAXII_PAGE_MAX_DEFAULT,
	    .write_lock = write_lock,
	    .lock_ctx = s,
	};
	if ((rc = taxii_exports_new(o, &s->site.exports, err)) != 0) {
		server_free(s);
		return rc;
	}
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TURBO | MHD_USE_ITC;
	if (v6)
		flags |= MHD_USE_IPv6;
	if (o->cert_file) {
		flags |= MHD_USE_TLS;
		if ((rc = pem_read(o->cert_file, &s->cert_pem, err)) != 0 ||
		    (rc = pem_read(o->key_file, &s->key_pem, err)) != 0 ||
		    (o->client_ca_file &&
		     (rc = pem_read(o->client_ca_file, &s->ca_pem, err)) != 0)) {
			server_free(s);
			return rc;
		}
		s->tls_clients = s->ca_pem != NULL;
	}
	unsigned threads = o->threads ? o->threads : 2;
	struct MHD_OptionItem opts[12];
	size_t k = 0;
#define OPT(o, v, p) (opts[k++] = (struct MHD_OptionItem){(o), (intptr_t)(v), (p)})
	OPT(MHD_OPTION_SOCK_ADDR, 0, &ss);
	OPT(MHD_OPTION_NOTIFY_COMPLETED, on_completed, s);
	OPT(MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL);
	OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONN_MEMORY_LIMIT, NULL);
	OPT(MHD_OPTION_CONNECTION_LIMIT, CONN_LIMIT, NULL);
	OPT(MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s ? o->timeout_s : 30, NULL);
	OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->per_ip_limit ? o->per_ip_limit : 64, NULL);
	if (threads > 1)
		OPT(MHD_OPTION_THREAD_POOL_SIZE, threads, NULL);
	if (s->cert_pem) {
		OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, s->cert_pem);
		OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, s->key_pem);
		if (s->ca_pem)
			OPT(MHD_OPTION_HTTPS_MEM_TRUST, 0, s->ca_pem);
	}
	OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_ARRAY, opts,
				     MHD_OPTION_END);
	if (!s->daemon) {
		server_free(s);
		return sol_fail(err, SOL_EIO, o->listen ? o->listen : TAXII_DEFAULT_LISTEN,
				"cannot start the HTTP server (address in use, or bad TLS "
				"certificate or key)");
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : 0;
	*out = s;
	return 0;
}

unsigned taxii_server_port(const taxii_server *s)
{
	return s->port;
}

void taxii_server_stop(taxii_server *s)
{
	if (!s)
		return;
	MHD_socket fd = MHD_quiesce_daemon(s->daemon);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	for (int waited = 0; atomic_load(&s->active) > 0 && waited < STOP_GRACE_MS; waited += 10)
		usleep(10000);
	MHD_stop_daemon(s->daemon);
	server_free(s);
}
