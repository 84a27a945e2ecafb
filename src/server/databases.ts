/**
 * What the server's sessions share: the databases (an engine each, with its transaction history,
 * the monitors watching it and the transactions waiting on it) and the locks.
 *
 * Everything here is synchronous. A commit reaches every monitor of its database, in the order the
 * monitors were made, before the committing transaction is answered: a client sees its own
 * transaction's updates before its reply, and every client sees commits in the order they were
 * made. A transaction whose `wait` does not hold yet is kept (a trigger, in ovsdb-server's words)
 * and run again after each commit on its database, and at its deadline, when it fails "timed out".
 *
 * @since 0.1.0
 */
import type { Json } from "../Json.js"
import type * as DatabaseSchema from "../protocol/DatabaseSchema.js"
import type { Commit, Engine } from "./Engine.js"
import * as EngineModule from "./Engine.js"
import { History } from "./history.js"
import { Locks } from "./locks.js"
import type { Monitor } from "./monitors.js"
import * as Monitors from "./monitors.js"

/**
 * How a transaction ended: its result array, or an error reply.
 *
 * @since 0.1.0
 * @category models
 */
export type Answer = { readonly _tag: "Result"; readonly result: Json } | {
  readonly _tag: "Error"
  readonly error: Json
}

/**
 * A transaction request: who sent it and how to answer it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Request {
  /** The session that sent it (its locks, for `assert`). */
  readonly owner: object
  readonly hasLock: (name: string) => boolean
  /** The request's JSON-RPC id. */
  readonly id: Json
  readonly operations: ReadonlyArray<Json>
  /** When it arrived, in milliseconds. */
  readonly since: number
  readonly answer: (answer: Answer) => void
}

/** A request waiting for its `wait` to hold, until `until`. */
interface Trigger extends Request {
  readonly until: number
  /** Its place in the order triggers are run in. */
  readonly seq: number
}

/**
 * A monitor of a database, and how to send its notifications.
 *
 * @since 0.1.0
 * @category models
 */
export interface Watcher {
  readonly monitor: Monitor
  readonly notify: (method: string, params: ReadonlyArray<Json>) => void
  /** The shared monitor it belongs to, once it joined one (`Database.join`). */
  shared?: SharedMonitor | undefined
}

/**
 * The monitors that ovsdb-server would serve from one `struct ovsdb_monitor` (`Monitors.shareKey`),
 * and the transaction its current change set starts after: the last commit that concerned them
 * (`Monitors.affects`), or the last transaction when the first of them joined. A `monitor_cond_since`
 * from that transaction is resumed (with nothing missed) even when the history no longer holds it.
 *
 * @since 0.1.0
 * @category models
 */
export interface SharedMonitor {
  readonly key: string
  readonly members: Set<Watcher>
  since: string
}

/**
 * The notification that carries a monitor's `<table-updates>`: `update`, `update2`, or `update3`
 * with the transaction's id.
 *
 * @since 0.1.0
 * @category monitors
 */
export const notifyUpdates = (watcher: Watcher, updates: Json, transaction: string): void => {
  const { id, version } = watcher.monitor
  if (version === 1) watcher.notify("update", [id, updates])
  else if (version === 2) watcher.notify("update2", [id, updates])
  else watcher.notify("update3", [id, transaction, updates])
}

/**
 * One database being served.
 *
 * @since 0.1.0
 * @category models
 */
export class Database {
  readonly history: History
  readonly watchers = new Set<Watcher>()
  triggers: Array<Trigger> = []

  constructor(
    readonly engine: Engine,
    historyCapacity: number,
    readonly reserved: boolean,
    /** The schema file's JSON, for its member order (see `schemaToJson`). */
    readonly source: Json | undefined
  ) {
    this.history = new History(historyCapacity)
    // The database's creation is its first transaction, as the first entry of a clustered
    // ovsdb-server's log is: a client that saw none yet resumes from it (`found: true`).
    this.history.add({ id: globalThis.crypto.randomUUID(), changes: [], comment: "", durable: false })
  }

