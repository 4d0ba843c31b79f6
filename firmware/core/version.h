/* Firmware version reported in hello and boot (semver). */
#ifndef SYNERGY_VERSION_H
#define SYNERGY_VERSION_H

#define SYN_FIRMWARE_VERSION "0.1.0"

#endif
