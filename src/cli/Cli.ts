/**
 * The `effect-ovsdb` command line: ovsdb-client's commands, built on the library, printing what
 * ovsdb-client prints for the same input.
 *
 * ```sh
 * effect-ovsdb list-dbs unix:/var/run/openvswitch/db.sock
 * effect-ovsdb transact tcp:127.0.0.1:6641 '["OVN_Northbound",{"op":"select","table":"NB_Global","where":[]}]'
 * ```
 *
 * Like ovsdb-client, the SERVER argument may be left out (default `unix:/var/run/openvswitch/db.sock`)
 * and so may DATABASE (default `Open_vSwitch`). Errors go to standard error, one line starting
 * with `effect-ovsdb: `, and the exit status is 1.
 *
 * @since 0.1.0
 */
import { Console, Effect, Option, PubSub, Result, Stream } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import type { Json } from "../Json.js"
import * as JsonText from "../Json.js"
import * as Ovsdb from "../Ovsdb.js"
import type * as Monitor from "../protocol/Monitor.js"
import * as Op from "../protocol/Operation.js"
import * as Value from "../protocol/Value.js"
import { dumpColumns, dumpSelect, dumpTable } from "./Dump.js"
import { formatUpdate, parseColumns } from "./MonitorOutput.js"
import { columnOrder, compareBytes, sortedJson, table, tableOrder } from "./OvsText.js"

/**
 * The server ovsdb-client talks to when none is named.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_SERVER = "unix:/var/run/openvswitch/db.sock"

/**
 * The database ovsdb-client uses when none is named.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_DATABASE = "Open_vSwitch"

const connection = Command.make("effect-ovsdb").pipe(
  Command.withSharedFlags({
    privateKey: Flag.String("private-key").pipe(Flag.withAlias("p"), Flag.optional),
    certificate: Flag.String("certificate").pipe(Flag.withAlias("c"), Flag.optional),
    caCert: Flag.String("ca-cert").pipe(Flag.withAlias("C"), Flag.optional),
    timeout: Flag.Int("timeout").pipe(
      Flag.withDescription("seconds to wait for each reply (default: no limit)"),
      Flag.optional
    ),
    format: Flag.String("format").pipe(
      Flag.withDescription("output format of dump: json (as ovsdb-client --format=json)"),
      Flag.optional
    )
  }),
  Command.withDescription("An OVSDB client (RFC 7047) that mirrors ovsdb-client")
)

/** A usage error, reported like any other failure. */
class UsageError extends Error {}

const isRemote = (arg: string): boolean => /^(unix|tcp|ssl):/.test(arg)

/** Splits `[SERVER] ARGS…` the way ovsdb-client does: a leading remote is the server. */
const splitServer = (args: ReadonlyArray<string>): readonly [string, ReadonlyArray<string>] =>
  args.length > 0 && isRemote(args[0]!) ? [args[0]!, args.slice(1)] : [DEFAULT_SERVER, args]

/** Runs `use` with a connection to `server`, built from the shared flags. */
const withOvsdb = <A, E>(server: string, use: (ovsdb: Ovsdb.Ovsdb["Service"]) => Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const flags = yield* connection
    const tls = Option.all([flags.privateKey, flags.certificate, flags.caCert]).pipe(
      Option.map(([privateKey, certificate, caCert]) => ({ privateKey, certificate, caCert })),
      Option.getOrUndefined
    )
    const options: Ovsdb.Options = {
      remote: server,
      tls,
      requestTimeout: Option.match(flags.timeout, { onNone: () => undefined, onSome: (s) => `${s} seconds` as const })
    }
    return yield* Ovsdb.Ovsdb.use(use).pipe(Effect.provide(Ovsdb.layer(options)))
  })

/** Prints the error ovsdb-client style and sets a failing exit status. */
const reportFailure = (error: { readonly message: string }) =>
  Console.error(`effect-ovsdb: ${error.message}`).pipe(Effect.andThen(Effect.sync(() => {
    process.exitCode = 1
  })))

const positional = Argument.String("args").pipe(Argument.variadic())

/** A command taking `[SERVER] ARGS…`; `run` gets the server and the rest. */
const command = <R>(
  name: string,
  description: string,
  run: (server: string, args: ReadonlyArray<string>) => Effect.Effect<void, { readonly message: string }, R>
) =>
  Command.make(name, { args: positional }, ({ args }) => {
    const [server, rest] = splitServer(args)
    return run(server, rest).pipe(Effect.catch(reportFailure))
  }).pipe(Command.withDescription(description))

