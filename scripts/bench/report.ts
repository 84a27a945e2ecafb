/**
 * The benchmark's report lines, in the one form every line keeps so that a script can read them:
 *
 * ```text
 * NAME: DETAILS -> FIGURE UNIT (target TARGET)
 * codec: 53.9 MB reply in 64 KiB reads: framer 1089.0 ms, JSON.parse 949.8 ms -> 0.87 x JSON.parse (target >= 0.90)
 * ```
 *
 * A ratio's unit is `x PEER`; a line measured for information only has the target `none`.
 */

/** What a line's figure is held to: `>= 0.90`, `<= 0.50`, `< 300 ms`, or `none`. */
export type Target = string

/** A line's figure: its value and its unit (`x ovsdb-client`, `updates/s`). */
export interface Figure {
  readonly value: number
  readonly unit: string
  /** Digits after the point (2 unless said). */
  readonly digits?: number
}

/** A line read back: its parts, the figure's value a number. */
export interface Line {
  readonly name: string
  readonly details: string
  readonly value: number
  /** The value as printed, its digits kept (`0.40`). */
  readonly printed: string
  readonly unit: string
  readonly target: Target
}

/** A ratio against a peer, e.g. `ratio(0.36, "ovsdb-client dump")` prints `0.36 x ovsdb-client dump`. */
export const ratio = (value: number, peer: string): Figure => ({ value, unit: `x ${peer}` })

/**
 * One report line.
 *
 * @example
 * line("monitor wall", "effect-ovsdb 4.02 s, ovsdb-client dump 11.27 s", ratio(0.357, "ovsdb-client dump"), "<= 0.50")
 * // "monitor wall: effect-ovsdb 4.02 s, ovsdb-client dump 11.27 s -> 0.36 x ovsdb-client dump (target <= 0.50)"
 */
export const line = (name: string, details: string, figure: Figure, target: Target): string =>
  `${name}: ${details} -> ${figure.value.toFixed(figure.digits ?? 2)} ${figure.unit} (target ${target})`

const LINE = /^([^:]+): (.*) -> (-?[\d.]+) (.+) \(target (.+)\)$/

/** Reads a report line back; `undefined` for any other line (the `node vX` heading). */
export const parseLine = (text: string): Line | undefined => {
  const match = LINE.exec(text)
  if (match === null) return undefined
  const [, name, details, value, unit, target] = match
  return { name: name!, details: details!, value: Number(value), printed: value!, unit: unit!, target: target! }
}
