/**
 * The OVSDB API (RFC 7047 §4.1): one Effect program per RPC method, parameters encoded and results
 * decoded, failures typed.
 *
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { Operation as Op, Ovsdb } from "effect-ovsdb"
 *
 * const program = Effect.gen(function*() {
 *   const ovsdb = yield* Ovsdb.Ovsdb
 *   const dbs = yield* ovsdb.listDbs
 *   const [{ uuid }, { rows }] = yield* ovsdb.transact(
 *     "OVN_Northbound",
 *     Op.insert("Logical_Switch", { name: "ls0" }),
 *     Op.select("Logical_Switch", [Op.where("name", "==", "ls0")], ["name"])
 *   )
 * })
 *
 * program.pipe(Effect.provide(Ovsdb.layer({ remote: "unix:/var/run/ovn/ovnnb_db.sock" })))
 * ```
 *
 * `Ovsdb.layer` builds the resilient client (a `Session` over a list of remotes, surviving failovers);
 * `Ovsdb.layerConnection` one plain connection (Transport, Codec, RpcClient), as tools want;
 * `Ovsdb.layerRpc` only this layer over an `RpcClient` you provide, e.g. a test double.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as References from "effect/References"
import * as Result from "effect/Result"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import * as Codec from "./Codec.js"
import type { MonitorCanceled, RemoteParseError, RpcError, RpcTimeout, TransportError, ValueError } from "./Errors.js"
import {
  ConnectionClosed,
  ProtocolError,
  SchemaMismatch,
  TransactionError,
  TransactionOutcomeUnknown
} from "./Errors.js"
import * as Locks from "./internal/locks.js"
import * as Monitors from "./internal/monitors.js"
import { type Json, show as showJson } from "./Json.js"
import * as DatabaseSchema from "./protocol/DatabaseSchema.js"
import * as Monitor from "./protocol/Monitor.js"
import type * as Operation from "./protocol/Operation.js"
import * as SchemaCompatibility from "./protocol/SchemaCompatibility.js"
import * as RpcClient from "./RpcClient.js"
import * as Session from "./Session.js"
import * as Transport from "./Transport.js"

/**
 * What any call can fail with: an error reply, a timeout, or a lost connection.
 *
 * @since 0.1.0
 * @category errors
 */
export type CallError = RpcError | RpcTimeout | ConnectionClosed | ProtocolError

/**
 * The changes one update notification reported (with its transaction id, for `monitor_cond_since`).
 *
 * @since 0.1.0
 * @category monitors
 */
export interface MonitorUpdate {
  readonly _tag: "Update"
  /** The row changes, in the server's order. */
  readonly changes: ReadonlyArray<Monitor.RowUpdate>
  /** With `monitor_cond_since`: the id of the transaction that made these changes. */
  readonly lastTxnId?: string
}

/**
 * A monitor's contents replaced as a whole, marked as such: a resilient session's monitor after a
 * reconnect whose server no longer had the changes missed, a `monitor_canceled`, or an update that
 * did not fit the monitor's rows. `changes` are the full new contents, as `Initial` rows: drop
 * what the monitor showed before and take these. Never a silent re-insert.
 *
 * @since 0.1.0
 * @category monitors
 */
export interface MonitorReset {
  readonly _tag: "Reset"
  /** The full new contents, as `Initial` rows. */
  readonly changes: ReadonlyArray<Monitor.RowUpdate>
  /** The id of the last transaction the new contents include, when the server gave one. */
  readonly lastTxnId?: string
  /** Why the contents were read again. */
  readonly reason: string
}

/**
 * What a monitor's stream carries: updates, and (from a session's monitors) resets.
 *
 * @since 0.1.0
 * @category monitors
 */
export type MonitorEvent = MonitorUpdate | MonitorReset

/**
 * A live monitor: its id, the initial rows (`Monitor.InitialRow`s only: a reply holding anything
 * else fails with a `ProtocolError`), and the stream of later changes.
 *
 * @since 0.1.0
 * @category monitors
 */
export interface LiveMonitor {
  /** The monitor's id on this connection. */
  readonly id: string
  /** The rows that matched when the monitor started: initial rows only. */
  readonly initial: ReadonlyArray<Monitor.InitialRow>
  /** Every later change, in order. Single consumer. */
  readonly updates: Stream.Stream<MonitorEvent, MonitorCanceled | ConnectionClosed | ProtocolError>
}

