/**
 * Reals as Open vSwitch writes them: C's `printf("%.15g")` (`DBL_DIG` significant digits), in
 * `ovsdb_atom_to_string` (lib/ovsdb-data.c) and in `json_serialize` (lib/json.c) alike, rounded
 * half to even on the exact binary value as glibc rounds.
 *
 * @since 0.1.0
 */

/** `DBL_DIG`: the significant digits Open vSwitch prints a real with. */
const DIGITS = 15

/** The smallest normal double: below it, precision runs out. */
const MIN_NORMAL = 2.2250738585072014e-308

/** Scratch space to read a double's bits. */
const bits = new DataView(new ArrayBuffer(8))

/**
 * The exact decimal digits of |x| (finite, non-zero), with the decimal exponent of the first one:
 * x = m·2^e exactly, and m·2^e = m·5^-e / 10^-e when e < 0.
 */
const exactDigits = (x: number): { readonly digits: string; readonly exponent: number } => {
  bits.setFloat64(0, Math.abs(x))
  const high = bits.getUint32(0)
  const biased = (high >>> 20) & 0x7ff
  let mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(bits.getUint32(4))
  let e = -1074
  if (biased !== 0) {
    mantissa |= 1n << 52n
    e = biased - 1075
  }
  const digits = e >= 0 ? (mantissa << BigInt(e)).toString() : (mantissa * 5n ** BigInt(-e)).toString()
  return { digits, exponent: digits.length - 1 + (e >= 0 ? 0 : e) }
}

/** The first `DIGITS` digits of the exact value rounded half to even, as glibc's printf rounds. */
const roundHalfEven = (x: number): { readonly digits: string; readonly exponent: number } => {
  const { digits, exponent } = exactDigits(x)
  const padded = digits.padEnd(DIGITS, "0")
  const head = padded.slice(0, DIGITS)
  const rest = padded.slice(DIGITS)
  const first = rest.length === 0 ? 0 : rest.charCodeAt(0) - 48
  const beyond = /[1-9]/.test(rest.slice(1))
  const odd = (head.charCodeAt(DIGITS - 1) - 48) % 2 === 1
  if (first < 5 || (first === 5 && !beyond && !odd)) return { digits: head, exponent }
  const bumped = (BigInt(head) + 1n).toString()
  return bumped.length > DIGITS
    ? { digits: bumped.slice(0, DIGITS), exponent: exponent + 1 }
    : { digits: bumped, exponent }
}

/**
 * The digits of |x|'s shortest round-trip text (JavaScript's `String`), when there are at most
 * `DIGITS` of them: printf's rounding to `DIGITS` digits then gives the same ones, since the
 * double lies within half a unit in its last place of that text, far less than half a unit in the
 * fifteenth digit. Most reals come from text written with `%.15g`, and take this way.
 */
const shortDigits = (abs: number): { readonly digits: string; readonly exponent: number } | undefined => {
  const text = String(abs)
  const e = text.indexOf("e")
  const mantissa = e < 0 ? text : text.slice(0, e)
  const dot = mantissa.indexOf(".")
  const whole = dot < 0 ? mantissa : mantissa.slice(0, dot)
  const all = dot < 0 ? whole : whole + mantissa.slice(dot + 1)
  let start = 0
  while (start < all.length - 1 && all.charCodeAt(start) === 48) start++
  let end = all.length
  while (end > start + 1 && all.charCodeAt(end - 1) === 48) end--
  if (end - start > DIGITS) return undefined
  const exponent = (e < 0 ? 0 : Number(text.slice(e + 1))) + whole.length - 1 - start
  return { digits: all.slice(start, end), exponent }
}

/**
 * The `DIGITS` significant digits of |x| as printf rounds them. JavaScript's `toExponential`
 * rounds correctly too, but a tie away from zero where glibc rounds it to even: a tie shows as a
 * final 5 one digit further, and only then is the exact value worked out.
 */
const significant = (x: number): { readonly digits: string; readonly exponent: number } => {
  const abs = Math.abs(x)
  // A subnormal holds fewer than 15 digits' worth of precision: its shortest text says too little.
  const short = abs >= MIN_NORMAL ? shortDigits(abs) : undefined
  if (short !== undefined) return short
  const further = abs.toExponential(DIGITS)
  if (further.charCodeAt(DIGITS + 1) === 53) return roundHalfEven(x) // "d.ddd…5e±x": maybe a tie
  const text = abs.toExponential(DIGITS - 1)
  const e = text.indexOf("e")
  return { digits: text[0]! + text.slice(2, e), exponent: Number(text.slice(e + 1)) }
}

/**
 * A real as C's `printf("%.15g")` writes it: `0.1`, `1e+20`, `1.5e-07`, `123456789.123457`, `-0`.
 *
 * @example
 * ```ts
 * formatReal(0.30000000000000004) // "0.3"
 * formatReal(1e20) // "1e+20"
 * formatReal(1000000000000005) // "1e+15" (a tie, rounded to even)
 * ```
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatReal = (x: number): string => {
  if (Number.isNaN(x)) return "nan"
  if (!Number.isFinite(x)) return x < 0 ? "-inf" : "inf"
  if (x === 0) return Object.is(x, -0) ? "-0" : "0"
  const sign = x < 0 ? "-" : ""
  const { digits, exponent } = significant(x)
  let end = digits.length
  while (end > 1 && digits.charCodeAt(end - 1) === 48) end--
  const trimmed = digits.slice(0, end)
  // %g: scientific when the exponent is below -4 or at least the precision (C11 §7.21.6.1).
  if (exponent < -4 || exponent >= DIGITS) {
    const mantissa = trimmed.length > 1 ? `${trimmed[0]}.${trimmed.slice(1)}` : trimmed
    const magnitude = Math.abs(exponent)
    return `${sign}${mantissa}e${exponent < 0 ? "-" : "+"}${magnitude < 10 ? "0" : ""}${magnitude}`
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${trimmed}`
  if (trimmed.length <= exponent + 1) return `${sign}${trimmed.padEnd(exponent + 1, "0")}`
  return `${sign}${trimmed.slice(0, exponent + 1)}.${trimmed.slice(exponent + 1)}`
}
