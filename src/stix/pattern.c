/*
 * pattern.c - printing a parsed pattern: back to pattern text in canonical
 * form, and as a JSON tree.
 *
 * The canonical text has one space around every keyword and operator and
 * none inside brackets; keywords and operators are uppercase, `==` and
 * `<>` become `=` and `!=`; strings are quoted with ' and \ escaped;
 * property names are quoted only when they must be (not an identifier, or
 * a keyword); floats lose a '+' and gain a leading 0; hex is lowercase.
 * Parentheses are kept where the author put them. Because the printer
 * writes exactly what the parser reads, format(parse(format(p))) equals
 * format(p), which the fuzz target checks.
 *
 * The JSON tree (for `solidarity pattern --json`) has one object per node,
 * {"type": "or"|"and"|"followedby", "operands": [...]},
 * {"type": "observation"|"group", "expression": {...}, "qualifiers": [...]},
 * {"type": "comparison", "object_type", "path", "negated", "operator",
 * "value"} and {"type": "exists", "object_type", "path"}; a path is an
 * array of property names and {"index": n} or {"index": "*"} steps, a
 * value is {"type": "string"|"int"|"float"|"bool"|"binary"|"hex"|
 * "timestamp"|"list", "value": ...}.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "stix/pattern_int.h"

static const char *const op_names[] = {
    [OP_EQ] = "=",
    [OP_NEQ] = "!=",
    [OP_LT] = "<",
    [OP_LE] = "<=",
    [OP_GT] = ">",
    [OP_GE] = ">=",
    [OP_IN] = "IN",
    [OP_LIKE] = "LIKE",
    [OP_MATCHES] = "MATCHES",
    [OP_ISSUBSET] = "ISSUBSET",
    [OP_ISSUPERSET] = "ISSUPERSET",
};

const char *pattern_op_name(pop op)
{
	return op_names[op];
}

/* 'text' with ' and \ escaped. */
static void fmt_string(sol_buf *b, const char *s, size_t n)
{
	buf_append(b, "'", 1);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\'' || s[i] == '\\')
			buf_append(b, "\\", 1);
		buf_append(b, &s[i], 1);
	}
	buf_append(b, "'", 1);
}

/* A property name can go unquoted if the lexer would read it back as an
 * identifier without '-': not a keyword, not a boolean. */
static bool name_is_plain(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 ||
	    !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return plex_keyword(s, n) == TK_END && strcasecmp(s, "true") != 0 &&
	       strcasecmp(s, "false") != 0;
}

void pattern_path_format(const ppath *path, sol_buf *b)
{
	buf_printf(b, "%s:", path->type);
	for (size_t i = 0; i < path->n; i++) {
		const pstep *st = &path->steps[i];
		if (st->key) {
			if (i > 0)
				buf_append(b, ".", 1);
			if (name_is_plain(st->key))
				buf_puts(b, st->key);
			else
				fmt_string(b, st->key, strlen(st->key));
		} else if (st->star) {
			buf_puts(b, "[*]");
		} else {
			buf_printf(b, "[%lld]", (long long)st->index);
		}
	}
}

static void fmt_lit(sol_buf *b, const plit *l)
{
	switch (l->kind) {
	case PL_INT: buf_printf(b, "%lld", (long long)l->i); break;
	case PL_FLOAT: buf_puts(b, l->s); break;
	case PL_STRING: fmt_string(b, l->s, l->len); break;
	case PL_BINARY: buf_printf(b, "b'%s'", l->s); break;
	case PL_HEX: buf_printf(b, "h'%s'", l->s); break;
	case PL_TIMESTAMP: buf_printf(b, "t'%s'", l->s); break;
	case PL_BOOL: buf_puts(b, l->i ? "true" : "false"); break;
	case PL_LIST:
		buf_append(b, "(", 1);
		for (size_t i = 0; i < l->nitems; i++) {
			if (i > 0)
				buf_puts(b, ", ");
			fmt_lit(b, &l->items[i]);
		}
		buf_append(b, ")", 1);
		break;
	}
}

static void fmt_node(sol_buf *b, const pnode *n)
{
	static const char *const joiners[] = {
	    [PN_FOLLOWEDBY] = " FOLLOWEDBY ", [PN_OR] = " OR ", [PN_AND] = " AND "};
	switch (n->kind) {
	case PN_FOLLOWEDBY:
	case PN_OR:
	case PN_AND:
		for (size_t i = 0; i < n->nkids; i++) {
			if (i > 0)
				buf_puts(b, joiners[n->kind]);
			fmt_node(b, n->kids[i]);
		}
		return;
	case PN_OBSERVATION:
	case PN_GROUP:
		buf_puts(b, n->kind == PN_OBSERVATION ? "[" : "(");
		fmt_node(b, n->kids[0]);
		buf_puts(b, n->kind == PN_OBSERVATION ? "]" : ")");
		for (size_t i = 0; i < n->nquals; i++) {
			const pqual *q = &n->quals[i];
			buf_puts(b, q->kind == PQ_WITHIN    ? " WITHIN "
				    : q->kind == PQ_REPEATS ? " REPEATS "
							    : " START ");
			fmt_lit(b, &q->a);
			if (q->kind == PQ_STARTSTOP) {
				buf_puts(b, " STOP ");
				fmt_lit(b, &q->b);
			}
			if (q->kind != PQ_STARTSTOP)
				buf_puts(b, q->kind == PQ_WITHIN ? " SECONDS" : " TIMES");
		}
		return;
	case PN_COMPARISON:
		pattern_path_format(&n->path, b);
		buf_printf(b, "%s %s ", n->negated ? " NOT" : "", pattern_op_name(n->op));
		fmt_lit(b, &n->value);
		return;
	case PN_EXISTS:
		buf_puts(b, "EXISTS ");
		pattern_path_format(&n->path, b);
		return;
	}
}

