/**
 * ISO 8583 date and time fields to ISO 20022 date-times, and back.
 *
 * ISO 8583:1987 carries no year: field 7 (transmission, MMDDhhmmss, UTC), field 12 (local time
 * hhmmss) and field 13 (local date MMDD) at the acquirer. The year is the one that puts the moment
 * closest to `now` (a message sent at 23:59:59 on 31 December and read after midnight UTC keeps its
 * year). Local times take the acquirer's time zone (an IANA name such as Asia/Jakarta, or a fixed
 * offset such as +07:00) and are written with their offset, as ISO 20022 ISODateTime allows.
 */
import { DariError } from '../errors';

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function parts(s: string, field: string, lengths: number[]): number[] {
  if (!/^\d+$/.test(s) || s.length !== lengths.reduce((a, b) => a + b, 0)) {
    throw new DariError('DARI_TRANSLATE_INVALID', `field ${field} is not a date/time of ${lengths.reduce((a, b) => a + b, 0)} digits`, { field });
  }
  const out: number[] = [];
  let at = 0;
  for (const l of lengths) {
    out.push(Number(s.slice(at, at + l)));
    at += l;
  }
  return out;
}

/** The year (of now-1, now, now+1) that puts month/day closest to `now`. */
function nearestYear(month: number, day: number, hh: number, mm: number, ss: number, now: Date, offsetMinutes: number): number {
  const y = now.getUTCFullYear();
  let best = y;
  let bestDist = Infinity;
  for (const cand of [y - 1, y, y + 1]) {
    const t = Date.UTC(cand, month - 1, day, hh, mm, ss) - offsetMinutes * 60_000;
    const d = Math.abs(t - now.getTime());
    if (d < bestDist) {
      bestDist = d;
      best = cand;
    }
  }
  return best;
}

function checkRanges(field: string, month: number, day: number, hh = 0, mm = 0, ss = 0): void {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 59) {
    throw new DariError('DARI_TRANSLATE_INVALID', `field ${field} is not a valid date/time`, { field });
  }
}

/** Field 7 (MMDDhhmmss, UTC) as an ISO 8601 UTC date-time, e.g. 2026-11-26T14:30:00Z. */
export function transmissionToIso(de7: string, now = new Date()): string {
  const [mo, d, h, mi, s] = parts(de7, '7', [2, 2, 2, 2, 2]) as [number, number, number, number, number];
  checkRanges('7', mo, d, h, mi, s);
  const y = nearestYear(mo, d, h, mi, s, now, 0);
  return `${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}Z`;
}

/** An ISO date-time as field 7 (MMDDhhmmss, UTC). */
export function isoToTransmission(iso: string): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) throw new DariError('DARI_TRANSLATE_INVALID', `"${iso.slice(0, 40)}" is not an ISO date-time`);
  return pad(t.getUTCMonth() + 1) + pad(t.getUTCDate()) + pad(t.getUTCHours()) + pad(t.getUTCMinutes()) + pad(t.getUTCSeconds());
}

/** One formatter per IANA zone (building an Intl.DateTimeFormat costs about 0.3 ms). */
const formatters = new Map<string, Intl.DateTimeFormat>();
/** The last offset found per zone, valid for the quarter hour it was computed in (offsets change on quarter hours at most). */
const offsets = new Map<string, { slot: number; minutes: number }>();
const QUARTER_HOUR = 15 * 60_000;

/** Offset in minutes east of UTC of a time zone (IANA name or ±hh:mm) at an instant. */
export function zoneOffsetMinutes(zone: string, at: Date): number {
  const fixed = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (fixed) return (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 60 + Number(fixed[3]));
  if (zone === 'UTC' || zone === 'Z') return 0;
  const slot = Math.floor(at.getTime() / QUARTER_HOUR);
  const known = offsets.get(zone);
  if (known && known.slot === slot) return known.minutes;
  let f = formatters.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    } catch {
      throw new DariError('DARI_CONFIG_INVALID', `time zone "${zone}" is not an IANA zone name or a ±hh:mm offset`);
    }
    formatters.set(zone, f);
  }
  const name = f.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value;
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name ?? '');
  const minutes = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  offsets.set(zone, { slot, minutes });
  return minutes;
}

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const a = Math.abs(minutes);
  return `${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/** Fields 13 (MMDD) and 12 (hhmmss), local at the acquirer, as an ISO date-time with offset. */
export function localToIso(de13: string, de12: string, zone: string, now = new Date()): string {
  const [mo, d] = parts(de13, '13', [2, 2]) as [number, number];
  const [h, mi, s] = parts(de12, '12', [2, 2, 2]) as [number, number, number];
  checkRanges('13', mo, d, h, mi, s);
  const off = zoneOffsetMinutes(zone, now);
  const y = nearestYear(mo, d, h, mi, s, now, off);
  return `${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}${offsetText(off)}`;
}

/** An ISO date-time as local fields 13 (MMDD) and 12 (hhmmss) in a zone. */
export function isoToLocal(iso: string, zone: string): { de13: string; de12: string } {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) throw new DariError('DARI_TRANSLATE_INVALID', `"${iso.slice(0, 40)}" is not an ISO date-time`);
  const l = new Date(t.getTime() + zoneOffsetMinutes(zone, t) * 60_000);
  return { de13: pad(l.getUTCMonth() + 1) + pad(l.getUTCDate()), de12: pad(l.getUTCHours()) + pad(l.getUTCMinutes()) + pad(l.getUTCSeconds()) };
}

/** ISO date (YYYY-MM-DD) of an instant in a zone: the interbank settlement date. */
export function isoDateIn(zone: string, at = new Date()): string {
  const l = new Date(at.getTime() + zoneOffsetMinutes(zone, at) * 60_000);
  return `${l.getUTCFullYear()}-${pad(l.getUTCMonth() + 1)}-${pad(l.getUTCDate())}`;
}
