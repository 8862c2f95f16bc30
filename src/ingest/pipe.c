/*
 * pipe.c - a second thread for the store puts of an import.
 *
 * Per object, an import reads and checks (a STIX object: scan, parse,
 * validate, canonical dump; a list value: parse, write the indicator),
 * compresses the body, and runs the SQLite statements of the put. With a
 * pipe, the reading thread hands each version to a ring of slots
 * (PIPE_SLOTS_LIST or PIPE_SLOTS_STIX) and goes on with the next one
 * while the store thread puts the earlier ones, so on two cores the
 * halves overlap. Where the halves are cut depends on the input: a
 * list's values are cheap to read, so its reading thread also compresses
 * (store_packer_pack, with its own packer), while a STIX object's reading
 * costs more than its put, so its store thread compresses.
 *
 * Even so a STIX object's reading (parse, check, dump) costs about three
 * times its put, so the store thread also takes whole elements: the
 * reader queues the next element's text (ingest_pipe_put_element) instead
 * of parsing it when the store thread would otherwise run out of work
 * before the reader is done with it, and the store thread parses, checks,
 * dumps and puts it (ingest_object_with). The store thread's `backlog`
 * estimates its queued work in bytes of elements (a version's put counts
 * a PIPE_PUT_SHARE of its bytes), and the element goes over when the
 * backlog is smaller than the element (plus PIPE_AHEAD). Sizes matter:
 * with a count of elements as the budget, the store thread waited for
 * work hundreds of times per ATT&CK import (whose objects run from 300
 * bytes to 200 KiB) while the reader parsed large objects; with a fixed
 * 64 KiB of elements, it took nearly every small object of a list-like
 * bundle and became the slower half. Each thread parses and frees its own objects: handing a parsed
 * json_t to the other core measured slower than parsing it there. The results are the same
 * whichever thread reads an element: the puts and the report's counts happen in input order on the
 * store thread, and so do the rejections of the elements it reads; the reader drains the pipe
 * before it records a rejection of its own.
 *
 * What stays the same: the puts happen in input order and inside the
 * import's one transaction (begun before the pipe starts, committed or
 * rolled back after it stops), and the report counts the same: the store
 * thread counts puts (objects, put[], types, unmatchable indicators), the
 * reading thread everything else (skipped lines, and rejections but
 * those of the elements it hands over), which are different fields.
 *
 * The store is used by one thread at a time. While versions are queued
 * only the store thread touches it; ingest_pipe_drain waits until the
 * queue is empty, and until the next ingest_pipe_put the reading thread
 * may use the store itself (list values that are not printable ASCII
 * take that slow path). The mutex hands the connection over.
 *
 * Waking a thread costs a system call, so neither side is woken per
 * version: the reader sleeps on a full ring until it is half empty
 * (`wake_at`), and a store thread waiting for work is woken when
 * PIPE_BATCH versions are queued, when an element is (it is short of
 * work then), or when the reader drains or stops.
 *
 * Errors. The first failed put (or element) is kept; the store thread
 * then drops what is queued, and the reading thread returns the error at
 * its next put, drain or at ingest_pipe_stop, so the import rolls back as
 * usual. When the reading thread fails first, ingest_pipe_stop(cancel)
 * drops the queued puts but still reads the queued elements: they come
 * before the reader's failure in the input, so an error among them is
 * the one to report.
 */
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_int.h"

#define PIPE_SLOTS_LIST 512 /* versions queued between the threads, list values */
/* ... STIX objects, which are larger and more costly each: as the ring
 * turns, every slot's buffer grows to the objects it held, and with 512
 * slots an ATT&CK import spent 350 more page faults on them. */
#define PIPE_SLOTS_STIX 64
#define PIPE_BATCH 32    /* versions queued before a waiting store thread is woken */
#define PIPE_PUT_SHARE 4 /* a version's put costs about a quarter of reading it */
#define PIPE_AHEAD 4096  /* backlog the store thread keeps beyond the element */

typedef struct pipe_slot {
	stix_meta meta;      /* what ingest_object_store reads of the version:
			      * type and id point into text; no pattern */
	stix_atoms atoms;    /* its atoms (v = atom), if has_atoms */
	bool has_atoms;      /* atoms is given (indicators) */
	stix_atom *atom;     /* values point into text */
	size_t atom_cap;     /* atoms allocated at atom */
	bool if_absent;      /* store_object.if_absent */
	store_packed packed; /* the packed body (body points into text), if has_packed */
	bool has_packed;     /* the reader packed the body */
	size_t json_len;     /* bytes of JSON (or of the element) at the start of text */
	sol_buf text;        /* JSON NUL type NUL id NUL body value NUL value NUL ...,
			      * or for an element: element NUL path NUL */
	bool element;        /* the slot holds an element to parse, not a version */
	size_t work;         /* its share of the store thread's backlog */
	long line, col;      /* the element's place in the document */
	size_t path;         /* offset of its path in text */
} pipe_slot;

