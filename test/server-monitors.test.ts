// Monitors compared with ovsdb-server's: the same monitors (monitor, monitor_cond with conditions
// and condition changes, monitor_cond_since found and not found), the same transactions, and every
// message each server sent, compared after naming UUIDs (see support/protocolDiff). The real server
// is a one-member cluster, so that it keeps the transaction history monitor_cond_since resumes from.
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

const named = (name: string): Json => ["named-uuid", name]
const set = (...items: ReadonlyArray<Json>): Json => ["set", items]
const map = (...pairs: ReadonlyArray<readonly [string, string]>): Json => ["map", pairs]
const byName = (name: string): Json => [["name", "==", name]]

/** The transactions of the scenario, one list of operations each. */
const TRANSACTIONS: ReadonlyArray<readonly [string, ReadonlyArray<Json>]> = [
  // Enough rows that the history (no more atoms than the database holds) keeps the last several commits.
  [
    "forty address sets",
    Array.from({ length: 40 }, (_, i) => ({
      op: "insert",
      table: "Address_Set",
      row: { name: `bulk${i}`, addresses: set(...Array.from({ length: 8 }, (_, j) => `10.${i}.0.${j}`)) }
    }))
  ],
  ["a switch with a port", [
    { op: "insert", table: "Logical_Switch_Port", "uuid-name": "p1", row: { name: "p1", addresses: set("dynamic") } },
    {
      op: "insert",
      table: "Logical_Switch",
      row: { name: "ls1", ports: named("p1"), other_config: map(["a", "1"]) }
    }
  ]],
  ["two more switches", [
    { op: "insert", table: "Logical_Switch", row: { name: "ls2" } },
    { op: "insert", table: "Logical_Switch", row: { name: "ls3", external_ids: map(["owner", "x"]) } }
  ]],
  ["a map gains a key", [
    { op: "update", table: "Logical_Switch", where: byName("ls1"), row: { other_config: map(["a", "1"], ["b", "2"]) } }
  ]],
  ["a map changes a value", [
    { op: "update", table: "Logical_Switch", where: byName("ls3"), row: { external_ids: map(["owner", "y"]) } }
  ]],
  ["ports added to a switch by mutation", [
    { op: "insert", table: "Logical_Switch_Port", "uuid-name": "p2", row: { name: "p2", addresses: set("router") } },
    {
      op: "insert",
      table: "Logical_Switch_Port",
      "uuid-name": "p3",
      row: { name: "p3", addresses: set("dynamic", "00:00:00:00:00:01"), tag_request: 7 }
    },
    {
      op: "mutate",
      table: "Logical_Switch",
      where: byName("ls2"),
      mutations: [["ports", "insert", set(named("p2"), named("p3"))]]
    }
  ]],
  ["a column only one request watches", [
    { op: "update", table: "Logical_Switch_Port", where: byName("p1"), row: { type: "router" } }
  ]],
  ["a port leaves a condition", [
    { op: "update", table: "Logical_Switch_Port", where: byName("p1"), row: { addresses: set() } }
  ]],
  ["an optional column emptied and set", [
    { op: "update", table: "Logical_Switch_Port", where: byName("p3"), row: { tag_request: set() } },
    { op: "update", table: "Logical_Switch_Port", where: byName("p2"), row: { tag_request: 9 } }
  ]],
  ["a port garbage-collected", [
    { op: "mutate", table: "Logical_Switch", where: byName("ls2"), mutations: [["ports", "delete", set(named("x"))]] },
    { op: "insert", table: "Logical_Switch_Port", "uuid-name": "x", row: { name: "unused" } }
  ]],
  ["a switch renamed out of a condition", [
    { op: "update", table: "Logical_Switch", where: byName("ls2"), row: { name: "lsX" } }
  ]],
  ["and back into it", [
    { op: "update", table: "Logical_Switch", where: byName("lsX"), row: { name: "ls2" } }
  ]],
  ["address sets", [
    {
      op: "insert",
      table: "Address_Set",
      row: { name: "as1", addresses: set("10.0.0.1"), external_ids: map(["owner", "a"]) }
    },
    { op: "insert", table: "Address_Set", row: { name: "as2", external_ids: map(["owner", "b"]) } }
  ]],
  ["a set's symmetric difference", [
    {
      op: "mutate",
      table: "Address_Set",
      where: byName("as1"),
      mutations: [["addresses", "insert", set("10.0.0.2", "10.0.0.3")], ["addresses", "delete", "10.0.0.1"]]
    }
  ]],
  ["a row moves into a map condition", [
    { op: "update", table: "Address_Set", where: byName("as2"), row: { external_ids: map(["owner", "a"]) } }
  ]],
  ["a router with a NAT", [
    {
      op: "insert",
      table: "NAT",
      "uuid-name": "n",
      row: { type: "snat", external_ip: "1.1.1.1", logical_ip: "10.0.0.0/24" }
    },
    {
      op: "insert",
      table: "Logical_Router",
      row: { name: "lr1", enabled: true, options: map(["x", "1"]), nat: named("n") }
    }
  ]],
  ["an optional boolean emptied", [
    { op: "update", table: "Logical_Router", where: byName("lr1"), row: { enabled: set() } }
  ]],
  ["and set to false", [
    { op: "update", table: "Logical_Router", where: byName("lr1"), row: { enabled: false } }
  ]],
  ["ACLs", [
    {
      op: "insert",
      table: "ACL",
      "uuid-name": "a1",
      row: { priority: 200, direction: "to-lport", match: "ip4", action: "drop" }
    },
    {
      op: "insert",
      table: "ACL",
      "uuid-name": "a2",
      row: { priority: 50, direction: "from-lport", match: "ip6", action: "allow" }
    },
    {
      op: "mutate",
      table: "Logical_Switch",
      where: byName("ls1"),
      mutations: [["acls", "insert", set(named("a1"), named("a2"))]]
    }
  ]],
  ["an ACL leaves a condition", [
    { op: "update", table: "ACL", where: [["priority", "==", 200]], row: { priority: 90 } }
  ]],
  ["a transaction that fails", [
    { op: "insert", table: "Logical_Switch", row: { name: "never" } },
    { op: "update", table: "Logical_Switch_Port", where: byName("p2"), row: { tag_request: 5000 } }
  ]],
  ["a transaction that changes nothing", [
    { op: "update", table: "Logical_Switch", where: byName("ls1"), row: { name: "ls1" } },
    { op: "select", table: "Logical_Switch", where: byName("ls1"), columns: ["name"] },
    { op: "comment", comment: "nothing" }
  ]],
  ["many rows in one transaction", [
    { op: "insert", table: "Address_Set", row: { name: "as3", addresses: set("1", "2", "3") } },
    {
      op: "update",
      table: "Address_Set",
      where: [["name", "!=", "bulk0"], ["addresses", "excludes", "10.1.0.1"], ["name", "<=", "as9"]],
      row: { external_ids: map(["owner", "a"], ["k", "v"]) }
    },
    { op: "delete", table: "Address_Set", where: byName("as2") }
  ]],
  ["a switch deleted with its ports and ACLs", [
    { op: "delete", table: "Logical_Switch", where: byName("ls1") }
  ]],
  ["an insert and a delete of the same row", [
    { op: "insert", table: "Logical_Switch", row: { name: "brief" } },
    { op: "delete", table: "Logical_Switch", where: byName("brief") }
  ]]
]

