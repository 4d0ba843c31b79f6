// Registers the remote link kinds: ws:// (a board an agent serves) and rfc2217:// (a serial
// port a terminal server such as ser2net exports).

import { registerLinkKind } from './registry.js';
import { WsLink } from './ws-link.js';
import { Rfc2217Link } from './rfc2217-link.js';

registerLinkKind('ws', (location) => WsLink.open(location));
registerLinkKind('rfc2217', (location) => Rfc2217Link.open(location));
