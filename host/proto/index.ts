// The protocol codec in one import: constants, errors, COBS, CRC-32, frames, the CBOR subset,
// typed messages.

export * from './constants.js';
export * from './errors.js';
export * from './cobs.js';
export * from './crc32.js';
export * from './frame.js';
export * from './cbor.js';
export * from './cbor-subset.js';
export * from './diag.js';
export * from './hex.js';
export * from './schema.js';
export * from './messages.js';
export * from './ranged.js';
export * from './segment-messages.js';
export * from './tensor-messages.js';
export * from './sensing-messages.js';
export * from './receive.js';
export * from './run-splitter.js';
