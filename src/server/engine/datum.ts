/**
 * Typed values (datums) as ovsdb-server holds them: encoding to the wire.
 *
 * @since 0.1.0
 */
import type { Json } from "../../Json.js"
import * as Value from "../../protocol/Value.js"

/** RFC 7047 §5.1: a map as `["map", …]`, a one-element set as its atom, any other set as `["set", …]`. */
export const encodeDatum = (value: Value.Value): Json => {
  if (value instanceof Map) {
    return ["map", Array.from(value, ([k, v]) => [Value.encodeAtom(k), Value.encodeAtom(v)])]
  }
  if (Array.isArray(value)) {
    const atoms = value as ReadonlyArray<Value.Atom>
    return atoms.length === 1 ? Value.encodeAtom(atoms[0]!) : ["set", atoms.map(Value.encodeAtom)]
  }
  return Value.encodeAtom(value as Value.Atom)
}

/** A row's wire form with these columns, in this order. */
export const encodeRowColumns = (
  row: Value.Row,
  columns: ReadonlyArray<string>
): { readonly [column: string]: Json } => {
  const out: { [column: string]: Json } = {}
  for (const column of columns) {
    const value = row[column]
    if (value !== undefined) out[column] = encodeDatum(value)
  }
  return out
}
