/**
 * Where clauses (RFC 7047 §5.1 <condition>).
 *
 * @since 0.1.0
 */
import type { Json } from "../../Json.js"
import type { Condition } from "../Engine.js"
import type { Database } from "./database.js"

/** Compiles a where clause (not built yet). */
export const compileCondition = (_database: Database, _table: string, _where: Json): Condition => ({
  _tag: "Error",
  error: "not yet built"
})
