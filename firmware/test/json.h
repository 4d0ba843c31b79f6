/* A minimal JSON reader for the vector files (objects, arrays, strings, integers, booleans,
 * null): enough for proto/vectors, which tools/gen_vectors.py writes. Parses into a fixed pool. */
#ifndef SYNERGY_TEST_JSON_H
#define SYNERGY_TEST_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_INT, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_kind;

typedef struct json_node {
    json_kind kind;
    const char *key;          /* member name inside an object, else NULL */
    const char *str;          /* JSON_STRING, decoded, NUL-terminated */
    int64_t num;              /* JSON_INT; JSON_BOOL as 0/1 */
    struct json_node *child;  /* first element or member */
    struct json_node *next;   /* next sibling */
} json_node;

/* Parses text; NULL with a reason in err on failure. The result lives until the next parse. */
json_node *json_parse(const char *text, char *err, size_t errcap);
json_node *json_get(const json_node *obj, const char *key);
const char *json_str(const json_node *obj, const char *key);   /* NULL if absent or not a string */
bool json_int(const json_node *obj, const char *key, int64_t *out);
/* obj[key] as an integer, or dflt when absent or not one. */
int64_t json_int_or(const json_node *obj, const char *key, int64_t dflt);
/* obj[key] as a JSON true/false, or dflt when absent or not one. */
bool json_bool_or(const json_node *obj, const char *key, bool dflt);
size_t json_len(const json_node *arr);
json_node *json_at(const json_node *arr, size_t i);

#endif
