/**
 * An OVSDB server in memory: the databases of some schemas, served over any `Transport` with the
 * protocol and semantics of ovsdb-server (RFC 7047, ovsdb-server(7)).
 *
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { Server, type Transport } from "effect-ovsdb"
 * import * as OVN_Northbound from "effect-ovsdb/models/OVN_Northbound"
 *
 * // Serves one client connected through `transport`, until it goes or the scope ends.
 * const serveOne = (transport: Transport.Transport["Service"]) =>
 *   Effect.gen(function*() {
 *     const server = yield* Server.make({ databases: [OVN_Northbound.database.schema] })
 *     yield* server.transact("OVN_Northbound", [{ op: "insert", table: "Logical_Switch", row: { name: "ls0" } }])
 *     yield* Effect.forkScoped(server.serve(transport))
 *   })
 * ```
 *
 * - **Databases.** One engine per schema (see `Engine`), empty at first, and `_Server` (model
 *   `standalone`, as ovsdb-server describes a database it does not cluster).
 * - **Sessions.** `serve` runs one client's JSON-RPC session over a transport, through the same
 *   `Codec` as the client side (framing, size and depth limits, exact 64-bit integers). Many run at
 *   once over the same databases. A malformed frame, or a message no server takes, closes that
 *   connection only; `serve` then tells why.
 * - **Methods.** `list_dbs`, `get_schema`, `transact`, `cancel`, `monitor`, `monitor_cond`,
 *   `monitor_cond_change`, `monitor_cond_since`, `monitor_cancel`, `lock`, `steal`, `unlock`
 *   (with `locked` and `stolen`), `echo`, `get_server_id` and `set_db_change_aware`.
 * - **Order.** A commit's updates go to every monitor before its transaction is answered.
 * - **History.** Each database remembers its last `history` commits (default 100), so that
 *   `monitor_cond_since` resumes a client that saw one of them with only what it missed, and
 *   `update3` carries each commit's id.
 * - **Time.** A transaction whose `wait` does not hold yet waits, without holding anything up, until
 *   a commit makes it hold or its timeout passes; time is the `Clock` of the context the server was
 *   made in, so `TestClock` drives it in tests.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs/promises"
import * as Codec from "../Codec.js"
import type { RpcError, TransportError } from "../Errors.js"
import { CodecError } from "../Errors.js"
import type { Json } from "../Json.js"
import * as JsonText from "../Json.js"
import * as DatabaseSchema from "../protocol/DatabaseSchema.js"
import type * as JsonRpc from "../protocol/JsonRpc.js"
import { toRpcError } from "../RpcClient.js"
import * as Transport from "../Transport.js"
import { State } from "./databases.js"
import { DEFAULT_CAPACITY } from "./history.js"
import { RpcSession } from "./rpcSession.js"
import { databaseRows, SERVER_DATABASE, serverSchema, serverSchemaSource } from "./serverDatabase.js"

/**
 * A schema as read from its file: the schema, and the file's JSON (whose member order the server
 * follows where ovsdb-server's shows, see `readSchemaFile`).
 *
 * @since 0.1.0
 * @category models
 */
export interface SchemaFile {
  readonly schema: DatabaseSchema.DatabaseSchema
  readonly json: Json
}

/**
 * What the server serves.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The databases, one per schema, empty; their names must differ, and none may be `_Server`. */
  readonly databases: ReadonlyArray<DatabaseSchema.DatabaseSchema | SchemaFile>
  /**
   * How many commits of each database `monitor_cond_since` can resume after. Default: 100, as a
   * clustered ovsdb-server; 0 keeps none and reports the zero UUID as every transaction's id, as a
   * standalone ovsdb-server does (and as every server does for `_Server`).
   */
  readonly history?: number | undefined
  /** The limits of every connection's codec (largest message, deepest nesting, unsent bytes). */
  readonly codec?: Codec.Options | undefined
}

/**
 * Why the server could not start: a schema it cannot serve, a schema file it cannot read, rows it
 * could not insert, or a listener it could not open.
 *
 * @since 0.1.0
 * @category errors
 */
export class ServerError extends Schema.TaggedError<ServerError>()("ServerError", {
  reason: Schema.Literals(["Schema", "Seed", "Listen"]),
  detail: Schema.String,
  cause: Schema.optionalKey(Schema.Defect())
}) {
  /** What went wrong: `DETAIL` (`reason` says at which step). */
  override get message(): string {
    return this.detail
  }
}

/**
 * How a connection ended: the client closed it, broke the protocol (a malformed or oversized
 * frame, a message no server takes), or the connection failed.
 *
 * @since 0.1.0
 * @category models
 */
