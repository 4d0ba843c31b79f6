/* Minimal JSON reader; see json.h. Test code: not for the board. */
#include "json.h"

#include <stdio.h>
#include <string.h>

/* Room for the golden sets' largest file (a model.json of about 384,000 values). */
#define POOL_NODES (1u << 19)
#define ARENA_BYTES (256 * 1024)

static json_node pool[POOL_NODES];
static size_t used_nodes;
static char arena[ARENA_BYTES];
static size_t used_arena;

typedef struct {
    const char *p;
    char *err;
    size_t errcap;
    bool failed;
} parser;

static void perr(parser *ps, const char *what)
{
    if (!ps->failed)
        snprintf(ps->err, ps->errcap, "%s near \"%.20s\"", what, ps->p);
    ps->failed = true;
}

static void skip_ws(parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t')
        ps->p++;
}

static json_node *new_node(parser *ps, json_kind k)
{
    if (used_nodes == POOL_NODES) {
        perr(ps, "too many JSON nodes");
        return NULL;
    }
    json_node *n = &pool[used_nodes++];
    memset(n, 0, sizeof *n);
    n->kind = k;
    return n;
}

static void put_utf8(char *out, size_t *o, unsigned cp)
{
    if (cp < 0x80) {
        out[(*o)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*o)++] = (char)(0xC0 | (cp >> 6));
        out[(*o)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[(*o)++] = (char)(0xE0 | (cp >> 12));
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*o)++] = (char)(0x80 | (cp & 0x3F));
    }
}

static const char *parse_string(parser *ps)
{
    if (*ps->p != '"') {
        perr(ps, "expected a string");
        return NULL;
    }
    ps->p++;
    char *out = arena + used_arena;
    size_t o = 0;
    while (*ps->p != '"') {
        if (*ps->p == '\0' || used_arena + o + 8 >= ARENA_BYTES) {
            perr(ps, "unterminated string or arena full");
            return NULL;
        }
        char c = *ps->p++;
        if (c != '\\') {
            out[o++] = c;
            continue;
        }
        c = *ps->p++;
        switch (c) {
        case '"': out[o++] = '"'; break;
        case '\\': out[o++] = '\\'; break;
        case '/': out[o++] = '/'; break;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'u': {
            unsigned cp = 0;
            for (int i = 0; i < 4; i++) {
                char h = *ps->p++;
                cp <<= 4;
                if (h >= '0' && h <= '9') cp |= (unsigned)(h - '0');
                else if (h >= 'a' && h <= 'f') cp |= (unsigned)(h - 'a' + 10);
                else if (h >= 'A' && h <= 'F') cp |= (unsigned)(h - 'A' + 10);
                else { perr(ps, "bad \\u escape"); return NULL; }
            }
            put_utf8(out, &o, cp);   /* surrogate pairs do not occur in the vectors */
            break;
        }
        default:
            perr(ps, "bad escape");
            return NULL;
        }
    }
    ps->p++;
    out[o++] = '\0';
    used_arena += o;
    return out;
}

static json_node *parse_value(parser *ps, int depth);

static json_node *parse_container(parser *ps, int depth, bool object)
{
    json_node *n = new_node(ps, object ? JSON_OBJECT : JSON_ARRAY);
    if (n == NULL)
        return NULL;
    ps->p++;
    skip_ws(ps);
    char close = object ? '}' : ']';
    json_node **tail = &n->child;
    if (*ps->p == close) {
        ps->p++;
        return n;
    }
    for (;;) {
        skip_ws(ps);
        const char *key = NULL;
        if (object) {
            key = parse_string(ps);
            if (key == NULL)
                return NULL;
            skip_ws(ps);
            if (*ps->p++ != ':') {
                perr(ps, "expected ':'");
                return NULL;
            }
        }
        json_node *v = parse_value(ps, depth + 1);
        if (v == NULL)
            return NULL;
        v->key = key;
        *tail = v;
        tail = &v->next;
        skip_ws(ps);
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p == close) {
            ps->p++;
            return n;
        }
        perr(ps, "expected ',' or the end of a container");
        return NULL;
    }
}

static json_node *parse_value(parser *ps, int depth)
{
    if (depth > 32) {
        perr(ps, "nested too deep");
        return NULL;
    }
    skip_ws(ps);
    char c = *ps->p;
    if (c == '{' || c == '[')
        return parse_container(ps, depth, c == '{');
    if (c == '"') {
        json_node *n = new_node(ps, JSON_STRING);
        if (n != NULL && (n->str = parse_string(ps)) == NULL)
            return NULL;
        return n;
    }
    if (strncmp(ps->p, "true", 4) == 0 || strncmp(ps->p, "false", 5) == 0) {
        json_node *n = new_node(ps, JSON_BOOL);
        if (n != NULL)
            n->num = c == 't';
        ps->p += c == 't' ? 4 : 5;
        return n;
    }
    if (strncmp(ps->p, "null", 4) == 0) {
        ps->p += 4;
        return new_node(ps, JSON_NULL);
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        json_node *n = new_node(ps, JSON_INT);
        if (n == NULL)
            return NULL;
        bool neg = c == '-';
        if (neg)
            ps->p++;
        uint64_t v = 0;
        while (*ps->p >= '0' && *ps->p <= '9')
            v = v * 10 + (uint64_t)(*ps->p++ - '0');
        if (*ps->p == '.' || *ps->p == 'e' || *ps->p == 'E') {
            perr(ps, "only integers are supported");
            return NULL;
        }
        n->num = neg ? -(int64_t)v : (int64_t)v;
        return n;
    }
    perr(ps, "unexpected character");
    return NULL;
}

json_node *json_parse(const char *text, char *err, size_t errcap)
{
    used_nodes = 0;
    used_arena = 0;
    parser ps = { text, err, errcap, false };
    json_node *root = parse_value(&ps, 0);
    if (root == NULL || ps.failed)
        return NULL;
    skip_ws(&ps);
    if (*ps.p != '\0') {
        perr(&ps, "text after the value");
        return NULL;
    }
    return root;
}

json_node *json_get(const json_node *obj, const char *key)
{
    if (obj == NULL || obj->kind != JSON_OBJECT)
        return NULL;
    for (json_node *c = obj->child; c != NULL; c = c->next) {
        if (strcmp(c->key, key) == 0)
            return c;
    }
    return NULL;
}

const char *json_str(const json_node *obj, const char *key)
{
    json_node *n = json_get(obj, key);
    return n != NULL && n->kind == JSON_STRING ? n->str : NULL;
}

bool json_int(const json_node *obj, const char *key, int64_t *out)
{
    json_node *n = json_get(obj, key);
    if (n == NULL || n->kind != JSON_INT)
        return false;
    *out = n->num;
    return true;
}

size_t json_len(const json_node *arr)
{
    size_t n = 0;
    for (json_node *c = arr != NULL ? arr->child : NULL; c != NULL; c = c->next)
        n++;
    return n;
}

json_node *json_at(const json_node *arr, size_t i)
{
    for (json_node *c = arr != NULL ? arr->child : NULL; c != NULL; c = c->next) {
        if (i-- == 0)
            return c;
    }
    return NULL;
}

int64_t json_int_or(const json_node *obj, const char *key, int64_t dflt)
{
    int64_t v;
    return json_int(obj, key, &v) ? v : dflt;
}

bool json_bool_or(const json_node *obj, const char *key, bool dflt)
{
    const json_node *n = json_get(obj, key);
    return n != NULL && n->kind == JSON_BOOL ? n->num != 0 : dflt;
}
