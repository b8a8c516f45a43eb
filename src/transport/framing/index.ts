/**
 * TCP framing: the public surface. Bytes in, frames out, and back; no sockets, no timers, no codec.
 *
 *     const config  = framingConfig({ lengthHeader: 'binary2', tpdu: true, keepAlive: 'answer' });
 *     const decoder = new FrameDecoder(config, sink);   // decoder.push(chunk) per socket 'data'; decoder.end() on 'end'
 *     const encoder = new FrameEncoder(config);          // encoder.encode(message, header) -> frame
 *     const policy  = new KeepAlivePolicy(config);       // policy.received(now) on each reported keep-alive
 */
export { framingConfig, FramingConfig, MAX_FRAME_SIZE_LIMIT, type FramingOptions, type KeepAliveMode } from './options';
export { FrameDecoder, type FrameSink } from './decoder';
export { FrameEncoder, type BodyWriter } from './encoder';
export { KeepAlivePolicy, type KeepAliveVerdict } from './keep-alive';
export { LENGTH_HEADER_MAX, LENGTH_HEADER_SIZE, type LengthKind } from './length-header';