export type Disconnect =
  | { readonly _tag: "Closed" }
  | { readonly _tag: "ProtocolError"; readonly detail: string }
  | { readonly _tag: "ConnectionFailed"; readonly detail: string }

/**
 * The service: a running server.
 *
 * @since 0.1.0
 * @category services
 */
export class Server extends Context.Service<Server, {
  /** The server's id, new at each start (ovsdb-server(7) §4.1.17 `get_server_id`). */
  readonly id: string
  /** The databases served, `_Server` last. */
  readonly databases: ReadonlyArray<string>
  /**
   * Serves one client over a connected transport, until it closes or breaks the protocol; closes
   * the transport then, and tells why the session ended.
   */
  readonly serve: (transport: Transport.Transport["Service"]) => Effect.Effect<Disconnect>
  /**
   * Runs a transaction as a client would (RFC 7047 §4.1.3, the operations as JSON) and returns the
   * reply's result array, failed operations included; a request the server refuses as a whole
   * (an unknown database) fails with its `RpcError`. Monitors see its commit like any other.
   */
  readonly transact: (database: string, operations: ReadonlyArray<Json>) => Effect.Effect<ReadonlyArray<Json>, RpcError>
}>()("effect-ovsdb/Server") {}

const schemaOf = (input: DatabaseSchema.DatabaseSchema | SchemaFile): DatabaseSchema.DatabaseSchema =>
  "json" in input ? input.schema : input

const problemsOf = (schemas: ReadonlyArray<DatabaseSchema.DatabaseSchema>): string | undefined => {
  const names = schemas.map((schema) => schema.name)
  if (names.includes(SERVER_DATABASE)) return `the database name ${SERVER_DATABASE} is reserved`
  const twice = names.find((name, i) => names.indexOf(name) !== i)
  return twice === undefined ? undefined : `two databases are named ${twice}`
}

/** A random UUID, as ovsdb-server's server id. */
const randomUuid = (): string => globalThis.crypto.randomUUID()

/**
 * Watches the deadlines of waiting transactions: sleeps until the earliest (by the context's
 * `Clock`), or until woken because a new one came, and runs those that are due.
 */
const watchDeadlines = (state: State, clock: Clock.Clock, wakeups: Queue.Queue<void>) =>
  Effect.gen(function*() {
    while (true) {
      const deadline = state.nextDeadline()
      const now = clock.currentTimeMillisUnsafe()
      if (deadline !== undefined && deadline <= now) {
        state.expire()
        continue
      }
      const sleep = deadline === undefined ? Effect.never : Effect.sleep(deadline - now)
      yield* Effect.raceFirst(Queue.take(wakeups), sleep)
    }
  })

/** Why the incoming stream of a connection failed, as a `Disconnect`. */
const disconnectOf = (error: CodecError | TransportError): Disconnect =>
  error instanceof CodecError
    ? { _tag: "ProtocolError", detail: error.message }
    : error.reason === "Closed"
    ? { _tag: "Closed" }
    : { _tag: "ConnectionFailed", detail: error.message }

/** One client's session over its transport, until it ends. */
const serveConnection = (
  state: State,
  serverId: string,
  codecOptions: Codec.Options | undefined,
  transport: Transport.Transport["Service"]
): Effect.Effect<Disconnect> =>
  Effect.scoped(Effect.gen(function*() {
    const codec = yield* Codec.make(codecOptions).pipe(Effect.provideService(Transport.Transport, transport))
    const session = new RpcSession({
      state,
      serverId,
      send: (message) => {
        codec.sendUnsafe(message)
      }
    })
    let refused: JsonRpc.Message | undefined
    const read = codec.incoming.pipe(
      Stream.runForEachWhile((message) =>
        Effect.sync(() => {
          if (session.receive(message)) return true
          refused = message
          return false
        })
      ),
      Effect.map((): Disconnect =>
        refused === undefined
          ? { _tag: "Closed" }
          : { _tag: "ProtocolError", detail: `received an unexpected ${refused._tag.toLowerCase()}` }
      ),
      Effect.catch((error) => Effect.succeed(disconnectOf(error)))
    )
    const disconnect = yield* read.pipe(
      Effect.catchCause((cause) =>
        Effect.succeed<Disconnect>({ _tag: "ProtocolError", detail: `internal error: ${String(cause)}` })
      ),
      Effect.ensuring(Effect.sync(() => session.end()))
    )
    yield* transport.close
    return disconnect
  }))

