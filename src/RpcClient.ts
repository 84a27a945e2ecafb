/**
 * JSON-RPC 1.0 sessions over a `Codec` (RFC 7047 §4).
 *
 * One reader fiber per connection routes every incoming message:
 * - a response completes the call waiting on its `id` (many calls may be in flight at once);
 * - the server's `echo` request (its inactivity probe) is answered at once (RFC 7047 §4.1.11);
 * - a notification goes to the one consumer that routed its target (its first param: a monitor id,
 *   a lock name), found by a map lookup; one addressed to a target whose route has closed (a late
 *   update for a cancelled monitor) is dropped; any other goes to every subscriber. None is dropped
 *   for lack of room: every consumer's buffer is unbounded.
 *
 * A call that times out, or whose fiber is interrupted while it waits, sends the server a
 * `cancel` notification for its id (RFC 7047 §4.1.4). When the connection ends or fails, every
 * waiting call fails with `ConnectionClosed`, and so does every later call.
 *
 * With `inactivityProbe`, the client watches the other way too, as Open vSwitch's own sessions do:
 * after a whole interval in which nothing arrived it sends an `echo`, and closes the connection if
 * no reply comes within another interval, so a peer that vanished without closing is noticed.
 *
 * ```ts
 * import { RpcClient } from "effect-ovsdb"
 *
 * const dbs = RpcClient.RpcClient.use((rpc) => rpc.call("list_dbs", []))
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { Codec } from "./Codec.js"
import type { NestedReader } from "./codec/SplitFrame.js"
import { ConnectionClosed, RpcError, RpcTimeout } from "./Errors.js"
import { type Json, show as showJson } from "./Json.js"
import * as JsonRpc from "./protocol/JsonRpc.js"

/**
 * RpcClient options.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Default timeout of every call; none when absent. A call may set its own. */
  readonly requestTimeout?: Duration.Input | undefined
  /** Probe a silent server with `echo` after this long, and give up after as long again. Off when absent. */
  readonly inactivityProbe?: Duration.Input | undefined
}

/**
 * Per-call options.
 *
 * @since 0.1.0
 * @category models
 */
export interface CallOptions {
  /** Fail with `RpcTimeout` (and cancel the request on the server) when no reply came in time. */
  readonly timeout?: Duration.Input | undefined
  /**
   * Takes the values nested `SPLIT_DEPTH` deep in the reply (the rows of a monitor's reply) as
   * they are parsed, when the reply spans reads and the codec can (`Codec.readReply`); the result
   * then has a marker `[i]` in each one's place. `Monitor.ReplyRows` is such a reader.
   */
  readonly readReply?: NestedReader | undefined
}

/**
 * The service.
 *
 * @since 0.1.0
 * @category services
 */
export class RpcClient extends Context.Service<RpcClient, {
  /** Sends a request and waits for its reply's `result`; an `error` reply is an `RpcError`. */
  readonly call: (
    method: string,
    params: ReadonlyArray<Json>,
    options?: CallOptions
  ) => Effect.Effect<Json, RpcError | RpcTimeout | ConnectionClosed>
  /** Sends a notification (no reply). */
  readonly notify: (method: string, params: ReadonlyArray<Json>) => Effect.Effect<void, ConnectionClosed>
  /**
   * Subscribes to the server's notifications. Everything published from the moment of subscription
   * on is buffered without bound until taken; the subscription ends with its scope.
   */
  readonly subscribe: Effect.Effect<PubSub.Subscription<JsonRpc.Notification>, never, Scope.Scope>
  /**
   * The notifications addressed to `target` (their first param: a monitor id for update, update2,
   * update3 and monitor_canceled; a lock name for locked and stolen), from now on, in order, kept
   * without bound until taken; one consumer per target. The route is removed when the scope closes.
   *
   * Routed notifications no longer reach `subscribe`. Once a route is removed, notifications still
   * addressed to its target (a late update for a cancelled monitor) are dropped, until the target
   * is routed again; the queue itself never fails or ends: its consumer learns that the connection
   * closed from `closed`, and has everything that arrived before the close once the queue is empty.
   * Should a target be routed twice at once (a second `lock` of a name already asked for, which
   * the server refuses), each of its routes gets every notification.
   */
  readonly route: (target: string) => Effect.Effect<Queue.Dequeue<JsonRpc.Notification>, never, Scope.Scope>
  /**
   * Like `route`, but each notification addressed to `target` is handed to `handler` by the reader
   * itself, in stream order, before any later message is read: before the caller of a reply that
   * came after it goes on. The handler must not block or throw; it is for consumers that keep their
   * own buffers (a session moving a monitor's updates to its stream). Removed when the scope closes.
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import type { JsonRpc } from "effect-ovsdb"
   * import { RpcClient } from "effect-ovsdb"
   *
   * const seen: Array<JsonRpc.Notification> = []
   * const listening = Effect.gen(function*() {
   *   const rpc = yield* RpcClient.RpcClient
   *   yield* rpc.listen("my-monitor", (notification) => seen.push(notification))
   * })
   * ```
   */
  readonly listen: (
    target: string,
    handler: (notification: JsonRpc.Notification) => void
  ) => Effect.Effect<void, never, Scope.Scope>
  /** Waits until the connection is closed and tells why. */
  readonly closed: Effect.Effect<ConnectionClosed>
}>()("effect-ovsdb/RpcClient") {}

