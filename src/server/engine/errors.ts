/**
 * ovsdb-server's errors (RFC 7047 §4.1.3): a tag (`error`), a sentence (`details`) and, for a syntax
 * error, the JSON it could not take (`syntax`, written as `json_to_string` writes it).
 *
 * Inside the engine an error is thrown as an `OvsdbError` from wherever it is found and caught by the
 * operation that was running; nothing throws out of `Engine.transact`.
 *
 * @since 0.1.0
 */
import type { Json } from "../../Json.js"
import { jsonText } from "./text.js"

/** One error, as ovsdb-server puts it in a reply. */
export class OvsdbError {
  constructor(
    readonly tag: string,
    readonly details: string | undefined,
    readonly syntax?: string
  ) {}

  /** The error object of the reply (`ovsdb_error_to_json`). */
  toJson(): Json {
    return {
      error: this.tag,
      ...(this.details === undefined ? {} : { details: this.details }),
      ...(this.syntax === undefined ? {} : { syntax: this.syntax })
    }
  }
}

/** `ovsdb_error(tag, details)`. */
export const ovsdbError = (tag: string, details: string): OvsdbError => new OvsdbError(tag, details)

/** `ovsdb_syntax_error(json, tag, details)`: tag "syntax error" unless given; `json` echoed as `syntax`. */
export const syntaxError = (json: Json | undefined, details: string, tag = "syntax error"): OvsdbError =>
  new OvsdbError(tag, details, json === undefined ? undefined : jsonText(json))

/** `ovsdb_error("constraint violation", details)`. */
export const constraintViolation = (details: string): OvsdbError => new OvsdbError("constraint violation", details)
