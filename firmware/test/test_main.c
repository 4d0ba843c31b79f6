/* Runs every C test suite.
 * Usage: synergy-c-tests [path/to/proto/vectors [path/to/synergy-emu]] */
#include <stdio.h>

#include "harness.h"
#include "support.h"

void suite_cobs(void);
void suite_crc(void);
void suite_text(void);
void suite_cbor(void);
void suite_frame(void);
void suite_board(void);
void suite_vectors(void);
void suite_emu_parts(void);
void suite_emulator(void);
void suite_sim(void);
void suite_sha256(void);
void suite_segments(void);
void suite_jobs(void);
void suite_sense(void);
void suite_emu_jobs(void);
void suite_sim_memo(void);
void suite_regmodel(void);
void suite_cnn_driver(void);
void suite_reg_layout(void);
void suite_reg_segments(void);
void suite_reg_engine(void);
extern const char *emulator_path;

int main(int argc, char **argv)
{
    if (argc > 1)
        vectors_dir = argv[1];
    if (argc > 2)
        emulator_path = argv[2];
    suite_cobs();
    suite_crc();
    suite_text();
    suite_cbor();
    suite_frame();
    suite_board();
    suite_vectors();
    suite_emu_parts();
    suite_emulator();
    suite_sim();
    suite_sha256();
    suite_segments();
    suite_jobs();
    suite_sense();
    suite_emu_jobs();
    suite_sim_memo();
    suite_cnn_driver();
    suite_reg_layout();
    suite_regmodel();
    suite_reg_engine();
    suite_reg_segments();
    return th_summary();
}
