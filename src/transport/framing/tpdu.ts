/**
 * TPDU (Transport Protocol Data Unit), the 5-byte fixed header of POS/NAC links
 * (jPOS NACChannel, NCCChannel):
 *
 *     60    DD DD           SS SS
 *     id    destination NII  source NII
 *
 * A reply goes back with source and destination swapped (jPOS `tpdu-swap`, default on):
 * request `60 0003 0000` -> reply `60 0000 0003`.
 */

export const TPDU_LENGTH = 5;

/** Write the reply TPDU for `request[at, at + 5)` into `target[to, to + 5)`, NIIs swapped. */
export function writeSwappedTpdu(request: Uint8Array, at: number, target: Uint8Array, to: number): void {
  const id = request[at] as number;
  const d1 = request[at + 1] as number;
  const d2 = request[at + 2] as number;
  target[to] = id;
  target[to + 1] = request[at + 3] as number;
  target[to + 2] = request[at + 4] as number;
  target[to + 3] = d1;
  target[to + 4] = d2;
}
