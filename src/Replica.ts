/**
 * A replica: a typed, lossless local copy of the tables of a database, kept by a monitor of the
 * resilient session (`Session.monitorWith`), as Open vSwitch's IDLs keep theirs.
 *
 * - **What it holds.** The tables you name (all the model's when you name none), with the columns
 *   you name and the rows your conditions select, typed as the model says, each with `_uuid`.
 *   Reads see the rows as they are after the last update applied: an update is applied whole
 *   between two reads, and `read` gives a synchronous view for several reads at once.
 * - **Indexes.** Every schema index (unique) of a replicated table whose columns are all
 *   replicated, named by its columns joined with `,`; and the indexes you declare, on columns or
 *   on one key of a map column (`["external_ids", "owner"]`), not unique. `find` looks rows up by a
 *   key, `range` walks keys in order; `where` uses a one-column index for an `==` on that column.
 * - **Changes.** `changes` streams, for each subscriber, first a `Snapshot` of the rows at that
 *   moment, then every `Update` (each applied notification: inserts, modifies with old row, new
 *   row and the columns that changed, deletes, in the server's order, with the transaction id)
 *   and every `Resync` (the contents read again after the server lost the history, canceled the
 *   monitor or sent an update that did not fit): the deletes, inserts and modifies that turned the
 *   old contents into the new. Applying a subscriber's events in order to an empty map gives the
 *   replica. A subscriber that falls behind costs memory, never an event: buffers are unbounded.
 * - **Writes.** `transact` builds a transaction from a view of the replica, with `verify` turning
 *   the values it read into `wait` operations (as the IDLs' `verify`); it fails with `TryAgain`
 *   when one changed, when the server answered "timed out" or "canceled", or when the connection
 *   ended. Once it commits, the replica has its changes: the server sends a transaction's updates
 *   before its reply, and the session hands them over before the reply's caller goes on. `retry`
 *   builds it again after each `TryAgain`, once the replica changed, as `ovsdb_idl_loop` does.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { Ovsdb, Replica, Typed } from "effect-ovsdb"
 * import * as Nb from "effect-ovsdb/models/OVN_Northbound"
 *
 * const program = Effect.gen(function*() {
 *   const replica = yield* Replica.make(Nb.database, {
 *     Logical_Switch: { columns: ["name", "ports"] },
 *     Logical_Switch_Port: { indexes: { byOwner: [["external_ids", "owner"]] } }
 *   })
 *   const alices = yield* replica.find("Logical_Switch_Port", "byOwner", "alice")
 *   // Empties ls0's ports, unless they changed since this view: then builds it again.
 *   yield* replica.retry((view, verify) => {
 *     const sw = view.where("Logical_Switch", [["name", "==", "ls0"]])[0]
 *     if (sw === undefined) return []
 *     verify("Logical_Switch", sw, ["ports"])
 *     return [Typed.update(Nb.Logical_Switch, [["_uuid", "==", sw._uuid]], { ports: [] })]
 *   })
 *   return alices.length
 * }).pipe(Effect.scoped, Effect.provide(Ovsdb.layer({ remote: "unix:/run/ovn/ovnnb_db.sock" })))
 * ```
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { ConnectionClosed, MonitorCanceled, RpcError, RpcTimeout } from "./Errors.js"
import { ProtocolError, TransactionError, TransactionOutcomeUnknown, TryAgain, ValueError } from "./Errors.js"
import * as Store from "./internal/replicaStore.js"
import * as Model from "./Model.js"
import { Ovsdb } from "./Ovsdb.js"
import * as Monitor from "./protocol/Monitor.js"
import type * as Operation from "./protocol/Operation.js"
import type * as Value from "./protocol/Value.js"
import { type MonitorEvent, Session } from "./Session.js"
import * as Typed from "./Typed.js"

type Columns<Row> = Exclude<keyof Row & string, Model.ServerColumns>

/**
 * One part of a client index's key: a column, or one key of a map column (`[column, key]`).
 *
 * @since 0.1.0
 * @category models
 */
