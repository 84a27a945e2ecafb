/**
 * The resilient session: one logical connection to an OVSDB service that stays up while servers
 * die, restart and hand leadership over, as Open vSwitch's `lib/ovsdb-cs.c` keeps one under its
 * IDLs. It is one state machine, run by one fiber, read top to bottom in `run`:
 *
 * ```
 *            ┌────────────────────────────────────────────────────────────┐
 *            ▼                                                            │
 * Connecting(remote) ─▶ CheckingServer ─▶ Restoring ─▶ Ready ── the connection ends ─┘
 *     │  (dial, TLS)     (_Server: usable?)  (monitors,   (calls, monitors, locks)
 *     │                                       locks)
 *     └─ failed ─▶ next remote at once; after a whole pass of failures: Backoff ─▶ Connecting
 *                  what retrying cannot fix (database missing everywhere, schema mismatch): Failed
 * ```
 *
 * - **Remotes.** The list is shuffled once (`shuffle: false` keeps its order), then tried round
 *   robin: each remote gets one try without waiting; after a pass in which none became usable, the
 *   session waits as the `backoff` Schedule says (default, as OVS: 1 s doubling to 8 s), and starts
 *   the schedule over after a connection that lived at least as long as its last delay. The
 *   servers refused in the pass that may yet become usable (followers, members cut off) stay
 *   watched through the wait, and the first that becomes usable ends it: after the leader dies,
 *   the session is on the new one as soon as it is elected, not a backoff later.
 * - **Which server is usable** is read from a monitor on `_Server.Database`, and read again at every
 *   change to it (see `internal/serverCheck`): leader-only by default for clustered databases, a
 *   stale member refused, `cid:UUID` in the remote list pins the cluster. A server that stops being
 *   usable (its member lost leadership) sends the session elsewhere. Servers without `_Server` are
 *   used as they are.
 * - **Monitors survive.** Each monitor is asked for again on the new connection with
 *   `monitor_cond_since` and the last transaction id it applied (from the reply and every update3).
 *   `found: true`: its stream goes on with exactly the changes missed. Otherwise its stream gets a
 *   `Reset` with the full new contents, marked as such. An update inconsistent with the rows the
 *   monitor has (an insert of one it has, a change to one it lacks) or a `monitor_canceled` (its
 *   database converted) asks for the contents again, the same way, with the reason. A monitor the
 *   server no longer takes (converted to a schema without a column it watches) ends with
 *   `MonitorCanceled`; the session goes on. A condition change not yet answered (sent when the
 *   connection ended, made while disconnected, or while the monitor was being restored) is never
 *   resumed from the last id: the next connection asks with the new conditions and the zero id
 *   (a `Reset`), and one made while restoring is sent before the session is ready.
 * - **Locks survive.** A held or waited-for lock is asked for again after a reconnect; its holder
 *   sees it lost and held again.
 * - **Calls** wait for the session to be ready (bounded by their timeout), or fail at once with
 *   `whileDisconnected: "fail"`. A transaction cut off by the end of a connection fails with
 *   `TransactionOutcomeUnknown` (see `Ovsdb`): never a success the server did not send.
 * - **State** is a value (`status`) and a stream (`changes`): the state, the remote, why the last
 *   connection ended, how many reconnects.
 *
 * @since 0.1.0
 */
import type { NonEmptyReadonlyArray } from "effect/Array"
import type * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Latch from "effect/Latch"
import * as Layer from "effect/Layer"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as Codec from "./Codec.js"
import type { RpcError, RpcTimeout } from "./Errors.js"
import { ConnectionClosed, MonitorCanceled, ProtocolError, RemoteParseError } from "./Errors.js"
import * as Monitors from "./internal/monitors.js"
import * as ServerCheck from "./internal/serverCheck.js"
import { type Json, show as showJson } from "./Json.js"
import type * as Ovsdb from "./Ovsdb.js"
import type { ColumnType } from "./protocol/DatabaseSchema.js"
import type * as JsonRpc from "./protocol/JsonRpc.js"
import * as Monitor from "./protocol/Monitor.js"
import type * as Value from "./protocol/Value.js"
import * as Remote from "./Remote.js"
import * as RpcClient from "./RpcClient.js"
import * as Transport from "./Transport.js"

/**
 * Session options: where to connect (a list of remotes), how patiently, and what makes a server
 * usable.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends Transport.Options, Codec.Options, RpcClient.Options {
  /**
   * The database this session is for: a server is usable when this database is (see the module
   * doc). When absent, every database the server has is checked.
   */
  readonly database?: string | undefined
  /** Use only the leader of a clustered database (as OVS does by default). Default: true. */
  readonly leaderOnly?: boolean | undefined
  /** Shuffle the remote list once before trying it round robin. Default: true. */
  readonly shuffle?: boolean | undefined
  /**
   * The wait after a whole pass of remotes failed, step by step; when it ends, the session fails
   * for good. Default: `DEFAULT_BACKOFF`, 1 s doubling to 8 s, forever.
   */
  readonly backoff?: Schedule.Schedule<unknown, unknown> | undefined
  /** What a call does while the session is not ready: wait for it (default) or fail at once. */
  readonly whileDisconnected?: "wait" | "fail" | undefined
  /** How long releasing a monitor or a lock waits for the server's answer. Default: 5 seconds. */
  readonly releaseTimeout?: Duration.Input | undefined
}