  get name(): string {
    return this.engine.schema.name
  }

  /** The shared monitors by `Monitors.shareKey`; one whose columns a condition changed has left. */
  private readonly shared = new Map<string, SharedMonitor>()

  /**
   * Adds a monitor to its shared monitor (created when none is), and tells whether one of the
   * others already there can resume from `lastId` (ovsdb-server's `ovsdb_monitor_find_change_set`).
   */
  join(watcher: Watcher, lastId: string): boolean {
    const key = Monitors.shareKey(watcher.monitor)
    let group = this.shared.get(key)
    if (group === undefined) this.shared.set(key, group = { key, members: new Set(), since: this.history.lastId })
    const resumable = group.members.size > 0 && group.since === lastId.toLowerCase()
    group.members.add(watcher)
    watcher.shared = group
    return resumable
  }

  /** Takes a monitor out of its shared monitor, which ends with its last member. */
  leave(watcher: Watcher): void {
    const group = watcher.shared
    if (group === undefined) return
    group.members.delete(watcher)
    if (group.members.size === 0 && this.shared.get(group.key) === group) this.shared.delete(group.key)
    watcher.shared = undefined
  }

  /**
   * After a monitor's conditions changed. When they named a column its shared monitor did not
   * watch, ovsdb-server adds it to that monitor for all its members: their change sets no longer
   * match it, and no later monitor joins it, so none resumes anything from it again.
   */
  conditionsChanged(watcher: Watcher): void {
    const group = watcher.shared
    if (group === undefined || group.key === Monitors.shareKey(watcher.monitor)) return
    if (this.shared.get(group.key) === group) this.shared.delete(group.key)
  }

  /** Records a commit and reports it to every monitor, in the order they were made. */
  publish(commit: Commit): void {
    this.history.add(commit)
    for (const group of this.shared.values()) {
      const [member] = group.members
      if (member !== undefined && Monitors.affects(member.monitor, commit.changes)) group.since = this.history.lastId
    }
    for (const watcher of this.watchers) {
      const updates = Monitors.changes(watcher.monitor, commit.changes)
      if (updates !== undefined) notifyUpdates(watcher, updates, this.history.lastId)
    }
  }
}

/**
 * Options of the shared state.
 *
 * @since 0.1.0
 * @category models
 */
export interface StateOptions {
  readonly historyCapacity: number
  /** The time now, in milliseconds. */
  readonly now: () => number
  /** Called when a trigger with a deadline is added, so that the deadline is watched. */
  readonly wake: () => void
}

/**
 * The server's databases and locks.
 *
 * @since 0.1.0
 * @category models
 */
export class State {
  readonly databases = new Map<string, Database>()
  readonly locks = new Locks()
  private running = false
  private seq = 0
  private rerun = new Set<Database>()

  constructor(readonly options: StateOptions) {}

  /** Serves a database, empty; `source` is its schema file's JSON, when there is one. */
  add(schema: DatabaseSchema.DatabaseSchema, reserved: boolean, source?: Json): Database {
    const engine = EngineModule.make(schema, source === undefined ? undefined : { schemaSource: source })
    const database = new Database(engine, reserved ? 0 : this.options.historyCapacity, reserved, source)
    this.databases.set(schema.name, database)
    return database
  }

  /**
   * Runs a transaction (RFC 7047 §4.1.3): answered now, or kept until its `wait` holds or times out.
   * A commit is reported to the monitors before the answer, and the waiting transactions of the
   * database are run again after it.
   */
  transact(database: Database, request: Request, reservedWrites = false): void {
    // The first run sees no time gone by, as ovsdb-server's does (its clock is read once per loop,
    // the loop that received the request): a `wait` with timeout 0 fails at once.
    if (this.attempt(database, request, reservedWrites, request.since)) return
    database.triggers.push({ ...request, until: this.blockedUntil, seq: this.seq++ })
    this.options.wake()
  }