export type IndexPart<Row> =
  | (keyof Row & string)
  | {
    readonly [C in keyof Row & string]: Row[C] extends ReadonlyMap<infer K, unknown> ? readonly [C, K] : never
  }[keyof Row & string]

/**
 * What to replicate of one table: some columns (all the model's when absent), only the rows that
 * meet any of `where` (a monitor's disjunction; all rows when absent), and client indexes by name.
 *
 * @since 0.1.0
 * @category models
 */
export interface TableOptions<Row> {
  readonly columns?: ReadonlyArray<Columns<Row>>
  readonly where?: ReadonlyArray<Typed.Condition<Row>>
  readonly indexes?: { readonly [name: string]: ReadonlyArray<IndexPart<Row>> }
}

/**
 * The tables to replicate, each `true` (all of it) or its options.
 *
 * @since 0.1.0
 * @category models
 */
export type Choice<Tables> = { readonly [N in keyof Tables]?: true | TableOptions<Model.RowOf<Tables[N]>> }

/**
 * The rows a choice gives, by table: the chosen columns and `_uuid` (the server's `_version` is
 * not replicated).
 *
 * @since 0.1.0
 * @category models
 */
export type Rows<Tables, C> = {
  readonly [N in keyof C & keyof Tables & string]: C[N] extends { readonly columns: ReadonlyArray<infer K> }
    ? Pick<Model.RowOf<Tables[N]>, Extract<K | "_uuid", keyof Model.RowOf<Tables[N]>>>
    : Omit<Model.RowOf<Tables[N]>, "_version">
}

/**
 * One change of one row, typed by its table.
 *
 * @since 0.1.0
 * @category changes
 */
export type Change<R> = {
  readonly [N in keyof R & string]:
    | { readonly _tag: "Insert"; readonly table: N; readonly uuid: string; readonly row: R[N] }
    | {
      readonly _tag: "Modify"
      readonly table: N
      readonly uuid: string
      readonly old: R[N]
      readonly row: R[N]
      readonly columns: ReadonlyArray<keyof R[N] & string>
    }
    | { readonly _tag: "Delete"; readonly table: N; readonly uuid: string; readonly old: R[N] }
}[keyof R & string]

/**
 * What `changes` streams: a `Snapshot` first (every row then, as inserts), then each `Update` and
 * `Resync` applied, with the id of the last transaction it includes.
 *
 * @since 0.1.0
 * @category changes
 */
export type Event<R> =
  | { readonly _tag: "Snapshot"; readonly lastTxnId: string | undefined; readonly changes: ReadonlyArray<Change<R>> }
  | { readonly _tag: "Update"; readonly lastTxnId: string | undefined; readonly changes: ReadonlyArray<Change<R>> }
  | {
    readonly _tag: "Resync"
    readonly lastTxnId: string | undefined
    /** Why the contents were read again. */
    readonly reason: string
    readonly changes: ReadonlyArray<Change<R>>
  }

/**
 * The replica's rows at one moment, read synchronously: everything read through one view is
 * consistent, since no update is applied while a synchronous function runs.
 *
 * @since 0.1.0
 * @category reads
 */
export interface View<R> {
  /** Every row of a table. */
  readonly all: <N extends keyof R & string>(table: N) => ReadonlyArray<R[N]>
  /** The row with this UUID, if the replica has it. */
  readonly get: <N extends keyof R & string>(table: N, uuid: Value.Uuid | string) => R[N] | undefined
  /** The rows meeting every condition (RFC 7047 §5.1), evaluated here. */
  readonly where: <N extends keyof R & string>(
    table: N,
    where: ReadonlyArray<Typed.Condition<R[N]>>
  ) => ReadonlyArray<R[N]>
  /** The rows whose key in `index` is `key` (one value per part of the index); none for an index not kept. */
  readonly find: <N extends keyof R & string>(
    table: N,
    index: string,
    ...key: ReadonlyArray<unknown>
  ) => ReadonlyArray<R[N]>
  /** The rows whose key in `index` lies between `from` and `to`, both included, in key order. */
  readonly range: <N extends keyof R & string>(
    table: N,
    index: string,
    bounds: { readonly from?: ReadonlyArray<unknown>; readonly to?: ReadonlyArray<unknown> }
  ) => ReadonlyArray<R[N]>
}

