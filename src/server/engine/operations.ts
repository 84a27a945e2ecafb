/**
 * The ten operations of RFC 7047 §5.2.
 *
 * @since 0.1.0
 */
import type { Json } from "../../Json.js"
import type { Outcome, TransactContext } from "../Engine.js"
import type { Database } from "./database.js"

/** Runs one transact request (not built yet). */
export const execute = (_database: Database, _operations: ReadonlyArray<Json>, _context: TransactContext): Outcome => ({
  _tag: "Error",
  error: "not yet built"
})