/**
 * A live `monitor_cond` monitor, whose conditions can be changed with `change`.
 *
 * @since 0.1.0
 * @category monitors
 */
export interface ConditionalMonitor extends LiveMonitor {
  /** Replaces the conditions of some tables (`monitor_cond_change`); the others keep theirs. */
  readonly change: (
    requests: { readonly [table: string]: Pick<Monitor.TableRequest, "where"> }
  ) => Effect.Effect<void, CallError>
}

/**
 * A `monitor_cond_since` monitor that did not resume (`found: false`): `initial` holds the whole
 * contents, as initial rows.
 *
 * @since 0.1.0
 * @category monitors
 */
export interface MonitorSinceContents extends ConditionalMonitor {
  /** The server no longer had the history since the requested transaction (or none was given). */
  readonly found: false
  /** The id of the last transaction the initial contents include. */
  readonly lastTxnId: string
}

/**
 * A `monitor_cond_since` monitor resumed after the requested transaction (`found: true`):
 * `initial` holds the changes made since, as the server sent them.
 *
 * @since 0.1.0
 * @category monitors
 */
export interface MonitorSinceResumed extends Omit<ConditionalMonitor, "initial"> {
  /** The server still had the history since the requested transaction. */
  readonly found: true
  /** The changes made since the requested transaction, as the server sent them. */
  readonly initial: ReadonlyArray<Monitor.RowUpdate>
  /** The id of the last transaction those changes include. */
  readonly lastTxnId: string
}

/**
 * A live `monitor_cond_since` monitor, with the server's `found` and `lastTxnId`. `found` tells
 * what `initial` holds: `false`, the whole contents as initial rows (`Monitor.InitialRow`);
 * `true` (resumed after the `lastTxnId` asked for), the changes made since, as the server sent
 * them (inserts, modifications, deletions).
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { Ovsdb } from "effect-ovsdb"
 *
 * const resume = (lastSeen: string) =>
 *   Effect.scoped(Effect.gen(function*() {
 *     const ovsdb = yield* Ovsdb.Ovsdb
 *     const live = yield* ovsdb.monitorCondSince("OVN_Northbound", { Logical_Switch: {} }, lastSeen)
 *     if (live.found) yield* Effect.log(`${live.initial.length} changes since ${lastSeen}`) // Monitor.RowUpdate
 *     else yield* Effect.log(`${live.initial.length} rows`) // Monitor.InitialRow
 *   }))
 * ```
 *
 * @since 0.1.0
 * @category monitors
 */
export type MonitorSince = MonitorSinceContents | MonitorSinceResumed

/**
 * A lock this session asked for: whether it holds it now, and ways to wait for losing or
 * regaining it. It lives on one connection: once the connection ends, `held`, `whenStolen` and
 * `whenHeld` fail with `ConnectionClosed`.
 *
 * @since 0.1.0
 * @category locks
 */
export interface Lock {
  /** The lock's name. */
  readonly name: string
  /** Whether this session holds the lock now; fails once the connection has ended. */
  readonly held: Effect.Effect<boolean, ConnectionClosed>
  /**
   * Waits until the lock is stolen from this session (at once if it is not held now); fails when
   * the connection ends, which takes the lock from this session too.
   */
  readonly whenStolen: Effect.Effect<void, ConnectionClosed>
  /** Waits until this session holds the lock (at once if it does now); fails when the connection ends. */
  readonly whenHeld: Effect.Effect<void, ConnectionClosed>
}

/**
 * The service.
 *
 * @since 0.1.0
 * @category services
 */
