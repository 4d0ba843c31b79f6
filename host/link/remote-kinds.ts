// Registers the remote link kinds: ws:// (a board a synergy agent serves, docs/remote.md) and
// rfc2217:// (a serial port a terminal server such as ser2net exports). Both are full duplex:
// the agent's and the terminal server's boards sit behind UARTs.

import { registerLinkKind } from './registry.js';
import { WsLink } from './ws-link.js';
import { Rfc2217Link } from './rfc2217-link.js';

registerLinkKind('ws', async (_rest, location) => ({ link: await WsLink.open(location), location, duplex: 'full' }));
registerLinkKind('rfc2217', async (_rest, location) => ({ link: await Rfc2217Link.open(location), location, duplex: 'full' }));