char *stix_pattern_format(const stix_pattern *p)
{
	sol_buf b;
	buf_init(&b, SIZE_MAX); /* bounded by the parsed input, itself capped */
	fmt_node(&b, p->root);
	return buf_take(&b);
}

static json_t *lit_json(const plit *l)
{
	static const char *const types[] = {
	    [PL_INT] = "int",       [PL_FLOAT] = "float", [PL_STRING] = "string",
	    [PL_BINARY] = "binary", [PL_HEX] = "hex",     [PL_TIMESTAMP] = "timestamp",
	    [PL_BOOL] = "bool",     [PL_LIST] = "list",
	};
	json_t *v;
	switch (l->kind) {
	case PL_INT: v = json_integer(l->i); break;
	case PL_FLOAT: v = json_real(l->f); break;
	case PL_BOOL: v = json_boolean(l->i); break;
	case PL_LIST:
		v = json_array();
		for (size_t i = 0; i < l->nitems; i++)
			json_array_append_new(v, lit_json(&l->items[i]));
		break;
	default: v = json_stringn(l->s, l->len); break;
	}
	return json_pack("{s:s, s:o}", "type", types[l->kind], "value", v);
}

static json_t *path_json(const ppath *path)
{
	json_t *a = json_array();
	for (size_t i = 0; i < path->n; i++) {
		const pstep *st = &path->steps[i];
		if (st->key)
			json_array_append_new(a, json_string(st->key));
		else if (st->star)
			json_array_append_new(a, json_pack("{s:s}", "index", "*"));
		else
			json_array_append_new(a,
					      json_pack("{s:I}", "index", (json_int_t)st->index));
	}
	return a;
}

static json_t *qual_json(const pqual *q)
{
	switch (q->kind) {
	case PQ_WITHIN:
		return json_pack("{s:s, s:o}", "type", "within", "seconds",
				 q->a.kind == PL_INT ? json_integer(q->a.i) : json_real(q->a.f));
	case PQ_REPEATS:
		return json_pack("{s:s, s:I}", "type", "repeats", "times", (json_int_t)q->a.i);
	case PQ_STARTSTOP: break;
	}
	return json_pack("{s:s, s:s, s:s}", "type", "start_stop", "start", q->a.s, "stop", q->b.s);
}

static json_t *node_json(const pnode *n)
{
	static const char *const types[] = {
	    [PN_FOLLOWEDBY] = "followedby",   [PN_OR] = "or",       [PN_AND] = "and",
	    [PN_OBSERVATION] = "observation", [PN_GROUP] = "group", [PN_COMPARISON] = "comparison",
	    [PN_EXISTS] = "exists",
	};
	json_t *o = json_pack("{s:s}", "type", types[n->kind]);
	switch (n->kind) {
	case PN_FOLLOWEDBY:
	case PN_OR:
	case PN_AND: {
		json_t *a = json_array();
		for (size_t i = 0; i < n->nkids; i++)
			json_array_append_new(a, node_json(n->kids[i]));
		json_object_set_new(o, "operands", a);
		break;
	}
	case PN_OBSERVATION:
	case PN_GROUP:
		json_object_set_new(o, "expression", node_json(n->kids[0]));
		if (n->nquals) {
			json_t *a = json_array();
			for (size_t i = 0; i < n->nquals; i++)
				json_array_append_new(a, qual_json(&n->quals[i]));
			json_object_set_new(o, "qualifiers", a);
		}
		break;
	case PN_COMPARISON:
	case PN_EXISTS:
		json_object_set_new(o, "object_type", json_string(n->path.type));
		json_object_set_new(o, "path", path_json(&n->path));
		if (n->kind == PN_EXISTS)
			break;
		json_object_set_new(o, "negated", json_boolean(n->negated));
		json_object_set_new(o, "operator", json_string(pattern_op_name(n->op)));
		json_object_set_new(o, "value", lit_json(&n->value));
		break;
	}
	return o;
}

json_t *stix_pattern_to_json(const stix_pattern *p)
{
	return node_json(p->root);
}
