// Unit tests of the RpcClient layer alone, over a scripted Codec.
import { assert, describe, it } from "@effect/vitest"
import type { Scope } from "effect"
import { Cause, Deferred, Effect, Exit, Fiber, Layer, Option, PubSub, Queue, Stream } from "effect"
import { TestClock } from "effect/testing"
import { Codec } from "../src/Codec.js"
import { CodecError, ConnectionClosed } from "../src/Errors.js"
import * as Monitors from "../src/internal/monitors.js"
import type { Json } from "../src/Json.js"
import * as JsonRpc from "../src/protocol/JsonRpc.js"
import * as RpcClient from "../src/RpcClient.js"
import { scriptedCodec } from "./support/scriptedCodec.js"

const withClient = <A, E>(
  body: (
    rpc: RpcClient.RpcClient["Service"],
    peer: Effect.Success<typeof scriptedCodec>
  ) => Effect.Effect<A, E, Scope.Scope>,
  options?: RpcClient.Options
) =>
  Effect.gen(function*() {
    const peer = yield* scriptedCodec
    return yield* RpcClient.RpcClient.use((rpc) => body(rpc, peer)).pipe(
      Effect.provide(RpcClient.layer(options).pipe(Layer.provide(Layer.succeed(Codec, peer.codec))))
    )
  })

const takeRequest = (sent: Queue.Queue<JsonRpc.Message>) =>
  Effect.map(Queue.take(sent), (message) => {
    assert.strictEqual(message._tag, "Request")
    return message as JsonRpc.Request
  })

