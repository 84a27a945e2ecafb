/**
 * The commands that read the catalogue: list-dbs, get-schema, list-tables, list-columns, echo.
 *
 * @since 0.1.0
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { columnOrder, compareBytes, sortedJson, table, tableOrder } from "./OvsText.js"
import { asRecord, atMost, command, UsageError, withDatabase, withOvsdb } from "./Session.js"

/**
 * The `listDbs` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const listDbs = command("list-dbs", "List the server's databases", 0, (server, args) =>
  Effect.andThen(
    atMost("list-dbs", args, 0),
    withOvsdb(server, (ovsdb) =>
      Effect.flatMap(ovsdb.listDbs, (dbs) => Console.log([...dbs].sort(compareBytes).join("\n"))))
  ))

/**
 * The `getSchema` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const getSchema = command(
  "get-schema",
  "Print a database's schema as JSON",
  0,
  (server, args) =>
    withDatabase(
      server,
      "get-schema",
      args,
      { minArgs: 0, maxArgs: 0 },
      (ovsdb, database) => Effect.flatMap(ovsdb.getSchemaJson(database), (schema) => Console.log(sortedJson(schema)))
    )
)

/**
 * The `listTables` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const listTables = command(
  "list-tables",
  "List a database's tables",
  0,
  (server, args) =>
    withDatabase(server, "list-tables", args, { minArgs: 0, maxArgs: 0 }, (ovsdb, database) =>
      Effect.gen(function*() {
        const names = tableOrder(Object.keys(asRecord(asRecord(yield* ovsdb.getSchemaJson(database)).tables)))
        yield* Console.log(table(["Table"], names.map((name) => [name])).trimEnd())
      }))
)

/**
 * The `listColumns` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const listColumns = command(
  "list-columns",
  "List the columns of a table, or of every table",
  0,
  (server, args) =>
    withDatabase(
      server,
      "list-columns",
      args,
      { minArgs: 0, maxArgs: 1 },
      (ovsdb, database, [only]) =>
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
        })
    )
)

/**
 * The `echo` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const echo = command(
  "echo",
  "Check that the server answers (RFC 7047 echo)",
  0,
  (server, args) =>
    withOvsdb(server, (ovsdb) => Effect.flatMap(ovsdb.echo(...args), (reply) => Console.log(sortedJson(reply))))
)
