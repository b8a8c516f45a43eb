/**
 * Request/response correlation keys (reference note section 3, jPOS QMUX).
 *
 * The default key is the folded MTI plus fields 41 (terminal id), 11 (STAN) and 7 (transmission
 * date and time), an absent field counting as empty. Folding maps a response MTI onto its request
 * MTI and keeps message classes apart:
 *
 *   digit 1 (version)  kept:    0200 and 1200 never match
 *   digit 2 (class)    kept:    0200 (financial) and 0400 (reversal) stay apart even with the same
 *                               STAN, so a reversal reusing the original STAN does not collide
 *   digit 3 (function) folded 0,1->0 2,3->2 4,5->4 6,7->6 (QMUX table `0022446689`): 0210 -> 0200,
 *                               0430 -> 0420; 8 and 9 kept
 *   digit 4 (origin)   folded 0,1->0 2,3->2 4,5->4 (ISO 8583:1987 4.1.4: odd = repeat): 0421 -> 0420,
 *                               so 0430 answers a repeated 0421; 6..9 kept
 *
 * STAN alone is not unique enough at scale (iso8583-connection #39/#40), hence terminal and time.
 */
import type { Iso8583Message } from '../codec/iso8583';

/** Computes the correlation key of a request or of the response that answers it (same key). */
export type MatchKey = (msg: Iso8583Message) => string;

/** Field numbers of the default key, in key order. */
export const DEFAULT_KEY_FIELDS: readonly string[] = Object.freeze(['41', '11', '7']);

const FOLD_FUNCTION = '0022446689';
const FOLD_ORIGIN = '0022446789';

/** The MTI with its function and origin digits folded (0210 -> 0200, 0430 -> 0420, 0421 -> 0420). */
export function foldMti(mti: string): string {
  if (mti.length !== 4) return mti;
  const f = mti.charCodeAt(2) - 0x30;
  const o = mti.charCodeAt(3) - 0x30;
  if (f < 0 || f > 9 || o < 0 || o > 9) return mti;
  return mti.slice(0, 2) + FOLD_FUNCTION.charAt(f) + FOLD_ORIGIN.charAt(o);
}

/**
 * A key function over the folded MTI and `fields` (absent = empty), e.g. `['42', '41', '11']`.
 * Values are joined with `|`; the fields of a key are normally fixed-length, so this is unambiguous.
 */
export function keyByFields(fields: readonly string[]): MatchKey {
  const list = fields.slice();
  if (list.length === 3) {
    const [a, b, c] = list as [string, string, string];
    return (m) => {
      const f = m.fields;
      return `${foldMti(m.mti)}|${f[a] ?? ''}|${f[b] ?? ''}|${f[c] ?? ''}`;
    };
  }
  return (m) => {
    let key = foldMti(m.mti);
    const f = m.fields;
    for (const n of list) key += `|${f[n] ?? ''}`;
    return key;
  };
}

/**
 * Fields of the key for network management messages (MTI class 8: sign-on, echo, key change).
 * STAN only: many switches drop 41 and even 7 from their 0810 (tilln/jmeter-iso8583 #54, #69),
 * and the link's own 0800 STANs are unique per link (jPOS QMUX allows a key per MTI class,
 * `<key mti="08">`).
 */
export const DEFAULT_NETWORK_KEY_FIELDS: readonly string[] = Object.freeze(['11']);

/** A key that uses `network` fields for MTI class 8 and `financial` fields for every other class. */
export function keyByClass(financial: readonly string[], network: readonly string[]): MatchKey {
  const fin = keyByFields(financial);
  const net = keyByFields(network);
  return (m) => (m.mti.charCodeAt(1) === 0x38 ? net(m) : fin(m));
}

/** The default key: folded MTI | 41 | 11 | 7, and folded MTI | 11 for network management. */
export const defaultMatchKey: MatchKey = keyByClass(DEFAULT_KEY_FIELDS, DEFAULT_NETWORK_KEY_FIELDS);
