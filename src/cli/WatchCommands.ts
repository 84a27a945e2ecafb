/**
 * The commands that watch the server until interrupted: monitor, monitor-cond, monitor-cond-since,
 * lock, steal, unlock, and wait. Each takes the words after its name, bound by its usage table (see
 * `Commands`).
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as PubSub from "effect/PubSub"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import type { Json } from "../Json.js"
import * as JsonText from "../Json.js"
import type * as Ovsdb from "../Ovsdb.js"
import * as Monitor from "../protocol/Monitor.js"
import * as Op from "../protocol/Operation.js"
import * as Value from "../protocol/Value.js"
import type * as Commands from "./Commands.js"
import { connection } from "./Commands.js"
import { JsonWriter } from "./format/JsonText.js"
import * as Output from "./format/Output.js"
import { formatTimestamp, Printer } from "./format/Table.js"
import { asVersion1, parseColumns, updateTable } from "./MonitorOutput.js"
import * as Progress from "./Progress.js"
import { outputStyle, withDatabase, withOvsdb } from "./Session.js"
import { bind, UsageError } from "./Usage.js"

/**
 * A `CONDITIONS` argument: a JSON array of `[column, function, value]` clauses and `true` or
 * `false` (ovsdb-server(7) §4.1.12), as ovsdb-client takes it; a row is watched when any holds.
 */
const parseConditions = (text: string) =>
  Effect.gen(function*() {
    const parsed = JsonText.parse(text)
    if (Result.isFailure(parsed) || !Array.isArray(parsed.success)) {
      return yield* Effect.fail(new UsageError(`CONDITIONS must be a JSON array of conditions, not ${text}`))
    }
    const conditions: Array<Op.Condition> = []
    for (const condition of parsed.success as ReadonlyArray<Json>) {
      if (typeof condition === "boolean") {
        conditions.push(condition)
        continue
      }
      const value = Array.isArray(condition) && condition.length === 3 ? Value.decode(condition[2]!) : undefined
      if (!Array.isArray(condition) || typeof condition[0] !== "string" || value === undefined) {
        return yield* Effect.fail(new UsageError(`not a condition: ${JSON.stringify(condition)}`))
      }
      conditions.push(Op.where(condition[0], condition[1] as Op.ConditionFunction, value))
    }
    return conditions
  })

/** `first`, then the pieces of `rest`, as they come. */
function* after(first: string, rest: Iterable<string>): Generator<string> {
  yield first
  yield* rest
}

/**
 * The monitor commands, `monitor`, `monitor-cond` and `monitor-cond-since`: print the initial
 * contents, then each update, until interrupted; each as a table in the run's format, with the
 * time before it with `--timestamp`. The initial contents' progress shows on a terminal (see
 * `Progress`).
 *
 * @since 0.1.0
 * @category commands
 */
export const monitor = (
  usage: typeof Commands.monitor | typeof Commands.monitorCond | typeof Commands.monitorCondSince,
  words: ReadonlyArray<string>
) =>
  Effect.gen(function*() {
    const name = usage.name
    const style = yield* outputStyle
    const { timestamp } = yield* connection
    const progress = Progress.make(name, Progress.stderr)
    const options = { follow: true, received: progress.active ? progress.received : undefined }
    yield* withDatabase(usage, words, options, (ovsdb, values) =>
      Effect.scoped(Effect.gen(function*() {
        const { columns, database, table: tableName } = values
        const sinceId = "lastId" in values ? values.lastId : undefined
        const where = "condition" in values ? yield* parseConditions(values.condition) : undefined
        const [columnsArgument, ...extra] = columns
        if (extra.length > 0) return yield* Effect.fail(new UsageError("one COLUMN[,COLUMN]... group at most"))
        const schema = yield* ovsdb.getSchema(database)
        const table = schema.tables[tableName]
        if (table === undefined) {
          return yield* Effect.fail(new UsageError(`${database} does not have a table named "${tableName}"`))
        }
        const parsed = parseColumns(table, columnsArgument)
        if (typeof parsed === "string") return yield* Effect.fail(new UsageError(parsed))
        const request = { [tableName]: { ...parsed, ...(where === undefined ? {} : { where }) } }
        const version = name === "monitor" ? 1 : name === "monitor-cond" ? 2 : 3
        // Over a followed cluster every monitor is a monitor_cond_since; monitor prints version 1 rows still.
        const toVersion = version === 1 ? asVersion1(table) : (changes: ReadonlyArray<Monitor.RowUpdate>) => changes
        const printer = new Printer(style)
        const output = Output.make()
        // ovsdb-client takes the time as it prints each table.
        const now = timestamp ? Effect.map(Clock.currentTimeMillis, formatTimestamp) : Effect.succeed(undefined)
        /** The pieces of the table an update prints, after `before`; only `before` when the update has no row of the table. */
        const print = (changes: ReadonlyArray<Monitor.RowUpdate>, before = "") =>
          Effect.flatMap(now, (time) => {
            const update = updateTable(table, parsed.columns, toVersion(changes), version)
            return output.write(update === undefined ? [before] : after(before, printer.print(update, time)))
          })
        // A followed monitor whose server no longer had the changes missed gets the whole contents again.
        const reset = (event: Ovsdb.MonitorEvent) =>
          event._tag === "Reset"
            ? Console.error(`effect-ovsdb: the monitor's contents were read again: ${event.reason}`)
            : Effect.void
        /** The progress line shows the initial rows, then goes before they are printed. */
        const initialRows = (rows: number) => Effect.andThen(progress.rows(rows), progress.done)
        if (name === "monitor-cond-since") {
          const live = yield* ovsdb.monitorCondSince(database, request, sinceId)
          yield* initialRows(live.initial.length)
          yield* output.write([`found: ${live.found}, last_id: ${live.lastTxnId}\n`])
          yield* print(live.initial)
          // ovsdb-client writes each update's transaction id after a blank line, just before the update.
          yield* Stream.runForEach(
            live.updates,
            (update) => Effect.andThen(reset(update), print(update.changes, `\nlast_id: ${update.lastTxnId}`))
          )
        } else {
          const live = version === 1
            ? yield* ovsdb.monitor(database, request)
            : yield* ovsdb.monitorCond(database, request)
          yield* initialRows(live.initial.length)
          yield* print(live.initial)
          yield* Stream.runForEach(live.updates, (update) => Effect.andThen(reset(update), print(update.changes)))
        }
      }))).pipe(Effect.ensuring(progress.done))
  })