describe("RpcClient", () => {
  it.effect("matches concurrent replies to their calls by id, in any order", () =>
    withClient((rpc, { inbound, sent }) =>
      Effect.gen(function*() {
        const calls = yield* Effect.forkChild(
          Effect.all([rpc.call("echo", ["a"]), rpc.call("echo", ["b"]), rpc.call("list_dbs", [])], {
            concurrency: "unbounded"
          })
        )
        const requests = [yield* takeRequest(sent), yield* takeRequest(sent), yield* takeRequest(sent)]
        assert.deepStrictEqual(new Set(requests.map((r) => r.id)).size, 3)
        for (const request of [...requests].reverse()) {
          const result: Json = request.method === "list_dbs" ? ["Open_vSwitch"] : request.params
          yield* Queue.offer(inbound, { _tag: "Response", id: request.id, result, error: null })
        }
        assert.deepStrictEqual(yield* Fiber.join(calls), [["a"], ["b"], ["Open_vSwitch"]])
      })
    ))

  it.effect("never uses the id \"echo\", which the server keeps for its probes", () =>
    withClient((rpc, { sent }) =>
      Effect.gen(function*() {
        yield* Effect.forkChild(rpc.call("echo", []))
        const request = yield* takeRequest(sent)
        assert.strictEqual(typeof request.id, "number")
      })
    ))

  it.effect("answers the server's echo request with its params", () =>
    withClient((_rpc, { inbound, sent }) =>
      Effect.gen(function*() {
        yield* Queue.offer(inbound, JsonRpc.request("echo", ["probe", 1], "echo"))
        const reply = yield* Queue.take(sent)
        assert.deepStrictEqual(reply, JsonRpc.response("echo", ["probe", 1]))
      })
    ))

  it.effect("refuses other server requests with an error reply", () =>
    withClient((_rpc, { inbound, sent }) =>
      Effect.gen(function*() {
        yield* Queue.offer(inbound, JsonRpc.request("frobnicate", [], 7))
        const reply = yield* Queue.take(sent)
        assert.deepStrictEqual(reply, { _tag: "Response", id: 7, result: null, error: "unknown method" })
      })
    ))

  it.effect("delivers every notification to every subscriber, in order", () =>
    withClient((rpc, { inbound }) =>
      Effect.gen(function*() {
        const first = yield* rpc.subscribe
        const second = yield* rpc.subscribe
        for (let i = 0; i < 1000; i++) yield* Queue.offer(inbound, JsonRpc.notification("update", [i]))
        for (const subscription of [first, second]) {
          const got = yield* Effect.replicateEffect(PubSub.take(subscription), 1000)
          assert.deepStrictEqual(got.map((n) => n.params[0]), Array.from({ length: 1000 }, (_, i) => i))
        }
      })
    ))

  describe("routes", () => {
    it.effect("give each target only its own notifications, in order", () =>
      withClient((rpc, { inbound }) =>
        Effect.gen(function*() {
          const first = yield* rpc.route("monitor-0")
          const second = yield* rpc.route("lock-a")
          for (let i = 0; i < 100; i++) {
            yield* Queue.offer(inbound, JsonRpc.notification("update2", ["monitor-0", i]))
            yield* Queue.offer(inbound, JsonRpc.notification("locked", ["lock-a", i]))
          }
          const firstGot = yield* Effect.replicateEffect(Queue.take(first), 100)
          const secondGot = yield* Effect.replicateEffect(Queue.take(second), 100)
          const expected = Array.from({ length: 100 }, (_, i) => i)
          assert.deepStrictEqual(
            firstGot.map((n) => [n.method, n.params[0]]),
            expected.map(() => ["update2", "monitor-0"])
          )
          assert.deepStrictEqual(firstGot.map((n) => n.params[1]), expected)
          assert.deepStrictEqual(
            secondGot.map((n) => [n.method, n.params[0]]),
            expected.map(() => ["locked", "lock-a"])
          )
          assert.deepStrictEqual(secondGot.map((n) => n.params[1]), expected)
          assert.strictEqual(yield* Queue.size(first), 0)
          assert.strictEqual(yield* Queue.size(second), 0)
        })
      ))

    it.effect("leave subscribers every notification no route takes, and none that one does", () =>
      withClient((rpc, { inbound }) =>
        Effect.gen(function*() {
          const everything = yield* rpc.subscribe
          const routed = yield* rpc.route("monitor-0")
          yield* Queue.offer(inbound, JsonRpc.notification("update", ["monitor-0", 1]))
          yield* Queue.offer(inbound, JsonRpc.notification("update", ["monitor-9", 2]))
          yield* Queue.offer(inbound, JsonRpc.notification("stolen", ["other-lock"]))
          yield* Queue.offer(inbound, JsonRpc.notification("update", [7, 3]))
          const got = yield* Effect.replicateEffect(PubSub.take(everything), 3)
          assert.deepStrictEqual(got.map((n) => n.params), [["monitor-9", 2], ["other-lock"], [7, 3]])
          assert.deepStrictEqual((yield* Queue.take(routed)).params, ["monitor-0", 1])
          assert.strictEqual(yield* PubSub.remaining(everything), 0)
        })
      ))

    it.effect("drop a target's notifications once its route is closed, until it is routed again", () =>
      withClient((rpc, { inbound }) =>
        Effect.gen(function*() {
          const everything = yield* rpc.subscribe
          yield* Effect.scoped(rpc.route("monitor-0"))
          yield* Queue.offer(inbound, JsonRpc.notification("update", ["monitor-0", "late"]))
          yield* Queue.offer(inbound, JsonRpc.notification("update", ["monitor-1", "unrouted"]))
          assert.deepStrictEqual((yield* PubSub.take(everything)).params, ["monitor-1", "unrouted"])
          const again = yield* rpc.route("monitor-0")
          yield* Queue.offer(inbound, JsonRpc.notification("update", ["monitor-0", "new"]))
          assert.deepStrictEqual((yield* Queue.take(again)).params, ["monitor-0", "new"])
          assert.strictEqual(yield* PubSub.remaining(everything), 0)
        })
      ))

    it.effect("wake a waiting consumer before the caller of a reply that came after its notification", () =>
      withClient((rpc, { inbound, sent }) =>
        Effect.gen(function*() {
          const order: Array<string> = []
          const routed = yield* rpc.route("monitor-0")
          const consumer = yield* Effect.forkChild(
            Effect.flatMap(Queue.take(routed), (n) => Effect.sync(() => order.push(`${n.method} seen`)))
          )
          const caller = yield* Effect.forkChild(
            Effect.flatMap(rpc.call("transact", ["db"]), () => Effect.sync(() => order.push("transact returned")))
          )
          const request = yield* takeRequest(sent)
          yield* Effect.yieldNow
          // As ovsdb-server sends them: the monitor's update, then the transaction's reply, in one read.
          yield* Queue.offerAll(inbound, [
            JsonRpc.notification("update", ["monitor-0", {}]),
            JsonRpc.response(request.id, [{}])
          ])
          yield* Fiber.join(caller)
          yield* Fiber.join(consumer)
          assert.deepStrictEqual(order, ["update seen", "transact returned"])
        })
      ))

    it.effect("keep all of 100,000 notifications to one route, in order, until taken", () =>
      withClient((rpc, { inbound }) =>
        Effect.gen(function*() {
          const count = 100_000
          const routed = yield* rpc.route("monitor-0")
          yield* Queue.offerAll(
            inbound,
            Array.from({ length: count }, (_, i) => JsonRpc.notification("update3", ["monitor-0", i]))
          )
          // Wait, without taking, until every one has arrived: none may be dropped for lack of room.
          for (let spins = 0; (yield* Queue.size(routed)) < count && spins < 1_000_000; spins++) yield* Effect.yieldNow
          const got = yield* Queue.takeN(routed, count)
          let inOrder = 0
          while (inOrder < count && got[inOrder]!.params[1] === inOrder) inOrder++
          assert.strictEqual(inOrder, count)
          assert.strictEqual(yield* Queue.size(routed), 0)
        })
      ))

    it.effect("let a route's consumer drain what arrived before the close, then see the close", () =>
      withClient((rpc, { inbound }) =>
        Effect.gen(function*() {
          const routed = yield* rpc.route("monitor-0")
          for (let i = 0; i < 3; i++) yield* Queue.offer(inbound, JsonRpc.notification("update", ["monitor-0", i]))
          yield* Queue.end(inbound)
          const reason = yield* rpc.closed
          assert.strictEqual(reason._tag, "ConnectionClosed")
          // The close is known, and every notification sent before it is still there to take.
          assert.strictEqual(yield* Queue.size(routed), 3)
          const got = yield* Queue.takeAll(routed)
          assert.deepStrictEqual(got.map((n) => n.params[1]), [0, 1, 2])
        })
      ))

    it.effect("empty each monitor's reply once its initial rows are decoded, so that the parsed reply can go", () =>
      withClient((rpc, { inbound, sent }) =>
        Effect.gen(function*() {
          const monitors = Monitors.make(rpc, "1 second")
          const row = { "00000001-0000-0000-0000-000000000000": { initial: { n: 1 } } }
          const replies: Array<Json> = [
            { T: { "00000001-0000-0000-0000-000000000000": { new: { n: 1 } } } },
            { T: row },
            [false, "00000000-0000-0000-0000-0000000000aa", { T: row }]
          ]
          const starts = [
            monitors.monitor("db", { T: {} }),
            monitors.monitorCond("db", { T: {} }),
            monitors.monitorCondSince("db", { T: {} })
          ]
          for (let i = 0; i < starts.length; i++) {
            const starting = yield* Effect.forkChild(starts[i]!)
            const request = yield* takeRequest(sent)
            yield* Queue.offer(inbound, JsonRpc.response(request.id, replies[i]!))
            const live = yield* Fiber.join(starting)
            assert.deepStrictEqual(
              live.initial.map((update) => [update._tag, "row" in update ? update.row : undefined]),
              [[
                "Initial",
                { n: 1 }
              ]]
            )
            assert.deepStrictEqual(replies[i], Array.isArray(replies[i]) ? [] : {})
            if ("lastTxnId" in live) assert.strictEqual(live.lastTxnId, "00000000-0000-0000-0000-0000000000aa")
          }
        })
      ))

    it.effect("end a monitor's stream with ConnectionClosed only after its last update before the close", () =>
      withClient((rpc, { inbound, sent }) =>
        Effect.gen(function*() {
          const monitors = Monitors.make(rpc, "1 second")
          const starting = yield* Effect.forkChild(monitors.monitor("db", { T: {} }))
          const request = yield* takeRequest(sent)
          assert.strictEqual(request.method, "monitor")
          const id = request.params[1]!
          yield* Queue.offer(inbound, JsonRpc.response(request.id, {}))
          const live = yield* Fiber.join(starting)
          for (let i = 0; i < 3; i++) {
            const row = { [`0000000${i}-0000-0000-0000-000000000000`]: { new: { n: i } } }
            yield* Queue.offer(inbound, JsonRpc.notification("update", [id, { T: row }]))
          }
          yield* Queue.end(inbound)
          yield* rpc.closed
          const seen: Array<string> = []
          const exit = yield* live.updates.pipe(
            Stream.runForEach((update) => Effect.sync(() => seen.push(...update.changes.map((c) => c.uuid.value)))),
            Effect.exit
          )
          assert.deepStrictEqual(seen, [0, 1, 2].map((i) => `0000000${i}-0000-0000-0000-000000000000`))
          assert.isTrue(Exit.isFailure(exit))
          if (Exit.isFailure(exit)) assert.strictEqual(Cause.squash(exit.cause) instanceof ConnectionClosed, true)
        })
      ))
  })

  it.effect("turns an error reply into an RpcError with the server's error and details", () =>
    withClient((rpc, { inbound, sent }) =>
      Effect.gen(function*() {
        const call = yield* Effect.forkChild(Effect.flip(rpc.call("get_schema", ["Nope"])))
        const request = yield* takeRequest(sent)
        yield* Queue.offer(inbound, {
          _tag: "Response",
          id: request.id,
          result: null,
          error: { error: "unknown database", details: "get_schema request specifies unknown database Nope" }
        })
        const error = yield* Fiber.join(call)
        assert.strictEqual(error._tag, "RpcError")
        if (error._tag === "RpcError") {
          assert.strictEqual(error.error, "unknown database")
          assert.strictEqual(error.details, "get_schema request specifies unknown database Nope")
        }
      })
    ))

  it.effect("times out a call, sends cancel for it and ignores the late reply", () =>
    withClient((rpc, { inbound, sent }) =>
      Effect.gen(function*() {
        const call = yield* Effect.forkChild(Effect.flip(rpc.call("transact", ["db"], { timeout: "5 seconds" })))
        const request = yield* takeRequest(sent)
        yield* TestClock.adjust("5 seconds")
        const error = yield* Fiber.join(call)
        assert.strictEqual(error._tag, "RpcTimeout")
        assert.deepStrictEqual(yield* Queue.take(sent), JsonRpc.notification("cancel", [request.id]))
        yield* Queue.offer(inbound, { _tag: "Response", id: request.id, result: null, error: "canceled" })
        // the session is still usable
        const next = yield* Effect.forkChild(rpc.call("echo", ["x"]))
        const echo = yield* takeRequest(sent)
        yield* Queue.offer(inbound, JsonRpc.response(echo.id, ["x"]))
        assert.deepStrictEqual(yield* Fiber.join(next), ["x"])
      }), { requestTimeout: "1 hour" }))

  it.effect("sends cancel when the waiting fiber is interrupted", () =>
    withClient((rpc, { sent }) =>
      Effect.gen(function*() {
        const call = yield* Effect.forkChild(rpc.call("transact", ["db"]))
        const request = yield* takeRequest(sent)
        yield* Fiber.interrupt(call)
        assert.deepStrictEqual(yield* Queue.take(sent), JsonRpc.notification("cancel", [request.id]))
      })
    ))

  it.effect("gives a call's reply reader to the codec before the request is sent, and forgets it when the call is cancelled", () =>
    withClient((rpc, { readers, sent }) =>
      Effect.gen(function*() {
        const reader = () => {}
        const call = yield* Effect.forkChild(rpc.call("monitor_cond", ["db"], { readReply: reader }))
        const request = yield* takeRequest(sent)
        assert.deepStrictEqual(readers.get(request.id as number), { reader, sent: 0 })
        yield* Fiber.interrupt(call)
        assert.deepStrictEqual(yield* Queue.take(sent), JsonRpc.notification("cancel", [request.id]))
        assert.strictEqual(readers.size, 0)
      })
    ))

  it.effect("does not send cancel for a call that already has its reply", () =>
    withClient((rpc, { inbound, sent }) =>
      Effect.gen(function*() {
        const call = yield* Effect.forkChild(rpc.call("echo", []))
        const request = yield* takeRequest(sent)
        yield* Queue.offer(inbound, JsonRpc.response(request.id, []))
        yield* Fiber.join(call)
        yield* Fiber.interrupt(call)
        assert.strictEqual(yield* Queue.size(sent), 0)
      })
    ))

  it.effect("fails every waiting call, and every later one, when the connection ends", () =>
    withClient((rpc, { closed, inbound, sent }) =>
      Effect.gen(function*() {
        const calls = yield* Effect.forkChild(
          Effect.all([Effect.flip(rpc.call("a", [])), Effect.flip(rpc.call("b", []))], { concurrency: 2 })
        )
        yield* takeRequest(sent)
        yield* takeRequest(sent)
        yield* Queue.end(inbound)
        const errors = yield* Fiber.join(calls)
        assert.deepStrictEqual(errors.map((e) => e._tag), ["ConnectionClosed", "ConnectionClosed"])
        const later = yield* Effect.flip(rpc.call("c", []))
        assert.strictEqual(later._tag, "ConnectionClosed")
        assert.strictEqual((yield* rpc.closed)._tag, "ConnectionClosed")
        assert.isTrue(yield* Deferred.isDone(closed))
      })
    ))

  it.effect("closes the connection and fails waiting calls with the codec's reason on bad input", () =>
    withClient((rpc, { closed, inbound, sent }) =>
      Effect.gen(function*() {
        const call = yield* Effect.forkChild(Effect.exit(rpc.call("a", [])))
        yield* takeRequest(sent)
        yield* Queue.fail(inbound, new CodecError({ reason: "Malformed", detail: "unexpected byte 'x' at 3" }))
        const exit = yield* Fiber.join(call)
        assert.isTrue(Exit.isFailure(exit))
        const closedWith = yield* rpc.closed
        assert.include(closedWith.detail, "Malformed")
        assert.isTrue(yield* Deferred.isDone(closed))
      })
    ))

  describe("inactivity probe", () => {
    const probe = { inactivityProbe: "5 seconds" } as const

    it.effect("sends echo to a silent server and closes the connection when no reply comes", () =>
      withClient((rpc, { closed, sent }) =>
        Effect.gen(function*() {
          yield* TestClock.adjust("5 seconds")
          const echo = yield* takeRequest(sent)
          assert.strictEqual(echo.method, "echo")
          assert.notStrictEqual(echo.id, "echo")
          yield* TestClock.adjust("5 seconds")
          const reason = yield* rpc.closed
          assert.include(reason.detail, "inactivity probe")
          assert.isTrue(yield* Deferred.isDone(closed))
        }), probe))

    it.effect("keeps a session whose server answers", () =>
      withClient((rpc, { inbound, sent }) =>
        Effect.gen(function*() {
          yield* TestClock.adjust("5 seconds")
          const echo = yield* takeRequest(sent)
          yield* Queue.offer(inbound, JsonRpc.response(echo.id, []))
          yield* TestClock.adjust("9 seconds")
          const next = yield* takeRequest(sent) // the next probe, after another silent interval
          assert.strictEqual(next.method, "echo")
          yield* Queue.offer(inbound, JsonRpc.response(next.id, []))
          yield* TestClock.adjust("4 seconds")
          assert.isFalse(yield* Effect.map(Effect.timeoutOption(rpc.closed, 0), Option.isSome))
        }), probe))

    it.effect("does not probe while messages arrive", () =>
      withClient((_rpc, { inbound, sent }) =>
        Effect.gen(function*() {
          for (let i = 0; i < 5; i++) {
            yield* Queue.offer(inbound, JsonRpc.notification("update", [i]))
            yield* TestClock.adjust("4 seconds")
          }
          assert.strictEqual(yield* Queue.size(sent), 0)
        }), probe))
  })
})
