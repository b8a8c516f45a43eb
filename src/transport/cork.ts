/**
 * Writes issued in one event-loop turn leave in one socket write: the first write of a turn corks
 * the socket, and it is uncorked on the next tick. Shared by ISO 8583 links, XML message links and
 * the acquirer simulator.
 */
import type { Socket } from 'node:net';

/** Cork `socket` for the rest of this turn unless `turn` already did; true when it corked now. */
export function corkForTurn(turn: { corked: boolean }, socket: Socket): boolean {
  if (turn.corked) return false;
  turn.corked = true;
  socket.cork();
  process.nextTick(uncorkTurn, turn, socket);
  return true;
}

function uncorkTurn(turn: { corked: boolean }, socket: Socket): void {
  turn.corked = false;
  if (!socket.destroyed) socket.uncork();
}
