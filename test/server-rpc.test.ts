// The in-memory server's answers to every method, and to requests it must refuse, compared with a
// real ovsdb-server's on the same script of raw requests: errors with their texts, cancel, waits,
// duplicate ids, locks with their notifications, and the messages that end a connection.
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import type { Scope } from "effect"
import type { Json } from "../src/Json.js"
import * as Nb from "../src/models/OVN_Northbound.js"
import * as Server from "../src/server/Server.js"
import { OvsdbServer } from "./support/OvsdbServer.js"
import { assertSameTranscripts, Transcript } from "./support/protocolDiff.js"
import type { RawClient, Received } from "./support/rawClient.js"
import { connectInMemory, connectUnix } from "./support/rawClient.js"

const NB = "OVN_Northbound"
const ZERO = "00000000-0000-0000-0000-000000000000"

/** Requests whose answer is compared, as [method, params]; each on the first client. */
const REQUESTS: ReadonlyArray<readonly [string, ReadonlyArray<Json>]> = [
  ["echo", [1, { a: [2, "x"] }]],
  ["get_server_id", []],
  ["get_schema", ["_Server"]],
  ["get_schema", ["_Server", "an extra param"]],
  ["get_schema", [NB]],
  ["get_schema", ["Nope"]],
  ["get_schema", []],
  ["get_schema", [1]],
  ["frobnicate", []],
  ["cancel", [1]],
  ["convert_nothing", [NB]],
  ["transact", []],
  ["transact", [1]],
  ["transact", ["Nope"]],
  ["transact", [NB]],
  ["transact", [NB, 1]],
  ["transact", ["_Server", { op: "insert", table: "Database", row: { name: "x" } }]],
  ["transact", ["_Server", { op: "select", table: "Database", where: [["name", "==", "x"]] }, {
    op: "mutate",
    table: "Database",
    where: [],
    mutations: []
  }]],
  ["transact", ["_Server", { op: "delete", table: "Database", where: [["nope", "==", 1]] }]],
  ["monitor", [NB, "m", [], 1]],
  ["monitor", [NB, "m", {}, "extra"]],
  ["monitor", [NB, "m", {}]],
  ["monitor", [NB, "m11", { NB_Global: { columns: ["nope"] } }]],
  ["monitor", [NB, "m12", { NB_Global: { columns: ["name"], where: [] } }]],
  ["monitor", [NB, "m13", { NB_Global: { columns: "name" } }]],
  ["monitor", [NB, "m14", { NB_Global: { select: { initial: 1 } } }]],
  ["monitor", [NB, "m15", { NB_Global: { select: { bogus: true } } }]],
  ["monitor", [NB, "m16", { NB_Global: { bogus: true } }]],
  ["monitor", [NB, "m17", { NB_Global: 3 }]],
  ["monitor", [NB, "m18", { NB_Global: { columns: ["_uuid"] } }]],
  ["monitor", [NB, ["m19"], { NB_Global: { columns: [] } }]],
  ["monitor", [NB, "m20", { NB_Global: [{ columns: ["name"] }, { columns: ["nb_cfg"], select: { initial: false } }] }]],
  ["monitor", [NB, "m21", { NB_Global: { columns: ["name", 1] } }]],
  ["monitor", [NB, "m22", { NB_Global: [{ columns: ["name"] }, { columns: ["name"] }] }]],
  ["monitor", [NB, "m23", { Nope: {} }]],
  ["monitor", [1, "m24", {}]],
  ["monitor", ["Nope", "m25", {}]],
  ["monitor_cond_since", [NB, "n", { NB_Global: [{}] }]],
  ["monitor_cond_since", [NB, "n", { NB_Global: [{}] }, "bogus"]],
  ["monitor_cond_since", [NB, "n2", { NB_Global: [{}] }, 5]],
  // _Server keeps no transaction history: not found, and the zero UUID as the last id. (From any
  // other id, ovsdb-server 3.1 crashes: see server.test.ts for the in-memory server's answer.)
  ["monitor_cond_since", ["_Server", "s1", { Database: [{ columns: ["name"], where: [["name", "==", NB]] }] }, ZERO]],
  ["monitor_cond", [NB, "c", { NB_Global: [{ where: [["nb_cfg", "in", 1]] }] }]],
  ["monitor_cond", [NB, "c2", { NB_Global: [{ where: "x" }] }]],
  ["monitor_cond", [NB, "c3", { NB_Global: { where: [] } }]],
  ["monitor_cond", [NB, "c4", { NB_Global: [] }]],
  ["monitor_cond", [NB, "c5", { NB_Global: [{ where: [["nope", "==", 1]] }] }]],
  ["monitor_cond", [NB, "c6", { Logical_Switch: [{ where: [["name", "==", 1]] }] }]],
  ["monitor_cond", [NB, "c7", { Logical_Switch: [{ where: [["name", "includes", "x"], ["ports", ">", 1]] }] }]],
  ["monitor_cancel", []],
  ["monitor_cancel", ["m", "x"]],
  ["monitor_cancel", ["nope"]],
  ["monitor_cancel", [["m19"]]],
  ["monitor_cancel", [["m19"]]],
  ["monitor_cond_change", ["m", "m"]],
  ["monitor_cond_change", ["mX", "m", { NB_Global: [{ where: [] }] }]],
  ["monitor_cond_change", ["m", "m", { NB_Global: [{ where: [] }] }]],
  ["monitor_cond_change", ["c3", "c3", { NB_Global: [{ columns: ["name"], where: [] }] }]],
  ["monitor_cond_change", ["c3", "c3", { NB_Global: { where: [] } }]],
  ["monitor_cond_change", ["c3", "c3", { Logical_Switch: [{ where: [] }] }]],
  ["monitor_cond_change", ["c3", "c3", { Nope: [{ where: [] }] }]],
  ["monitor_cond_change", ["c3", "c3", []]],
  ["monitor_cond_change", ["c3", "c3", { NB_Global: [{ where: [["nope", "==", 1]] }] }]],
  ["monitor_cond_change", ["c3", "c3", { NB_Global: [{ bogus: 1 }] }]],
  ["monitor_cond_change", ["c3", "m", {}]],
  ["monitor_cond_change", ["c3", "c9", {}]],
  ["monitor_cond_change", ["c9", "c9", { NB_Global: [{ where: [false] }] }]],
  ["lock", ["bad name!"]],
  ["lock", ["a", "b"]],
  ["lock", []],
  ["unlock", []],
  ["unlock", ["never"]],
  ["steal", [1]],
  ["set_db_change_aware", []],
  ["set_db_change_aware", ["x"]],
  ["set_db_change_aware", [false]]
]

