/**
 * A database's state between transactions: each table's rows, and what ovsdb-server keeps beside
 * them to check references and indexes at commit.
 *
 * While a transaction runs, `rows` is its working view: operations change rows there, and the
 * transaction remembers each row as it was so that an abort can put it back.
 *
 * @since 0.1.0
 */
import type { Json } from "../../Json.js"
import type { DatabaseSchema } from "../../protocol/DatabaseSchema.js"
import type * as Value from "../../protocol/Value.js"
import type { Column } from "./datum.js"
import { compileTables, type TableInfo } from "./table.js"

/** A weak reference held by a committed row (`struct ovsdb_weak_ref`): which row, column and element. */
export interface WeakRef {
  readonly table: string
  readonly uuid: string
  readonly column: Column
  readonly key: Value.Atom
  readonly value: Value.Atom | undefined
}

/** One table's rows and bookkeeping. */
export interface TableState {
  readonly info: TableInfo
  /** The rows by UUID: the committed rows, or a running transaction's view of them. */
  readonly rows: Map<string, Value.Row>
  /** How many strong references committed rows hold to each row (none when absent). */
  readonly refs: Map<string, number>
  /** The weak references committed rows hold to each row. */
  readonly weakIn: Map<string, Array<WeakRef>>
  /** Each unique index: the key of the indexed columns' values to the committed row holding them. */
  readonly indexes: ReadonlyArray<Map<string, string>>
}

/** A database. */
export interface Database {
  readonly schema: DatabaseSchema
  readonly tables: ReadonlyMap<string, TableState>
  /** Makes a fresh UUID (lower case). */
  readonly newUuid: () => string
}

/** An empty database; `source` (the schema file's JSON) gives ovsdb-server's column order. */
export const makeDatabase = (
  schema: DatabaseSchema,
  newUuid: () => string,
  source: Json | undefined
): Database => {
  const tables = new Map<string, TableState>()
  for (const info of compileTables(schema, source).values()) {
    tables.set(info.name, {
      info,
      rows: new Map(),
      refs: new Map(),
      weakIn: new Map(),
      indexes: info.indexes.map(() => new Map())
    })
  }
  return { schema, tables, newUuid }
}
