/**
 * The commands that read and write data: transact, query, and dump.
 *
 * @since 0.1.0
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import type { Json } from "../Json.js"
import * as JsonText from "../Json.js"
import { dumpColumns, dumpSelect, dumpTable } from "./Dump.js"
import { compareBytes, sortedJson } from "./OvsText.js"
import { asRecord, atMost, command, requireJsonFormat, UsageError, withDatabase, withOvsdb } from "./Session.js"

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
 * A query's reply as ovsdb-client prints it: without the result of the appended abort, when the
 * abort is what ended the transaction (the reply then has exactly one result more than the query
 * has operations, the last `{"error": "aborted", …}`). A query that failed before the abort keeps
 * every result, the abort's `null` included.
 */
const queryResult = (operations: number, reply: ReadonlyArray<Json>): ReadonlyArray<Json> =>
  reply.length === operations + 1 && asRecord(reply[operations]).error === "aborted"
    ? reply.slice(0, operations)
    : reply

/**
 * transact, or query (a transact that is aborted in the end, as ovsdb-client does it).
 *
 * @since 0.1.0
 * @category commands
 */
export const transactCommand = (name: "transact" | "query", description: string) =>
  command(name, description, 1, (server, args) =>
    Effect.gen(function*() {
      yield* atMost(name, args, 1)
      const { database, operations } = yield* parseTransaction(args[0])
      // ovsdb-client query appends an abort, so nothing is committed.
      const sent = name === "query" ? [...operations, { op: "abort" }] : operations
      const reply = yield* withOvsdb(server, (ovsdb) => ovsdb.transactJson(database, sent), { database })
      yield* Console.log(sortedJson(name === "query" ? queryResult(operations.length, reply) : reply))
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
  0,
  (server, args) =>
    Effect.gen(function*() {
      yield* requireJsonFormat
      yield* withDatabase(server, "dump", args, { minArgs: 0, maxArgs: Number.POSITIVE_INFINITY }, (
        ovsdb,
        database,
        [tableName, ...named]
      ) =>
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
