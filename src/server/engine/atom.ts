/**
 * Atoms (RFC 7047 §5.1 `<atom>`) as ovsdb-server reads, orders, checks and writes them.
 *
 * An atom is held as `Value.Atom`: an integer as a `number`, or a `bigint` beyond ±(2^53 - 1); a real
 * as a `number`; a UUID as a `Value.Uuid` in lower case. A base type (a column's key or value type)
 * is compiled once into a `Base` that knows its order and its constraints.
 *
 * @since 0.1.0
 */
import { compareBytes } from "../../cli/OvsText.js"
import type { Json } from "../../Json.js"
import type { AtomicType, BaseType } from "../../protocol/DatabaseSchema.js"
import * as Value from "../../protocol/Value.js"
import { constraintViolation, type OvsdbError, syntaxError } from "./errors.js"
import { formatReal, jsonString, printedReal } from "./text.js"

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

/** A strcmp-like order of two atoms of one type. */
export type Order = (a: Value.Atom, b: Value.Atom) => number

/** A base type compiled: its atomic type, its order, its constraints and, for a UUID, its reference. */
export interface Base {
  readonly type: AtomicType
  readonly compare: Order
  readonly schema: BaseType
  /** The `Value.atomKey`s of the enum's members, when it has an enum. */
  readonly enumKeys: ReadonlySet<string> | undefined
  /** The enum as ovsdb-server lists it in messages: `[a, b, c]`. */
  readonly enumText: string
  readonly minInteger: bigint | undefined
  readonly maxInteger: bigint | undefined
  readonly minReal: number | undefined
  readonly maxReal: number | undefined
  readonly minLength: number | undefined
  readonly maxLength: number | undefined
  /** For a reference: the table referred to, and how. */
  readonly refTable: string | undefined
  readonly refType: "strong" | "weak" | undefined
}

/** The named UUIDs of one transaction (`uuid-name`s and the `named-uuid`s referring to them). */
export interface SymbolTable {
  /** The symbol of a name, made with a fresh UUID (not yet created by an insert) when new. */
  readonly insert: (name: string) => Symbol
}

/** A named UUID: its UUID, and whether an insert created a row with it. */
export interface Symbol {
  uuid: string
  created: boolean
}

const compareNumbers = (a: number, b: number): number => a < b ? -1 : a > b ? 1 : 0

const compareIntegers: Order = (a, b) =>
  typeof a === "number" && typeof b === "number"
    ? compareNumbers(a, b)
    : compareBigints(BigInt(a as number | bigint), BigInt(b as number | bigint))

const compareBigints = (a: bigint, b: bigint): number => a < b ? -1 : a > b ? 1 : 0

const ORDERS: { readonly [T in AtomicType]: Order } = {
  integer: compareIntegers,
  real: (a, b) => compareNumbers(a as number, b as number),
  boolean: (a, b) => (a ? 1 : 0) - (b ? 1 : 0),
  string: (a, b) => compareBytes(a as string, b as string),
  // Lower-case text in one fixed layout: text order is the order of the UUID's value.
  uuid: (a, b) => {
    const x = (a as Value.Uuid).value
    const y = (b as Value.Uuid).value
    return x < y ? -1 : x > y ? 1 : 0
  }
}

/** An integer in its one shape: a `number` within ±(2^53 - 1), else a `bigint`. */
export const normalizeInteger = (n: number | bigint): number | bigint =>
  typeof n === "number" ? (n === 0 ? 0 : n) : n >= -MAX_SAFE && n <= MAX_SAFE ? Number(n) : n

/** Makes a UUID atom, in lower case. */
export const uuidAtom = (text: string): Value.Uuid => Value.uuid(text.toLowerCase())

/** The enum member as an atom (the schema holds a UUID enumeration's members as text). */
const enumAtom = (type: AtomicType, member: string | number | bigint | boolean): Value.Atom =>
  type === "uuid" && typeof member === "string"
    ? uuidAtom(member)
    : type === "integer" && (typeof member === "number" || typeof member === "bigint")
    ? normalizeInteger(member)
    : member

/** Compiles a base type. */
export const compileBase = (base: BaseType): Base => {
  const compare = ORDERS[base.type]
  const members = base.enum?.map((member) => enumAtom(base.type, member)).sort(compare)
  return {
    type: base.type,
    compare,
    schema: base,
    enumKeys: members === undefined ? undefined : new Set(members.map(Value.atomKey)),
    enumText: members === undefined ? "" : `[${members.map((atom) => atomText(base.type, atom)).join(", ")}]`,
    minInteger: base.minInteger === undefined ? undefined : BigInt(base.minInteger),
    maxInteger: base.maxInteger === undefined ? undefined : BigInt(base.maxInteger),
    minReal: base.minReal,
    maxReal: base.maxReal,
    minLength: base.minLength,
    maxLength: base.maxLength,
    refTable: base.refTable,
    refType: base.refTable === undefined ? undefined : base.refType ?? "strong"
  }
}

/** A base type with the same atomic type and no constraints (a mutation's `+=` argument, say). */
export const unconstrained = (base: Base): Base => compileBase({ type: base.type })