export class Ovsdb extends Context.Service<Ovsdb, {
  /** §4.1.1 list_dbs: the names of the server's databases. */
  readonly listDbs: Effect.Effect<ReadonlyArray<string>, CallError>
  /** §4.1.2 get_schema: a database's schema, decoded. */
  readonly getSchema: (database: string) => Effect.Effect<DatabaseSchema.DatabaseSchema, CallError>
  /** §4.1.2 get_schema, the schema as the server sent it. */
  readonly getSchemaJson: (database: string) => Effect.Effect<Json, CallError>
  /** §4.1.11 echo: the server returns the params; a liveness check. */
  readonly echo: (...params: ReadonlyArray<Json>) => Effect.Effect<ReadonlyArray<Json>, CallError>
  /**
   * §4.1.3 transact: runs the operations atomically; the results come back typed per position.
   * Any failed operation fails the whole transaction with a `TransactionError`; an operation
   * built from a model with a value its column refuses fails with that `ValueError`, and nothing
   * is sent. A transaction sent whose reply never came, because the connection ended, fails with
   * `TransactionOutcomeUnknown`: it may have committed.
   */
  readonly transact: <const Ops extends ReadonlyArray<Operation.Any>>(
    database: string,
    ...operations: Ops
  ) => Effect.Effect<Operation.Results<Ops>, TransactionError | TransactionOutcomeUnknown | ValueError | CallError>
  /**
   * §4.1.3 transact with operations given as JSON; the reply's result array as sent (failed
   * operations included). Cut off by the end of the connection: `TransactionOutcomeUnknown`.
   */
  readonly transactJson: (
    database: string,
    operations: ReadonlyArray<Json>
  ) => Effect.Effect<ReadonlyArray<Json>, TransactionOutcomeUnknown | CallError>
  /**
   * RFC 7047 §4.1.5 monitor: the initial rows, then every change, as a scoped resource; closing
   * the scope cancels it (§4.1.7), waiting for the server's answer at most `releaseTimeout`.
   */
  readonly monitor: (
    database: string,
    requests: Monitor.Requests
  ) => Effect.Effect<LiveMonitor, CallError, Scope.Scope>
  /** ovsdb-server(7) §4.1.12 monitor_cond: like `monitor`, with conditions that can be changed. */
  readonly monitorCond: (
    database: string,
    requests: Monitor.Requests
  ) => Effect.Effect<ConditionalMonitor, CallError, Scope.Scope>
  /**
   * ovsdb-server(7) §4.1.15 monitor_cond_since: like `monitorCond`, and resumes after
   * `lastTxnId` when the server still has that history (`found`).
   */
  readonly monitorCondSince: (
    database: string,
    requests: Monitor.Requests,
    lastTxnId?: string
  ) => Effect.Effect<MonitorSince, CallError, Scope.Scope>
  /**
   * RFC 7047 §4.1.8 lock: waits until this session holds the lock named `name`; closing the
   * scope unlocks it (or withdraws the request), waiting for the answer at most `releaseTimeout`.
   * The lock ends with the connection: a request still waiting, and the handle's `held`,
   * `whenStolen` and `whenHeld`, then fail with `ConnectionClosed`.
   */
  readonly lock: (name: string) => Effect.Effect<Lock, CallError, Scope.Scope>
  /** RFC 7047 §4.1.8 steal: takes the lock at once from whoever holds it; closing the scope unlocks it. */
  readonly steal: (name: string) => Effect.Effect<Lock, CallError, Scope.Scope>
  /** ovsdb-server(7) §4.1.17 get_server_id: the server's unique id (a UUID, new at each start). */
  readonly getServerId: Effect.Effect<string, CallError>
  /**
   * ovsdb-server(7) §4.1.18 set_db_change_aware: with `true`, the server cancels monitors of a
   * removed database (`MonitorCanceled`) instead of closing the connection.
   */
  readonly setDbChangeAware: (aware: boolean) => Effect.Effect<void, CallError>
  /** ovsdb-server(7) §4.1.19 convert: converts `database` online to `schema` (an `.ovsschema` document). */
  readonly convert: (database: string, schema: Json) => Effect.Effect<void, CallError>
  /**
   * Checks that `model` (the schema an application was written against) fits the server's schema
   * of the same database: extra tables and columns are fine; a missing one, or a column of another
   * type, fails with a `SchemaMismatch` listing every difference.
   */
  readonly ensureCompatible: (model: DatabaseSchema.DatabaseSchema) => Effect.Effect<void, SchemaMismatch | CallError>
  /** The session underneath, for methods this service does not cover yet. */
  readonly rpc: RpcClient.RpcClient["Service"]
}>()("effect-ovsdb/Ovsdb") {}

/**
 * Runs a call in a span named after the method, so a tracing backend (OpenTelemetry through
 * Effect) shows each RPC with its database and outcome. A span costs several microseconds per
 * call, so none is made when no backend could see it: while the tracer is Effect's in-memory
 * `nativeTracer` (Effect's documented test for "no backend installed"), or tracing is off
 * (`References.TracerEnabled`). Its stack trace would point into this module, so none is taken.
 */
const traced = (name: string, attributes?: Record<string, unknown>) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.withFiber((fiber) =>
    isTraced(fiber)
      ? Effect.withSpan(effect, name, { attributes: attributes ?? {}, captureStackTrace: false })
      : effect
  )