/**
 * The default backoff, as Open vSwitch's `lib/reconnect.c`: 1 s, doubling, at most 8 s.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_BACKOFF: Schedule.Schedule<unknown, unknown> = Schedule.min([
  Schedule.exponential("1 second", 2),
  Schedule.spaced("8 seconds")
])

/**
 * The inactivity probe of `tcp:` and `ssl:` connections when `inactivityProbe` is not given, as
 * Open vSwitch's (`unix:` connections have none).
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_INACTIVITY_PROBE: Duration.Input = "5 seconds"

/**
 * Where the session is (ovsdb-cs's states): connecting to a remote, checking through `_Server`
 * that it is usable, restoring monitors and locks, ready, waiting before the next pass, or failed
 * for good.
 *
 * @since 0.1.0
 * @category models
 */
export type State =
  | { readonly _tag: "Connecting"; readonly remote: string }
  | { readonly _tag: "CheckingServer"; readonly remote: string }
  | { readonly _tag: "Restoring"; readonly remote: string }
  | { readonly _tag: "Ready"; readonly remote: string }
  | { readonly _tag: "Backoff"; readonly millis: number }
  | { readonly _tag: "Failed"; readonly reason: string }

/**
 * What a health check or a log wants to know of the session.
 *
 * @since 0.1.0
 * @category models
 */
export interface Status {
  readonly state: State
  /** The remote of the current (or last) connection. */
  readonly remote: string | undefined
  /** Why the last connection ended, or the last attempt failed. */
  readonly lastDisconnect: string | undefined
  /** How many times the session was ready again after it had been ready. */
  readonly reconnects: number
}

/**
 * A monitor's contents replaced as a whole, marked as such (see `Ovsdb.MonitorReset`).
 *
 * @since 0.1.0
 * @category monitors
 */
export type Reset = Ovsdb.MonitorReset

/**
 * What a session's monitor streams: updates, and resets.
 *
 * @since 0.1.0
 * @category monitors
 */
export type MonitorEvent = Ovsdb.MonitorUpdate | Reset

/**
 * A monitor opened through the session: it outlives connections.
 *
 * @since 0.1.0
 * @category monitors
 */
export interface LiveMonitor {
  readonly id: string
  readonly initial: ReadonlyArray<Monitor.RowUpdate>
  /** Every later update and reset, in order, across reconnects. Single consumer. */
  readonly updates: Stream.Stream<MonitorEvent, MonitorCanceled | ConnectionClosed | ProtocolError>
  /**
   * Replaces the conditions of some tables; kept for the reconnects to come. One the server refuses
   * fails with its `RpcError` and is not kept; one made while disconnected, and refused at the
   * reconnect, ends the monitor with `MonitorCanceled`.
   */
  readonly change: Ovsdb.ConditionalMonitor["change"]
  /** The id of the last transaction the monitor applied. */
  readonly lastTxnId: Effect.Effect<string | undefined>
  /** Resumed from a caller's last id: whether the server still had the changes since (`initial` holds them). */
  readonly found: boolean
}

/**
 * A lock held through the session: asked for again after every reconnect.
 *
 * @since 0.1.0
 * @category locks
 */
export interface Lock extends Ovsdb.Lock {
  /** `"held"` each time this session gets the lock, `"lost"` each time it loses it (stolen, or the connection ended). */
  readonly changes: Stream.Stream<"held" | "lost">
}

/**
 * The service.
 *
 * @since 0.1.0
 * @category services
 */
export class Session extends Context.Service<Session, {
  /** The session's state now. */
  readonly status: Effect.Effect<Status>
  /** The state now, then every change of it. */
  readonly changes: Stream.Stream<Status>
  /** A JSON-RPC client over whichever connection is ready: calls wait for one (or fail, by option). */
  readonly rpc: RpcClient.RpcClient["Service"]
  /** A monitor (`monitor_cond_since` on every connection) that survives reconnects. */
  readonly monitor: (
    database: string,
    requests: Monitor.Requests,
    lastTxnId?: string
  ) => Effect.Effect<LiveMonitor, RpcError | RpcTimeout | ConnectionClosed | ProtocolError, Scope.Scope>
  /**
   * A monitor like `monitor` whose updates and resets are handed to `onEvent` as they are read, in
   * order: an update by the connection's reader before it reads the next message, so the changes a
   * transaction causes have been handed over when its `transact` returns. `onEvent` must not block
   * or throw. The monitor's `updates` stream carries no events: it only ends, or fails, as
   * `monitor`'s does.
   *
   * @example
   * ```ts
   * import * as Effect from "effect/Effect"
   * import { Session } from "effect-ovsdb"
   *
   * // Keeps every update and reset, in order, as the connection's reader hands it over.
   * const events: Array<Session.MonitorEvent> = []
   * const program = Effect.scoped(Effect.gen(function*() {
   *   const session = yield* Session.Session
   *   yield* session.monitorWith("OVN_Northbound", { Logical_Switch: {} }, (event) => {
   *     events.push(event)
   *   })
   *   yield* Effect.never // the monitor lasts as long as the scope
   * }))
   * ```
   */
  readonly monitorWith: (
    database: string,
    requests: Monitor.Requests,
    onEvent: (event: MonitorEvent) => void
  ) => Effect.Effect<LiveMonitor, RpcError | RpcTimeout | ConnectionClosed | ProtocolError, Scope.Scope>
  /** A lock (`lock`, or `steal` at first) that is asked for again after every reconnect. */
  readonly lock: (
    name: string,
    steal?: boolean
  ) => Effect.Effect<Lock, RpcError | RpcTimeout | ConnectionClosed | ProtocolError, Scope.Scope>
}>()("effect-ovsdb/Session") {}

/** One live connection, for as long as it is the session's. */
interface Connection {
  readonly remote: string
  readonly rpc: RpcClient.RpcClient["Service"]
  readonly scope: Scope.Closeable
}

