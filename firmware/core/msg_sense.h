/* Sensing and delivery (PROTOCOL.md section 10): sense, deliver, outputs (sensors.h). */
#ifndef SYNERGY_MSG_SENSE_H
#define SYNERGY_MSG_SENSE_H

#include "board.h"
#include "msg_handlers.h"

bool syn_board_encode_sense(cbor_writer *w, uint64_t frame, uint64_t t_us, const uint32_t shape[3]);
bool syn_board_encode_deliver(cbor_writer *w, uint32_t count);
/* kinds[i] and records[i] for each of n outputs. */
bool syn_board_encode_outputs(cbor_writer *w, const char *const *kinds, const output_record *records, size_t n);

#endif
