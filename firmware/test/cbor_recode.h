/* Copies one CBOR item of the subset through the reader and writer: for deterministic input the
 * bytes come back the same. False when the item is refused or nests too deep. */
#ifndef SYNERGY_TEST_CBOR_RECODE_H
#define SYNERGY_TEST_CBOR_RECODE_H

#include <stdbool.h>

#include "cbor.h"

bool cbor_recode(cbor_reader *r, cbor_writer *w);

#endif
