/**
 * The commands that read and write data: transact, query, and dump.
 *
 * @since 0.1.0
 */
import { Console, Effect, Result } from "effect"
import type { Json } from "../Json.js"
import * as JsonText from "../Json.js"
import { dumpColumns, dumpSelect, dumpTable } from "./Dump.js"
import { compareBytes, sortedJson } from "./OvsText.js"
import { asRecord, atMost, command, DEFAULT_DATABASE, requireJsonFormat, UsageError, withOvsdb } from "./Session.js"

const parseTransaction = (text: string | undefined) =>
  Effect.gen(function*() {
    if (text === undefined) return yield* Effect.fail(new UsageError("missing TRANSACTION argument"))
    const parsed = JsonText.parse(text)
    if (Result.isFailure(parsed)) {
      return yield* Effect.fail(new UsageError(`${JSON.stringify(text)}: ${parsed.failure}`))
    }
    const transaction = parsed.success
    if (!Array.isArray(transaction) || typeof transaction[0] !== "string") {
      return yield* Effect.fail(
        new UsageError("TRANSACTION must be a JSON array whose first element is a database name")
      )
    }
    return { database: transaction[0] as string, operations: transaction.slice(1) as ReadonlyArray<Json> }
  })

/**
 * transact, or query (a transact that is aborted in the end, as ovsdb-client does it).
 *
 * @since 0.1.0
 * @category commands
 */
export const transactCommand = (name: "transact" | "query", description: string) =>
  command(name, description, (server, args) =>
    Effect.gen(function*() {
      yield* atMost(name, args, 1)
      const { database, operations } = yield* parseTransaction(args[0])
      // ovsdb-client query appends an abort, so nothing is committed, and drops its result.
      const sent = name === "query" ? [...operations, { op: "abort" }] : operations
      const reply = yield* withOvsdb(server, (ovsdb) => ovsdb.transactJson(database, sent))
      const shown = name === "query" ? reply.slice(0, operations.length) : reply
      yield* Console.log(sortedJson(shown))
    }))

/**
 * The `dump` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const dump = command(
  "dump",
  "Print a database's tables as JSON, like ovsdb-client --format=json dump",
  (server, args) =>
    Effect.gen(function*() {
      yield* requireJsonFormat
      const [database = DEFAULT_DATABASE, tableName, ...named] = args
      yield* withOvsdb(server, (ovsdb) =>
        Effect.gen(function*() {
          const schema = yield* ovsdb.getSchema(database)
          if (tableName !== undefined && schema.tables[tableName] === undefined) {
            return yield* Effect.fail(new UsageError(`${database} has no table named ${tableName}`))
          }
          const tables = (tableName === undefined ? Object.keys(schema.tables).sort(compareBytes) : [tableName])
            .map((name) => schema.tables[name]!)
          for (const column of named) {
            if (tables[0]!.columns[column] === undefined) {
              return yield* Effect.fail(new UsageError(`Table "${tableName}" has no column ${column}.`))
            }
          }
          const columns = tables.map((table) => dumpColumns(table, named))
          const reply = yield* ovsdb.transactJson(database, tables.map((table, i) => dumpSelect(table, columns[i]!)))
          const lines = tables.map((table, i) => {
            const rows = asRecord(reply[i]).rows
            return dumpTable(
              table,
              columns[i]!,
              Array.isArray(rows) ? rows as ReadonlyArray<{ readonly [c: string]: Json }> : []
            )
          })
          yield* Console.log(lines.join("\n"))
        }))
    })
)

/** Splits `[DATABASE] REST…`: the first argument is the database when the server has one by that name. */