/**
 * Turns the values a transaction's builder read of `row` into `wait` operations at commit: the
 * transaction commits only if those columns still hold them.
 *
 * @since 0.1.0
 * @category writes
 */
export type Verify<R> = <N extends keyof R & string>(
  table: N,
  row: R[N] & { readonly _uuid: Value.Uuid },
  columns: ReadonlyArray<keyof R[N] & string>
) => void

/**
 * What can end a replica: its monitor canceled for good, or the session failed.
 *
 * @since 0.1.0
 * @category errors
 */
export type ReplicaError = MonitorCanceled | ConnectionClosed | ProtocolError

/**
 * What a replica's transaction can fail with besides `TryAgain`.
 *
 * @since 0.1.0
 * @category errors
 */
export type CommitError = TransactionError | ValueError | RpcError | RpcTimeout | ProtocolError | ConnectionClosed

/**
 * A replica.
 *
 * @since 0.1.0
 * @category models
 */
export interface Replica<R> extends Reads<R> {
  /** Runs `f` over a view of the rows now: several reads, one moment. */
  readonly read: <A>(f: (view: View<R>) => A) => Effect.Effect<A>
  /** A `Snapshot`, then every later update and resync; unbounded per subscriber. Fails when the replica ends. */
  readonly changes: Stream.Stream<Event<R>, ReplicaError>
  /** The id of the last transaction applied. */
  readonly lastTxnId: Effect.Effect<string | undefined>
  /**
   * Waits until the transaction with this id was applied (or a resync made it part of the contents).
   * The zero UUID (`Monitor.ZERO_TXN_ID`) names no transaction: a standalone ovsdb-server reports it
   * for every one. Waiting for it waits until the replica holds everything the server committed
   * before the call (as `sync`, tried again while the connection is lost), which includes whatever
   * the transaction was.
   */
  readonly waitFor: (txnId: string) => Effect.Effect<void>
  /** Waits until the replica holds everything the server committed before now (an `echo` round trip). */
  readonly sync: Effect.Effect<void, RpcError | RpcTimeout | ConnectionClosed | ProtocolError>
  /**
   * An optimistic transaction: `build` reads a view and returns the operations, calling `verify`
   * for what they depend on; on success the operations' typed results, and the replica has the
   * transaction's changes. No operation and no verify: nothing is sent.
   */
  readonly transact: <const Ops extends ReadonlyArray<Operation.Any>>(
    build: (view: View<R>, verify: Verify<R>) => Ops
  ) => Effect.Effect<Operation.Results<Ops>, TryAgain | CommitError>
  /**
   * `transact`, built again after each `TryAgain` once the replica changed (or the session is ready
   * again), as long as `schedule` allows (default: 10 more tries, 10 ms apart).
   */
  readonly retry: <const Ops extends ReadonlyArray<Operation.Any>>(
    build: (view: View<R>, verify: Verify<R>) => Ops,
    schedule?: Schedule.Schedule<unknown, TryAgain | CommitError>
  ) => Effect.Effect<Operation.Results<Ops>, TryAgain | CommitError>
}

/**
 * The reads of a `View` as Effects, each over the rows at the moment it runs.
 *
 * @since 0.1.0
 * @category reads
 */
export interface Reads<R> {
  /** Every row of a table. */
  readonly all: <N extends keyof R & string>(table: N) => Effect.Effect<ReadonlyArray<R[N]>>
  /** The row with this UUID, if the replica has it. */
  readonly get: <N extends keyof R & string>(table: N, uuid: Value.Uuid | string) => Effect.Effect<R[N] | undefined>
  /** The rows meeting every condition (RFC 7047 §5.1), evaluated here. */
  readonly where: <N extends keyof R & string>(
    table: N,
    where: ReadonlyArray<Typed.Condition<R[N]>>
  ) => Effect.Effect<ReadonlyArray<R[N]>>
  /** As the view's; an index the replica does not keep is a `ValueError` naming those it does. */
  readonly find: <N extends keyof R & string>(
    table: N,
    index: string,
    ...key: ReadonlyArray<unknown>
  ) => Effect.Effect<ReadonlyArray<R[N]>, ValueError>
  /**
   * The rows whose key in `index` lies between `from` and `to`, both included, in key order; an
   * index the replica does not keep is a `ValueError` naming those it does.
   */
  readonly range: <N extends keyof R & string>(
    table: N,
    index: string,
    bounds: { readonly from?: ReadonlyArray<unknown>; readonly to?: ReadonlyArray<unknown> }
  ) => Effect.Effect<ReadonlyArray<R[N]>, ValueError>
}

