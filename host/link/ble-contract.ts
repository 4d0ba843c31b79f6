// The GATT contract of a BLE board (proto/PROTOCOL.md section 11): one service with the Nordic
// UART Service's shape, a characteristic the host writes without response (bytes to the board)
// and one the board notifies (bytes from the board). Both sides of the contract (BleLink and the
// BlueZ stand-in) take the UUIDs and the address rules from here.

/** The service, as BlueZ reports it: full 128-bit, lower case. */
export const SYNERGY_SERVICE_UUID = '6e400001-b5a3-f393-e0a9-e50e24dcca9e';
/** Host to board: write without response ("command"), MTU - 3 bytes per write. */
export const SYNERGY_RX_UUID = '6e400002-b5a3-f393-e0a9-e50e24dcca9e';
/** Board to host: notify, MTU - 3 bytes per notification. */
export const SYNERGY_TX_UUID = '6e400003-b5a3-f393-e0a9-e50e24dcca9e';

const ADDRESS = /^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/;

/** A BLE device address in BlueZ's spelling (upper case, colons); throws naming what is wrong. */
export function normalizeBleAddress(address: string): string {
  const upper = address.trim().toUpperCase();
  if (!ADDRESS.test(upper)) {
    throw new Error(`BLE address "${address}" is not six colon-separated hex bytes like AA:BB:CC:DD:EE:FF`);
  }
  return upper;
}

/** BlueZ's object path of a device under an adapter: /org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF. */
export function bluezDevicePath(adapter: string, address: string): string {
  return `/org/bluez/${adapter}/dev_${normalizeBleAddress(address).replace(/:/g, '_')}`;
}
