// Unit tests of the RpcClient layer alone, over a scripted Codec.
import { assert, describe, it } from "@effect/vitest"
import type { Cause, Scope } from "effect"
import { Deferred, Effect, Exit, Fiber, Layer, Option, PubSub, Queue, Stream } from "effect"
import { TestClock } from "effect/testing"
import { Codec } from "../src/Codec.js"
import { CodecError } from "../src/Errors.js"
import type { Json } from "../src/Json.js"
import * as JsonRpc from "../src/protocol/JsonRpc.js"
import * as RpcClient from "../src/RpcClient.js"

/** A codec whose peer is the test: `sent` holds what the client wrote, `reply` feeds it messages. */
const scriptedCodec = Effect.gen(function*() {
  const sent = yield* Queue.unbounded<JsonRpc.Message>()
  const inbound = yield* Queue.unbounded<JsonRpc.Message, CodecError | Cause.Done>()
  const closed = yield* Deferred.make<void>()
  const codec = Codec.of({
    send: (message) => Queue.offer(sent, message).pipe(Effect.asVoid),
    incoming: Stream.fromQueue(inbound),
    close: Deferred.succeed(closed, undefined).pipe(Effect.asVoid)
  })
  return { codec, sent, inbound, closed }
})

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
