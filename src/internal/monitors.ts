/**
 * The monitor methods of the Ovsdb service: `monitor`, `monitor_cond` and `monitor_cond_since` as
 * scoped resources over an RpcClient.
 *
 * A monitor routes the notifications addressed to its id to itself before it sends its request, so
 * no update can slip past; it keeps every update for its id, in order, in an unbounded buffer until
 * the caller takes it (a slow consumer costs memory, never data); and when its scope closes it sends
 * `monitor_cancel` (RFC 7047 §4.1.7), waiting for the answer no longer than the release bound. Its
 * update stream fails with `MonitorCanceled` when the server cancels it, and with `ConnectionClosed`
 * once the connection is gone and every update that arrived before has been delivered.
 *
 * The types of what they return are the Ovsdb module's (`LiveMonitor`, `ConditionalMonitor`, …).
 */
import type { NonEmptyReadonlyArray } from "effect/Array"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { MonitorCanceled, ProtocolError } from "../Errors.js"
import { type Json, show as showJson } from "../Json.js"
import type { CallError, ConditionalMonitor, LiveMonitor, MonitorSince, MonitorUpdate } from "../Ovsdb.js"
import type * as JsonRpc from "../protocol/JsonRpc.js"
import * as Monitor from "../protocol/Monitor.js"
import type { RpcClient } from "../RpcClient.js"

const NOTIFICATION = { 1: "update", 2: "update2", 3: "update3" } as const

const protocolError = (method: string, detail: string) => new ProtocolError({ method, detail })

/** The decoders of each version's table updates, in notifications and (`initial`) in replies; built once. */
const DECODERS = {
  1: [Schema.decodeUnknownEffect(Monitor.TableUpdates(1)), Schema.decodeUnknownEffect(Monitor.TableUpdates(1, true))],
  2: [Schema.decodeUnknownEffect(Monitor.TableUpdates(2)), Schema.decodeUnknownEffect(Monitor.TableUpdates(2, true))],
  3: [Schema.decodeUnknownEffect(Monitor.TableUpdates(3)), Schema.decodeUnknownEffect(Monitor.TableUpdates(3, true))]
} as const

/**
 * Reads table updates with their Schema; a mismatch is a ProtocolError naming the method. A reply
 * read by `reply` as it arrived (`Monitor.ReplyRows`) has its own decoder.
 */
const decodeUpdates = (method: string, json: Json, version: 1 | 2 | 3, initial: boolean, reply?: Monitor.ReplyRows) =>
  Effect.mapError(
    reply === undefined
      ? DECODERS[version][initial ? 1 : 0](json)
      : Schema.decodeUnknownEffect(Monitor.TableUpdates(version, initial, reply))(json),
    (error) => protocolError(method, error.message)
  )

/**
 * Empties a monitor reply once its rows are decoded. The reply is the parsed text of the whole
 * initial contents, several times the size of the decoded rows; a caller's fiber may hold it (in a
 * frame of the run that resumed with it) until it next waits, which can be after the caller has
 * built its own copy of the rows. The reply belongs to the one call it answered, so nothing else
 * sees it emptied.
 */
export const releaseReply = (reply: Json): void => {
  if (Array.isArray(reply)) (reply as Array<Json>).length = 0
  else if (typeof reply === "object" && reply !== null) {
    for (const key of Object.keys(reply)) delete (reply as { [key: string]: Json })[key]
  }
}