struct ingest_pipe {
	ingest_ctx *cx;          /* the import; its store belongs to the store thread */
	store_packer *packer;    /* the reading thread's, if it packs bodies */
	pthread_t thread;        /* the store thread */
	pthread_mutex_t lock;    /* guards the fields below, not the slots */
	pthread_cond_t work;     /* the store thread may go on */
	pthread_cond_t room;     /* the reading thread may go on */
	size_t head, tail;       /* slots tail..head-1 (mod n) are queued */
	size_t wake_at;          /* wake the reader once this few are queued */
	size_t backlog;          /* the queued slots' work (see the file comment) */
	bool reader_waits;       /* the reading thread sleeps on `room` */
	bool store_waits;        /* the store thread sleeps on `work` */
	bool stop;               /* no more puts: exit when the queue is empty */
	bool cancel;             /* drop the queued puts (not the elements) */
	int rc;                  /* first failed put or element, 0 if none */
	sol_err err;             /* its error */
	ingest_scratch *scratch; /* the store thread's buffers, for elements */
	size_t n;                /* slots in the ring */
	pipe_slot *slot;         /* the ring */
};

/* Parse, check and put the element of slot s; 0 or the error. */
static int pipe_element(ingest_pipe *p, pipe_slot *s, sol_err *err)
{
	stix_element el = {
	    .text = s->text.data,
	    .len = s->json_len,
	    .line = s->line,
	    .col = s->col,
	    .path = s->text.data + s->path,
	};
	json_t *obj = stix_element_parse(&el, &p->scratch->text, err);
	if (!obj)
		return err->code;
	int rc = ingest_object_with(p->cx, p->scratch, NULL, obj, el.path, err);
	json_decref(obj);
	return rc;
}

/* The store thread: put slots in order until stopped. */
static void *pipe_main(void *arg)
{
	ingest_pipe *p = arg;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->tail == p->head && !p->stop) {
			p->store_waits = true;
			pthread_cond_wait(&p->work, &p->lock);
		}
		if (p->tail == p->head)
			break;
		pipe_slot *s = &p->slot[p->tail % p->n];
		bool skip = p->rc != 0 || (p->cancel && !s->element);
		pthread_mutex_unlock(&p->lock);
		sol_err e = {0};
		int rc = 0;
		if (!skip && s->element)
			rc = pipe_element(p, s, &e);
		else if (!skip)
			rc = ingest_object_store(p->cx, &s->meta, s->text.data, s->json_len,
						 s->has_atoms ? &s->atoms : NULL, s->if_absent,
						 s->has_packed ? &s->packed : NULL, &e);
		pthread_mutex_lock(&p->lock);
		p->backlog -= s->work;
		if (rc != 0 && p->rc == 0) {
			p->rc = rc;
			p->err = e;
		}
		p->tail++;
		if (p->reader_waits && p->head - p->tail <= p->wake_at) {
			p->reader_waits = false;
			pthread_cond_signal(&p->room);
		}
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void pipe_free(ingest_pipe *p)
{
	if (p->packer)
		store_packer_free(p->cx->st, p->packer);
	ingest_scratch_free(p->scratch);
	for (size_t i = 0; i < p->n; i++) {
		buf_fini(&p->slot[i].text);
		free(p->slot[i].atom);
	}
	free(p->slot);
	pthread_cond_destroy(&p->room);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

ingest_pipe *ingest_pipe_start(ingest_ctx *cx, bool pack)
{
	ingest_pipe *p = xcalloc(1, sizeof *p);
	p->cx = cx;
	p->packer = pack ? store_packer_new(cx->st) : NULL;
	p->scratch = ingest_scratch_new();
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->room, NULL);
	p->n = pack ? PIPE_SLOTS_LIST : PIPE_SLOTS_STIX; /* only lists pack */
	p->slot = xcalloc(p->n, sizeof *p->slot);
	for (size_t i = 0; i < p->n; i++)
		buf_init(&p->slot[i].text, SIZE_MAX);
	if (pthread_create(&p->thread, NULL, pipe_main, p) != 0) {
		pipe_free(p);
		return NULL;
	}
	return p;
}

/* Wait until at most `most` indicators are queued (sleeping until
 * `wake_at` are) or a put has failed; the failure, if any. Called with
 * the lock held. */
static int pipe_wait(ingest_pipe *p, size_t most, size_t wake_at, sol_err *err)
{
	if (p->store_waits && p->head - p->tail > most) {
		p->store_waits = false;
		pthread_cond_signal(&p->work);
	}
	while (p->rc == 0 && p->head - p->tail > most) {
		p->wake_at = wake_at;
		p->reader_waits = true;
		pthread_cond_wait(&p->room, &p->lock);
	}
	if (p->rc != 0 && err)
		*err = p->err;
	return p->rc;
}