interface MonitorEntry {
  readonly id: string
  readonly database: string
  requests: Monitor.Requests
  lastTxnId: string | undefined
  /**
   * The conditions changed, and no server has answered with them yet: the last id says nothing of
   * the rows they add, so the next connection asks with the zero id. Cleared only by an answer to
   * the conditions that are still `requests`.
   */
  changing: boolean
  /** Whether the monitor was established once (its `initial` delivered). */
  established: boolean
  /** Why its contents must be read again, as a `Reset`, before it can go on (a resync not yet answered). */
  resetReason: string | undefined
  /**
   * Whether `present` holds every row the monitor has. Not so for a monitor resumed from a caller's
   * own last id (its rows were never seen here), until its first reset: changes to rows it does not
   * know are then taken as they come.
   */
  knowsAllRows: boolean
  /** Whether the server still had the changes since the caller's last id (`found`). */
  found: boolean
  /** The rows the monitor has, by table: what an update is checked against. */
  readonly present: Map<string, Set<string>>
  readonly events: Queue.Queue<MonitorEvent, MonitorCanceled | ConnectionClosed | ProtocolError | Cause.Done>
  /** Takes each event as it comes instead of `events` (`monitorWith`); `events` then only ends. */
  readonly onEvent: ((event: MonitorEvent) => void) | undefined
}

/** Why a monitor's contents must be read again: what its handler's trouble is. */
interface Resync {
  readonly _tag: "Resync"
  readonly reason: string
}

interface LockEntry {
  readonly name: string
  method: "lock" | "steal"
  isHeld: boolean
  readonly held: Latch.Latch
  readonly lost: Latch.Latch
  readonly changes: PubSub.PubSub<"held" | "lost">
}

/** A remote list in OVS syntax, with `cid:UUID` entries taken out. */
const parseRemotes = (input: string) => {
  const entries = input.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "")
  const cids = entries.filter((entry) => entry.startsWith("cid:")).map((entry) => entry.slice(4).toLowerCase())
  const rest = entries.filter((entry) => !entry.startsWith("cid:"))
  if (cids.length > 1) {
    return Effect.fail(new RemoteParseError({ input, detail: "more than one cid: entry" }))
  }
  return Effect.map(Remote.parseList(rest.join(",")), (remotes) => ({ remotes, cid: cids[0] }))
}

/** `remote: reason`, unless the reason names the remote already (as a transport error's does). */
const naming = (remote: string, reason: string) => reason.startsWith(`${remote}: `) ? reason : `${remote}: ${reason}`

/** Table updates decoded (from `reply` where it read them as they came), or a ProtocolError naming the method. */
const decodeUpdates = (
  method: string,
  json: Json,
  version: 1 | 2 | 3,
  initial: boolean,
  reply?: Monitor.ReplyRows
) => {
  const updates = Monitor.decodeTableUpdates(json, version, initial, reply)
  return typeof updates === "string"
    ? Effect.fail(new ProtocolError({ method, detail: updates }))
    : Effect.succeed(updates)
}

/** The `_Server.Database` columns' types, for applying `update2` diffs to the rows. */
const SERVER_TYPES: { readonly [column: string]: ColumnType } = {
  cid: { key: { type: "uuid" }, min: 0, max: 1 },
  index: { key: { type: "integer" }, min: 0, max: 1 },
  schema: { key: { type: "string" }, min: 0, max: 1 }
}