/** Whether a tracing backend could see a span made in this fiber (see `traced`). */
const isTraced = (fiber: Fiber.Fiber<unknown, unknown>): boolean =>
  fiber.getRef(References.TracerEnabled) && fiber.getRef(Tracer.Tracer) !== Tracer.nativeTracer

/** `traced` for transact, the hot path: its attributes are made only when a span is. */
const tracedTransact = <A, E, R>(effect: Effect.Effect<A, E, R>, database: string, operations: number) =>
  Effect.withFiber((fiber) =>
    isTraced(fiber)
      ? Effect.withSpan(effect, "Ovsdb.transact", { attributes: { database, operations }, captureStackTrace: false })
      : effect
  )

const asRecord = (json: Json): { readonly [key: string]: Json } | undefined =>
  typeof json === "object" && json !== null && !Array.isArray(json)
    ? json as { readonly [key: string]: Json }
    : undefined

/** An operation's `{error, details, syntax}` result (RFC 7047 §3.1 <error>) as a TransactionError. */
const operationError = (
  database: string,
  result: { readonly [key: string]: Json },
  index: number | undefined,
  op: string | undefined
): TransactionError => {
  const text = (value: Json | undefined) => typeof value === "string" ? value : undefined
  const details = text(result.details)
  const syntax = text(result.syntax)
  return new TransactionError({
    database,
    error: text(result.error) ?? showJson(result.error),
    ...(details === undefined ? {} : { details }),
    ...(syntax === undefined ? {} : { syntax }),
    ...(index === undefined ? {} : { index }),
    ...(op === undefined ? {} : { op })
  })
}

/**
 * Reads a transact reply (RFC 7047 §4.1.3): one result per operation; the first with an `error`
 * member failed the transaction; an extra trailing result with an `error` is a failure found at
 * commit time, which names no operation.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeTransactResult = <const Ops extends ReadonlyArray<Operation.Any>>(
  database: string,
  operations: Ops,
  reply: ReadonlyArray<Json>
): Result.Result<Operation.Results<Ops>, TransactionError | ProtocolError> => {
  for (let index = 0; index < reply.length; index++) {
    const result = asRecord(reply[index]!)
    if (result !== undefined && result.error !== undefined) {
      const isCommitFailure = index >= operations.length
      return Result.fail(operationError(
        database,
        result,
        isCommitFailure ? undefined : index,
        isCommitFailure ? undefined : operations[index]!.op
      ))
    }
  }
  if (reply.length < operations.length) {
    return Result.fail(
      new ProtocolError({
        method: "transact",
        detail: `${reply.length} results for ${operations.length} operations`
      })
    )
  }
  const results: Array<unknown> = []
  for (let index = 0; index < operations.length; index++) {
    const operation = operations[index]!
    const decoded = operation.decode(reply[index]!)
    if (Result.isFailure(decoded)) {
      return Result.fail(
        new ProtocolError({ method: "transact", detail: `result ${index} (${operation.op}): ${decoded.failure}` })
      )
    }
    results.push(decoded.success)
  }
  return Result.succeed(results as unknown as Operation.Results<Ops>)
}

const stringArray = (method: string, json: Json): Effect.Effect<ReadonlyArray<string>, ProtocolError> =>
  Array.isArray(json) && json.every((item) => typeof item === "string")
    ? Effect.succeed(json as ReadonlyArray<string>)
    : Effect.fail(new ProtocolError({ method, detail: `expected an array of strings, got ${showJson(json)}` }))

const notAnArray = (method: string, json: Json) =>
  new ProtocolError({ method, detail: `expected an array, got ${showJson(json)}` })

const jsonArray = (method: string, json: Json): Effect.Effect<ReadonlyArray<Json>, ProtocolError> =>
  Array.isArray(json) ? Effect.succeed(json as ReadonlyArray<Json>) : Effect.fail(notAnArray(method, json))

/**
 * Options of the API layer itself.
 *
 * @since 0.1.0
 * @category models
 */
export interface ApiOptions {
  /**
   * How long closing a monitor's or a lock's scope waits for the server to answer its
   * `monitor_cancel` or `unlock`; past it the scope closes anyway, so a server that stopped
   * answering never holds a scope open. Default: `DEFAULT_RELEASE_TIMEOUT` (5 seconds).
   */
  readonly releaseTimeout?: Duration.Input | undefined
}

