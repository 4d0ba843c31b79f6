/* Segment description pieces as CBOR; see seg_cbor.h. */
#include "seg_cbor.h"

void seg_write_pair(cbor_writer *w, const uint8_t p[2])
{
    cbor_write_array(w, 2);
    cbor_write_uint(w, p[0]);
    cbor_write_uint(w, p[1]);
}

void seg_write_shape(cbor_writer *w, accel_shape s)
{
    cbor_write_array(w, 3);
    cbor_write_uint(w, s.c);
    cbor_write_uint(w, s.h);
    cbor_write_uint(w, s.w);
}

void seg_write_tensor(cbor_writer *w, const accel_tensor *t)
{
    cbor_write_map(w, 3);
    cbor_write_uint(w, 0); cbor_write_int(w, t->source);
    cbor_write_uint(w, 1); seg_write_shape(w, t->shape);
    cbor_write_uint(w, 2); cbor_write_uint(w, t->width);
}

void seg_write_layer(cbor_writer *w, const accel_layer *l, unsigned extra)
{
    cbor_write_map(w, 34u + extra);
    cbor_write_uint(w, 0); cbor_write_uint(w, l->index);
    cbor_write_uint(w, 1); cbor_write_cstr(w, l->name);
    cbor_write_uint(w, 2); cbor_write_uint(w, l->op);
    cbor_write_uint(w, 3); cbor_write_uint(w, l->eltwise);
    cbor_write_uint(w, 4); cbor_write_uint(w, l->operands);
    cbor_write_uint(w, 5); cbor_write_bool(w, l->pool_first);
    cbor_write_uint(w, 6); seg_write_pair(w, l->kernel);
    cbor_write_uint(w, 7); seg_write_pair(w, l->pad);
    cbor_write_uint(w, 8); seg_write_pair(w, l->stride);
    cbor_write_uint(w, 9); seg_write_pair(w, l->dilation);
    cbor_write_uint(w, 10); cbor_write_uint(w, l->output_pad);
    cbor_write_uint(w, 11); cbor_write_uint(w, l->groups);
    cbor_write_uint(w, 12); cbor_write_bool(w, l->depthwise);
    cbor_write_uint(w, 13); cbor_write_uint(w, l->activation);
    cbor_write_uint(w, 14); cbor_write_uint(w, l->pool_type);
    cbor_write_uint(w, 15); seg_write_pair(w, l->pool_size);
    cbor_write_uint(w, 16); seg_write_pair(w, l->pool_stride);
    cbor_write_uint(w, 17); cbor_write_bool(w, l->flatten);
    cbor_write_uint(w, 18); cbor_write_uint(w, l->output_width);
    cbor_write_uint(w, 19);
    cbor_write_array(w, l->n_sources);
    for (unsigned k = 0; k < l->n_sources; k++)
        cbor_write_int(w, l->sources[k]);
    cbor_write_uint(w, 20); seg_write_shape(w, l->input_shape);
    cbor_write_uint(w, 21); seg_write_shape(w, l->operand_shape);
    cbor_write_uint(w, 22); seg_write_shape(w, l->pooled_shape);
    cbor_write_uint(w, 23); seg_write_shape(w, l->output_shape);
    cbor_write_uint(w, 24); cbor_write_uint(w, l->weight_bits);
    cbor_write_uint(w, 25); cbor_write_bool(w, l->bias_present);
    cbor_write_uint(w, 26); cbor_write_int(w, l->output_shift);
    cbor_write_uint(w, 27); cbor_write_bool(w, l->streaming);
    cbor_write_uint(w, 28); cbor_write_uint(w, l->processors);
    cbor_write_uint(w, 29); cbor_write_uint(w, l->output_processors);
    cbor_write_uint(w, 30); cbor_write_uint(w, l->in_offset);
    cbor_write_uint(w, 31); cbor_write_uint(w, l->out_offset);
    cbor_write_uint(w, 32); cbor_write_uint(w, l->data_format);
    cbor_write_uint(w, 33); cbor_write_uint(w, l->write_gap);
}
