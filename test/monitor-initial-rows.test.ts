// A monitor's initial rows are initial rows only: `Monitor.initialRows` reads a reply's row updates
// as such, and a reply holding a change (which no server sends for monitor or monitor_cond, so a
// scripted peer plays it) fails the monitor with a ProtocolError instead of passing it as a row.
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Queue } from "effect"
import { Codec } from "../src/Codec.js"
import * as Monitors from "../src/internal/monitors.js"
import type { Json } from "../src/Json.js"
import * as JsonRpc from "../src/protocol/JsonRpc.js"
import * as Monitor from "../src/protocol/Monitor.js"
import * as Value from "../src/protocol/Value.js"
import * as RpcClient from "../src/RpcClient.js"
import { scriptedCodec } from "./support/scriptedCodec.js"

const UUID = "00000001-0000-0000-0000-000000000000"
const uuid = Value.uuid(UUID)

/**
 * The monitor methods over a client whose peer is the test: it answers the first request with
 * `reply`, and every later one (the `monitor_cancel` at the scope's end) with `{}`.
 */
const monitorsAnswering = (reply: Json) =>
  Effect.gen(function*() {
    const { codec, inbound, sent } = yield* scriptedCodec
    const client = yield* Layer.build(RpcClient.layer().pipe(Layer.provide(Layer.succeed(Codec, codec))))
    const rpc = Context.get(client, RpcClient.RpcClient)
    let answers = 0
    yield* Queue.take(sent).pipe(
      Effect.flatMap((request) =>
        request._tag === "Request"
          ? Queue.offer(inbound, JsonRpc.response(request.id, answers++ === 0 ? reply : {}))
          : Effect.void
      ),
      Effect.forever,
      Effect.forkScoped
    )
    return Monitors.make(rpc, "1 second")
  })

/** Starts a monitor answered with `reply`, and returns how it ended. */
const started = <A, E>(reply: Json, start: (monitors: ReturnType<typeof Monitors.make>) => Effect.Effect<A, E>) =>
  Effect.flatMap(monitorsAnswering(reply), (monitors) => Effect.exit(start(monitors)))

describe("a monitor's initial rows", () => {
  it("Monitor.initialRows: initial rows as they are, an insert as an initial row, a change refused", () => {
    const initial: Monitor.RowUpdate = { _tag: "Initial", table: "T", uuid, row: { n: 1 } }
    const rows = [initial]
    assert.strictEqual(Monitor.initialRows(rows), rows, "no copy when every update is an initial row")
    assert.deepStrictEqual(Monitor.initialRows([initial, { _tag: "Insert", table: "T", uuid, row: { n: 2 } }]), [
      initial,
      { _tag: "Initial", table: "T", uuid, row: { n: 2 } }
    ])
    assert.strictEqual(
      Monitor.initialRows([initial, { _tag: "Modify", table: "T", uuid, diff: { n: 3 } }]),
      `table T, row ${UUID}: a modify among initial rows`
    )
    assert.strictEqual(
      Monitor.initialRows([{ _tag: "Delete", table: "T", uuid }]),
      `table T, row ${UUID}: a delete among initial rows`
    )
  })

  it.effect("monitor_cond: a reply holding a modify fails with a ProtocolError", () =>
    Effect.gen(function*() {
      const exit = yield* started(
        { T: { [UUID]: { modify: { n: 1 } } } },
        (monitors) => Effect.scoped(monitors.monitorCond("db", { T: {} }))
      )
      assert.strictEqual(exit._tag, "Failure")
      const error = yield* Effect.flip(exit)
      assert.strictEqual(error._tag, "ProtocolError")
      assert.include(error.message, `table T, row ${UUID}: a modify among initial rows`)
    }))

  it.effect("monitor (version 1): a reply holding a row's old value fails with a ProtocolError", () =>
    Effect.gen(function*() {
      const exit = yield* started(
        { T: { [UUID]: { old: { n: 1 } } } },
        (monitors) => Effect.scoped(monitors.monitor("db", { T: {} }))
      )
      const error = yield* Effect.flip(exit)
      assert.strictEqual(error._tag, "ProtocolError")
      assert.include(error.message, "a delete among initial rows")
    }))

  it.effect("monitor_cond_since: found, the reply's changes are the monitor's initial, as sent", () =>
    Effect.gen(function*() {
      const exit = yield* started(
        [true, "00000000-0000-0000-0000-0000000000aa", { T: { [UUID]: { modify: { n: 1 } } } }],
        (monitors) => Effect.scoped(monitors.monitorCondSince("db", { T: {} }, "00000000-0000-0000-0000-000000000001"))
      )
      const live = yield* exit
      assert.isTrue(live.found)
      assert.deepStrictEqual(live.initial, [{ _tag: "Modify", table: "T", uuid, diff: { n: 1 } }])
    }))
})