/** The monitors the scenario opens, before the transactions. */
const MONITORS: ReadonlyArray<readonly [method: string, id: string, requests: Json]> = [
  ["monitor", "m-default", { Logical_Switch: {}, Logical_Switch_Port: {} }],
  ["monitor", "m-select", {
    Logical_Switch: { columns: ["name", "ports", "other_config"] },
    Logical_Switch_Port: [
      { columns: ["name", "addresses", "tag_request"], select: { modify: false } },
      { columns: ["type"], select: { initial: false, insert: false, delete: true, modify: true } }
    ],
    Address_Set: { columns: ["name", "addresses", "external_ids"], select: { insert: false } }
  }],
  ["monitor", "m-uuid", { Logical_Switch: { columns: ["_uuid", "name"] }, Address_Set: { columns: [] } }],
  ["monitor_cond", "c-or", {
    Logical_Switch: [{
      columns: ["name", "ports", "other_config", "external_ids"],
      where: [["name", "==", "ls1"], ["name", "==", "ls2"]]
    }],
    Logical_Switch_Port: [{ where: [["addresses", "includes", "dynamic"]] }]
  }],
  ["monitor_cond", "c-map", {
    Address_Set: [{ where: [["external_ids", "includes", map(["owner", "a"])]] }]
  }],
  ["monitor_cond", "c-bool", {
    Logical_Router: [{ columns: ["name", "enabled", "options", "nat"], where: [true] }],
    NAT: [{ where: [false] }]
  }],
  ["monitor_cond", "c-select", {
    ACL: [{ columns: ["priority", "action", "match"], where: [["priority", ">", 100]], select: { initial: false } }]
  }],
  ["monitor_cond_since", "s-all", {
    Logical_Switch: [{ columns: ["name", "ports"] }],
    Logical_Switch_Port: [{ columns: ["name", "addresses", "tag_request"], where: [["tag_request", "!=", 7]] }],
    Address_Set: [{}]
  }]
]

