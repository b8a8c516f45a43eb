/**
 * Exact decimal arithmetic for FX and fees: BigInt only, never a JavaScript number, so that no
 * binary floating-point error can reach an amount.
 *
 * Rounding rule (the one rule of the FX and fee code): round half up, i.e. to the nearest integer,
 * and a result exactly halfway goes away from zero (24.785 -> 24.79). It is the rule Council
 * Regulation (EC) No 1103/97 art. 5 set for euro conversions ("if the result is exactly halfway,
 * the sum shall be rounded up"), and the one card schemes and most switches use for converted
 * amounts. Every figure is rounded once, from an exact intermediate.
 */

/** `num / den` rounded half up (ties away from zero). `den` must not be zero. */
export function divRound(num: bigint, den: bigint): bigint {
  const negative = num < 0n !== den < 0n;
  const n = num < 0n ? -num : num;
  const d = den < 0n ? -den : den;
  let q = n / d;
  if ((n % d) * 2n >= d) q += 1n;
  return negative ? -q : q;
}

/** A positive exact ratio (rates are kept exact until they are rounded once). */
export interface Ratio {
  num: bigint;
  den: bigint;
}

const DECIMAL = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

/** "0.0865" as 865/10000; null when `text` is not an unsigned decimal (digits, optional "." and digits). */
export function parseDecimal(text: string): Ratio | null {
  const m = DECIMAL.exec(text);
  if (!m) return null;
  const frac = m[2] ?? '';
  return { num: BigInt(m[1]! + frac), den: 10n ** BigInt(frac.length) };
}

/** `r` rounded half up to `decimals` places, as an integer scaled by 10^decimals. */
export function scaleRatio(r: Ratio, decimals: number): bigint {
  return divRound(r.num * 10n ** BigInt(decimals), r.den);
}

/** An integer scaled by 10^decimals as a decimal string without trailing zeros: 86500000000n, 12 -> "0.0865". */
export function formatScaled(scaled: bigint, decimals: number): string {
  const sign = scaled < 0n ? '-' : '';
  const digits = (scaled < 0n ? -scaled : scaled).toString().padStart(decimals + 1, '0');
  const int = digits.slice(0, digits.length - decimals);
  const frac = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return frac ? `${sign}${int}.${frac}` : `${sign}${int}`;
}