/* Append s (NUL-terminated) to b; where it landed, as an offset. */
static size_t text_add(sol_buf *b, const char *s)
{
	size_t at = b->len;
	buf_append(b, s, strlen(s) + 1);
	return at;
}

/* Queue the slot at head, which the reader has filled; wake a waiting
 * store thread once `batch` slots are queued. */
static void pipe_push(ingest_pipe *p, size_t batch)
{
	pthread_mutex_lock(&p->lock);
	p->backlog += p->slot[p->head % p->n].work;
	p->head++;
	if (p->store_waits && p->head - p->tail >= batch) {
		p->store_waits = false;
		pthread_cond_signal(&p->work);
	}
	pthread_mutex_unlock(&p->lock);
}

int ingest_pipe_put(ingest_pipe *p, const stix_meta *meta, const char *json, size_t len,
		    const stix_atoms *atoms, bool if_absent, sol_err *err)
{
	store_object o = {.meta = meta, .json = json, .json_len = len};
	store_packed packed = {0};
	int rc = p->packer ? store_packer_pack(p->cx->st, p->packer, &o, &packed, err) : 0;
	if (rc != 0)
		return rc;
	pthread_mutex_lock(&p->lock);
	rc = pipe_wait(p, p->n - 1, p->n / 2, err);
	pthread_mutex_unlock(&p->lock);
	if (rc != 0)
		return rc;

	/* Slot head is the reader's until head moves past it. */
	pipe_slot *s = &p->slot[p->head % p->n];
	buf_reset(&s->text);
	buf_append(&s->text, json, len);
	buf_append(&s->text, "", 1);
	size_t type = text_add(&s->text, meta->type), id = text_add(&s->text, meta->id);
	size_t body = s->text.len;
	buf_append(&s->text, packed.body, packed.len);
	size_t values = s->text.len, n = atoms ? atoms->n : 0;
	for (size_t i = 0; i < n; i++)
		text_add(&s->text, atoms->v[i].value);

	s->element = false;
	s->json_len = len;
	s->meta = *meta;
	s->meta.type = s->text.data + type;
	s->meta.id = s->text.data + id;
	s->meta.pattern = NULL; /* the caller's; the store does not read it */
	s->meta.created_by_ref = NULL;
	s->has_packed = p->packer != NULL;
	s->packed = packed;
	s->packed.body = s->text.data + body;
	s->has_atoms = atoms != NULL;
	if (atoms) {
		if (n > s->atom_cap) {
			s->atom = xrealloc(s->atom, n * sizeof *s->atom);
			s->atom_cap = n;
		}
		s->atoms = *atoms;
		s->atoms.v = s->atom;
		s->atoms.cap = s->atom_cap;
		const char *v = s->text.data + values;
		for (size_t i = 0; i < n; i++, v += strlen(v) + 1) {
			s->atom[i] = atoms->v[i];
			s->atom[i].value = (char *)v;
		}
	}
	s->if_absent = if_absent;
	s->work = len / PIPE_PUT_SHARE;
	pipe_push(p, PIPE_BATCH);
	return 0;
}

int ingest_pipe_put_element(ingest_pipe *p, const stix_element *el, sol_err *err)
{
	pthread_mutex_lock(&p->lock);
	bool take = p->backlog < el->len + PIPE_AHEAD && p->head - p->tail < p->n - 1;
	int rc = p->rc;
	if (rc != 0 && err)
		*err = p->err;
	pthread_mutex_unlock(&p->lock);
	if (rc != 0 || !take)
		return rc;

	pipe_slot *s = &p->slot[p->head % p->n];
	buf_reset(&s->text);
	buf_append(&s->text, el->text, el->len);
	buf_append(&s->text, "", 1);
	s->path = text_add(&s->text, el->path);
	s->element = true;
	s->json_len = el->len;
	s->line = el->line;
	s->col = el->col;
	s->work = el->len;
	pipe_push(p, 1); /* short of work: wake it now */
	return 1;
}

int ingest_pipe_drain(ingest_pipe *p, sol_err *err)
{
	pthread_mutex_lock(&p->lock);
	int rc = pipe_wait(p, 0, 0, err);
	pthread_mutex_unlock(&p->lock);
	return rc;
}

int ingest_pipe_stop(ingest_pipe *p, bool cancel, sol_err *err)
{
	if (!p)
		return 0;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	p->cancel = cancel;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	int rc = p->rc;
	if (rc != 0 && err)
		*err = p->err;
	pipe_free(p);
	return rc;
}