  /** The deadline of the last `Blocked` outcome (read right after `attempt` returned false). */
  private blockedUntil = Infinity

  /** Runs the request once; false when it blocks (its deadline in `blockedUntil`). */
  private attempt(database: Database, request: Request, reservedWrites: boolean, now = this.options.now()): boolean {
    const outcome = database.engine.transact(request.operations, {
      hasLock: request.hasLock,
      now,
      since: request.since,
      ...(reservedWrites ? { reservedWrites } : {})
    })
    switch (outcome._tag) {
      case "Blocked":
        this.blockedUntil = outcome.until
        return false
      case "Error":
        request.answer({ _tag: "Error", error: outcome.error })
        return true
      case "Reply":
        if (outcome.commit !== undefined) database.publish(outcome.commit)
        request.answer({ _tag: "Result", result: outcome.result })
        if (outcome.commit !== undefined) this.runTriggers(database)
        return true
    }
  }

  /** Runs a database's waiting transactions again after a commit on it. */
  private runTriggers(database: Database): void {
    this.rerun.add(database)
    this.drain(() => undefined)
  }

  /**
   * Does `work`, then runs the waiting transactions of every database committed to meanwhile, until
   * a pass commits nothing. Re-entered (a commit made by a waiting transaction), it only notes the
   * database: the outer pass runs it.
   */
  private drain(work: () => void): void {
    if (this.running) return work()
    this.running = true
    try {
      work()
      while (this.rerun.size > 0) {
        const next = this.rerun.values().next().value!
        this.rerun.delete(next)
        this.retry(next, () => true)
      }
    } finally {
      this.running = false
    }
  }

  /**
   * Runs again, in the order they came, the waiting transactions of a database that `due`
   * selects; each is taken out while it runs, and put back in its place if it still waits.
   */
  private retry(database: Database, due: (trigger: Trigger) => boolean): void {
    for (const trigger of [...database.triggers]) {
      const at = database.triggers.indexOf(trigger)
      if (at === -1 || !due(trigger)) continue
      database.triggers.splice(at, 1)
      if (!this.attempt(database, trigger, false)) {
        const after = database.triggers.findIndex((other) => other.seq > trigger.seq)
        database.triggers.splice(after === -1 ? database.triggers.length : after, 0, trigger)
      }
    }
  }

  /** Runs again every waiting transaction whose deadline has come (it times out, or holds now). */
  expire(): void {
    const now = this.options.now()
    this.drain(() => {
      for (const database of this.databases.values()) this.retry(database, (trigger) => trigger.until <= now)
    })
  }

  /** The earliest deadline of a waiting transaction, if any. */
  nextDeadline(): number | undefined {
    let next = Infinity
    for (const database of this.databases.values()) {
      for (const trigger of database.triggers) next = Math.min(next, trigger.until)
    }
    return Number.isFinite(next) ? next : undefined
  }

  /** Takes out a session's waiting transaction with this id (its key); returns it, if there was one. */
  cancel(owner: object, key: (id: Json) => boolean): Request | undefined {
    for (const database of this.databases.values()) {
      const trigger = database.triggers.find((trigger) => trigger.owner === owner && key(trigger.id))
      if (trigger !== undefined) {
        database.triggers = database.triggers.filter((other) => other !== trigger)
        return trigger
      }
    }
    return undefined
  }

  /** Whether a session has a waiting transaction with this id. */
  isWaiting(owner: object, key: (id: Json) => boolean): boolean {
    for (const database of this.databases.values()) {
      if (database.triggers.some((trigger) => trigger.owner === owner && key(trigger.id))) return true
    }
    return false
  }

  /** Drops every waiting transaction of a session (it ended): none is answered. */
  dropAll(owner: object): void {
    for (const database of this.databases.values()) {
      if (database.triggers.some((trigger) => trigger.owner === owner)) {
        database.triggers = database.triggers.filter((trigger) => trigger.owner !== owner)
      }
    }
  }
}
