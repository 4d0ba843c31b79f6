// Byte links: the transport side of a board connection.

export * from './byte-link.js';
export * from './serial.js';
export * from './child-stdio.js';
export * from './emulator.js';
export * from './registry.js';