const atMost = (name: string, args: ReadonlyArray<string>, count: number) =>
  args.length > count
    ? Effect.fail(new UsageError(`too many arguments for '${name}' (use --help for help)`))
    : Effect.void

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

const asRecord = (json: Json | undefined): { readonly [key: string]: Json } =>
  typeof json === "object" && json !== null && !Array.isArray(json) ? json as { readonly [key: string]: Json } : {}

const listDbs = command("list-dbs", "List the server's databases", (server, args) =>
  Effect.andThen(
    atMost("list-dbs", args, 0),
    withOvsdb(server, (ovsdb) =>
      Effect.flatMap(ovsdb.listDbs, (dbs) => Console.log([...dbs].sort(compareBytes).join("\n"))))
  ))

const getSchema = command("get-schema", "Print a database's schema as JSON", (server, args) =>
  Effect.andThen(
    atMost("get-schema", args, 1),
    withOvsdb(server, (ovsdb) =>
      Effect.flatMap(ovsdb.getSchemaJson(args[0] ?? DEFAULT_DATABASE), (json) => Console.log(sortedJson(json))))
  ))

const listTables = command("list-tables", "List a database's tables", (server, args) =>
  Effect.andThen(
    atMost("list-tables", args, 1),
    withOvsdb(server, (ovsdb) =>
      Effect.flatMap(ovsdb.getSchemaJson(args[0] ?? DEFAULT_DATABASE), (json) => {
        const names = tableOrder(Object.keys(asRecord(asRecord(json).tables)))
        return Console.log(table(["Table"], names.map((name) => [name])).trimEnd())
      }))
  ))