/** The monitor methods over one session; `monitor_cancel` at a scope's end waits at most `releaseTimeout`. */
export const make = (rpc: RpcClient["Service"], releaseTimeout: Duration.Input) => {
  let counter = 0

  /** The stream of this monitor's updates, read from its route, made before the request. */
  const updatesOf = (
    database: string,
    id: string,
    version: 1 | 2 | 3,
    routed: Queue.Dequeue<JsonRpc.Notification>
  ): LiveMonitor["updates"] => {
    const method = NOTIFICATION[version]
    // Waits for notifications; once the connection is gone, drains what is left, then fails.
    const next = Effect.raceFirst(
      Queue.takeAll(routed),
      Effect.flatMap(
        rpc.closed,
        (reason) => Effect.flatMap(Queue.size(routed), (left) => left > 0 ? Effect.never : Effect.fail(reason))
      )
    )
    const pull = Effect.gen(function*() {
      for (;;) {
        const batch = yield* next
        const out: Array<MonitorUpdate> = []
        for (const notification of batch) {
          const rest = notification.params.slice(1)
          if (notification.method === "monitor_canceled") {
            return yield* new MonitorCanceled({ database, monitor: id })
          }
          if (notification.method !== method) continue
          const lastTxnId = version === 3 ? rest[0] : undefined
          const changes = yield* decodeUpdates(method, (version === 3 ? rest[1] : rest[0]) ?? null, version, false)
          out.push(typeof lastTxnId === "string" ? { _tag: "Update", changes, lastTxnId } : { _tag: "Update", changes })
        }
        if (out.length > 0) return out as unknown as NonEmptyReadonlyArray<MonitorUpdate>
      }
    })
    return Stream.fromPull(Effect.succeed(pull))
  }

  /**
   * Routes its id, sends the monitor request, and arranges `monitor_cancel` for the scope's end.
   * The reply's rows are decoded as it arrives, by `rows`.
   */
  const start = (
    database: string,
    version: 1 | 2 | 3,
    method: string,
    params: (id: string) => ReadonlyArray<Json>
  ) =>
    Effect.gen(function*() {
      const id = `monitor-${counter++}`
      const routed = yield* rpc.route(id)
      // monitor_cond_since's result nests its table updates one level deeper: a row update there.
      const rows = new Monitor.ReplyRows(version === 3 ? "update" : "row")
      const reply = yield* rpc.call(method, params(id), { readReply: rows.read })
      // A server that stopped answering cannot hold the scope open past the release bound.
      yield* Effect.addFinalizer(() => Effect.ignore(rpc.call("monitor_cancel", [id], { timeout: releaseTimeout })))
      return { id, reply, rows, updates: updatesOf(database, id, version, routed) }
    })

  /** The initial rows of a reply; anything but rows (a change) is a ProtocolError. */
  const initialOf = (method: string, json: Json, version: 1 | 2 | 3, reply: Monitor.ReplyRows) =>
    Effect.flatMap(decodeUpdates(method, json, version, true, reply), (updates) => {
      const rows = Monitor.initialRows(updates)
      return typeof rows === "string" ? Effect.fail(protocolError(method, rows)) : Effect.succeed(rows)
    })

  const changer = (id: string) => (requests: Parameters<ConditionalMonitor["change"]>[0]) =>
    Effect.asVoid(rpc.call("monitor_cond_change", [id, id, Monitor.encodeRequests(requests, 2)]))

  /** RFC 7047 §4.1.5 monitor. */
  const monitor = (
    database: string,
    requests: Monitor.Requests
  ): Effect.Effect<LiveMonitor, CallError, Scope.Scope> =>
    Effect.gen(function*() {
      const started = yield* start(database, 1, "monitor", (id) => [database, id, Monitor.encodeRequests(requests, 1)])
      const initial = yield* initialOf("monitor", started.reply, 1, started.rows)
      releaseReply(started.reply)
      return { id: started.id, initial, updates: started.updates }
    })

  /** ovsdb-server(7) §4.1.12 monitor_cond. */
  const monitorCond = (
    database: string,
    requests: Monitor.Requests
  ): Effect.Effect<ConditionalMonitor, CallError, Scope.Scope> =>
    Effect.gen(function*() {
      const started = yield* start(
        database,
        2,
        "monitor_cond",
        (id) => [database, id, Monitor.encodeRequests(requests, 2)]
      )
      const initial = yield* initialOf("monitor_cond", started.reply, 2, started.rows)
      releaseReply(started.reply)
      return { id: started.id, initial, updates: started.updates, change: changer(started.id) }
    })

  /** ovsdb-server(7) §4.1.15 monitor_cond_since: resumes from `lastTxnId` when the server still can. */
  const monitorCondSince = (
    database: string,
    requests: Monitor.Requests,
    lastTxnId = Monitor.ZERO_TXN_ID
  ): Effect.Effect<MonitorSince, CallError, Scope.Scope> =>
    Effect.gen(function*() {
      const started = yield* start(
        database,
        3,
        "monitor_cond_since",
        (id) => [database, id, Monitor.encodeRequests(requests, 3), Monitor.resumeFrom(database, lastTxnId)]
      )
      const reply = started.reply
      if (!Array.isArray(reply) || typeof reply[0] !== "boolean" || typeof reply[1] !== "string") {
        return yield* protocolError(
          "monitor_cond_since",
          `expected [found, last-txn-id, updates], got ${showJson(reply)}`
        )
      }
      const [found, last] = reply as unknown as readonly [boolean, string]
      const live = { id: started.id, updates: started.updates, change: changer(started.id), lastTxnId: last }
      // Resumed (found), the reply holds the changes since lastTxnId; otherwise the whole contents.
      const result: MonitorSince = found
        ? {
          ...live,
          found,
          initial: yield* decodeUpdates("monitor_cond_since", reply[2] ?? null, 3, true, started.rows)
        }
        : { ...live, found, initial: yield* initialOf("monitor_cond_since", reply[2] ?? null, 3, started.rows) }
      releaseReply(reply)
      return result
    })

  return { monitor, monitorCond, monitorCondSince }
}
