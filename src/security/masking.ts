import { tlvValueSpans, type TlvItem } from '../codec/iso8583/tlv';

/**
 * Card data masking (PCI DSS 3.4: at most the first six and last four PAN digits may be shown).
 * Applied by default wherever a message is printed, logged or journaled.
 */

/** Luhn (mod 10) check over a string of decimal digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** Keep the first 6 and last 4 digits, mask the rest; short values are masked whole. */
export function maskPan(pan: string): string {
  if (pan.length < 13) return '*'.repeat(pan.length);
  return pan.slice(0, 6) + '*'.repeat(pan.length - 10) + pan.slice(-4);
}

const PAN_RUN = /(?<![A-Za-z0-9])[2-9][0-9]{12,18}(?![0-9])/g;

/**
 * `text` with every standalone run of 13 to 19 digits that passes the Luhn check masked as a PAN
 * (runs starting with 0 or 1 are left: no payment card starts so, and epoch milliseconds do). For
 * text that echoes what a user typed, such as a command-line error.
 */
export function maskPansIn(text: string): string {
  return text.replace(PAN_RUN, (run) => (luhnValid(run) ? maskPan(run) : run));
}

/**
 * Track data: the PAN part before the separator ('=' or 'D' in track 2, '^' in track 1) is masked
 * like a PAN; everything after the separator (expiry, service code, discretionary data) is masked.
 */
export function maskTrack(track: string): string {
  const m = /[=D^]/.exec(track);
  if (!m) return '*'.repeat(track.length);
  const sep = m.index;
  // Track 1 starts with a format code ('B') before the PAN.
  const lead = /^[A-Z%;]/.test(track) ? 1 : 0;
  return track.slice(0, lead) + maskPan(track.slice(lead, sep)) + track[sep] + '*'.repeat(track.length - sep - 1);
}

/** Mask an ISO 8583 field value by data element number. Returns the value unchanged when it is not card data. */
export function maskField(no: number, value: string): string {
  switch (no) {
    case 2:
    case 34:
      return maskPan(value);
    case 35:
    case 36:
    case 45:
      return maskTrack(value);
    case 14:
    case 52:
      return '*'.repeat(value.length);
    default:
      return value;
  }
}

/** EMV tags that carry card data inside field 55: PAN (5A), track 2 equivalent (57), track 1 (56, 9F6B), cardholder name (5F20). */
const CARD_DATA_TAGS = new Set(['5A', '57', '56', '9F6B', '5F20']);

function maskTagValue(tag: string, v: string): string {
  return tag === '5F20' || v.length < 13 ? '*'.repeat(v.length) : maskPan(v);
}

/**
 * Mask card data inside a BER-TLV hex string (field 55): the values of tags 5A/57/56/9F6B keep
 * their first 6 and last 4 hex digits where long enough, 5F20 is masked whole, at any nesting
 * depth. Lengths are kept. Input that does not parse as BER-TLV is masked whole.
 */
export function maskTlvHex(hex: string): string {
  let spans;
  try {
    spans = tlvValueSpans(hex);
  } catch {
    return '*'.repeat(hex.length);
  }
  let out = '';
  let pos = 0;
  for (const sp of spans) {
    if (!CARD_DATA_TAGS.has(sp.tag)) continue;
    const v = hex.slice(sp.start, sp.end);
    out += hex.slice(pos, sp.start) + maskTagValue(sp.tag, v);
    pos = sp.end;
  }
  return out + hex.slice(pos);
}

/** The same masking for decoded TLV items (as printed by `dari iso8583 decode --tlv`). */
export function maskTlvItems(items: readonly TlvItem[]): TlvItem[] {
  return items.map((it) => {
    if (it.children) return { ...it, value: maskTlvHex(it.value), children: maskTlvItems(it.children) };
    if (!CARD_DATA_TAGS.has(it.tag)) return it;
    return { ...it, value: maskTagValue(it.tag, it.value) };
  });
}
