/**
 * Card data masking (PCI DSS 3.4: at most the first six and last four PAN digits may be shown).
 * Applied by default wherever a message is printed, logged or journaled.
 */

/** Keep the first 6 and last 4 digits, mask the rest; short values are masked whole. */
export function maskPan(pan: string): string {
  if (pan.length < 13) return '*'.repeat(pan.length);
  return pan.slice(0, 6) + '*'.repeat(pan.length - 10) + pan.slice(-4);
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