/**
 * The default bound on a release call (`monitor_cancel`, `unlock`) at the end of a scope.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_RELEASE_TIMEOUT: Duration.Input = "5 seconds"

/**
 * A transact cut off by the end of the connection has an unknown outcome (OVS 04e5adfed): the
 * server may have committed it before it went away.
 */
const cutOff = <E>(database: string, error: E): E | TransactionOutcomeUnknown =>
  error instanceof ConnectionClosed && error.requestSent === true
    ? new TransactionOutcomeUnknown({ database, detail: error.detail, cause: error })
    : error

/** Every method but the monitors and locks: plain calls, the same over a connection or a session. */
const calls = (rpc: RpcClient.RpcClient["Service"]) => {
  const listDbs = rpc.call("list_dbs", []).pipe(
    Effect.flatMap((json) => stringArray("list_dbs", json)),
    traced("Ovsdb.listDbs")
  )

  const getSchemaJson = (database: string) =>
    rpc.call("get_schema", [database]).pipe(
      traced("Ovsdb.getSchemaJson", { database })
    )

  const getSchema = (database: string) =>
    rpc.call("get_schema", [database]).pipe(
      Effect.flatMap((json) =>
        Effect.mapError(DatabaseSchema.decode(json), (error) =>
          new ProtocolError({ method: "get_schema", detail: error.message }))
      ),
      traced("Ovsdb.getSchema", { database })
    )

  const echo = (...params: ReadonlyArray<Json>) =>
    rpc.call("echo", params).pipe(
      Effect.flatMap((json) => jsonArray("echo", json)),
      traced("Ovsdb.echo")
    )

  /**
   * RFC 7047 §4.1.3 transact, the hot path: one step after the call reads the reply, since every
   * step and every closure of a call in flight is memory held until its reply comes.
   */
  const transactJson = (database: string, operations: ReadonlyArray<Json>) =>
    tracedTransact(
      Effect.matchCauseEffect(rpc.call("transact", [database, ...operations]), {
        onFailure: (cause) => Effect.failCause(Cause.map(cause, (error) => cutOff(database, error))),
        onSuccess: (json) => Array.isArray(json) ? Effect.succeed(json) : Effect.fail(notAnArray("transact", json))
      }),
      database,
      operations.length
    )

  const transact = <const Ops extends ReadonlyArray<Operation.Any>>(database: string, ...operations: Ops) => {
    const params: Array<Json> = [database]
    for (const operation of operations) {
      if (operation.problem !== undefined) return Effect.fail(operation.problem)
      params.push(operation.json)
    }
    return tracedTransact(
      Effect.matchCauseEffect(rpc.call("transact", params), {
        onFailure: (cause) => Effect.failCause(Cause.map(cause, (error) => cutOff(database, error))),
        onSuccess: (json) =>
          Array.isArray(json)
            ? Effect.fromResult(decodeTransactResult(database, operations, json))
            : Effect.fail(notAnArray("transact", json))
      }),
      database,
      operations.length
    )
  }

  const getServerId = rpc.call("get_server_id", []).pipe(
    Effect.flatMap((json) =>
      typeof json === "string"
        ? Effect.succeed(json)
        : Effect.fail(
          new ProtocolError({ method: "get_server_id", detail: `expected a string, got ${showJson(json)}` })
        )
    ),
    traced("Ovsdb.getServerId")
  )

  const setDbChangeAware = (aware: boolean) =>
    rpc.call("set_db_change_aware", [aware]).pipe(Effect.asVoid, traced("Ovsdb.setDbChangeAware"))

  const convert = (database: string, schema: Json) =>
    rpc.call("convert", [database, schema]).pipe(Effect.asVoid, traced("Ovsdb.convert", { database }))

  const ensureCompatible = (model: DatabaseSchema.DatabaseSchema) =>
    getSchema(model.name).pipe(
      Effect.flatMap((server) => {
        const found = SchemaCompatibility.differences(model, server)
        return found.length === 0
          ? Effect.void
          : Effect.fail(
            new SchemaMismatch({ database: model.name, differences: found.map(SchemaCompatibility.describe) })
          )
      }),
      traced("Ovsdb.ensureCompatible", { database: model.name })
    )

  return {
    listDbs,
    getSchema,
    getSchemaJson,
    echo,
    transact,
    transactJson,
    getServerId,
    setDbChangeAware,
    convert,
    ensureCompatible,
    rpc
  }
}