/** Condition changes, made after the transaction of that index. */
const CONDITION_CHANGES: ReadonlyArray<readonly [after: number, params: ReadonlyArray<Json>]> = [
  [11, ["c-or", "c-or2", {
    Logical_Switch: [{ where: [["name", "==", "ls3"]] }],
    Logical_Switch_Port: [{ where: [true] }]
  }]],
  [14, ["c-map", "c-map", { Address_Set: [{ where: [true] }] }]],
  [15, ["c-bool", "c-bool", { NAT: [{ where: [["type", "==", "snat"]] }], Logical_Router: [{ where: [false] }] }]],
  [16, ["m-default", "m-default", { Logical_Switch: [{ where: [] }] }]],
  [17, ["s-all", "s-all", { Logical_Switch: [{ where: [["name", "==", "ls2"]] }] }]],
  [19, ["c-select", "c-select", { ACL: [{ where: [["priority", "<", 100]] }] }]]
]

const WATCH = {
  Logical_Switch: [{}],
  Logical_Switch_Port: [{}],
  Address_Set: [{}],
  Logical_Router: [{}],
  NAT: [{}],
  ACL: [{}]
}

/** Runs the scenario against one server; returns what it received, step by step. */
const scenario = (connect: Effect.Effect<RawClient, never, Scope.Scope>) =>
  Effect.gen(function*() {
    const transcript = new Transcript()
    const names = transcript.names
    /** Learns the transaction ids a message names (update3, monitor_cond_since replies), in order. */
    const learn = (received: ReadonlyArray<Received>) => {
      for (const message of received) {
        if (typeof message !== "object" || message === null || Array.isArray(message)) continue
        const record = message as { readonly [key: string]: Json }
        if (record.method === "update3") names.learnTransaction((record.params as ReadonlyArray<string>)[1]!)
        const result = record.result
        if (Array.isArray(result) && result.length === 3 && typeof result[0] === "boolean") {
          names.learnTransaction(result[1] as string)
        }
      }
      return received
    }
    const call = (client: RawClient, step: string, method: string, params: ReadonlyArray<Json>) =>
      Effect.map(client.call(method, params), (received) => transcript.record(step, learn(received)))
    const monitors = yield* connect
    const writer = yield* connect
    const sync = (step: string) =>
      Effect.map(monitors.sync, (received) => transcript.record(step, learn(received), true))

    yield* call(monitors, "watch", "monitor_cond_since", [NB, "watch", WATCH, ZERO])
    // Before any commit, the last transaction is the database's creation, and it can be resumed from.
    const early = yield* connect
    const created = names.transactionIds[0]!
    yield* call(early, "resume after creation", "monitor_cond_since", [NB, "early", { Logical_Switch: [{}] }, created])
    yield* call(early, "cancel early", "monitor_cancel", ["early"])
    for (const [method, id, requests] of MONITORS) {
      yield* call(monitors, `${method} ${id}`, method, [
        NB,
        id,
        requests,
        ...(method === "monitor_cond_since" ? [ZERO] : [])
      ])
    }
    for (const [i, [what, operations]] of TRANSACTIONS.entries()) {
      yield* call(writer, `transaction ${i}: ${what}`, "transact", [NB, ...operations])
      yield* sync(`updates of transaction ${i}`)
      for (const [after, params] of CONDITION_CHANGES) {
        if (after === i) yield* call(monitors, `change ${JSON.stringify(params[0])}`, "monitor_cond_change", params)
      }
      if (i === 20) {
        yield* call(monitors, "cancel m-select", "monitor_cancel", ["m-select"])
        yield* call(monitors, "cancel it again", "monitor_cancel", ["m-select"])
      }
    }
    // Resuming: after a transaction the history holds, after the last, after one it never had, from zero.
    const resumer = yield* connect
    const requests = { Logical_Switch: [{ columns: ["name", "ports"] }], Address_Set: [{}], ACL: [{}] }
    const ids = names.transactionIds
    const resumeFrom: ReadonlyArray<readonly [string, string]> = [
      ["five transactions ago", ids[ids.length - 6]!],
      ["the one before the ACLs", ids[ids.length - 8]!],
      ["the last transaction", ids[ids.length - 1]!],
      ["an unknown transaction", "11111111-1111-1111-1111-111111111111"],
      ["zero", ZERO]
    ]
    for (const [i, [what, id]] of resumeFrom.entries()) {
      yield* call(resumer, `resume after ${what}`, "monitor_cond_since", [NB, `r${i}`, requests, id])
    }
    yield* call(writer, "a last change", "transact", [NB, {
      op: "insert",
      table: "Address_Set",
      row: { name: "last" }
    }])
    yield* Effect.map(
      resumer.sync,
      (received) => transcript.record("the resumed monitors' updates", learn(received), true)
    )
    return transcript
  })

