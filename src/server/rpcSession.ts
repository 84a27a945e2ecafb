/**
 * One client's JSON-RPC session with the server (RFC 7047 §4, ovsdb-server(7) §4.1): every
 * method, answered as ovsdb-server answers it, errors and their texts included.
 *
 * A session is synchronous: `receive` handles one message and sends what it causes (replies, and
 * the notifications of the commits it makes, to every session) before it returns. It reports a
 * message no OVSDB server accepts from a client (a reply to nothing the server sent, an error
 * reply) by returning false: the connection is then closed, as ovsdb-server closes it, and only
 * this session ends. `end` forgets the session: its waiting transactions are dropped unanswered,
 * its monitors stop, and its locks go to the next waiter.
 *
 * A `cancel` notification (RFC 7047 §4.1.4) drops the session's waiting transaction with that id;
 * like ovsdb-server, the server answers it (with the error "canceled") only on a session that
 * asked for `set_db_change_aware`.
 *
 * @since 0.1.0
 */
import type { Json } from "../Json.js"
import { stringify } from "../Json.js"
import * as JsonRpc from "../protocol/JsonRpc.js"
import { isUuidText, ZERO_UUID } from "../protocol/Value.js"
import type { Answer, Database, State, Watcher } from "./databases.js"
import { notifyUpdates } from "./databases.js"
import { hashString, hmapOrder } from "./engine/hashOrder.js"
import type { Holder } from "./locks.js"
import type { Monitor, Version } from "./monitors.js"
import * as Monitors from "./monitors.js"
import { FILE_PASSES, schemaToJson, SERVER_SCHEMA_PASSES } from "./serverDatabase.js"

/**
 * Where a session's messages go, and what it knows of its server.
 *
 * @since 0.1.0
 * @category models
 */
export interface SessionContext {
  readonly state: State
  /** The server's id (`get_server_id`). */
  readonly serverId: string
  /** Sends a message to the client. */
  readonly send: (message: JsonRpc.Message) => void
}

/** A JSON value as a map key: ids match as ovsdb-server's `json_equal` matches them. */
const keyOf = (json: Json): string => canonical(json)

const canonical = (json: Json): string => {
  if (Array.isArray(json)) return `[${(json as ReadonlyArray<Json>).map(canonical).join(",")}]`
  if (typeof json === "object" && json !== null) {
    const record = json as { readonly [key: string]: Json }
    return `{${Object.keys(record).sort().map((key) => `${JSON.stringify(key)}:${canonical(record[key]!)}`).join(",")}}`
  }
  return stringify(json) ?? "null"
}

/** RFC 7047 §3.1 `<id>`: what a lock name must be. */
const isId = (name: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)

const syntaxError = Monitors.syntaxError

const errorReply = (id: Json, error: Json): JsonRpc.Response => ({ _tag: "Response", id, result: null, error })

/** The versions of the monitor methods. */
const MONITOR_VERSIONS: { readonly [method: string]: Version } = {
  monitor: 1,
  monitor_cond: 2,
  monitor_cond_since: 3
}

/**
 * One client's session.
 *
 * @since 0.1.0
 * @category models
 */
export class RpcSession implements Holder {
  private readonly monitors = new Map<string, { readonly database: Database; readonly watcher: Watcher }>()
  private dbChangeAware = false
  private ended = false

  constructor(private readonly context: SessionContext) {}

  private get state(): State {
    return this.context.state
  }

  private send(message: JsonRpc.Message): void {
    if (!this.ended) this.context.send(message)
  }

  /** Tells the session about one of its locks (`locked` or `stolen`). */
  notify(method: "locked" | "stolen", name: string): void {
    this.send(JsonRpc.notification(method, [name]))
  }

  /** Handles one message from the client; false when the session must end (a message no server takes). */
  receive(message: JsonRpc.Message): boolean {
    switch (message._tag) {
      case "Request":
        this.request(message)
        return true
      case "Notification":
        if (message.method === "cancel") this.cancel(message.params)
        return true
      case "Response":
        // The answer to the server's own `echo` probe is the only reply a client may send.
        return message.id === "echo" && message.error === null
    }
  }

  /** Forgets the session: its waiting transactions, monitors and locks. */
  end(): void {
    if (this.ended) return
    this.ended = true
    this.state.dropAll(this)
    for (const { database, watcher } of this.monitors.values()) {
      database.watchers.delete(watcher)
      database.leave(watcher)
    }
    this.monitors.clear()
    this.state.locks.releaseAll(this)
  }

