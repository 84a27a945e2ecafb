/**
 * The commands that read and write data: transact, query, and dump. Each takes the words after its
 * name, bound by its usage table (see `Commands`).
 *
 * `transact` and `query` print the reply as JSON whatever `--format` says, as ovsdb-client does
 * (`print_json`): compact, or with `--pretty` a member a line. `dump` prints a table per database
 * table in the run's format (see `Dump` and `Table`), showing its progress on a terminal (see
 * `Progress`).
 *
 * @since 0.1.0
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import { ProtocolError } from "../Errors.js"
import type { Json } from "../Json.js"
import * as JsonText from "../Json.js"
import type * as Ovsdb from "../Ovsdb.js"
import type { DatabaseSchema } from "../protocol/DatabaseSchema.js"
import type * as Commands from "./Commands.js"
import { dumpColumns, dumpSelect, dumpTable } from "./Dump.js"
import { JsonWriter } from "./format/JsonText.js"
import * as Output from "./format/Output.js"
import { elements, sortedValue } from "./format/SortedJson.js"
import type { Style } from "./format/Table.js"
import { Printer } from "./format/Table.js"
import { compareBytes } from "./OvsText.js"
import * as Progress from "./Progress.js"
import * as RawReply from "./RawReply.js"
import { asRecord, outputStyle, withDatabase, withOvsdb, withTransport } from "./Session.js"
import { bind, isRemoteList, UsageError } from "./Usage.js"

const parseTransaction = (text: string) =>
  Effect.gen(function*() {
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
 * `transact [SERVER] TRANSACTION`, or `query [SERVER] TRANSACTION` (a transact that is aborted in
 * the end, as ovsdb-client does it).
 *
 * @since 0.1.0
 * @category commands
 */
export const transact = (usage: typeof Commands.transact | typeof Commands.query, words: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const style = yield* outputStyle
    const { server, transaction } = yield* bind(usage, words)
    const { database, operations } = yield* parseTransaction(transaction)
    // ovsdb-client query appends an abort, so nothing is committed.
    const query = usage.name === "query"
    const sent = query ? [...operations, { op: "abort" }] : operations
    if (!style.pretty && !isRemoteList(server)) {
      // The compact text straight from the reply's bytes: a large result is never built.
      const reply = yield* withTransport(
        server,
        "transact",
        (transport) => RawReply.transact(transport, [database, ...sent])
      )
      const text = rawResult(reply, query ? operations.length : undefined)
      if (text === undefined) {
        return yield* Effect.fail(new ProtocolError({ method: "transact", detail: "the result is not a JSON array" }))
      }
      return yield* Console.log(text)
    }
    const reply = yield* withOvsdb(server, (ovsdb) => ovsdb.transactJson(database, sent), { database })
    const result = query ? queryResult(operations.length, reply) : reply
    yield* Output.make().write([new JsonWriter(style.pretty).text(result), "\n"])
  })

/**
 * A reply's result as ovsdb-client prints it, written from the reply's bytes (see `SortedJson`):
 * for a query of `operations` operations, without the appended abort's result as `queryResult`
 * says. `undefined` when the result is not an array.
 */
const rawResult = (reply: RawReply.Reply, operations: number | undefined): string | undefined => {
  const { bytes, result } = reply
  if (bytes[result] !== 0x5b) return undefined
  if (operations === undefined) return sortedValue(bytes, result, bytes.length)?.toString("utf8")
  const places = elements(bytes, result)
  if (places === undefined) return undefined
  const last = places[places.length - 1]
  const aborted = places.length === operations + 1 && last !== undefined &&
    asRecord(JSON.parse(Buffer.from(bytes.subarray(last[0], last[1])).toString("utf8")) as Json).error === "aborted"
  const kept = aborted ? places.slice(0, operations) : places
  const texts = kept.map(([start, end]) => sortedValue(bytes, start, end - start + 64)?.toString("utf8"))
  return texts.some((text) => text === undefined) ? undefined : `[${texts.join(",")}]`
}

/** The tables to dump and each one's columns, as ovsdb-client picks them, or its usage error. */
const dumpPlan = (schema: DatabaseSchema, tableName: string | undefined, named: ReadonlyArray<string>) => {
  if (tableName !== undefined && schema.tables[tableName] === undefined) {
    return Effect.fail(new UsageError(`No table "${tableName}" found.`))
  }
  const tables = (tableName === undefined ? Object.keys(schema.tables).sort(compareBytes) : [tableName])
    .map((name) => schema.tables[name]!)
  const missing = named.find((column) => tables[0]!.columns[column] === undefined)
  if (missing !== undefined) return Effect.fail(new UsageError(`Table "${tableName}" has no column ${missing}.`))
  return Effect.succeed(tables.map((table) => ({ table, columns: dumpColumns(table, named) })))
}

/**
 * Fetches and prints the dump of `database`: one select per table in one transaction. The
 * progress line is erased before the first table is printed.
 */
const printDump = (
  style: Style,
  progress: Progress.Progress,
  ovsdb: Ovsdb.Ovsdb["Service"],
  database: string,
  tableName: string | undefined,
  named: ReadonlyArray<string>
) =>
  Effect.gen(function*() {
    const plan = yield* dumpPlan(yield* ovsdb.getSchema(database), tableName, named)
    const reply = yield* ovsdb.transactJson(database, plan.map(({ columns, table }) => dumpSelect(table, columns)))
    yield* progress.rows(reply.reduce<number>((sum, result) => {
      const rows = asRecord(result).rows
      return sum + (Array.isArray(rows) ? rows.length : 0)
    }, 0))
    yield* progress.done
    const printer = new Printer(style)
    const output = Output.make()
    for (let i = 0; i < plan.length; i++) {
      const { columns, table } = plan[i]!
      const rows = asRecord(reply[i]).rows
      if (!Array.isArray(rows)) {
        const result = new JsonWriter(false).text(reply[i] ?? null)
        return yield* Effect.fail(
          new UsageError(`${table.name} table reply is not an object with a "rows" member array: ${result}`)
        )
      }
      yield* output.write(
        printer.print(dumpTable(table, columns, rows as ReadonlyArray<{ readonly [c: string]: Json }>))
      )
    }
  })

/**
 * `dump [SERVER] [DATABASE] [TABLE [COLUMN]...]`.
 *
 * @since 0.1.0
 * @category commands
 */
export const dump = (usage: typeof Commands.dump, words: ReadonlyArray<string>) =>
  Effect.flatMap(outputStyle, (style) => {
    const progress = Progress.make("dump", Progress.stderr)
    return withDatabase(
      usage,
      words,
      { received: progress.active ? progress.received : undefined },
      (ovsdb, { columns, database, table }) => printDump(style, progress, ovsdb, database, table, columns)
    ).pipe(Effect.ensuring(progress.done))
  })
