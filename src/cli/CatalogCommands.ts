/**
 * The commands that read the catalogue: list-dbs, get-schema, list-tables, list-columns, echo.
 *
 * @since 0.1.0
 */
import { Console, Effect } from "effect"
import { columnOrder, compareBytes, sortedJson, table, tableOrder } from "./OvsText.js"
import { asRecord, atMost, command, DEFAULT_DATABASE, UsageError, withOvsdb } from "./Session.js"

/**
 * The `listDbs` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const listDbs = command("list-dbs", "List the server's databases", (server, args) =>
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
export const getSchema = command("get-schema", "Print a database's schema as JSON", (server, args) =>
  Effect.andThen(
    atMost("get-schema", args, 1),
    withOvsdb(server, (ovsdb) =>
      Effect.flatMap(ovsdb.getSchemaJson(args[0] ?? DEFAULT_DATABASE), (json) => Console.log(sortedJson(json))))
  ))

/**
 * The `listTables` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const listTables = command("list-tables", "List a database's tables", (server, args) =>
  Effect.andThen(
    atMost("list-tables", args, 1),
    withOvsdb(server, (ovsdb) =>
      Effect.flatMap(ovsdb.getSchemaJson(args[0] ?? DEFAULT_DATABASE), (json) => {
        const names = tableOrder(Object.keys(asRecord(asRecord(json).tables)))
        return Console.log(table(["Table"], names.map((name) => [name])).trimEnd())
      }))
  ))

/**
 * The `listColumns` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const listColumns = command(
  "list-columns",
  "List the columns of a table, or of every table",
  (server, args) =>
    Effect.andThen(
      atMost("list-columns", args, 2),
      withOvsdb(server, (ovsdb) =>
        Effect.flatMap(ovsdb.getSchemaJson(args[0] ?? DEFAULT_DATABASE), (json) => {
          const tables = asRecord(asRecord(json).tables)
          const only = args[1]
          if (only !== undefined && tables[only] === undefined) {
            return Effect.fail(new UsageError(`${only} is not a table in the schema`))
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
          return Console.log(table(headings, rows).trimEnd())
        }))
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
  (server, args) =>
    withOvsdb(server, (ovsdb) => Effect.flatMap(ovsdb.echo(...args), (reply) => Console.log(sortedJson(reply))))
)
