// Boards: sessions, discovery, the emulated desk.

export * from './session.js';
export * from './session-error.js';
export * from './host-stats.js';
export * from './discovery.js';
export * from '../link/emulator-registry.js';
export * from './emulated-desk.js';
export * from './usb-ports.js';
export * from './open.js';
export * from './rtt.js';
