// SPDX-License-Identifier: GPL-2.0
/*
 * The json-c calls of mapper-dump, for its 32-bit test build: Debian 12 has
 * no libjson-c-dev:i386 that installs beside the amd64 one, and that build
 * only dumps (--info and --list --json are tested on the native build).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((noreturn)) static void none(void)
{
	fputs("mapper-dump: this test build has no json-c\n", stderr);
	exit(1);
}

struct json_object *json_object_new_object(void) { none(); }
struct json_object *json_object_new_array(void) { none(); }
struct json_object *json_object_new_string(const char *s) { (void)s; none(); }
struct json_object *json_object_new_int64(int64_t i) { (void)i; none(); }
struct json_object *json_object_new_uint64(uint64_t i) { (void)i; none(); }
struct json_object *json_object_new_boolean(json_bool b) { (void)b; none(); }
int json_object_object_add(struct json_object *o, const char *key, struct json_object *v)
{ (void)o; (void)key; (void)v; none(); }
int json_object_array_add(struct json_object *a, struct json_object *v)
{ (void)a; (void)v; none(); }
const char *json_object_to_json_string_ext(struct json_object *o, int flags)
{ (void)o; (void)flags; none(); }
int json_object_put(struct json_object *o) { (void)o; none(); }