  private request(request: JsonRpc.Request): void {
    const { id, method, params } = request
    const reply = (result: Json) => this.send(JsonRpc.response(id, result))
    const fail = (error: Json) => this.send(errorReply(id, error))
    switch (method) {
      case "transact":
        return this.transact(request)
      case "monitor":
      case "monitor_cond":
      case "monitor_cond_since":
        return this.monitor(request, MONITOR_VERSIONS[method]!)
      case "monitor_cond_change":
        return this.monitorCondChange(request)
      case "monitor_cancel":
        return this.monitorCancel(request)
      case "get_schema": {
        const database = this.lookup(request)
        if (database === undefined) return
        return reply(schemaToJson(
          database.engine.schema,
          database.source,
          database.reserved ? SERVER_SCHEMA_PASSES : FILE_PASSES
        ))
      }
      case "list_dbs":
        // In the order ovsdb-server walks its databases (an shash: jsonrpc-server.c, list_dbs).
        return reply(hmapOrder(this.state.databases.keys(), hashString))
      case "get_server_id":
        return reply(this.context.serverId)
      case "lock":
      case "steal":
        return this.lock(request, method === "steal")
      case "unlock":
        return this.unlock(request)
      case "echo":
        return reply(params)
      case "set_db_change_aware":
        if (params.length !== 1 || typeof params[0] !== "boolean") {
          return fail(syntaxError("set_db_change_aware: true or false parameter expected", params))
        }
        this.dbChangeAware = params[0]
        return reply({})
      default:
        return fail("unknown method")
    }
  }

  /** The database a request names first, or `undefined` after answering with ovsdb-server's error. */
  private lookup(request: JsonRpc.Request): Database | undefined {
    const { id, method, params } = request
    const name = params[0]
    if (typeof name !== "string") {
      this.send(errorReply(id, syntaxError(`${method} request params must begin with <db-name>`, params)))
      return undefined
    }
    const database = this.state.databases.get(name)
    if (database === undefined) {
      this.send(errorReply(id, {
        syntax: stringify(params) ?? "null",
        details: `${method} request specifies unknown database ${name}`,
        error: "unknown database"
      }))
    }
    return database
  }

  // ---- transact and cancel (RFC 7047 §4.1.3, §4.1.4) --------------------------------------------

  private transact(request: JsonRpc.Request): void {
    const database = this.lookup(request)
    if (database === undefined) return
    const key = keyOf(request.id)
    if (this.state.isWaiting(this, (id) => keyOf(id) === key)) {
      return this.send(errorReply(request.id, syntaxError("transact: duplicate request ID", request.params)))
    }
    this.state.transact(database, {
      owner: this,
      hasLock: (name) => this.state.locks.owns(this, name),
      id: request.id,
      operations: request.params.slice(1),
      since: this.state.options.now(),
      answer: (answer: Answer) =>
        this.send(
          answer._tag === "Result" ? JsonRpc.response(request.id, answer.result) : errorReply(request.id, answer.error)
        )
    })
  }

  private cancel(params: ReadonlyArray<Json>): void {
    if (params.length !== 1) return
    const key = keyOf(params[0]!)
    const canceled = this.state.cancel(this, (id) => keyOf(id) === key)
    if (canceled !== undefined && this.dbChangeAware) this.send(errorReply(canceled.id, "canceled"))
  }

  // ---- monitors (RFC 7047 §4.1.5–§4.1.7, ovsdb-server(7) §4.1.12–§4.1.16) -----------------------