/** A blocking wait for a row that is not there, on NB's Address_Set. */
const waitFor = (name: string, timeout: number): Json => ({
  op: "wait",
  table: "Address_Set",
  where: [["name", "==", name]],
  columns: ["name"],
  until: "==",
  rows: [{ name }],
  timeout
})

/** What a connection sends before the server closes it, with what arrives before the close. */
const CLOSERS: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
  ["a frame that is not JSON", ["{bad json}"]],
  ["an object that is not a message", ["{\"foo\":1}"]],
  ["an array", ["[1,2,3]"]],
  ["params that are not an array", ["{\"method\":\"echo\",\"params\":{},\"id\":1}"]],
  ["a request without params", ["{\"method\":\"echo\",\"id\":1}"]],
  ["a reply to nothing", ["{\"id\":99,\"result\":[],\"error\":null}"]],
  ["an error reply", ["{\"id\":98,\"result\":null,\"error\":\"x\"}"]]
]

/** Runs the script against one server. */
const script = (connect: Effect.Effect<RawClient, never, Scope.Scope>) =>
  Effect.gen(function*() {
    const transcript = new Transcript()
    const a = yield* connect
    const b = yield* connect
    const record = (step: string, received: ReadonlyArray<Received>) => transcript.record(step, received)
    const call = (client: RawClient, step: string, method: string, params: ReadonlyArray<Json>) =>
      Effect.map(client.call(method, params), (received) => record(step, received))
    const sync = (client: RawClient, step: string) =>
      Effect.map(client.sync, (received) => transcript.record(step, received, true))

    yield* Effect.map(a.call("list_dbs", []), (received) =>
      record(
        "list_dbs, as a set",
        received.map((message) => ({ sorted: [...(message as { result: Array<string> }).result].sort() }))
      ))
    for (const [method, params] of REQUESTS) {
      yield* call(a, `${method} ${JSON.stringify(params)}`, method, params)
    }
    yield* a.send({ method: "frobnicate", params: [], id: null })
    yield* sync(a, "an unknown notification is ignored")

    // Locks across sessions, with their notifications.
    const c = yield* connect
    yield* call(a, "A locks L", "lock", ["L"])
    yield* call(b, "B locks L", "lock", ["L"])
    yield* call(a, "A locks L again", "lock", ["L"])
    yield* call(b, "B asserts L", "transact", [NB, { op: "assert", lock: "L" }])
    yield* call(a, "A asserts L", "transact", [NB, { op: "assert", lock: "L" }, { op: "comment", comment: "owner" }])
    yield* call(c, "C steals L", "steal", ["L"])
    yield* sync(a, "A hears it was stolen")
    yield* call(a, "A asserts L after the steal", "transact", [NB, { op: "assert", lock: "L" }])
    yield* call(c, "C unlocks L", "unlock", ["L"])
    yield* sync(a, "A gets L back")
    yield* sync(b, "B still waits")
    yield* call(b, "B unlocks L while waiting", "unlock", ["L"])
    yield* call(a, "A unlocks L", "unlock", ["L"])
    yield* sync(b, "B gets nothing")

    // Waits, cancel and duplicate ids.
    yield* a.send({ method: "transact", params: [NB, waitFor("later", 60_000)], id: "w1" })
    yield* a.send({ method: "cancel", params: ["w1"], id: null })
    yield* sync(a, "a canceled wait is not answered")
    yield* call(a, "set_db_change_aware true", "set_db_change_aware", [true])
    yield* a.send({ method: "transact", params: [NB, waitFor("later", 60_000)], id: "w2" })
    yield* a.send({ method: "cancel", params: ["w2"], id: null })
    yield* sync(a, "a canceled wait on an aware session")
    yield* a.send({
      method: "transact",
      params: [NB, waitFor("later", 60_000), { op: "comment", comment: "w" }],
      id: "w3"
    })
    yield* call(a, "a transaction with the id of one waiting", "transact", [NB])
    yield* a.send({ method: "transact", params: [NB, { op: "comment", comment: "dup" }], id: "w3" })
    yield* sync(a, "the duplicate id refused")
    yield* a.send({ method: "cancel", params: ["nope"], id: null })
    yield* sync(a, "a cancel of nothing")
    yield* call(b, "B inserts what A waits for", "transact", [NB, {
      op: "insert",
      table: "Address_Set",
      row: { name: "later" }
    }])
    yield* sync(a, "A's wait answered")
    yield* call(a, "a wait that times out", "transact", [NB, waitFor("never", 50)])
    yield* call(a, "a wait with timeout 0", "transact", [NB, waitFor("never", 0)])

    // Messages a server closes the connection for, each on a connection of its own.
    for (const [what, messages] of CLOSERS) {
      const closer = yield* connect
      for (const message of messages) yield* closer.send(message)
      record(what, [yield* closer.next()])
    }
    const polite = yield* connect
    yield* polite.send({ id: "echo", result: [], error: null })
    yield* call(polite, "the answer to the server's own echo is taken", "echo", ["still here"])
    return transcript
  })