/**
 * Builds the session; its connection loop runs in the surrounding scope. The first connection is
 * not awaited: calls wait for it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = Effect.fnUntraced(function*(options: Options) {
  const parsed = yield* parseRemotes(options.remote)
  const remotes: NonEmptyReadonlyArray<Remote.Remote> = options.shuffle === false
    ? parsed.remotes
    : (yield* Random.shuffle(parsed.remotes)) as unknown as NonEmptyReadonlyArray<Remote.Remote>
  const wanted: ServerCheck.Wanted = {
    database: options.database,
    leaderOnly: options.leaderOnly ?? true,
    cid: parsed.cid
  }
  const releaseTimeout = options.releaseTimeout ?? "5 seconds"
  const status = yield* SubscriptionRef.make<Status>({
    state: { _tag: "Connecting", remote: Remote.format(remotes[0]) },
    remote: undefined,
    lastDisconnect: undefined,
    reconnects: 0
  })
  const setState = (state: State, more?: Partial<Status>) =>
    SubscriptionRef.update(status, (now) => ({
      ...now,
      ...more,
      state,
      remote: "remote" in state ? state.remote : now.remote
    }))

  const monitors = new Map<string, MonitorEntry>()
  const locks = new Map<string, LockEntry>()
  const notifications = yield* PubSub.unbounded<JsonRpc.Notification>()
  /** The routes of the session's `rpc`, by target, over whichever connection is ready. */
  const routes = new Map<string, (notification: JsonRpc.Notification) => void>()
  let current: Connection | undefined
  let ready = Deferred.makeUnsafe<Connection, ConnectionClosed>()
  let failed: ConnectionClosed | undefined
  /** Completed when the session ends: failed for good, or closed with its scope. */
  const ended = Deferred.makeUnsafe<ConnectionClosed>()
  let minIndex = 0n
  let monitorCounter = 0

  // ---- the server check: a monitor on _Server.Database ------------------------------------------

  /**
   * Watches `_Server.Database` on a new connection. Succeeds with the first verdict and forks a
   * watcher of the later changes: on a usable server it closes the connection when one makes the
   * server unusable; on an unusable one it completes `usable` when one makes it usable (a follower
   * that won an election), for the backoff to stop waiting. A server without `_Server` is usable as
   * it is.
   */
  const checkServer = (conn: Connection) =>
    Effect.gen(function*() {
      const notices = yield* Scope.provide(conn.rpc.route("_Server"), conn.scope)
      const where = wanted.database === undefined ? [] : [["name", "==", wanted.database]]
      const reply = yield* conn.rpc.call("monitor_cond", [
        "_Server",
        "_Server",
        { Database: [{ columns: [...ServerCheck.COLUMNS], where }] }
      ]).pipe(
        Effect.map((json): Json | undefined => json),
        Effect.catchTag("RpcError", () => Effect.succeed(undefined))
      )
      const usable = Deferred.makeUnsafe<void>()
      if (reply === undefined) return { verdict: { _tag: "Usable", index: undefined } as ServerCheck.Verdict, usable }
      yield* conn.rpc.call("set_db_change_aware", [true]).pipe(Effect.ignore)
      const rows = new Map<string, Value.Row>()
      const apply = (updates: ReadonlyArray<Monitor.RowUpdate>) => {
        for (const update of updates) {
          const key = update.uuid.value
          if (update._tag === "Delete") rows.delete(key)
          else if (update._tag === "Modify") {
            rows.set(key, Monitor.applyRowDiff(SERVER_TYPES, rows.get(key), update.diff ?? {}))
          } else rows.set(key, update.row)
        }
        const verdict = ServerCheck.check([...rows.values()].map(ServerCheck.readRow), wanted, minIndex)
        if (verdict._tag === "Usable" && verdict.index !== undefined && verdict.index > minIndex) {
          minIndex = verdict.index
        }
        return verdict
      }
      const first = apply(yield* decodeUpdates("monitor_cond", reply, 2, true))
      // Every later change is judged again: a usable server that stops being so is left.
      yield* Queue.take(notices).pipe(
        Effect.flatMap((notification) => {
          if (notification.method !== "update2") {
            return Effect.void
          }
          return Effect.flatMap(decodeUpdates("update2", notification.params[1] ?? null, 2, false), (updates) => {
            const verdict = apply(updates)
            if (first._tag === "Unusable") {
              if (verdict._tag === "Usable") Deferred.doneUnsafe(usable, Exit.void)
              return Effect.void
            }
            return verdict._tag === "Usable" ? Effect.void : Effect.fail(verdict.reason)
          })
        }),
        Effect.forever,
        Effect.catch((reason) =>
          Effect.andThen(
            Effect.sync(() => {
              // Only the session's own connection says why it ended; a watched one just goes.
              if (first._tag === "Usable") disconnectReason = typeof reason === "string" ? reason : reason.message
            }),
            Scope.close(conn.scope, Exit.void)
          )
        ),
        Effect.forkIn(conn.scope)
      )
      return { verdict: first, usable }
    })

  let disconnectReason: string | undefined
  /** Whether the session was ready once: each later time it is ready is a reconnect. */
  let everReady = false

  // ---- monitors ----------------------------------------------------------------------------------

  /** Checks updates against the rows the monitor has; false when one does not fit. */
  const fits = (entry: MonitorEntry, updates: ReadonlyArray<Monitor.RowUpdate>): boolean => {
    for (const update of updates) {
      const rows = entry.present.get(update.table) ?? new Set<string>()
      entry.present.set(update.table, rows)
      const key = update.uuid.value
      switch (update._tag) {
        case "Initial":
        case "Insert":
          if (rows.has(key)) return false
          rows.add(key)
          break
        case "Modify":
          if (!rows.has(key) && entry.knowsAllRows) return false
          break
        case "Delete":
          if (!rows.delete(key) && entry.knowsAllRows) return false
      }
    }
    return true
  }

  /** Replaces what the monitor has with `rows`, as a `Reset` (or as its initial contents, the first time). */
  const replaceContents = (entry: MonitorEntry, rows: ReadonlyArray<Monitor.RowUpdate>) => {
    entry.present.clear()
    entry.knowsAllRows = true
    // Initial rows as they are (a whole database's worth is not copied), inserts marked as initial.
    const initial = rows.map((update): Monitor.RowUpdate =>
      update._tag === "Insert" ? { _tag: "Initial", table: update.table, uuid: update.uuid, row: update.row } : update
    )
    fits(entry, initial)
    return initial
  }

  /** The server answered with `requests`: no change is in flight unless they changed since. */
  const answered = (entry: MonitorEntry, requests: Monitor.Requests) => {
    if (entry.requests === requests) entry.changing = false
  }

  /** Sends new conditions for some of the monitor's tables (`monitor_cond_change`, ovsdb-server(7) §4.1.13). */
  const sendConditions = (
    entry: MonitorEntry,
    conn: Connection,
    tables: { readonly [table: string]: Pick<Monitor.TableRequest, "where"> }
  ) =>
    Effect.suspend(() => {
      const requests = entry.requests
      return conn.rpc.call("monitor_cond_change", [entry.id, entry.id, Monitor.encodeRequests(tables, 2)]).pipe(
        Effect.tap(() => Effect.sync(() => answered(entry, requests)))
      )
    })

  /**
   * Sends the conditions of the monitors changed while they were being restored (asked for with
   * the conditions they had), until none is left: then the connection can be ready.
   */
  const sendChangedConditions = (conn: Connection) =>
    Effect.gen(function*() {
      while (true) {
        const entry = [...monitors.values()].find((entry) => entry.established && entry.changing)
        if (entry === undefined) return
        const tables: { [table: string]: Pick<Monitor.TableRequest, "where"> } = {}
        for (const table in entry.requests) {
          const where = entry.requests[table]!.where
          if (where !== undefined) tables[table] = { where }
        }
        yield* sendConditions(entry, conn, tables)
      }
    })

  /** Puts an event on a monitor's stream and wakes its reader now, before whatever the caller does next. */
  const deliver = (entry: MonitorEntry, event: MonitorEvent) => {
    if (entry.onEvent !== undefined) return entry.onEvent(event)
    Queue.offerUnsafe(entry.events, event)
    Queue.flushUnsafe(entry.events)
  }

  /**
   * The handler of one monitor's notifications on one connection, called by the connection's
   * reader: each update is checked against the monitor's rows and put on its stream at once, so
   * that the updates a transaction causes are on the stream when its `transact` returns.
   * Notifications are held until `arm`, when the reply's contents are on the stream first. A
   * `monitor_canceled` (its database converted), an update that does not fit, or one that cannot be
   * read stops the handler and completes `trouble`, for the monitor's watcher to act on.
   */
  const follow = (entry: MonitorEntry) => {
    let held: Array<JsonRpc.Notification> | undefined = []
    let stopped = false
    const trouble = Deferred.makeUnsafe<never, Resync | ProtocolError>()
    const stop = (error: Resync | ProtocolError) => {
      stopped = true
      Deferred.doneUnsafe(trouble, Exit.fail(error))
    }
    const apply = (notification: JsonRpc.Notification) => {
      if (stopped) return
      if (notification.method === "monitor_canceled") {
        return stop({
          _tag: "Resync",
          reason: "the server canceled the monitor (its database was converted or removed)"
        })
      }
      if (notification.method !== "update3") return
      const lastTxnId = notification.params[1]
      const changes = Monitor.decodeTableUpdates(notification.params[2] ?? null, 3, false)
      if (typeof changes === "string") return stop(new ProtocolError({ method: "update3", detail: changes }))
      if (!fits(entry, changes)) return stop({ _tag: "Resync", reason: "an update did not fit the monitor's rows" })
      if (typeof lastTxnId !== "string") return deliver(entry, { _tag: "Update", changes })
      entry.lastTxnId = lastTxnId
      deliver(entry, { _tag: "Update", changes, lastTxnId })
    }
    return {
      handler: (notification: JsonRpc.Notification) =>
        held === undefined ? apply(notification) : held.push(notification),
      /** Applies what was held, and everything after as it comes; `trouble` tells when it stopped. */
      arm: () => {
        const waiting = held ?? []
        held = undefined
        for (const notification of waiting) apply(notification)
        return Deferred.await(trouble)
      }
    }
  }

  /**
   * Asks for the monitor on this connection: with the last transaction id it applied, so that the
   * server sends only what it missed (`found: true`), or everything again, delivered as a `Reset`.
   * Returns the initial rows the first time. Its notifications come by a handler (`follow`) that
   * lives until the connection ends or the monitor is read again; a watcher forked on the
   * connection acts on the handler's trouble.
   */
  const establish = (entry: MonitorEntry, conn: Connection): Effect.Effect<
    ReadonlyArray<Monitor.RowUpdate>,
    RpcError | RpcTimeout | ConnectionClosed | ProtocolError
  > =>
    Effect.flatMap(Scope.fork(conn.scope, "sequential"), (routed) =>
      Effect.gen(function*() {
        const follower = follow(entry)
        yield* Scope.provide(conn.rpc.listen(entry.id, follower.handler), routed)
        const reset = entry.resetReason
        const since = reset !== undefined || entry.changing ? undefined : entry.lastTxnId
        const requests = entry.requests
        // Its result nests its table updates one level deeper than monitor_cond's: a row update there.
        const rows = new Monitor.ReplyRows("update")
        const reply = yield* conn.rpc.call("monitor_cond_since", [
          entry.database,
          entry.id,
          Monitor.encodeRequests(requests, 3),
          Monitor.resumeFrom(entry.database, since ?? Monitor.ZERO_TXN_ID)
        ], { readReply: rows.read })
        if (!Array.isArray(reply) || typeof reply[0] !== "boolean" || typeof reply[1] !== "string") {
          return yield* new ProtocolError({
            method: "monitor_cond_since",
            detail: `expected [found, last-txn-id, updates], got ${showJson(reply)}`
          })
        }
        const [found, lastTxnId] = reply as unknown as readonly [boolean, string]
        const updates = yield* decodeUpdates("monitor_cond_since", reply[2] ?? null, 3, true, rows)
        Monitors.releaseReply(reply)
        entry.lastTxnId = lastTxnId
        entry.resetReason = undefined
        answered(entry, requests)
        let initial: ReadonlyArray<Monitor.RowUpdate> = []
        if (!entry.established) {
          // Resumed from the caller's own last id: the changes since, as the server sent them.
          entry.found = found && since !== undefined
          if (entry.found) fits(entry, updates)
          initial = entry.found ? updates : replaceContents(entry, updates)
          entry.established = true
        } else if (found && since !== undefined) {
          if (updates.length > 0) {
            if (!fits(entry, updates)) {
              return yield* resync(entry, conn, routed, "an update did not fit the monitor's rows")
            }
            deliver(entry, { _tag: "Update", changes: updates, lastTxnId })
          }
        } else {
          deliver(entry, {
            _tag: "Reset",
            changes: replaceContents(entry, updates),
            lastTxnId,
            reason: reset ?? (since === undefined
              ? "the monitor's conditions changed while the session was disconnected"
              : "the server no longer had the changes missed")
          })
        }
        yield* watch(entry, conn, follower.arm(), routed)
        return initial
      }).pipe(Effect.onError(() => Scope.close(routed, Exit.void))))

  /**
   * Asks for the monitor's whole contents again, on the same connection, delivered as a `Reset`
   * with `reason`: the monitor is canceled and its handler removed first, so that nothing the old
   * one sent is taken for the new one's. Should the connection end first, the next one reads them.
   */
  const resync = (entry: MonitorEntry, conn: Connection, routed: Scope.Closeable, reason: string) =>
    Effect.gen(function*() {
      entry.resetReason = reason
      yield* Scope.close(routed, Exit.void)
      yield* conn.rpc.call("monitor_cancel", [entry.id], { timeout: releaseTimeout }).pipe(Effect.ignore)
      yield* Effect.logDebug(`monitor ${entry.id}: ${reason}; reading its contents again`)
      return yield* establish(entry, conn)
    })

  /**
   * Acts on the trouble of a monitor's handler, in a fiber of the connection: a resync reads the
   * contents again; a reply that cannot be read again ends the stream (a canceled monitor whose
   * request the server no longer takes, after a conversion, fails it with `MonitorCanceled`), and a
   * connection that does not answer is left, for the next one to read them. An update that cannot
   * be read ends the stream with its `ProtocolError`.
   */
  const watch = (
    entry: MonitorEntry,
    conn: Connection,
    trouble: Effect.Effect<never, Resync | ProtocolError>,
    routed: Scope.Closeable
  ) =>
    trouble.pipe(
      Effect.catchTag("Resync", ({ reason }) =>
        resync(entry, conn, routed, reason).pipe(
          Effect.catchTag("ConnectionClosed", () => Effect.void),
          Effect.catchTag("RpcTimeout", () => Scope.close(conn.scope, Exit.void)),
          Effect.catchTag(
            "RpcError",
            () => endMonitor(entry, new MonitorCanceled({ database: entry.database, monitor: entry.id }))
          )
        )),
      Effect.catchTag("ProtocolError", (error) => endMonitor(entry, error)),
      Effect.forkIn(conn.scope),
      Effect.asVoid
    )

  /**
   * Asks for an established monitor on a new connection. One the server refuses (its database was
   * converted to a schema without a column it watches) ends with `MonitorCanceled`, and the
   * connection goes on: retrying cannot make the server take it.
   */
  const restore = (entry: MonitorEntry, conn: Connection) =>
    establish(entry, conn).pipe(
      Effect.asVoid,
      Effect.catchTag("RpcError", () =>
        endMonitor(entry, new MonitorCanceled({ database: entry.database, monitor: entry.id })))
    )

  /** Ends a monitor's stream with `error`: it is no longer asked for on later connections. */
  const endMonitor = (entry: MonitorEntry, error: MonitorCanceled | ProtocolError) =>
    Effect.andThen(Effect.sync(() => monitors.delete(entry.id)), Queue.fail(entry.events, error))

  // ---- locks -------------------------------------------------------------------------------------

  const setHeld = (entry: LockEntry, held: boolean) =>
    Effect.suspend(() => {
      if (entry.isHeld === held) return Effect.void
      entry.isHeld = held
      return (held
        ? Effect.andThen(entry.held.open, entry.lost.close)
        : Effect.andThen(entry.lost.open, entry.held.close)).pipe(
          Effect.andThen(PubSub.publish(entry.changes, held ? "held" : "lost"))
        )
    })

  /** Asks for the lock on this connection, and follows its `locked` and `stolen` notices. */
  const requestLock = (entry: LockEntry, conn: Connection) =>
    Effect.gen(function*() {
      const notices = yield* Scope.provide(conn.rpc.route(entry.name), conn.scope)
      yield* Queue.take(notices).pipe(
        Effect.flatMap((notification) =>
          notification.method === "locked"
            ? setHeld(entry, true)
            : notification.method === "stolen"
            ? setHeld(entry, false)
            : Effect.void
        ),
        Effect.forever,
        Effect.forkIn(conn.scope)
      )
      const reply = yield* conn.rpc.call(entry.method, [entry.name])
      // A lock stolen once is asked for, not stolen, on the connections after.
      entry.method = "lock"
      const locked = typeof reply === "object" && reply !== null && !Array.isArray(reply) &&
        (reply as { readonly locked?: Json }).locked === true
      if (locked) yield* setHeld(entry, true)
    })

  // ---- the state machine ---------------------------------------------------------------------------

  const probeFor = (remote: Remote.Remote) =>
    options.inactivityProbe ?? (remote._tag === "Unix" ? undefined : DEFAULT_INACTIVITY_PROBE)

  /** Dials a remote and builds the RPC client over it, in a scope of its own. */
  const dial = (remote: Remote.Remote) =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const name = Remote.format(remote)
      const rpc = yield* Transport.make({ ...options, remote: name, connectRetry: undefined }).pipe(
        Effect.flatMap((transport) =>
          Codec.make(options).pipe(
            Effect.flatMap((codec) =>
              RpcClient.make({ requestTimeout: options.requestTimeout, inactivityProbe: probeFor(remote) }).pipe(
                Effect.provideService(Codec.Codec, codec)
              )
            ),
            Effect.provideService(Transport.Transport, transport)
          )
        ),
        Scope.provide(scope),
        Effect.onError(() => Scope.close(scope, Exit.void))
      )
      // What the session does not route itself goes to the routes and subscribers of its `rpc`.
      yield* rpc.subscribe.pipe(
        Effect.flatMap((subscription) =>
          PubSub.take(subscription).pipe(
            Effect.flatMap((notification) => {
              const target = notification.params[0]
              const route = typeof target === "string" ? routes.get(target) : undefined
              return route === undefined
                ? PubSub.publish(notifications, notification)
                : Effect.sync(() => route(notification))
            }),
            Effect.forever
          )
        ),
        Effect.forkIn(scope)
      )
      return { remote: name, rpc, scope } satisfies Connection
    })

  /**
   * Connections to servers that refused the session but may become usable (a follower, a member
   * cut off from its cluster, one still catching up), kept open until the next backoff ends so
   * that a change of theirs ends it at once: after the leader dies, the pass that finds no leader
   * yet does not cost a whole backoff once one of the followers wins the election.
   */
  const watched: Array<
    { readonly remote: Remote.Remote; readonly conn: Connection; readonly usable: Deferred.Deferred<void> }
  > = []

  /** Closes the watched connections. */
  const stopWatching = Effect.suspend(() =>
    Effect.forEach(watched.splice(0), ({ conn }) => Scope.close(conn.scope, Exit.void), { discard: true })
  )

  /**
   * One connection's life: dial, check, restore, serve until it ends. Returns whether it became
   * ready, and why it ended; `missing` when the server does not have the database.
   */
  const connection = (remote: Remote.Remote) =>
    Effect.gen(function*() {
      const name = Remote.format(remote)
      yield* setState({ _tag: "Connecting", remote: name })
      const conn = yield* dial(remote)
      disconnectReason = undefined
      let watching = false
      const served = yield* Effect.gen(function*() {
        yield* setState({ _tag: "CheckingServer", remote: name })
        const { usable, verdict } = yield* checkServer(conn)
        if (verdict._tag === "Unusable") {
          watching = !verdict.missing
          if (watching) watched.push({ remote, conn, usable })
          return { ready: false, reason: verdict.reason, missing: verdict.missing } as const
        }
        yield* stopWatching
        yield* setState({ _tag: "Restoring", remote: name })
        for (const entry of monitors.values()) if (entry.established) yield* restore(entry, conn)
        for (const entry of locks.values()) yield* requestLock(entry, conn)
        yield* sendChangedConditions(conn)
        current = conn
        Deferred.doneUnsafe(ready, Exit.succeed(conn))
        const since = Date.now()
        yield* SubscriptionRef.update(status, (now) => ({
          ...now,
          state: { _tag: "Ready", remote: name } as const,
          remote: name,
          reconnects: now.reconnects + (everReady ? 1 : 0)
        }))
        everReady = true
        const closed = yield* conn.rpc.closed
        return {
          ready: true,
          reason: disconnectReason ?? closed.detail,
          missing: false,
          lived: Date.now() - since
        } as const
      }).pipe(
        Effect.catch((error) =>
          Effect.succeed({ ready: false, reason: disconnectReason ?? error.message, missing: false } as const)
        ),
        Effect.ensuring(Effect.suspend(() => {
          if (current === conn) {
            current = undefined
            ready = Deferred.makeUnsafe()
          }
          return watching ? Effect.void : Scope.close(conn.scope, Exit.void)
        }))
      )
      // Whoever held a lock on that connection holds it no more.
      yield* Effect.forEach(locks.values(), (entry) => setHeld(entry, false), { discard: true })
      return served
    }).pipe(
      Effect.catch((error) => Effect.succeed({ ready: false, reason: error.message, missing: false } as const))
    )

  /** The state machine: remotes round robin, a backoff after each pass that found nothing usable. */
  const run = Effect.gen(function*() {
    let step = yield* Schedule.toStep(options.backoff ?? DEFAULT_BACKOFF)
    let lastDelay = 0
    /** Why each remote of this pass failed, so far. */
    let failures: Array<string> = []
    let missingInPass = 0
    for (let attempt = 0;; attempt++) {
      const remote = remotes[attempt % remotes.length]!
      const outcome = yield* connection(remote)
      const why = naming(Remote.format(remote), outcome.reason)
      yield* SubscriptionRef.update(status, (now) => ({ ...now, lastDisconnect: why }))
      if (outcome.ready) {
        failures = []
        missingInPass = 0
        if ("lived" in outcome && outcome.lived >= lastDelay) {
          step = yield* Schedule.toStep(options.backoff ?? DEFAULT_BACKOFF)
          lastDelay = 0
        }
        continue
      }
      failures.push(why)
      if (outcome.missing) missingInPass++
      if (failures.length < remotes.length) continue
      if (missingInPass === remotes.length) {
        return yield* Effect.fail(`no server has the database ${wanted.database}`)
      }
      const pass = failures.join("; ")
      failures = []
      missingInPass = 0
      const next = yield* Effect.exit(step(Date.now(), outcome.reason))
      if (Exit.isFailure(next)) {
        return yield* Effect.fail(`no server was usable, and the backoff schedule ended (${pass})`)
      }
      lastDelay = Duration.toMillis(next.value[1])
      yield* setState({ _tag: "Backoff", millis: lastDelay })
      // The wait ends early when a refused server becomes usable: the next pass starts with it.
      const early = watched.map(({ remote, usable }) => Effect.as(Deferred.await(usable), remote))
      const woken = yield* Effect.raceAll([Effect.as(Effect.sleep(next.value[1]), undefined), ...early])
      yield* stopWatching
      if (woken !== undefined) attempt = remotes.indexOf(woken) - 1
    }
  }).pipe(
    Effect.catch((reason: string) =>
      Effect.gen(function*() {
        failed = new ConnectionClosed({ detail: `the session failed: ${reason}` })
        Deferred.doneUnsafe(ended, Exit.succeed(failed))
        Deferred.doneUnsafe(ready, Exit.fail(failed))
        yield* setState({ _tag: "Failed", reason })
      })
    ),
    Effect.ensuring(stopWatching)
  )
  yield* Effect.forkScoped(run)
  yield* Effect.addFinalizer(() =>
    Effect.sync(() => {
      failed ??= new ConnectionClosed({ detail: "the session was closed" })
      Deferred.doneUnsafe(ended, Exit.succeed(failed))
      Deferred.doneUnsafe(ready, Exit.fail(failed))
    })
  )

  // ---- what the session offers -------------------------------------------------------------------

  /** The ready connection: at once, after waiting for one, or a failure by option. */
  const connected: Effect.Effect<Connection, ConnectionClosed> = Effect.suspend(() => {
    if (current !== undefined) return Effect.succeed(current)
    if (failed !== undefined) return Effect.fail(failed)
    if (options.whileDisconnected === "fail") {
      return Effect.fail(new ConnectionClosed({ detail: "the session is reconnecting" }))
    }
    return Deferred.await(ready)
  })

  const listen = (target: string, handler: (notification: JsonRpc.Notification) => void) =>
    Effect.acquireRelease(
      Effect.sync(() => routes.set(target, handler)),
      () => Effect.sync(() => routes.delete(target))
    )

  const rpc: RpcClient.RpcClient["Service"] = {
    // The connection is looked up when the call runs (an Effect may run again, on a later connection).
    call: (method, params, callOptions) =>
      Effect.suspend(() =>
        current !== undefined
          ? current.rpc.call(method, params, callOptions)
          : Effect.flatMap(connected, (conn) => conn.rpc.call(method, params, callOptions))
      ),
    notify: (method, params) => Effect.flatMap(connected, (conn) => conn.rpc.notify(method, params)),
    subscribe: PubSub.subscribe(notifications),
    route: (target) =>
      Effect.acquireRelease(Queue.unbounded<JsonRpc.Notification>(), Queue.shutdown).pipe(
        Effect.tap((queue) => listen(target, (notification) => Queue.offerUnsafe(queue, notification)))
      ),
    listen,
    closed: Deferred.await(ended)
  }

  const open = (
    database: string,
    requests: Monitor.Requests,
    lastTxnId: string | undefined,
    onEvent: ((event: MonitorEvent) => void) | undefined
  ) =>
    Effect.gen(function*() {
      const entry: MonitorEntry = {
        id: `session-monitor-${monitorCounter++}`,
        database,
        requests,
        lastTxnId,
        knowsAllRows: lastTxnId === undefined,
        found: false,
        changing: false,
        established: false,
        resetReason: undefined,
        present: new Map(),
        events: yield* Queue.unbounded<MonitorEvent, MonitorCanceled | ConnectionClosed | ProtocolError | Cause.Done>(),
        onEvent
      }
      const conn = yield* connected
      const initial = yield* establish(entry, conn)
      monitors.set(entry.id, entry)
      yield* Effect.addFinalizer(() =>
        Effect.suspend(() => {
          monitors.delete(entry.id)
          return current === undefined
            ? Effect.void
            : Effect.ignore(current.rpc.call("monitor_cancel", [entry.id], { timeout: releaseTimeout }))
        })
      )
      const change: LiveMonitor["change"] = (tables) =>
        Effect.suspend(() => {
          const before = { requests: entry.requests, changing: entry.changing }
          const requests: { [table: string]: Monitor.TableRequest } = { ...entry.requests }
          for (const table in tables) requests[table] = { ...requests[table], ...tables[table] }
          entry.requests = requests
          entry.changing = true
          // Not ready: the connection being restored sends them before it is, or the next one asks with them.
          const conn = current
          if (conn === undefined) return Effect.void
          return sendConditions(entry, conn, tables).pipe(
            Effect.asVoid,
            // Cut off: the next connection asks with the new conditions and no last id.
            Effect.catchTag("ConnectionClosed", () => Effect.void),
            // Refused: the monitor keeps the conditions it had, here and on the connections to come.
            Effect.tapErrorTag("RpcError", () =>
              Effect.sync(() => {
                if (entry.requests !== requests) return
                entry.requests = before.requests
                entry.changing = before.changing
              }))
          )
        })
      return {
        id: entry.id,
        initial,
        updates: Stream.fromQueue(entry.events),
        change,
        found: entry.found,
        lastTxnId: Effect.sync(() => entry.lastTxnId)
      } satisfies LiveMonitor
    })

  const monitor = (database: string, requests: Monitor.Requests, lastTxnId?: string) =>
    open(database, requests, lastTxnId, undefined)

  const monitorWith = (database: string, requests: Monitor.Requests, onEvent: (event: MonitorEvent) => void) =>
    open(database, requests, undefined, onEvent)

  const lock = (name: string, steal = false) =>
    Effect.gen(function*() {
      const entry: LockEntry = {
        name,
        method: steal ? "steal" : "lock",
        isHeld: false,
        held: yield* Latch.make(false),
        lost: yield* Latch.make(true),
        changes: yield* PubSub.unbounded<"held" | "lost">()
      }
      const conn = yield* connected
      locks.set(name, entry)
      yield* Effect.addFinalizer(() =>
        Effect.suspend(() => {
          locks.delete(name)
          return current === undefined
            ? Effect.void
            : Effect.ignore(current.rpc.call("unlock", [name], { timeout: releaseTimeout }))
        })
      )
      const subscription = yield* PubSub.subscribe(entry.changes)
      yield* requestLock(entry, conn)
      yield* entry.held.await
      return {
        name,
        held: Effect.sync(() => entry.isHeld),
        whenStolen: entry.lost.await,
        whenHeld: entry.held.await,
        changes: Stream.fromSubscription(subscription)
      } satisfies Lock
    })

  return Session.of({
    status: SubscriptionRef.get(status),
    changes: SubscriptionRef.changes(status),
    rpc,
    monitor,
    monitorWith,
    lock
  })
})

/**
 * The session as a layer: it connects in the background and lives as long as the layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Session, RemoteParseError> => Layer.effect(Session, make(options))
