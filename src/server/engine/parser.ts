/**
 * Reading an operation's members as ovsdb-server's `lib/ovsdb-parser.c` does: each member is looked
 * up with the JSON types it may have; the first problem is kept as the operation's error ("Parsing
 * ovsdb operation 2 of 3 failed: Required 'row' member is missing."), and a member nobody asked for
 * is an error when the operation is done.
 *
 * @since 0.1.0
 */
import type { Json } from "../../Json.js"
import { isId } from "./atom.js"
import { OvsdbError, syntaxError } from "./errors.js"
import { memberOrder } from "./hashOrder.js"

/** The JSON types a member may have (`enum ovsdb_parser_types`). */
export type MemberType = "null" | "boolean" | "object" | "array" | "integer" | "real" | "string" | "id"

type JsonObject = { readonly [key: string]: Json }

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/** Whether ovsdb-server's JSON reader gives `json` this type (an integer: no fraction, within 64 bits). */
const hasType = (json: Json, type: MemberType): boolean => {
  switch (type) {
    case "null":
      return json === null
    case "boolean":
      return typeof json === "boolean"
    case "object":
      return json !== null && typeof json === "object" && !Array.isArray(json)
    case "array":
      return Array.isArray(json)
    case "integer":
      return typeof json === "number"
        ? Number.isSafeInteger(json)
        : typeof json === "bigint" && json >= INT64_MIN && json <= INT64_MAX
    case "real":
      return (typeof json === "number" && !Number.isSafeInteger(json)) ||
        (typeof json === "bigint" && (json < INT64_MIN || json > INT64_MAX))
    case "string":
      return typeof json === "string"
    case "id":
      return typeof json === "string" && isId(json)
  }
}

/** One operation's parser (`struct ovsdb_parser`). */
export class Parser {
  private readonly object: JsonObject | undefined
  private readonly used = new Set<string>()
  private problem: OvsdbError | undefined

  constructor(readonly json: Json, private readonly name: string) {
    this.object = json !== null && typeof json === "object" && !Array.isArray(json) ? json as JsonObject : undefined
    if (this.object === undefined) this.raise("Object expected.")
  }

  /**
   * `ovsdb_parser_member`: the member, when it is there with one of the types; a missing required
   * member or a member of another type is the parser's error.
   */
  member(name: string, types: ReadonlyArray<MemberType>, optional = false): Json | undefined {
    if (this.object === undefined) return undefined
    const value = Object.hasOwn(this.object, name) ? this.object[name] : undefined
    if (value === undefined) {
      if (!optional) this.raise(`Required '${name}' member is missing.`)
      return undefined
    }
    if (types.some((type) => hasType(value, type))) {
      this.used.add(name)
      return value
    }
    this.raise(`Type mismatch for member '${name}'.`)
    return undefined
  }

  /** `ovsdb_parser_raise_error`: keeps the first problem only. */
  raise(message: string): void {
    if (this.problem !== undefined) return
    // Without an object there is nothing to echo: ovsdb-server gives no `syntax` then.
    const details = `Parsing ${this.name} failed: ${message}`
    this.problem = this.object === undefined ? new OvsdbError("syntax error", details) : syntaxError(this.json, details)
  }

  /** `ovsdb_parser_get_error`: throws the parser's error, if it has one. */
  check(): void {
    if (this.problem !== undefined) throw this.problem
  }

  /** `ovsdb_parser_finish`: the parser's error, or one for members present that no one asked for. */
  finish(): OvsdbError | undefined {
    if (this.problem === undefined && this.object !== undefined) {
      const names = Object.keys(this.object)
      const unused = names.length - this.used.size
      if (unused > 0) {
        const first = memberOrder(names).find((name) => !this.used.has(name))!
        this.raise(
          unused > 1
            ? `Member '${first}' and ${unused - 1} other member${
              unused > 2 ? "s" : ""
            } are present but not allowed here.`
            : `Member '${first}' is present but not allowed here.`
        )
      }
    }
    return this.problem
  }
}