/**
 * Reads an RPC-level error reply: a bare string (`"unknown method"`) or an object with `error`,
 * `details` and `syntax` (RFC 7047 §3.1 <error>).
 *
 * @since 0.1.0
 * @category errors
 */
export const toRpcError = (method: string, error: Json): RpcError => {
  if (typeof error === "string") return new RpcError({ method, error })
  if (typeof error === "object" && error !== null && !Array.isArray(error)) {
    const record = error as { readonly [key: string]: Json }
    const text = (value: Json | undefined) => typeof value === "string" ? value : undefined
    const details = text(record.details)
    const syntax = text(record.syntax)
    return new RpcError({
      method,
      error: text(record.error) ?? showJson(error),
      ...(details === undefined ? {} : { details }),
      ...(syntax === undefined ? {} : { syntax })
    })
  }
  return new RpcError({ method, error: showJson(error) })
}

/**
 * How many targets whose route closed are remembered, so that their late notifications are
 * dropped rather than given to subscribers; the oldest is forgotten first. A late notification
 * comes within a round trip of the route's end, long before a thousand more routes have closed.
 */
const RETIRED_TARGETS = 1024

/** A call waiting for its reply. */
interface Pending {
  readonly method: string
  /** Resumes the waiting fiber with the reply. */
  readonly resume: (reply: Exit.Exit<Json, RpcError | ConnectionClosed>) => void
}

/** A consumer of one target's notifications, called by the reader. */
type Handler = (notification: JsonRpc.Notification) => void