/** ovsdb-server writes how long a wait took; the milliseconds differ by the scheduling of each run. */
const stripTimes = (transcript: Transcript) => {
  for (const entry of transcript.entries) {
    ;(entry as { received: ReadonlyArray<Json> }).received = JSON.parse(
      JSON.stringify(entry.received).replace(/timed out after \d+ ms/g, "timed out after N ms")
    )
  }
  return transcript
}

const ours = Layer.effect(Server.Server, Server.make({ databases: [Nb.database.schema] }))

layer(Layer.merge(OvsdbServer.layer({ databases: ["OVN_Northbound"] }), ours), {
  timeout: 120_000,
  excludeTestServices: true
})("the RPC methods compared with ovsdb-server's", (it) => {
  describe("every method, and the requests it refuses", () => {
    it.effect("get the same answers, errors and notifications", () =>
      Effect.gen(function*() {
        const real = yield* OvsdbServer
        const server = yield* Server.Server
        const expected = stripTimes(yield* Effect.scoped(script(connectUnix({ path: real.unixPath }))))
        const actual = stripTimes(yield* Effect.scoped(script(connectInMemory(server))))
        const compared = assertSameTranscripts(expected, actual)
        console.log(`rpc: ${expected.entries.length} steps, ${compared} messages compared`)
        assert.isAtLeast(compared, 100)
      }))
  })
})
