/*
 * test_core.c - errors, capped buffers, STIX timestamps and UUIDs.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/core.h"
#include "testlib.h"

static void test_buf_cap(void **state)
{
	(void)state;
	sol_buf b;
	buf_init(&b, 8);
	assert_int_equal(buf_append(&b, "12345", 5), 0);
	assert_int_equal(buf_append(&b, "678", 3), 0);
	assert_int_equal(buf_append(&b, "9", 1), SOL_ETOOBIG);
	assert_string_equal(b.data, "12345678");
	assert_int_equal(buf_printf(&b, "%d", 1), SOL_ETOOBIG);
	char *s = buf_take(&b);
	assert_string_equal(s, "12345678");
	assert_null(b.data);
	free(s);
	buf_fini(&b);
}

static void test_err(void **state)
{
	(void)state;
	sol_err e;
	sol_err_clear(&e);
	assert_int_equal(sol_fail(&e, SOL_EPARSE, ":4:16", "expected %s", "'}'"), SOL_EPARSE);
	sol_err_prefix(&e, "%s", "feed.json");
	assert_string_equal(e.where, "feed.json:4:16");
	assert_string_equal(e.msg, "expected '}'");
	sol_fail(&e, SOL_EINVALID, "$.objects[3].id", "bad id");
	sol_err_prefix(&e, "b.json");
	assert_string_equal(e.where, "b.json:$.objects[3].id");
	assert_int_equal(sol_fail(NULL, SOL_EIO, NULL, "x"), SOL_EIO);
	assert_int_equal(sol_exit_status(SOL_EPARSE), 2);
	assert_int_equal(sol_exit_status(SOL_EDB), 3);
	assert_int_equal(sol_exit_status(SOL_ENOTFOUND), 1);
}

static void test_time(void **state)
{
	(void)state;
	sol_time t;
	char buf[40];
	assert_int_equal(sol_time_parse("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(sol_time_parse("2016-04-06T20:03:48.123Z", &t), 0);
	assert_string_equal(sol_time_format(t, buf, sizeof buf), "2016-04-06T20:03:48.123Z");
	assert_int_equal(sol_time_parse("2016-04-06T20:03:48.123456789Z", &t), 0);
	assert_int_equal(t % 1000000, 123456);
	assert_int_equal(sol_time_parse("2024-02-29T23:59:59Z", &t), 0);
	assert_int_equal(sol_time_parse("9999-12-31T23:59:59.999Z", &t), 0);
	assert_string_equal(sol_time_format(t, buf, sizeof buf), "9999-12-31T23:59:59.999Z");
	assert_int_equal(sol_time_parse("1601-01-01T00:00:00Z", &t), 0);
	assert_string_equal(sol_time_format(t, buf, sizeof buf), "1601-01-01T00:00:00.000Z");
	const char *bad[] = {"2023-02-29T00:00:00Z",
			     "2016-04-06 20:03:48Z",
			     "2016-04-06T20:03:48",
			     "2016-04-06T20:03:48.Z",
			     "2016-04-06T24:00:00Z",
			     "2016-13-01T00:00:00Z",
			     "2016-04-06T20:03:48+01:00",
			     "2016-04-06t20:03:48z",
			     "",
			     "2016"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(sol_time_parse(bad[i], &t), SOL_EPARSE);
}

static void test_uuid(void **state)
{
	(void)state;
	char u[37];
	sol_uuid4(u);
	assert_true(sol_uuid_valid(u, strlen(u)));
	assert_int_equal(u[14], '4');
	/* RFC 9562 appendix: UUIDv5 of "www.example.com" in the DNS namespace. */
	sol_uuid5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.example.com", 15, u);
	assert_string_equal(u, "2ed6657d-e927-568b-95e1-2665a8aea6a2");
	/* STIX 2.1 spec: ipv4-addr 198.51.100.3 in the SCO namespace. */
	const char *v = "{\"value\":\"198.51.100.3\"}";
	sol_uuid5("00abedb4-aa42-466c-9c01-fed23315a9b7", v, strlen(v), u);
	assert_true(sol_uuid_valid(u, 36));
	assert_false(sol_uuid_valid("2ed6657d-e927-568b-95e1-2665a8aea6a", 35));
	assert_false(sol_uuid_valid("2ed6657d-e927-568b-95e1x2665a8aea6a2", 36));
	assert_false(sol_uuid_valid("2ed6657d-e927-568b-95e1-2665a8aea6ag", 36));
}

static void test_jsonw(void **state)
{
	(void)state;
	sol_buf b;
	buf_init(&b, 4096);
	jsonw w;
	jsonw_init(&w, &b);
	jsonw_object_begin(&w);
	jsonw_key(&w, "a");
	jsonw_int(&w, -3);
	jsonw_key(&w, "s");
	jsonw_string(&w, "q\"\\\n\x01\xff\xc3\xa9", 8);
	jsonw_key(&w, "l");
	jsonw_array_begin(&w);
	jsonw_bool(&w, true);
	jsonw_null(&w);
	jsonw_time(&w, 0);
	jsonw_array_end(&w);
	jsonw_key(&w, "e");
	jsonw_object_begin(&w);
	jsonw_object_end(&w);
	jsonw_object_end(&w);
	assert_int_equal(w.rc, 0);
	assert_string_equal(b.data, "{\"a\":-3,\"s\":\"q\\\"\\\\\\n\\u0001\\ufffd\xc3\xa9\","
				    "\"l\":[true,null,\"1970-01-01T00:00:00.000Z\"],\"e\":{}}");
	buf_fini(&b);
	buf_init(&b, 4);
	jsonw_init(&w, &b);
	jsonw_cstr(&w, "toolong");
	assert_int_equal(w.rc, SOL_ETOOBIG);
	buf_fini(&b);
}

static void test_sockaddr(void **state)
{
	(void)state;
	struct sockaddr_storage ss;
	unsigned len;
	assert_int_equal(sol_sockaddr_parse("127.0.0.1:6900", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(len, sizeof(struct sockaddr_in));
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 6900);
	assert_int_equal(sol_sockaddr_parse("[::1]:0", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	assert_int_equal(sol_sockaddr_parse("2001:db8::1:53", &ss, &len), 0);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 53);
	const char *bad[] = {"127.0.0.1",       "127.0.0.1:", ":80",     "localhost:80",
			     "127.0.0.1:65536", "[::1]80",    "[::1:80", "1.2.3.4:-1",
			     "1.2.3.4:80x",     "[1.2.3]:80", "[]:80"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(sol_sockaddr_parse(bad[i], &ss, &len), SOL_EUSAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_buf_cap), cmocka_unit_test(test_err),
	    cmocka_unit_test(test_time),    cmocka_unit_test(test_uuid),
	    cmocka_unit_test(test_jsonw),   cmocka_unit_test(test_sockaddr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
