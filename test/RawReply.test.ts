// The command line's raw transact (the reply kept as bytes) against a scripted peer, for what a real
// server does only now and then: an echo request before the reply, a notification, a reply to
// another id, an error reply, the connection closing first. Against ovsdb-server, every
// transact and query of test/cli-formats.test.ts goes through it and is compared with ovsdb-client.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import * as RawReply from "../src/cli/RawReply.js"
import { TestServer } from "../src/index.js"

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString("utf8")

/** A peer that answers the first frame it reads with `frames`, and collects all it reads. */
const peer = (frames: ReadonlyArray<string | Uint8Array>, close = false) =>
  Effect.gen(function*() {
    const [client, server] = yield* TestServer.pipe("unix:peer")
    const read: Array<string> = []
    yield* server.incoming.pipe(
      Stream.runForEach((bytes) =>
        Effect.gen(function*() {
          read.push(text(bytes))
          if (read.length === 1) {
            for (const frame of frames) yield* server.send(frame)
            if (close) yield* server.close
          }
        })
      ),
      Effect.forkScoped
    )
    return { client, read }
  })

describe("RawReply.transact", () => {
  it.effect("answers an echo, lets notifications and other replies go, and gives the reply's bytes", () =>
    Effect.gen(function*() {
      const { client, read } = yield* peer([
        `{"id":"echo","method":"echo","params":[1,"x"]}`,
        `{"id":null,"method":"update","params":["m",{}]}`,
        `{"id":7,"result":[],"error":null}`,
        `{"id":0,"result":[{"rows":[{"b":1,"a":2}]}],"error":null}`
      ])
      const reply = yield* RawReply.transact(client, ["OVN_Northbound", { op: "select", table: "T", where: [] }])
      assert.strictEqual(text(reply.bytes.subarray(reply.result)), `[{"rows":[{"b":1,"a":2}]}],"error":null}`)
      // The echo's answer went out before the reply was read: wait (boundedly) for the peer to read it.
      for (let i = 0; i < 1000 && read.length < 2; i++) yield* Effect.yieldNow
      assert.deepStrictEqual(read.map((frame) => JSON.parse(frame)), [
        {
          method: "transact",
          params: ["OVN_Northbound", { op: "select", table: "T", where: [] }],
          id: 0
        },
        { id: "echo", result: [1, "x"], error: null }
      ])
    }).pipe(Effect.scoped))

  it.effect("fails with the server's error as RpcError", () =>
    Effect.gen(function*() {
      const failing = yield* peer([
        `{"id":0,"error":{"error":"unknown database","details":"no db"}}`
      ])
      const error = yield* Effect.flip(RawReply.transact(failing.client, ["Nope"]))
      assert.strictEqual(error._tag, "RpcError")
      assert.strictEqual(error.message, "transact: unknown database: no db")
    }).pipe(Effect.scoped), 5_000)

  it.effect("fails with ConnectionClosed when the connection ends before the reply", () =>
    Effect.gen(function*() {
      const closing = yield* peer([], true)
      const closed = yield* Effect.flip(RawReply.transact(closing.client, ["X"]))
      assert.strictEqual(closed._tag, "ConnectionClosed")
    }).pipe(Effect.scoped), 5_000)

  it.effect(
    "fails with ConnectionClosed, for the codec's reason, on bytes it cannot frame (here, not UTF-8)",
    () =>
      Effect.gen(function*() {
        const garbled = yield* peer([
          Buffer.from([...Buffer.from(`{"id":0,"result":["`), 0xff, ...Buffer.from(`"]}`)])
        ])
        const error = yield* Effect.flip(RawReply.transact(garbled.client, ["X"]))
        assert.strictEqual(error._tag, "ConnectionClosed")
        assert.match(error.message, /Malformed: invalid UTF-8/)
      }).pipe(Effect.scoped),
    5_000
  )
})