/**
 * Builds the API over the `RpcClient` in context: one connection, whose monitors and locks end with it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options?: ApiOptions): Effect.Effect<Ovsdb["Service"], never, RpcClient.RpcClient> =>
  Effect.gen(function*() {
    const rpc = yield* RpcClient.RpcClient
    const releaseTimeout = options?.releaseTimeout ?? DEFAULT_RELEASE_TIMEOUT
    return Ovsdb.of({
      ...calls(rpc),
      ...Monitors.make(rpc, releaseTimeout),
      ...Locks.make(rpc, releaseTimeout)
    })
  })

/** A session monitor's initial rows, when it did not resume (`found: false`): initial rows only. */
const contentsOf = (live: Session.LiveMonitor): Effect.Effect<ReadonlyArray<Monitor.InitialRow>, ProtocolError> => {
  const rows = Monitor.initialRows(live.initial)
  return typeof rows === "string"
    ? Effect.fail(new ProtocolError({ method: "monitor_cond_since", detail: rows }))
    : Effect.succeed(rows)
}

/**
 * Builds the API over the `Session` in context: calls go to whichever connection is ready, and
 * monitors and locks survive reconnects (a monitor's stream may carry a `MonitorReset`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeOverSession: Effect.Effect<Ovsdb["Service"], never, Session.Session> = Effect.gen(
  function*() {
    const session = yield* Session.Session
    const monitor = (database: string, requests: Monitor.Requests) =>
      Effect.flatMap(
        session.monitor(database, requests),
        (live) => Effect.map(contentsOf(live), (initial) => ({ ...live, initial }))
      )
    return Ovsdb.of({
      ...calls(session.rpc),
      monitor,
      monitorCond: monitor,
      monitorCondSince: (database, requests, lastTxnId) =>
        session.monitor(database, requests, lastTxnId).pipe(
          Effect.flatMap((live) =>
            Effect.flatMap(live.lastTxnId, (last): Effect.Effect<MonitorSince, ProtocolError> => {
              const since = { ...live, lastTxnId: last ?? Monitor.ZERO_TXN_ID }
              return live.found
                ? Effect.succeed({ ...since, found: true })
                : Effect.map(contentsOf(live), (initial) => ({ ...since, found: false, initial }))
            })
          )
        ),
      lock: (name) => session.lock(name),
      steal: (name) => session.lock(name, true)
    })
  }
)

/**
 * The API over an `RpcClient` you provide.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerRpc: Layer.Layer<Ovsdb, never, RpcClient.RpcClient> = Layer.effect(Ovsdb, make())

/**
 * Options of the full stack: where to connect and how patiently.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends Transport.Options, Codec.Options, RpcClient.Options, ApiOptions {}

/**
 * The client: a resilient `Session` over the remotes of `options`, and the API over it. Calls go
 * to whichever connection is ready (waiting for one while the session reconnects); monitors and
 * locks survive reconnects and failovers (see `Session`). Every monitor is a `monitor_cond_since`
 * on the wire, so its rows come as version 3 reports them: inserts without their default-valued
 * columns (`Monitor.defaultValue`), modifications as diffs (`Monitor.applyDiff`). Building it
 * does not wait for the first connection: calls do. The layer gives the `Session` too, for its
 * state.
 *
 * @example
 * ```ts
 * import { Ovsdb } from "effect-ovsdb"
 *
 * // A three-server cluster: the session connects to one that answers, and fails over.
 * const OvsdbLive = Ovsdb.layer({ remote: "unix:/run/ovn/nb1.sock,unix:/run/ovn/nb2.sock,unix:/run/ovn/nb3.sock" })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Session.Options): Layer.Layer<Ovsdb | Session.Session, RemoteParseError> =>
  Layer.effect(Ovsdb, makeOverSession).pipe(Layer.provideMerge(Session.layer(options)))

/**
 * One plain connection to `remote` (the first of a list that answers), open for the layer's
 * lifetime, as tools like ovsdb-client use: building it fails when no remote answers, and when the
 * connection ends, every call, monitor and lock on it ends too.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConnection = (options: Options): Layer.Layer<Ovsdb, TransportError | RemoteParseError> =>
  Layer.effect(Ovsdb, make(options)).pipe(
    Layer.provide(RpcClient.layer(options)),
    Layer.provide(Codec.layer(options)),
    Layer.provide(Transport.layer(options))
  )