/**
 * Starts a session over the `Codec` in context; the reader fiber lives in the surrounding scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = Effect.fnUntraced(function*(options?: Options) {
  const codec = yield* Codec
  const pending = new Map<number, Pending>()
  const notifications = yield* PubSub.unbounded<JsonRpc.Notification>()
  /** The consumers of each routed target: almost always one. */
  const routes = new Map<string, Array<Handler>>()
  /** Targets whose route closed, oldest first (a Set keeps insertion order). */
  const retired = new Set<string>()
  const closedWith = yield* Deferred.make<ConnectionClosed>()
  let closed: ConnectionClosed | undefined
  let nextId = 0
  /** Whether anything arrived since the inactivity probe last looked. */
  let heard = false

  const send = (message: JsonRpc.Message) =>
    closed !== undefined
      ? Effect.fail(closed)
      : Effect.mapError(codec.send(message), (error) => new ConnectionClosed({ detail: error.message, cause: error }))

  /** Routes the messages of one read; only replies to the server's own requests need effects. */
  const dispatch = (messages: ReadonlyArray<JsonRpc.Message>): Effect.Effect<void> => {
    heard = true
    let replies: Array<JsonRpc.Message> | undefined
    for (const message of messages) {
      switch (message._tag) {
        case "Response": {
          const call = typeof message.id === "number" ? pending.get(message.id) : undefined
          if (call === undefined) break // a late reply to a cancelled call
          pending.delete(message.id as number)
          call.resume(
            message.error === null ? Exit.succeed(message.result) : Exit.fail(toRpcError(call.method, message.error))
          )
          break
        }
        case "Request":
          // RFC 7047 §4.1.11: echo is answered with its own params. No other method is served.
          ;(replies ??= []).push(
            message.method === "echo"
              ? JsonRpc.response(message.id, message.params)
              : { _tag: "Response", id: message.id, result: null, error: "unknown method" }
          )
          break
        case "Notification": {
          const target = message.params[0]
          const consumers = typeof target === "string" ? routes.get(target) : undefined
          if (consumers !== undefined) {
            for (const consumer of consumers) consumer(message)
          } else if (typeof target !== "string" || !retired.has(target)) {
            PubSub.publishUnsafe(notifications, message)
          }
        }
      }
    }
    return replies === undefined ? Effect.void : Effect.forEach(replies, (reply) => Effect.ignore(send(reply)), {
      discard: true
    })
  }

  /** Ends the session: every waiting call fails (its request was sent: outcome unknown), and so does every later one. */
  const shutDown = (detail: string, cause?: unknown) =>
    Effect.suspend(() => {
      if (closed !== undefined) return Effect.void
      const why = cause === undefined ? { detail } : { detail, cause }
      const reason = new ConnectionClosed(why)
      closed = reason
      const waiting = [...pending.values()]
      pending.clear()
      const cutOff = new ConnectionClosed({ ...why, requestSent: true })
      const failed = Exit.fail(cutOff)
      for (const call of waiting) call.resume(failed)
      return Deferred.succeed(closedWith, reason).pipe(
        Effect.andThen(codec.close)
      )
    })

  yield* codec.incoming.pipe(
    Stream.runForEachArray(dispatch),
    Effect.matchCauseEffect({
      onSuccess: () => shutDown("the server closed the connection"),
      onFailure: (cause) =>
        shutDown(
          cause.reasons.map((r) => r._tag === "Fail" ? r.error.message : r._tag).join("; "),
          cause.reasons.find((r) => r._tag === "Fail")?.error
        )
    }),
    Effect.forkScoped
  )
  yield* Effect.addFinalizer(() => shutDown("the session was closed"))

  const cancel = (id: number) => {
    if (!pending.delete(id)) return Effect.void
    codec.readReply?.(id, undefined)
    // RFC 7047 §4.1.4: cancel is a notification naming the request; the server then drops it.
    return Effect.ignore(send(JsonRpc.notification("cancel", [id])))
  }

  const addRoute = (target: string, handler: Handler) => {
    retired.delete(target)
    const consumers = routes.get(target)
    if (consumers === undefined) routes.set(target, [handler])
    else consumers.push(handler)
  }

  const removeRoute = (target: string, handler: Handler) => {
    const consumers = routes.get(target)
    if (consumers === undefined) return
    const left = consumers.filter((consumer) => consumer !== handler)
    if (left.length > 0) return routes.set(target, left)
    routes.delete(target)
    retired.add(target)
    if (retired.size > RETIRED_TARGETS) retired.delete(retired.values().next().value!)
  }

  const listen = (target: string, handler: Handler) =>
    Effect.acquireRelease(
      Effect.sync(() => addRoute(target, handler)),
      () => Effect.sync(() => removeRoute(target, handler))
    )

  const route = (target: string) =>
    Effect.acquireRelease(Queue.unbounded<JsonRpc.Notification>(), Queue.shutdown).pipe(
      Effect.tap((queue) =>
        listen(target, (notification) => {
          Queue.offerUnsafe(queue, notification)
          // Wake its taker now, not on a later tick, so that a consumer sees a notification before
          // the caller of a reply that came after it in the stream goes on.
          Queue.flushUnsafe(queue)
        })
      ),
      Effect.map(Queue.asDequeue)
    )

  const defaultTimeout = options?.requestTimeout
  const call = (method: string, params: ReadonlyArray<Json>, callOptions?: CallOptions) => {
    // One step sends the request and starts waiting: a call costs one suspension and no more, and
    // an interruption at any point after the send cancels the request (RFC 7047 §4.1.4).
    const waiting = Effect.callback<Json, RpcError | ConnectionClosed>((resume) => {
      if (closed !== undefined) return resume(Effect.fail(closed))
      const id = nextId++
      pending.set(id, { method, resume })
      const reader = callOptions?.readReply
      if (reader !== undefined) codec.readReply?.(id, reader)
      const failed = codec.sendUnsafe(JsonRpc.request(method, params, id))
      if (failed === undefined) return Effect.suspend(() => cancel(id))
      pending.delete(id)
      if (reader !== undefined) codec.readReply?.(id, undefined)
      resume(Effect.fail(new ConnectionClosed({ detail: failed.message, cause: failed })))
    })
    const timeout = callOptions?.timeout ?? defaultTimeout
    if (timeout === undefined) return waiting
    const millis = Duration.toMillis(Duration.fromInputUnsafe(timeout))
    // Its interruption has cancelled the request already.
    return Effect.timeoutOrElse(waiting, {
      duration: timeout,
      orElse: () => Effect.fail(new RpcTimeout({ method, timeoutMillis: millis }))
    })
  }

  if (options?.inactivityProbe !== undefined) {
    const interval = options.inactivityProbe
    const millis = Duration.toMillis(Duration.fromInputUnsafe(interval))
    const probe: Effect.Effect<void> = Effect.gen(function*() {
      while (closed === undefined) {
        heard = false
        yield* Effect.sleep(interval)
        if (heard || closed !== undefined) continue
        const answered = yield* call("echo", [], { timeout: interval }).pipe(
          Effect.as(true),
          Effect.catchTag("RpcTimeout", () => Effect.succeed(false)),
          Effect.catch(() => Effect.succeed(true)) // an error reply is an answer; a closed session ends the loop
        )
        if (!answered) yield* shutDown(`no reply to the inactivity probe within ${millis} ms`)
      }
    })
    yield* Effect.forkScoped(probe)
  }

  return RpcClient.of({
    call,
    notify: (method, params) => send(JsonRpc.notification(method, params)),
    subscribe: PubSub.subscribe(notifications),
    route,
    listen,
    closed: Deferred.await(closedWith)
  })
})

/**
 * The RpcClient layer; needs a `Codec`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options?: Options): Layer.Layer<RpcClient, never, Codec> => Layer.effect(RpcClient, make(options))