/**
 * Starts a server; it stops (its waiting transactions dropped) when the scope closes. The
 * `Connection`s it serves are the caller's: each ends with the fiber running its `serve`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Server["Service"], ServerError, Scope.Scope> =>
  Effect.gen(function*() {
    const problem = problemsOf(options.databases.map(schemaOf))
    if (problem !== undefined) return yield* new ServerError({ reason: "Schema", detail: problem })
    const clock = yield* Clock.Clock
    const wakeups = yield* Queue.sliding<void>(1)
    const state = new State({
      historyCapacity: options.history ?? DEFAULT_CAPACITY,
      now: () => clock.currentTimeMillisUnsafe(),
      wake: () => {
        Queue.offerUnsafe(wakeups, undefined)
      }
    })
    for (const input of options.databases) {
      if ("json" in input) state.add(input.schema, false, input.json)
      else state.add(input, false)
    }
    const server = state.add(serverSchema, true, serverSchemaSource)
    const schemas = [...options.databases.map(schemaOf), serverSchema]
    let seeded: Json | undefined
    state.transact(server, {
      owner: state,
      hasLock: () => false,
      id: null,
      operations: databaseRows(schemas),
      since: clock.currentTimeMillisUnsafe(),
      answer: (answer) => {
        seeded = answer._tag === "Error" ? answer.error : answer.result
      }
    }, true)
    const failure = Array.isArray(seeded) ? seeded.find((result) => isError(result)) : seeded
    if (failure !== undefined) {
      return yield* new ServerError({
        reason: "Seed",
        detail: `cannot write the ${SERVER_DATABASE} database: ${JsonText.show(failure)}`
      })
    }
    yield* Effect.forkScoped(watchDeadlines(state, clock, wakeups))
    const id = randomUuid()
    return Server.of({
      id,
      databases: [...state.databases.keys()],
      serve: (transport) => serveConnection(state, id, options.codec, transport),
      transact: (name, operations) =>
        Effect.callback<ReadonlyArray<Json>, RpcError>((resume) => {
          const database = state.databases.get(name)
          if (database === undefined) {
            return resume(Effect.fail(toRpcError("transact", {
              details: `transact request specifies unknown database ${name}`,
              error: "unknown database"
            })))
          }
          const owner = {}
          state.transact(database, {
            owner,
            hasLock: () => false,
            id: null,
            operations,
            since: clock.currentTimeMillisUnsafe(),
            answer: (answer) =>
              resume(
                answer._tag === "Error"
                  ? Effect.fail(toRpcError("transact", answer.error))
                  : Effect.succeed(answer.result as ReadonlyArray<Json>)
              )
          })
          return Effect.sync(() => state.cancel(owner, () => true))
        })
    })
  })

const isError = (result: Json): boolean =>
  typeof result === "object" && result !== null && !Array.isArray(result) && "error" in result

/**
 * A layer holding one server for the layer's lifetime.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Server, ServerError> => Layer.effect(Server, make(options))

/**
 * Reads a schema file (`.ovsschema`, or a saved `get_schema` reply), checking it as ovsdb-server
 * does; the file's JSON comes with it, for the order of its members, which ovsdb-server's replies
 * follow (ovsdb-client lists tables and columns in an order that depends on it).
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { Server } from "effect-ovsdb"
 *
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const nb = yield* Server.readSchemaFile("/usr/share/ovn/ovn-nb.ovsschema")
 *   const server = yield* Server.make({ databases: [nb] })
 *   return server.databases // ["OVN_Northbound", "_Server"]
 * }))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const readSchemaFile = (path: string): Effect.Effect<SchemaFile, ServerError> =>
  Effect.tryPromise({
    try: () => Fs.readFile(path, "utf8"),
    catch: (cause) => new ServerError({ reason: "Schema", detail: `${path}: cannot read: ${String(cause)}`, cause })
  }).pipe(
    Effect.flatMap((text) =>
      Effect.mapError(
        Effect.fromResult(JsonText.parse(text)),
        (problem) => new ServerError({ reason: "Schema", detail: `${path}: not JSON: ${problem}` })
      )
    ),
    Effect.flatMap((json) =>
      Effect.mapError(
        Effect.map(DatabaseSchema.decode(json), (schema) => ({ schema, json })),
        (error) => new ServerError({ reason: "Schema", detail: `${path}: ${error.message}`, cause: error })
      )
    )
  )

/**
 * Reads a schema file (`.ovsschema`, or a saved `get_schema` reply), checking it as ovsdb-server
 * does.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { Server } from "effect-ovsdb"
 *
 * const program = Effect.gen(function*() {
 *   const schema = yield* Server.readSchema("/usr/share/ovn/ovn-nb.ovsschema")
 *   return schema.name // "OVN_Northbound"
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const readSchema = (path: string): Effect.Effect<DatabaseSchema.DatabaseSchema, ServerError> =>
  Effect.map(readSchemaFile(path), (file) => file.schema)
