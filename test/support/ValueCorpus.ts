/**
 * A corpus of values for a column, generated from its type: the bounds of every constraint and one
 * step past them, enum members and a non-member, set and map sizes at and beyond their limits,
 * duplicates, and values of the wrong type. Used by the differential test against ovsdb-server.
 */
import type { BaseType, ColumnType } from "../../src/protocol/DatabaseSchema.js"
import * as Value from "../../src/protocol/Value.js"

const INT64_MAX = 2n ** 63n - 1n

const asNumber = (n: number | bigint): number | bigint =>
  typeof n === "bigint" && n >= -BigInt(Number.MAX_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n

const plus = (n: number | bigint, step: number): number | bigint => asNumber(BigInt(n) + BigInt(step))

/** A few valid atoms first, then invalid ones. */
export const atoms = (
  base: BaseType
): { readonly valid: ReadonlyArray<Value.Atom>; readonly invalid: ReadonlyArray<Value.Atom> } => {
  if (base.enum !== undefined) {
    const members = base.enum as ReadonlyArray<Value.Atom>
    const outsider: Value.Atom = base.type === "string" ? "not-in-enum" : base.type === "boolean" ? "true" : 987654
    return { valid: members, invalid: [outsider] }
  }
  switch (base.type) {
    case "integer": {
      const valid = [base.minInteger ?? 0, base.maxInteger ?? 1].map(asNumber)
      const invalid: Array<Value.Atom> = [1.5, "7"]
      if (base.minInteger !== undefined) invalid.push(plus(base.minInteger, -1))
      if (base.maxInteger !== undefined) invalid.push(plus(base.maxInteger, 1))
      else invalid.push(INT64_MAX + 1n)
      return { valid, invalid }
    }
    case "real": {
      const invalid: Array<Value.Atom> = ["0.5", true]
      if (base.minReal !== undefined) invalid.push(base.minReal - 1)
      if (base.maxReal !== undefined) invalid.push(base.maxReal + 1)
      return { valid: [base.minReal ?? 0.5, base.maxReal ?? 1.25], invalid }
    }
    case "boolean":
      return { valid: [true, false], invalid: ["yes", 1] }
    case "string": {
      const min = base.minLength ?? 0
      const valid: Array<Value.Atom> = [min === 0 ? "" : "s".repeat(min), "é".repeat(Math.max(min, 1))]
      const invalid: Array<Value.Atom> = [5]
      if (base.maxLength !== undefined) {
        valid.push("☃".repeat(base.maxLength)) // lengths count characters, not bytes
        invalid.push("x".repeat(base.maxLength + 1))
      }
      if (min > 0) invalid.push("x".repeat(min - 1))
      return { valid, invalid }
    }
    case "uuid":
      return {
        valid: [Value.uuid("36c7aec5-e358-4f3d-8de0-78a6a2bb2433"), Value.uuid("A1549DFF-E558-443D-A57B-30EEBA5A1177")],
        invalid: [Value.uuid("not-a-uuid"), "36c7aec5-e358-4f3d-8de0-78a6a2bb2433"]
      }
  }
}

const repeatDistinct = (pool: ReadonlyArray<Value.Atom>, count: number): ReadonlyArray<Value.Atom> | undefined =>
  pool.length >= count ? pool.slice(0, count) : undefined

/** Values for a column of this type: `undefined` stands for leaving an optional column empty. */
export const values = (type: ColumnType): ReadonlyArray<Value.Value | undefined> => {
  const key = atoms(type.key)
  const max = type.max === "unlimited" ? Infinity : type.max
  if (type.value !== undefined) {
    const value = atoms(type.value)
    const k = key.valid[0]!
    const v = value.valid[0]!
    const out: Array<Value.Value> = [
      new Map([[k, v]]),
      ...key.invalid.map((bad) => new Map([[bad, v]])),
      ...value.invalid.map((bad) => new Map([[k, bad]])),
      [k]
    ]
    if (type.min === 0) out.push(new Map())
    const pairs = repeatDistinct(key.valid, Math.min(max + 1, 3))
    if (pairs !== undefined) out.push(new Map(pairs.map((key) => [key, v])))
    return out
  }
  if (type.min === 1 && type.max === 1) return [...key.valid, ...key.invalid, [], [key.valid[0]!, key.valid[0]!]]
  const out: Array<Value.Value | undefined> = [
    ...key.valid.map((atom) => [atom]),
    ...key.invalid.map((atom) => [atom]),
    [key.valid[0]!, key.valid[0]!], // a duplicate
    ...(key.valid[0] instanceof Value.Uuid ? [[key.valid[0], Value.uuid(key.valid[0].value.toUpperCase())]] : []), // one UUID in two cases
    new Map([[key.valid[0]!, key.valid[0]!]])
  ]
  if (type.min === 0) out.push(undefined, [])
  for (const size of [type.min - 1, max, max + 1]) {
    if (size < 0 || !Number.isFinite(size) || size > 8) continue
    const atomsOfSize = repeatDistinct(key.valid, size) ??
      (type.key.type === "integer" && type.key.enum === undefined
        ? Array.from({ length: size }, (_, i) => plus(key.valid[0]! as number, i))
        : type.key.type === "string" && type.key.enum === undefined
        ? Array.from({ length: size }, (_, i) => `${"s".repeat(type.key.minLength ?? 0)}${i}`)
        : undefined)
    if (atomsOfSize !== undefined) out.push(atomsOfSize)
  }
  return out
}