/** How many applied transaction ids `waitFor` remembers. */
const REMEMBERED_TXNS = 10_000

/** How often `waitFor` of the zero UUID sends its echo again while the connection is lost. */
const SYNC_RETRY = Schedule.spaced("100 millis")

/** How long `retry` waits for the replica to show the change that failed a verify. */
const VERIFY_WAIT = "5 seconds"

/** The default of `retry`: ten more tries, 10 ms apart. */
const DEFAULT_RETRY = Schedule.max([Schedule.recurs(10), Schedule.spaced("10 millis")])

/** The wire name of a column of a model's table that the replica keeps: not the server's `_version`. */
const replicable = (column: string) => column !== "_uuid" && column !== "_version"

/**
 * Starts a replica of `database`'s chosen tables over the session in context (`Ovsdb.layer` gives
 * it), for the current scope: it returns once the first contents are in.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <Tables extends { readonly [name: string]: Typed.AnyTable }, const C extends Choice<Tables>>(
  database: Model.Database<Tables>,
  choice?: C
): Effect.Effect<
  Replica<Rows<Tables, C>>,
  ValueError | RpcError | RpcTimeout | ConnectionClosed | ProtocolError,
  Session | Ovsdb | Scope.Scope
> =>
  Effect.gen(function*() {
    type R = Rows<Tables, C>
    const session = yield* Session
    const ovsdb = yield* Ovsdb
    const chosen: { readonly [name: string]: true | TableOptions<object> } = choice === undefined
      ? Object.fromEntries(Object.keys(database.tables).map((name) => [name, true]))
      : choice as { readonly [name: string]: true | TableOptions<object> }

    const tableModel = (name: string): Typed.AnyTable =>
      database.tables[name] as Typed.AnyTable | undefined ?? database.table(name)

    const specs: { [table: string]: Store.TableSpec } = {}
    const requests: { [table: string]: Monitor.TableRequest } = {}
    for (const [name, options] of Object.entries(chosen)) {
      const table = tableModel(name)
      // A table the model's schema lacks is refused here, not by the server.
      const { schema } = yield* Effect.fromResult(Model.knownTable(table))
      const columns = (options === true || options.columns === undefined
        ? Object.keys(schema.columns)
        : options.columns as ReadonlyArray<string>).filter(replicable)
      const types: { [column: string]: Store.TableSpec["types"][string] } = {}
      for (const column of columns) {
        const type = schema.columns[column]?.type
        if (type !== undefined) types[column] = type
      }
      const indexes: { [name: string]: Store.IndexSpec } = {}
      for (const index of table.indexes) {
        if (index.every((column) => types[column] !== undefined)) {
          indexes[index.join(",")] = { parts: index, unique: true }
        }
      }
      if (options !== true) {
        for (const [index, parts] of Object.entries(options.indexes ?? {})) {
          indexes[index] = { parts: parts as ReadonlyArray<Store.IndexPart>, unique: false }
        }
      }
      specs[name] = { types, indexes }
      const where = options === true || options.where === undefined
        ? undefined
        : yield* Effect.fromResult(Typed.conditions(table, options.where as ReadonlyArray<Typed.Condition<object>>))
      requests[name] = { columns, ...(where === undefined ? {} : { where }) }
    }

    const store = new Store.Store(specs)
    let lastTxnId: string | undefined
    let version = 0
    let ended: ReplicaError | undefined
    const subscribers = new Set<Queue.Queue<Event<R>, ReplicaError | Cause.Done>>()
    const applied = new Set<string>()
    const txnWaiters = new Map<string, Array<Deferred.Deferred<void>>>()
    const changeWaiters: Array<{ readonly after: number; readonly done: Deferred.Deferred<void> }> = []

    const publish = (event: Event<R>) => {
      for (const queue of subscribers) {
        Queue.offerUnsafe(queue, event)
      }
    }

    /** Notes an applied transaction: its waiters, and those of every change since a version, go on. */
    const advanced = (txnId: string | undefined, resync: boolean) => {
      version++
      lastTxnId = txnId ?? lastTxnId
      // The zero UUID names no transaction: a standalone ovsdb-server reports it for every one.
      if (txnId !== undefined && txnId !== Monitor.ZERO_TXN_ID) {
        applied.add(txnId)
        if (applied.size > REMEMBERED_TXNS) applied.delete(applied.values().next().value!)
      }
      // A resync makes every committed transaction part of the contents: all waiters go on.
      const done = resync ? [...txnWaiters.keys()] : txnId !== undefined && txnWaiters.has(txnId) ? [txnId] : []
      for (const id of done) {
        for (const deferred of txnWaiters.get(id)!) Deferred.doneUnsafe(deferred, Effect.void)
        txnWaiters.delete(id)
      }
      for (let i = changeWaiters.length - 1; i >= 0; i--) {
        if (changeWaiters[i]!.after >= version) continue
        Deferred.doneUnsafe(changeWaiters[i]!.done, Effect.void)
        changeWaiters.splice(i, 1)
      }
    }

    /** Ends the replica: every subscriber's stream fails with `error` (or ends, without one); reads keep the last rows. */
    const end = (error: ReplicaError | undefined) => {
      if (ended !== undefined) return
      ended = error ?? new ProtocolError({ method: "update3", detail: "the replica's monitor ended" })
      for (const queue of subscribers) {
        if (error === undefined) Queue.endUnsafe(queue)
        else Queue.failCauseUnsafe(queue, Cause.fail(error))
      }
    }

    /** Applies one event of the session's monitor; called by the connection's reader, so it never throws. */
    const take = (event: MonitorEvent) => {
      try {
        apply(event)
      } catch (defect) {
        end(
          new ProtocolError({ method: "update3", detail: `an update the replica could not apply: ${String(defect)}` })
        )
      }
    }

    const apply = (event: MonitorEvent) => {
      if (ended !== undefined) return
      const txnId = event.lastTxnId
      if (event._tag === "Reset") {
        const changes = store.replace(event.changes) as unknown as ReadonlyArray<Change<R>>
        advanced(txnId, true)
        publish({ _tag: "Resync", lastTxnId, reason: event.reason, changes })
        return
      }
      const changes = store.apply(event.changes) as unknown as ReadonlyArray<Change<R>>
      advanced(txnId, false)
      publish({ _tag: "Update", lastTxnId, changes })
    }

    // Events may come before the monitor's initial rows are in: they wait for them.
    let early: Array<MonitorEvent> | undefined = []
    const live = yield* session.monitorWith(database.name, requests, (event) => {
      if (early !== undefined) early.push(event)
      else take(event)
    })
    store.load(live.initial)
    advanced(yield* live.lastTxnId, true)
    const waiting = early
    early = undefined
    for (const event of waiting) take(event)

    // The monitor's stream only ends: with it, the replica.
    yield* Stream.runDrain(live.updates).pipe(
      Effect.catchCause((cause) =>
        Effect.sync(() => {
          const error = Cause.findErrorOption(cause)
          end(Option.isSome(error) ? error.value : undefined)
        })
      ),
      Effect.forkScoped
    )

    const view: View<R> = {
      all: (table) => [...store.rows(table).values()] as unknown as ReadonlyArray<R[typeof table]>,
      get: (table, uuid) =>
        store.rows(table).get(typeof uuid === "string" ? uuid : uuid.value) as unknown as R[typeof table] | undefined,
      where: (table, where) =>
        store.where(
          table,
          (where as ReadonlyArray<unknown>).map((condition): Operation.Condition =>
            typeof condition === "boolean"
              ? condition
              : {
                column: (condition as ReadonlyArray<string>)[0]!,
                function: (condition as ReadonlyArray<Operation.ConditionFunction>)[1]!,
                value: (condition as ReadonlyArray<Value.Value>)[2]!
              }
          )
        ) as unknown as ReadonlyArray<R[typeof table]>,
      find: (table, index, ...key) =>
        (store.find(table, index, key) ?? []) as unknown as ReadonlyArray<R[typeof table]>,
      range: (table, index, bounds) =>
        (store.range(table, index, bounds.from, bounds.to) ?? []) as unknown as ReadonlyArray<R[typeof table]>
    }

    const changes: Stream.Stream<Event<R>, ReplicaError> = Stream.callback<Event<R>, ReplicaError>((queue) =>
      Effect.acquireRelease(
        Effect.sync(() => {
          if (ended !== undefined) return Queue.failCauseUnsafe(queue, Cause.fail(ended))
          const snapshot: Array<Change<R>> = []
          for (const table of Object.keys(specs)) {
            for (const [uuid, row] of store.rows(table)) {
              snapshot.push({ _tag: "Insert", table, uuid, row } as Change<R>)
            }
          }
          Queue.offerUnsafe(queue, { _tag: "Snapshot", lastTxnId, changes: snapshot })
          subscribers.add(queue)
        }),
        () => Effect.sync(() => subscribers.delete(queue))
      )
    )

    const sync = Effect.asVoid(ovsdb.echo())

    /** Waits until the transaction `txnId` was applied, or the next resync. */
    const untilApplied = (txnId: string) =>
      Effect.suspend(() => {
        if (applied.has(txnId)) return Effect.void
        const deferred = Deferred.makeUnsafe<void>()
        txnWaiters.set(txnId, [...(txnWaiters.get(txnId) ?? []), deferred])
        return Deferred.await(deferred)
      })

    // The zero UUID names no transaction (a standalone ovsdb-server reports it for every one): the
    // replica has it once it has everything committed before now. A server that refuses the echo
    // leaves only a resync to wait for.
    const waitFor = (txnId: string) =>
      txnId === Monitor.ZERO_TXN_ID
        ? sync.pipe(
          Effect.retry({
            schedule: SYNC_RETRY,
            while: (error) => error._tag === "ConnectionClosed" || error._tag === "RpcTimeout"
          }),
          Effect.catch(() => untilApplied(txnId))
        )
        : untilApplied(txnId)

    /** Waits until the replica changed after `after` (its version then). */
    const changedSince = (after: number) =>
      Effect.suspend(() => {
        if (version > after) return Effect.void
        const done = Deferred.makeUnsafe<void>()
        changeWaiters.push({ after, done })
        return Deferred.await(done)
      })

    /** What a transaction verified: each row's columns and the values they had. */
    type Verified = Array<
      { readonly table: string; readonly uuid: string; readonly old: { readonly [column: string]: unknown } }
    >

    /** Whether the replica still shows every verified value (so the change that failed the verify is yet to come). */
    const stillShown = (verified: Verified) =>
      verified.every(({ old, table, uuid }) => {
        const row = store.rows(table).get(uuid)
        return row !== undefined &&
          Object.keys(old).every((column) => Store.valueKey(row[column]) === Store.valueKey(old[column]))
      })

    const attempt = <const Ops extends ReadonlyArray<Operation.Any>>(
      build: (view: View<R>, verify: Verify<R>) => Ops,
      verified: Verified
    ): Effect.Effect<Operation.Results<Ops>, TryAgain | CommitError> =>
      Effect.suspend(() => {
        const waits: Array<Operation.Any> = []
        const verify: Verify<R> = (table, row, columns) => {
          const old: { [column: string]: unknown } = {}
          for (const column of columns) old[column] = (row as { readonly [column: string]: unknown })[column]
          verified.push({ table, uuid: row._uuid.value, old })
          // RFC 7047 §5.2.6 wait, at once (timeout 0): "timed out" when a column no longer holds it.
          waits.push(
            Typed.wait(
              tableModel(table),
              [["_uuid", "==", row._uuid]] as never,
              columns as never,
              "==",
              [old] as never,
              {
                timeout: 0
              }
            )
          )
        }
        const operations = build(view, verify)
        const verifies = waits.length
        // Nothing to write: nothing to send.
        if (operations.length === 0 && verifies === 0) return Effect.succeed([] as unknown as Operation.Results<Ops>)
        return ovsdb.transact(database.name, ...waits, ...operations).pipe(
          Effect.map((results) => results.slice(verifies) as unknown as Operation.Results<Ops>),
          Effect.catch((error): Effect.Effect<never, TryAgain | CommitError> => {
            const again = (reason: TryAgain["reason"], detail: string, outcomeUnknown = false) =>
              Effect.fail(new TryAgain({ database: database.name, reason, detail, outcomeUnknown }))
            if (error instanceof TransactionError) {
              if (error.error === "timed out" && error.index !== undefined && error.index < verifies) {
                return again("verify", `a verified value changed (${error.message})`)
              }
              if (error.error === "timed out" || error.error === "canceled") return again(error.error, error.message)
              return Effect.fail(error)
            }
            // ovsdb-server cancels a transaction it holds (a blocking wait) when its session ends.
            if (error._tag === "RpcError" && error.error === "canceled") return again("canceled", error.message)
            if (error instanceof TransactionOutcomeUnknown) return again("reconnect", error.detail, true)
            if (error._tag === "ConnectionClosed") return again("reconnect", error.detail)
            return Effect.fail(error)
          })
        )
      })

    const transact = <const Ops extends ReadonlyArray<Operation.Any>>(
      build: (view: View<R>, verify: Verify<R>) => Ops
    ) => attempt(build, [])

    const retry = <const Ops extends ReadonlyArray<Operation.Any>>(
      build: (view: View<R>, verify: Verify<R>) => Ops,
      schedule: Schedule.Schedule<unknown, TryAgain | CommitError> = DEFAULT_RETRY
    ) =>
      Effect.suspend(() => {
        const verified: Verified = []
        return attempt(build, verified).pipe(
          Effect.tapError((error) => {
            if (error._tag !== "TryAgain") return Effect.void
            // A verified value changed on the server: build again once the replica shows the change
            // (at most VERIFY_WAIT: a verified column the replica does not hold never changes here).
            if (error.reason === "verify" && stillShown(verified)) {
              return Effect.timeoutOrElse(changedSince(version), { duration: VERIFY_WAIT, orElse: () => Effect.void })
            }
            return error.reason === "reconnect" ? Effect.ignore(sync) : Effect.void
          })
        )
      }).pipe(Effect.retry({ schedule, while: (error) => error._tag === "TryAgain" }))

    /** An index the replica keeps, or a `ValueError` naming the ones it does. */
    const knownIndex = (table: string, index: string) =>
      Effect.suspend(() => {
        const indexes = specs[table]?.indexes
        return indexes?.[index] !== undefined ? Effect.void : Effect.fail(
          new ValueError({
            table,
            column: "",
            constraint: "index",
            value: index,
            detail: indexes === undefined
              ? `the replica does not hold ${table}`
              : `no index named ${index}; the replica keeps ${Object.keys(indexes).join(", ") || "none"} on ${table}`
          })
        )
      })

    const effects = {
      all: (table: string) => Effect.sync(() => view.all(table as never)),
      get: (table: string, uuid: Value.Uuid | string) => Effect.sync(() => view.get(table as never, uuid)),
      where: (table: string, where: ReadonlyArray<never>) => Effect.sync(() => view.where(table as never, where)),
      find: (table: string, index: string, ...key: ReadonlyArray<unknown>) =>
        Effect.andThen(knownIndex(table, index), Effect.sync(() => view.find(table as never, index, ...key))),
      range: (table: string, index: string, bounds: Parameters<View<R>["range"]>[2]) =>
        Effect.andThen(knownIndex(table, index), Effect.sync(() => view.range(table as never, index, bounds)))
    }

    return {
      ...effects,
      read: (f) => Effect.sync(() => f(view)),
      changes,
      lastTxnId: Effect.sync(() => lastTxnId),
      waitFor,
      sync,
      transact,
      retry
    } as Replica<R>
  })
