/* Request field readers; see msg_fields.h. */
#include "msg_fields.h"

#include <string.h>

const char *syn_request_name(const board_request *req)
{
    const board_handler *h = syn_board_find_handler(req->type);
    return h != NULL ? h->name : "request";
}

const char *syn_text_copy(char *buf, size_t cap, const char *text, size_t len)
{
    char wide[SYN_CBOR_MAX_TEXT + 1];
    size_t n = len < SYN_CBOR_MAX_TEXT ? len : SYN_CBOR_MAX_TEXT;
    memcpy(wide, text, n);
    wide[n] = '\0';
    syn_copy_utf8(buf, cap, wide);
    return buf;
}

static bool missing(const board_request *req, uint64_t key, const char *name, const char *type, board_fault *fault)
{
    syn_board_failf(fault, SYN_ERR_BAD_BODY, "%s field %lu (%s) must be %s", syn_request_name(req), (unsigned long)key, name, type);
    return false;
}

bool syn_field_uint(const board_request *req, uint64_t key, const char *name, uint64_t max, uint64_t *out,
                board_fault *fault)
{
    cbor_reader v;
    if (!syn_board_field(req, key, &v) || !syn_cbor_read_uint(&v, out))
        return missing(req, key, name, "an unsigned integer", fault);
    if (*out > max) {
        syn_board_failf(fault, SYN_ERR_BAD_ARGUMENT, "%s %s: %llu is above %llu", syn_request_name(req), name,
                    (unsigned long long)*out, (unsigned long long)max);
        return false;
    }
    return true;
}

bool syn_field_text(const board_request *req, uint64_t key, const char *name, const char **text, size_t *len,
                board_fault *fault)
{
    cbor_reader v;
    if (!syn_board_field(req, key, &v) || !syn_cbor_read_text(&v, text, len))
        return missing(req, key, name, "a text string", fault);
    return true;
}

bool syn_field_segment_id(const board_request *req, uint64_t key, const char *name, const char **id, size_t *len,
                      board_fault *fault)
{
    char why[SYN_ERR_MSG_MAX + 1];
    if (!syn_field_text(req, key, name, id, len, fault))
        return false;
    if (syn_segstore_id_problem(*id, *len, why, sizeof why) != NULL) {
        syn_board_failf(fault, SYN_ERR_BAD_ARGUMENT, "%s %s: %s", syn_request_name(req), name, why);
        return false;
    }
    return true;
}

bool syn_field_bytes(const board_request *req, uint64_t key, const char *name, const uint8_t **data, size_t *len,
                 board_fault *fault)
{
    cbor_reader v;
    if (!syn_board_field(req, key, &v) || !syn_cbor_read_bytes(&v, data, len))
        return missing(req, key, name, "a byte string", fault);
    return true;
}

bool syn_field_opt_bool(const board_request *req, uint64_t key, const char *name, bool dflt, bool *out,
                    board_fault *fault)
{
    cbor_reader v;
    if (!syn_board_field(req, key, &v)) {
        *out = dflt;
        return true;
    }
    if (!syn_cbor_read_bool(&v, out))
        return missing(req, key, name, "true or false", fault);
    return true;
}

bool syn_field_slots(const board_request *req, uint64_t key, const char *name, uint8_t *slots, size_t max, size_t *n,
                 board_fault *fault)
{
    cbor_reader v;
    size_t count;
    if (!syn_board_field(req, key, &v) || !syn_cbor_read_array(&v, &count))
        return missing(req, key, name, "an array of slots", fault);
    if (count > max) {
        syn_board_failf(fault, SYN_ERR_BAD_ARGUMENT, "%s %s: %lu slots, at most %lu", syn_request_name(req), name,
                    (unsigned long)count, (unsigned long)max);
        return false;
    }
    for (size_t i = 0; i < count; i++) {
        uint64_t s;
        if (!syn_cbor_read_uint(&v, &s))
            return missing(req, key, name, "an array of slots", fault);
        if (s >= SYN_TENSOR_SLOTS) {
            syn_board_failf(fault, SYN_ERR_BAD_ARGUMENT, "%s %s[%lu]: slot %llu, slots are 0..%u", syn_request_name(req), name,
                        (unsigned long)i, (unsigned long long)s, SYN_TENSOR_SLOTS - 1u);
            return false;
        }
        slots[i] = (uint8_t)s;
    }
    *n = count;
    return true;
}
