/**
 * `node:diagnostics_channel` channels the links publish on (undici's lib/core/diagnostics.js idea):
 * the hot path publishes plain objects only when a channel has subscribers, and metrics or logs
 * subscribe. Payloads never carry a message or its bytes (no card data), only ids, MTIs and keys
 * (a key holds the fields named by `keyFields`: terminal id, STAN, time by default).
 *
 * | channel                     | payload                                                                          |
 * | --------------------------- | -------------------------------------------------------------------------------- |
 * | `dari:link:state`           | `{ link, state, previous, reason? }` each state change (`reason` on a disconnect) |
 * | `dari:link:request`         | `{ link, key, mti, inFlight, internal }` a request handed to the socket (or queued behind backpressure) |
 * | `dari:link:response`        | `{ link, key, mti, waitSeconds, inFlight }` a response matched its request           |
 * | `dari:link:timeout`         | `{ link, key, mti, timeoutMs, sent }` a request timed out                       |
 * | `dari:link:late`            | `{ link, key, mti }` a response for a key that timed out recently                 |
 * | `dari:link:unmatched`       | `{ link, key, mti, reason }` a response matching nothing: `reason` is `'duplicate'` (key answered recently) or `'unknown'` |
 * | `dari:link:frame-error`     | `{ link, code, message, offset }` the byte stream is not framed as configured (the connection closes) |
 * | `dari:link:format-error`    | `{ link, code, message, field, offset, mti }` a frame the codec cannot unpack (the connection stays up) |
 * | `dari:link:incoming`        | `{ link, mti, network }` a request from the peer (`network`: answered by the link itself) |
 * | `dari:link:sign-on`         | `{ link, ok, code?, responseCode? }` outcome of each sign-on attempt           |
 * | `dari:link:echo`            | `{ link, ok }` outcome of each echo test                                          |
 * | `dari:link:backpressure`    | `{ link, queued }` the socket refused more data; `queued` frames wait for 'drain' |
 */
import dc from 'node:diagnostics_channel';

export const linkChannels = Object.freeze({
  state: dc.channel('dari:link:state'),
  request: dc.channel('dari:link:request'),
  response: dc.channel('dari:link:response'),
  timeout: dc.channel('dari:link:timeout'),
  late: dc.channel('dari:link:late'),
  unmatched: dc.channel('dari:link:unmatched'),
  frameError: dc.channel('dari:link:frame-error'),
  formatError: dc.channel('dari:link:format-error'),
  incoming: dc.channel('dari:link:incoming'),
  signOn: dc.channel('dari:link:sign-on'),
  echo: dc.channel('dari:link:echo'),
  backpressure: dc.channel('dari:link:backpressure'),
});

/** Names of the channels above, for subscribers. */
export const LINK_CHANNEL_NAMES = Object.freeze({
  state: 'dari:link:state',
  request: 'dari:link:request',
  response: 'dari:link:response',
  timeout: 'dari:link:timeout',
  late: 'dari:link:late',
  unmatched: 'dari:link:unmatched',
  frameError: 'dari:link:frame-error',
  formatError: 'dari:link:format-error',
  incoming: 'dari:link:incoming',
  signOn: 'dari:link:sign-on',
  echo: 'dari:link:echo',
  backpressure: 'dari:link:backpressure',
} as const);
