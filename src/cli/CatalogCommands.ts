/**
 * The commands that read the catalogue: list-dbs, get-schema, list-tables, list-columns, echo.
 * Each takes the words after its name, bound by its usage table (see `Commands`).
 *
 * @since 0.1.0
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import type * as Commands from "./Commands.js"
import { columnOrder, compareBytes, sortedJson, table, tableOrder } from "./OvsText.js"
import { asRecord, withDatabase, withOvsdb } from "./Session.js"
import { bind, UsageError } from "./Usage.js"

/**
 * `list-dbs [SERVER]`.
 *
 * @since 0.1.0
 * @category commands
 */
export const listDbs = (usage: typeof Commands.listDbs, words: ReadonlyArray<string>) =>
  Effect.flatMap(
    bind(usage, words),
    ({ server }) =>
      withOvsdb(server, (ovsdb) =>
        Effect.flatMap(ovsdb.listDbs, (dbs) => Console.log([...dbs].sort(compareBytes).join("\n"))))
  )

/**
 * `get-schema [SERVER] [DATABASE]`.
 *
 * @since 0.1.0
 * @category commands
 */
export const getSchema = (usage: typeof Commands.getSchema, words: ReadonlyArray<string>) =>
  withDatabase(
    usage,
    words,
    {},
    (ovsdb, { database }) => Effect.flatMap(ovsdb.getSchemaJson(database), (schema) => Console.log(sortedJson(schema)))
  )

/**
 * `list-tables [SERVER] [DATABASE]`.
 *
 * @since 0.1.0
 * @category commands
 */
export const listTables = (usage: typeof Commands.listTables, words: ReadonlyArray<string>) =>
  withDatabase(usage, words, {}, (ovsdb, { database }) =>
    Effect.gen(function*() {
      const names = tableOrder(Object.keys(asRecord(asRecord(yield* ovsdb.getSchemaJson(database)).tables)))
      yield* Console.log(table(["Table"], names.map((name) => [name])).trimEnd())
    }))

/**
 * `list-columns [SERVER] [DATABASE] [TABLE]`.
 *
 * @since 0.1.0
 * @category commands
 */
export const listColumns = (usage: typeof Commands.listColumns, words: ReadonlyArray<string>) =>
  withDatabase(usage, words, {}, (ovsdb, { database, table: only }) =>
    Effect.gen(function*() {
      const tables = asRecord(asRecord(yield* ovsdb.getSchemaJson(database)).tables)
      // ovsdb-client prints just the headings here; naming the mistake is more use.
      if (only !== undefined && tables[only] === undefined) {
        return yield* Effect.fail(new UsageError(`${only} is not a table in ${database}`))
      }
      const rows: Array<ReadonlyArray<string>> = []
      for (const name of only === undefined ? tableOrder(Object.keys(tables)) : [only]) {
        const columns = asRecord(asRecord(tables[name]).columns)
        for (const column of columnOrder(Object.keys(columns))) {
          // The implicit columns are not in the reply; their type is uuid.
          const type = column === "_uuid" || column === "_version" ? "uuid" : asRecord(columns[column]).type ?? null
          rows.push([...(only === undefined ? [name] : []), column, sortedJson(type)])
        }
      }
      const headings = [...(only === undefined ? ["Table"] : []), "Column", "Type"]
      yield* Console.log(table(headings, rows).trimEnd())
    }))

/**
 * `echo [SERVER] [ARG]...`: RFC 7047 §4.1.11.
 *
 * @since 0.1.0
 * @category commands
 */
export const echo = (usage: typeof Commands.echo, words: ReadonlyArray<string>) =>
  Effect.flatMap(
    bind(usage, words),
    ({ server, words: sent }) =>
      withOvsdb(server, (ovsdb) => Effect.flatMap(ovsdb.echo(...sent), (reply) => Console.log(sortedJson(reply))))
  )
