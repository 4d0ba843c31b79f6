/* Segment description pieces as CBOR; see seg_cbor.h. */
#include "seg_cbor.h"

void seg_write_pair(cbor_writer *w, const uint8_t p[2])
{
    syn_cbor_write_array(w, 2);
    syn_cbor_write_uint(w, p[0]);
    syn_cbor_write_uint(w, p[1]);
}

void seg_write_shape(cbor_writer *w, accel_shape s)
{
    syn_cbor_write_array(w, 3);
    syn_cbor_write_uint(w, s.c);
    syn_cbor_write_uint(w, s.h);
    syn_cbor_write_uint(w, s.w);
}

void seg_write_tensor(cbor_writer *w, const accel_tensor *t)
{
    syn_cbor_write_map(w, 3);
    syn_cbor_write_uint(w, 0); syn_cbor_write_int(w, t->source);
    syn_cbor_write_uint(w, 1); seg_write_shape(w, t->shape);
    syn_cbor_write_uint(w, 2); syn_cbor_write_uint(w, t->width);
}

void seg_write_layer(cbor_writer *w, const accel_layer *l, unsigned extra)
{
    syn_cbor_write_map(w, 34u + extra);
    syn_cbor_write_uint(w, 0); syn_cbor_write_uint(w, l->index);
    syn_cbor_write_uint(w, 1); syn_cbor_write_cstr(w, l->name);
    syn_cbor_write_uint(w, 2); syn_cbor_write_uint(w, l->op);
    syn_cbor_write_uint(w, 3); syn_cbor_write_uint(w, l->eltwise);
    syn_cbor_write_uint(w, 4); syn_cbor_write_uint(w, l->operands);
    syn_cbor_write_uint(w, 5); syn_cbor_write_bool(w, l->pool_first);
    syn_cbor_write_uint(w, 6); seg_write_pair(w, l->kernel);
    syn_cbor_write_uint(w, 7); seg_write_pair(w, l->pad);
    syn_cbor_write_uint(w, 8); seg_write_pair(w, l->stride);
    syn_cbor_write_uint(w, 9); seg_write_pair(w, l->dilation);
    syn_cbor_write_uint(w, 10); syn_cbor_write_uint(w, l->output_pad);
    syn_cbor_write_uint(w, 11); syn_cbor_write_uint(w, l->groups);
    syn_cbor_write_uint(w, 12); syn_cbor_write_bool(w, l->depthwise);
    syn_cbor_write_uint(w, 13); syn_cbor_write_uint(w, l->activation);
    syn_cbor_write_uint(w, 14); syn_cbor_write_uint(w, l->pool_type);
    syn_cbor_write_uint(w, 15); seg_write_pair(w, l->pool_size);
    syn_cbor_write_uint(w, 16); seg_write_pair(w, l->pool_stride);
    syn_cbor_write_uint(w, 17); syn_cbor_write_bool(w, l->flatten);
    syn_cbor_write_uint(w, 18); syn_cbor_write_uint(w, l->output_width);
    syn_cbor_write_uint(w, 19);
    syn_cbor_write_array(w, l->n_sources);
    for (unsigned k = 0; k < l->n_sources; k++)
        syn_cbor_write_int(w, l->sources[k]);
    syn_cbor_write_uint(w, 20); seg_write_shape(w, l->input_shape);
    syn_cbor_write_uint(w, 21); seg_write_shape(w, l->operand_shape);
    syn_cbor_write_uint(w, 22); seg_write_shape(w, l->pooled_shape);
    syn_cbor_write_uint(w, 23); seg_write_shape(w, l->output_shape);
    syn_cbor_write_uint(w, 24); syn_cbor_write_uint(w, l->weight_bits);
    syn_cbor_write_uint(w, 25); syn_cbor_write_bool(w, l->bias_present);
    syn_cbor_write_uint(w, 26); syn_cbor_write_int(w, l->output_shift);
    syn_cbor_write_uint(w, 27); syn_cbor_write_bool(w, l->streaming);
    syn_cbor_write_uint(w, 28); syn_cbor_write_uint(w, l->processors);
    syn_cbor_write_uint(w, 29); syn_cbor_write_uint(w, l->output_processors);
    syn_cbor_write_uint(w, 30); syn_cbor_write_uint(w, l->in_offset);
    syn_cbor_write_uint(w, 31); syn_cbor_write_uint(w, l->out_offset);
    syn_cbor_write_uint(w, 32); syn_cbor_write_uint(w, l->data_format);
    syn_cbor_write_uint(w, 33); syn_cbor_write_uint(w, l->write_gap);
}