/** RFC 7047 §3.1 `<id>`. */
export const isId = (text: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*$/.test(text)

/** Whether ovsdb-server writes a string in quotes in messages (`string_needs_quotes`). */
const needsQuotes = (text: string): boolean =>
  !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(text) || text === "true" || text === "false" || Value.isUuidText(text)

/** An atom as ovsdb-server writes it in messages (`ovsdb_atom_to_string`). */
export const atomText = (type: AtomicType, atom: Value.Atom): string => {
  switch (type) {
    case "real":
      return formatReal(atom as number)
    case "string":
      return needsQuotes(atom as string) ? jsonString(atom as string) : atom as string
    default:
      return String(atom)
  }
}

/** An atom's wire form in a reply (`ovsdb_atom_to_json`): a real as ovsdb-server prints it. */
export const encodeAtom = (type: AtomicType, atom: Value.Atom): Json =>
  type === "uuid" ? ["uuid", (atom as Value.Uuid).value] : type === "real" ? printedReal(atom as number) : atom as Json

/** `unwrap_json`: `json` is `[name, <string>]`. */
const unwrapString = (json: Json, name: string): string | undefined =>
  Array.isArray(json) && json.length === 2 && json[0] === name && typeof json[1] === "string"
    ? json[1] as string
    : undefined

/** A UUID atom: `["uuid", text]`, or `["named-uuid", name]` where names are allowed. */
const readUuid = (json: Json, symbols: SymbolTable | undefined): Value.Atom => {
  const text = unwrapString(json, "uuid")
  if (text !== undefined) {
    if (!Value.isUuidText(text)) throw syntaxError(json, `"${text}" is not a valid UUID`)
    return uuidAtom(text)
  }
  const name = symbols === undefined ? undefined : unwrapString(json, "named-uuid")
  if (name === undefined || symbols === undefined) throw syntaxError(json, "expected [\"uuid\", <string>]")
  if (!isId(name)) throw syntaxError(json, "named-uuid string is not a valid <id>")
  return Value.uuid(symbols.insert(name).uuid)
}

/** `ovsdb_atom_from_json__`: the atom `json` holds, of the type, or a syntax error. */
const readAtom = (type: AtomicType, json: Json, symbols: SymbolTable | undefined): Value.Atom => {
  switch (type) {
    case "integer":
      // ovsdb-server's reader makes a real of anything with a fraction, an exponent or beyond 64 bits.
      if (typeof json === "number" && Number.isSafeInteger(json)) return json === 0 ? 0 : json
      if (typeof json === "bigint" && json >= INT64_MIN && json <= INT64_MAX) return normalizeInteger(json)
      break
    case "real":
      if (typeof json === "number") return json === 0 ? 0 : json // its reader maps -0 to 0
      if (typeof json === "bigint") return Number(json)
      break
    case "boolean":
      if (typeof json === "boolean") return json
      break
    case "string":
      if (typeof json === "string") return json
      break
    case "uuid":
      return readUuid(json, symbols)
  }
  throw syntaxError(json, `expected ${type}`)
}

/** `ovsdb_atom_from_json`: reads an atom and checks it against the base type's constraints. */
export const parseAtom = (base: Base, json: Json, symbols: SymbolTable | undefined): Value.Atom => {
  const atom = readAtom(base.type, json, symbols)
  const problem = checkAtom(base, atom)
  if (problem !== undefined) throw problem
  return atom
}

const rangeProblem = <N extends number | bigint>(
  value: N,
  min: N | undefined,
  max: N | undefined,
  show: (n: N) => string
): OvsdbError | undefined => {
  if ((min === undefined || value >= min) && (max === undefined || value <= max)) return undefined
  if (min !== undefined) {
    return constraintViolation(
      max !== undefined
        ? `${show(value)} is not in the valid range ${show(min)} to ${show(max)} (inclusive)`
        : `${show(value)} is less than minimum allowed value ${show(min)}`
    )
  }
  return constraintViolation(`${show(value)} is greater than maximum allowed value ${show(max!)}`)
}

/** The number of characters (code points) of a string, as ovsdb-server counts its UTF-8. */
const characters = (text: string): number => {
  let n = text.length
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        n--
        i++
      }
    }
  }
  return n
}

/** `ovsdb_atom_check_constraints`: the enum first, then the type's range or lengths. */
export const checkAtom = (base: Base, atom: Value.Atom): OvsdbError | undefined => {
  if (base.enumKeys !== undefined && !base.enumKeys.has(Value.atomKey(atom))) {
    return constraintViolation(`${atomText(base.type, atom)} is not one of the allowed values (${base.enumText})`)
  }
  switch (base.type) {
    case "integer":
      if (base.minInteger === undefined && base.maxInteger === undefined) return undefined
      return rangeProblem(BigInt(atom as number | bigint), base.minInteger, base.maxInteger, String)
    case "real":
      return rangeProblem(atom as number, base.minReal, base.maxReal, formatReal)
    case "string": {
      if (base.minLength === undefined && base.maxLength === undefined) return undefined
      const text = atom as string
      const n = characters(text)
      if (base.minLength !== undefined && n < base.minLength) {
        return constraintViolation(`"${text}" length ${n} is less than minimum allowed length ${base.minLength}`)
      }
      if (base.maxLength !== undefined && n > base.maxLength) {
        return constraintViolation(`"${text}" length ${n} is greater than maximum allowed length ${base.maxLength}`)
      }
      return undefined
    }
    default:
      return undefined
  }
}