const ours = Layer.effect(Server.Server, Server.make({ databases: [Nb.database.schema] }))

layer(
  Layer.merge(OvsdbServer.layer({ databases: ["OVN_Northbound"], clustered: true }), ours),
  { timeout: 120_000, excludeTestServices: true }
)("monitors compared with ovsdb-server's", (it) => {
  describe("monitor, monitor_cond and monitor_cond_since", () => {
    it.effect("send the same updates for the same transactions and condition changes", () =>
      Effect.gen(function*() {
        const real = yield* OvsdbServer
        const server = yield* Server.Server
        const expected = yield* Effect.scoped(scenario(connectUnix({ path: real.unixPath })))
        const actual = yield* Effect.scoped(scenario(connectInMemory(server)))
        const compared = assertSameTranscripts(expected, actual)
        // The resumes include both outcomes: ovsdb-server found the first four and not the others.
        const found = expected.entries.filter((entry) => entry.step.startsWith("resume after")).map((entry) =>
          (entry.received[0] as { readonly result: ReadonlyArray<Json> }).result[0]
        )
        assert.deepStrictEqual(found, [true, true, true, true, false, false])
        console.log(`monitors: ${expected.entries.length} steps, ${compared} messages compared`)
        assert.isAtLeast(compared, 130)
      }))

    it.effect("name the fault ovsdb-server names of a request with several (its hash order of tables)", () =>
      Effect.gen(function*() {
        const real = yield* OvsdbServer
        const server = yield* Server.Server
        const requests = {
          Logical_Switch: { columns: ["name", "no_such_column"] },
          No_Such_Table: {},
          ACL: { columns: ["priority", "no_such_column"] },
          Address_Set: {},
          NAT: { columns: ["nope"] }
        }
        const ask = (
          connect: Effect.Effect<RawClient, never, Scope.Scope>,
          method: string,
          params: ReadonlyArray<Json>
        ) => Effect.scoped(Effect.flatMap(connect, (client) => client.call(method, params)))
        for (
          const [method, params] of [
            ["monitor", [NB, "bad", requests]],
            ["monitor_cond", [NB, "bad", { ...requests, Logical_Switch: [{ where: [["nope", "==", 1]] }] }]]
          ] as const
        ) {
          const expected = yield* ask(connectUnix({ path: real.unixPath }), method, params)
          const actual = yield* ask(connectInMemory(server), method, params)
          assert.deepStrictEqual(actual, expected, method)
        }
      }))
  })
})