/**
 * lock, steal, unlock: print the server's reply, then every `locked` or `stolen` notice for the
 * lock (its method on one line, its params on the next), until interrupted — as ovsdb-client does.
 * When the connection ends, so does the lock: the command fails with `ConnectionClosed`, as
 * ovsdb-client exits with "receive failed".
 *
 * @since 0.1.0
 * @category commands
 */
export const lock = (
  usage: typeof Commands.lock | typeof Commands.steal | typeof Commands.unlock,
  words: ReadonlyArray<string>
) =>
  Effect.gen(function*() {
    const style = yield* outputStyle
    const { lock: name, server } = yield* bind(usage, words)
    const method = usage.name
    yield* withOvsdb(server, (ovsdb) =>
      Effect.scoped(Effect.gen(function*() {
        // print_json: the reply and each notice's params as JSON, --pretty or not, whatever --format says.
        const writer = new JsonWriter(style.pretty)
        const notices = yield* ovsdb.rpc.subscribe
        yield* Console.log(writer.text(yield* ovsdb.rpc.call(method, [name])))
        const printNotices = PubSub.take(notices).pipe(
          Effect.flatMap((notice) =>
            (notice.method === "locked" || notice.method === "stolen") && notice.params[0] === name
              ? Effect.andThen(Console.log(notice.method), Console.log(writer.text(notice.params)))
              : Effect.void
          ),
          Effect.forever
        )
        return yield* Effect.raceFirst(printNotices, Effect.flatMap(ovsdb.rpc.closed, Effect.fail))
      })))
  })

/**
 * wait: watches `_Server.Database` until the database is added, connected (a cluster member
 * with a leader), or removed.
 *
 * @since 0.1.0
 * @category commands
 */
export const wait = (usage: typeof Commands.wait, words: ReadonlyArray<string>) =>
  Effect.flatMap(
    bind(usage, words),
    ({ database, server, state }) =>
      withOvsdb(server, (ovsdb) =>
        Effect.scoped(Effect.gen(function*() {
          // A session that is not db-change-aware is disconnected when a database goes away.
          yield* ovsdb.setDbChangeAware(true)
          const monitor = yield* ovsdb.monitorCond("_Server", {
            Database: { columns: ["name", "model", "connected"], where: [Op.where("name", "==", database)] }
          })
          const rows = new Map<string, Value.Row>()
          const apply = (changes: ReadonlyArray<Monitor.RowUpdate>) => {
            for (const change of changes) {
              if (change._tag === "Delete") rows.delete(change.uuid.value)
              else if (change._tag === "Modify") {
                // name, model and connected are scalars: a diff holds their new values.
                rows.set(change.uuid.value, Monitor.applyRowDiff({}, rows.get(change.uuid.value), change.diff ?? {}))
              } else rows.set(change.uuid.value, change.row)
            }
            const row = [...rows.values()][0]
            switch (state) {
              case "added":
                return row !== undefined
              case "removed":
                return row === undefined
              default:
                return row !== undefined && (row.model !== "clustered" || row.connected === true)
            }
          }
          if (apply(monitor.initial)) {
            return
          }
          yield* monitor.updates.pipe(Stream.takeUntil((update) => apply(update.changes)), Stream.runDrain)
        })))
  )