  private monitor(request: JsonRpc.Request, version: Version): void {
    const { id, params } = request
    const fail = (error: Json) => this.send(errorReply(id, error))
    const database = this.lookup(request)
    if (database === undefined) return
    if (version === 3 ? params.length !== 4 : params.length < 3) {
      return fail(syntaxError("invalid parameters", params))
    }
    const [, monitorId, requests, lastId] = params as readonly [Json, Json, Json, Json?]
    if (typeof requests !== "object" || requests === null || Array.isArray(requests)) {
      return fail(syntaxError("monitor-requests must be object", requests))
    }
    if (this.monitors.has(keyOf(monitorId))) return fail(syntaxError("duplicate monitor ID", monitorId))
    const tables = Monitors.parseRequests(database.engine, version, requests)
    if (tables._tag === "Error") return fail(tables.error)
    if (version === 3) {
      if (typeof lastId !== "string") return fail(syntaxError("last-txn-id must be string", lastId))
      if (!isUuidText(lastId)) return fail(syntaxError("last-txn-id must be UUID format.", lastId))
    }
    const monitor: Monitor = { id: monitorId, version, database: database.name, tables: tables.value }
    const watcher: Watcher = { monitor, notify: (method, params) => this.send(JsonRpc.notification(method, params)) }
    this.monitors.set(keyOf(monitorId), { database, watcher })
    database.watchers.add(watcher)
    const resumable = database.join(watcher, version === 3 ? lastId as string : ZERO_UUID)
    if (version !== 3) return this.send(JsonRpc.response(id, Monitors.initial(monitor, database.engine)))
    // ovsdb-server(7) §4.1.15: only what changed since the client's last transaction, when the
    // history still holds it, or when a monitor it shares with can resume from it (nothing
    // missed); otherwise everything, as monitor_cond gives it.
    const missed = lastId === ZERO_UUID
      ? undefined
      : database.history.since(lastId as string) ?? (resumable ? [] : undefined)
    const updates = missed === undefined
      ? Monitors.initial(monitor, database.engine)
      : Monitors.changes(monitor, Monitors.mergeChanges(missed.map((commit) => commit.changes))) ?? {}
    this.send(JsonRpc.response(id, [missed !== undefined, database.history.lastId, updates]))
  }

  private monitorCondChange(request: JsonRpc.Request): void {
    const { id, params } = request
    const fail = (error: Json) => this.send(errorReply(id, error))
    if (params.length !== 3) return fail(syntaxError("invalid parameters", params))
    const [oldId, newId, requests] = params as readonly [Json, Json, Json]
    const entry = this.monitors.get(keyOf(oldId))
    if (entry === undefined) return fail(syntaxError("unknown monitor session", oldId))
    const renamed = keyOf(newId) !== keyOf(oldId)
    if (renamed && this.monitors.has(keyOf(newId))) return fail(syntaxError("duplicate monitor ID", newId))
    const change = Monitors.changeConditions(entry.watcher.monitor, entry.database.engine, requests)
    if (change._tag === "Error") return fail(change.error)
    if (renamed) {
      this.monitors.delete(keyOf(oldId))
      this.monitors.set(keyOf(newId), entry)
      entry.watcher.monitor.id = newId
    }
    const updates = change.value()
    entry.database.conditionsChanged(entry.watcher)
    if (updates !== undefined) notifyUpdates(entry.watcher, updates, entry.database.history.lastId)
    this.send(JsonRpc.response(id, {}))
  }

  private monitorCancel(request: JsonRpc.Request): void {
    const { id, params } = request
    if (params.length !== 1) return this.send(errorReply(id, "invalid parameters"))
    const key = keyOf(params[0]!)
    const entry = this.monitors.get(key)
    if (entry === undefined) return this.send(errorReply(id, "unknown monitor"))
    this.monitors.delete(key)
    entry.database.watchers.delete(entry.watcher)
    entry.database.leave(entry.watcher)
    this.send(JsonRpc.response(id, {}))
  }

  // ---- locks (RFC 7047 §4.1.8–§4.1.10) ----------------------------------------------------------

  /** The lock name of a lock request, or `undefined` after answering with ovsdb-server's error. */
  private lockName(request: JsonRpc.Request): string | undefined {
    const [name] = request.params
    if (request.params.length === 1 && typeof name === "string" && isId(name)) return name
    this.send(errorReply(request.id, syntaxError(`${request.method} request params must be <id>`, request.params)))
    return undefined
  }

  private lock(request: JsonRpc.Request, steal: boolean): void {
    const name = this.lockName(request)
    if (name === undefined) return
    if (this.state.locks.isWaiting(this, name)) {
      return this.send(
        errorReply(request.id, syntaxError(`must issue "unlock" before new "${request.method}"`, request.params))
      )
    }
    const locked = this.state.locks.acquire(this, name, steal)
    this.send(JsonRpc.response(request.id, { locked }))
  }

  private unlock(request: JsonRpc.Request): void {
    const name = this.lockName(request)
    if (name === undefined) return
    if (!this.state.locks.isWaiting(this, name)) {
      return this.send(
        errorReply(request.id, syntaxError(`unlock: "unlock" without "lock" or "steal"`, request.params))
      )
    }
    this.state.locks.release(this, name)
    this.send(JsonRpc.response(request.id, {}))
  }
}
