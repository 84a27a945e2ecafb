/**
 * The database's tables and rows.
 *
 * @since 0.1.0
 */
import type * as DatabaseSchema from "../../protocol/DatabaseSchema.js"
import type * as Value from "../../protocol/Value.js"

/** One table's rows. */
export interface Table {
  readonly schema: DatabaseSchema.TableSchema
  readonly rows: Map<string, Value.Row>
}

/** A database. */
export interface Database {
  readonly schema: DatabaseSchema.DatabaseSchema
  readonly tables: ReadonlyMap<string, Table>
}

/** An empty database. */
export const makeDatabase = (schema: DatabaseSchema.DatabaseSchema): Database => ({
  schema,
  tables: new Map(Object.values(schema.tables).map((table) => [table.name, { schema: table, rows: new Map() }]))
})