const listColumns = command(
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

const transactCommand = (name: "transact" | "query", description: string) =>
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

/** `--format`: JSON is the format this client prints tables in. */
const requireJsonFormat = Effect.flatMap(connection, (flags) =>
  Option.match(flags.format, {
    onNone: () => Effect.void,
    onSome: (format) =>
      format === "json" ? Effect.void : Effect.fail(new UsageError(`unsupported --format ${format}: use --format json`))
  }))

const dump = command(
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
const splitDatabase = (ovsdb: Ovsdb.Ovsdb["Service"], args: ReadonlyArray<string>) =>
  Effect.map(
    ovsdb.listDbs,
    (dbs): readonly [string, ReadonlyArray<string>] =>
      args.length > 0 && dbs.includes(args[0]!) ? [args[0]!, args.slice(1)] : [DEFAULT_DATABASE, args]
  )

/** A `CONDITIONS` argument: a JSON array of `[column, function, value]`. */
const parseConditions = (text: string | undefined) =>
  Effect.gen(function*() {
    const parsed = text === undefined ? undefined : JsonText.parse(text)
    if (parsed === undefined || Result.isFailure(parsed) || !Array.isArray(parsed.success)) {
      return yield* Effect.fail(new UsageError(`CONDITIONS must be a JSON array of conditions, not ${text}`))
    }
    const conditions: Array<Op.Condition> = []
    for (const condition of parsed.success as ReadonlyArray<Json>) {
      const value = Array.isArray(condition) && condition.length === 3 ? Value.decode(condition[2]!) : undefined
      if (!Array.isArray(condition) || typeof condition[0] !== "string" || value === undefined) {
        return yield* Effect.fail(new UsageError(`not a condition: ${JSON.stringify(condition)}`))
      }
      conditions.push(Op.where(condition[0], condition[1] as Op.ConditionFunction, value))
    }
    return conditions
  })

/** The monitor commands: print the initial contents, then each update, until interrupted. */
const monitorCommand = (name: "monitor" | "monitor-cond" | "monitor-cond-since", description: string) =>
  command(name, description, (server, args) =>
    Effect.gen(function*() {
      yield* requireJsonFormat
      yield* withOvsdb(server, (ovsdb) =>
        Effect.scoped(Effect.gen(function*() {
          const [database, rest] = yield* splitDatabase(ovsdb, args)
          const sinceId = name === "monitor-cond-since" && rest.length > 0 && /^[0-9a-f-]{36}$/.test(rest[0]!)
            ? rest[0]
            : undefined
          const afterId = sinceId === undefined ? rest : rest.slice(1)
          const where = name === "monitor" ? undefined : yield* parseConditions(afterId[0])
          const [tableName, columnsArgument, ...extra] = name === "monitor" ? afterId : afterId.slice(1)
          if (tableName === undefined) return yield* Effect.fail(new UsageError("missing TABLE argument"))
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
          const print = (changes: ReadonlyArray<Monitor.RowUpdate>) => {
            const text = formatUpdate(tableName, parsed.columns, changes, version)
            return text === undefined ? Effect.void : Console.log(text)
          }
          if (name === "monitor-cond-since") {
            const live = yield* ovsdb.monitorCondSince(database, request, sinceId)
            yield* Console.log(`found: ${live.found}, last_id: ${live.lastTxnId}`)
            yield* print(live.initial)
            // ovsdb-client writes each update's transaction id after a blank line, just before the update.
            yield* Stream.runForEach(live.updates, (update) => {
              const text = formatUpdate(tableName, parsed.columns, update.changes, version)
              return Console.log(`\nlast_id: ${update.lastTxnId}${text ?? ""}`)
            })
          } else {
            const live = version === 1
              ? yield* ovsdb.monitor(database, request)
              : yield* ovsdb.monitorCond(database, request)
            yield* print(live.initial)
            yield* Stream.runForEach(live.updates, (update) => print(update.changes))
          }
        })))
    }))

/**
 * lock, steal, unlock: print the server's reply, then every `locked` or `stolen` notice for the
 * lock (its method on one line, its params on the next), until interrupted — as ovsdb-client does.
 */
const lockCommand = (method: "lock" | "steal" | "unlock", description: string) =>
  command(method, description, (server, args) =>
    withOvsdb(server, (ovsdb) =>
      Effect.scoped(Effect.gen(function*() {
        const [name, ...extra] = args
        if (name === undefined || extra.length > 0) {
          return yield* Effect.fail(new UsageError(`usage: ${method} [SERVER] LOCK`))
        }
        const notices = yield* ovsdb.rpc.subscribe
        yield* Console.log(sortedJson(yield* ovsdb.rpc.call(method, [name])))
        return yield* PubSub.take(notices).pipe(
          Effect.flatMap((notice) =>
            (notice.method === "locked" || notice.method === "stolen") && notice.params[0] === name
              ? Effect.andThen(Console.log(notice.method), Console.log(sortedJson(notice.params)))
              : Effect.void
          ),
          Effect.forever
        )
      }))))

/** The states `wait` can wait for (ovsdb-client(1)). */
const WAIT_STATES = ["added", "connected", "removed"] as const

/** wait: watches `_Server.Database` until the database is added, connected (a cluster member with a leader), or removed. */
const waitCommand = command(
  "wait",
  "Wait until DATABASE is added, connected or removed",
  (server, args) =>
    withOvsdb(server, (ovsdb) =>
      Effect.scoped(Effect.gen(function*() {
        const [database, state, ...extra] = args
        if (database === undefined || !WAIT_STATES.includes(state as never) || extra.length > 0) {
          return yield* Effect.fail(new UsageError("usage: wait [SERVER] DATABASE added|connected|removed"))
        }
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
              rows.set(change.uuid.value, { ...rows.get(change.uuid.value), ...change.diff })
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

const echo = command(
  "echo",
  "Check that the server answers (RFC 7047 echo)",
  (server, args) =>
    withOvsdb(server, (ovsdb) => Effect.flatMap(ovsdb.echo(...args), (reply) => Console.log(sortedJson(reply))))
)

/**
 * The command tree.
 *
 * @since 0.1.0
 * @category commands
 */
export const cli = connection.pipe(
  Command.withSubcommands([
    listDbs,
    getSchema,
    listTables,
    listColumns,
    transactCommand("transact", "Run a transaction and print its result"),
    transactCommand("query", "Run a transaction, then abort it, and print its result"),
    dump,
    monitorCommand("monitor", "Print a table's contents, then every change, as JSON"),
    monitorCommand("monitor-cond", "Like monitor, for the rows matching CONDITIONS"),
    monitorCommand("monitor-cond-since", "Like monitor-cond, resuming after LAST-ID when the server can"),
    lockCommand("lock", "Ask for a lock and print the replies and notices"),
    lockCommand("steal", "Steal a lock and print the replies and notices"),
    lockCommand("unlock", "Release a lock"),
    waitCommand,
    echo
  ])
)

/**
 * Runs the command line with these arguments (without `node` and the script).
 *
 * @since 0.1.0
 * @category running
 */
export const run = Command.runWith(cli, { version: "0.1.0" })
