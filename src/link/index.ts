/**
 * ISO 8583 links: the public surface.
 *
 *     const link = new Link({ role: 'client', host, port, codec, framing: { lengthHeader: 'binary2' }, signOn: true }).start();
 *     const { response } = await link.request({ mti: '0200', fields: { ... } });
 *     const pool = new LinkPool({ id: 'partner', links: [optionsA, optionsB] }).start();
 *     acceptLink(socket, { codec, framing, onRequest: (msg, reply) => reply(answer) });
 */
export { Link, acceptLink, type LinkState, type LinkEventMap, type LinkStats, type DisconnectInfo, type DisconnectReason, type FormatErrorInfo, type UnmatchedReason } from './link';
export { LinkPool, type LinkPoolOptions, type LinkStatus, type LinkPoolEventMap } from './pool';
export { linkConfig, LINK_DEFAULTS, type LinkOptions, type LinkConfig, type LinkRole, type Reply, type RequestHandler } from './options';
export { LinkError } from './errors';
export { defaultMatchKey, foldMti, keyByClass, keyByFields, DEFAULT_KEY_FIELDS, DEFAULT_NETWORK_KEY_FIELDS, type MatchKey } from './match-key';
export { LINK_CHANNEL_NAMES } from './diagnostics';
export { responseMti, isResponseMti, type Sender, type SendOptions, type Exchange } from './types';
export { MessageLink, MessageLinkPool, XML_FRAMING, type MessageLinkOptions, type MessageLinkState } from './message-link';
