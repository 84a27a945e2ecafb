// The in-memory server in-process, through the test layer: the client stack (Ovsdb over a plain
// connection and over the resilient Session, the Replica) runs unchanged against it; monitors,
// waits, cancel, locks, the transaction history and _Server behave as ovsdb-server's do.
import { assert, describe, it } from "@effect/vitest"
import { Clock, Context, Effect, Exit, Fiber, Layer, Stream } from "effect"
import { TestClock } from "effect/testing"
import * as Codec from "../src/Codec.js"
import type { Json } from "../src/Json.js"
import * as Model from "../src/Model.js"
import * as Vs from "../src/models/Open_vSwitch.js"
import * as Nb from "../src/models/OVN_Northbound.js"
import * as Ovsdb from "../src/Ovsdb.js"
import * as Op from "../src/protocol/Operation.js"
import * as Replica from "../src/Replica.js"
import * as RpcClient from "../src/RpcClient.js"
import { Server } from "../src/server/Server.js"
import * as TestServer from "../src/server/TestServer.js"
import * as Transport from "../src/Transport.js"
import * as Typed from "../src/Typed.js"
import { connectInMemory } from "./support/rawClient.js"

const NB = "OVN_Northbound"

/** A plain connection (the Ovsdb API) to the Server in context, for the current scope. */
const connect = Effect.gen(function*() {
  const context = yield* Layer.build(
    Ovsdb.layerConnection({ remote: "unix:whatever" }).pipe(Layer.provide(TestServer.dialer))
  )
  return Context.get(context, Ovsdb.Ovsdb)
})

const nbServer = TestServer.layerServer({ databases: [Nb.database] })

describe("TestServer.layer", () => {
  it.effect("swaps for Ovsdb.layer: list_dbs, get_schema, typed transactions and selects", () =>
    Effect.gen(function*() {
      const ovsdb = yield* Ovsdb.Ovsdb
      // In ovsdb-server's order (its hash table of databases).
      assert.deepStrictEqual(yield* ovsdb.listDbs, [NB, "_Server", "Open_vSwitch"])
      const schema = yield* ovsdb.getSchema(NB)
      assert.deepStrictEqual(schema, Nb.database.schema)
      const port = Model.named(Nb.Logical_Switch_Port, "p")
      const [, sw] = yield* ovsdb.transact(
        NB,
        Typed.insert(Nb.Logical_Switch_Port, { name: "lsp0", addresses: ["dynamic"] }, { uuidName: port }),
        Typed.insert(Nb.Logical_Switch, { name: "ls0", ports: [port] })
      )
      const [{ rows }] = yield* ovsdb.transact(NB, Typed.select(Nb.Logical_Switch, [["name", "==", "ls0"]]))
      assert.strictEqual(rows.length, 1)
      assert.strictEqual(rows[0]!._uuid.value, sw.uuid.value)
      assert.strictEqual(rows[0]!.ports.length, 1)
      const status = yield* (yield* Ovsdb.Ovsdb).getServerId
      assert.strictEqual(status, (yield* Server).id)
    }).pipe(Effect.provide(TestServer.layer({ databases: [Nb.database, Vs.database] }).pipe(Layer.fresh))))

  it.effect("starts with the rows given, and a seed the server refuses fails the layer", () =>
    Effect.gen(function*() {
      const ovsdb = yield* Ovsdb.Ovsdb
      const [{ rows }] = yield* ovsdb.transact(NB, Op.select("Logical_Switch", [], ["name"]))
      assert.deepStrictEqual(rows, [{ name: "seeded" }])
      const refused = yield* Effect.exit(Layer.build(TestServer.layerServer({
        databases: [Nb.database],
        rows: { [NB]: [Op.insert("Logical_Switch_Port", { name: "orphan", tag_request: 5000 })] }
      })))
      assert.isTrue(Exit.isFailure(refused))
      assert.match(String(refused), /constraint violation/)
    }).pipe(
      Effect.scoped,
      Effect.provide(TestServer.layer({
        databases: [Nb.database],
        rows: { [NB]: [Op.insert("Logical_Switch", { name: "seeded" })] }
      }))
    ))

  it.effect("a monitor through the session sees another connection's commits, in order", () =>
    Effect.gen(function*() {
      const ovsdb = yield* Ovsdb.Ovsdb
      const other = yield* connect
      const live = yield* ovsdb.monitor(NB, { Logical_Switch: { columns: ["name"] } })
      assert.deepStrictEqual(live.initial, [])
      for (const name of ["a", "b", "c"]) yield* other.transact(NB, Op.insert("Logical_Switch", { name }))
      const names = yield* live.updates.pipe(
        Stream.take(3),
        Stream.map((event) =>
          event._tag === "Update" && event.changes[0]?._tag === "Insert" ? event.changes[0].row.name : "?"
        ),
        Stream.runCollect
      )
      assert.deepStrictEqual(names, ["a", "b", "c"])
    }).pipe(
      Effect.scoped,
      Effect.provide(TestServer.layer({ databases: [Nb.database] }).pipe(Layer.provideMerge(nbServer)))
    ))

  it.effect("the replica replicates, indexes and transacts against it", () =>
    Effect.gen(function*() {
      const replica = yield* Replica.make(Nb.database, {
        Logical_Switch: { columns: ["name", "ports"] },
        Logical_Switch_Port: { columns: ["name"] }
      })
      const other = yield* connect
      yield* other.transact(NB, Op.insert("Logical_Switch", { name: "ls1" }))
      yield* replica.sync
      const switches = yield* replica.all("Logical_Switch")
      assert.deepStrictEqual(switches.map((row) => row.name), ["ls1"])
      yield* replica.retry((view) => {
        const ls = view.where("Logical_Switch", [["name", "==", "ls1"]])[0]
        if (ls === undefined) return []
        const port = Model.named(Nb.Logical_Switch_Port, "p")
        return [
          Typed.insert(Nb.Logical_Switch_Port, { name: "ls1-p0" }, { uuidName: port }),
          Typed.mutate(Nb.Logical_Switch, [["_uuid", "==", ls._uuid]], [["ports", "insert", [port]]])
        ]
      })
      const ports = yield* replica.find("Logical_Switch_Port", "name", "ls1-p0")
      assert.strictEqual(ports.length, 1)
      const [ls1] = yield* replica.all("Logical_Switch")
      assert.deepStrictEqual(ls1!.ports.map((ref) => ref.value), [ports[0]!._uuid.value])
    }).pipe(
      Effect.scoped,
      Effect.provide(TestServer.layer({ databases: [Nb.database] }).pipe(Layer.provideMerge(nbServer)))
    ))
})

describe("the other test layers", () => {
  it.effect("layerConnection: one plain connection, as Ovsdb.layerConnection's", () =>
    Effect.gen(function*() {
      const ovsdb = yield* Ovsdb.Ovsdb
      const [{ uuid }] = yield* ovsdb.transact(NB, Op.insert("Address_Set", { name: "a" }))
      const server = yield* Server
      const [selected] = yield* server.transact(NB, [{
        op: "select",
        table: "Address_Set",
        where: [],
        columns: ["_uuid"]
      }])
      assert.deepStrictEqual(selected, { rows: [{ _uuid: ["uuid", uuid.value] }] })
    }).pipe(Effect.provide(TestServer.layerConnection({ databases: [Nb.database] }))))

  it.effect("layerTransport: one in-memory Transport, for a Codec and an RpcClient of one's own", () =>
    Effect.gen(function*() {
      const rpc = yield* RpcClient.RpcClient
      assert.deepStrictEqual(yield* rpc.call("echo", ["hello"]), ["hello"])
      const transport = yield* Transport.Transport
      assert.strictEqual(transport.remote, TestServer.REMOTE)
    }).pipe(
      Effect.provide(
        RpcClient.layer().pipe(
          Layer.provideMerge(Codec.layer()),
          Layer.provideMerge(TestServer.layerTransport),
          Layer.provide(nbServer)
        )
      )
    ))
})

describe("transactions that wait", () => {
  const waitFor = (name: string, timeout?: number) =>
    Op.wait("Logical_Switch", [Op.where("name", "==", name)], ["name"], "==", [{ name }], {
      ...(timeout === undefined ? {} : { timeout })
    })

  it.effect("a wait blocks only its own transaction, until another connection's commit makes it hold", () =>
    Effect.gen(function*() {
      const a = yield* connect
      const b = yield* connect
      const waiting = yield* Effect.forkChild(a.transact(NB, waitFor("later", 60_000), Op.comment("waited")))
      yield* b.transact(NB, Op.insert("Logical_Switch", { name: "other" }))
      assert.isUndefined(waiting.pollUnsafe(), "still waiting after an unrelated commit")
      yield* b.transact(NB, Op.insert("Logical_Switch", { name: "later" }))
      const result = yield* Fiber.join(waiting)
      assert.deepStrictEqual(result, [{}, {}])
    }).pipe(Effect.scoped, Effect.provide(nbServer)))

  it.effect("its timeout passes on the server's clock: TestClock drives it", () =>
    Effect.gen(function*() {
      const a = yield* connect
      const waiting = yield* Effect.forkChild(Effect.result(a.transact(NB, waitFor("never", 1500))))
      yield* TestClock.adjust("1499 millis")
      assert.isUndefined(waiting.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      const outcome = yield* Fiber.join(waiting)
      assert.isTrue(outcome._tag === "Failure" && outcome.failure._tag === "TransactionError")
      assert.strictEqual(
        outcome._tag === "Failure" ? (outcome.failure as { readonly error: string }).error : "",
        "timed out"
      )
    }).pipe(Effect.scoped, Effect.provide(nbServer)))

  it.effect("a timeout of 0 fails at once, however long the request waited to run (\"where\" clause test failed)", () =>
    Effect.gen(function*() {
      const clock = yield* Clock.Clock
      // A busy server: a millisecond goes by at each reading of the clock.
      let ticks = 0
      const busy: Clock.Clock = { ...clock, currentTimeMillisUnsafe: () => clock.currentTimeMillisUnsafe() + ticks++ }
      const outcome = yield* Effect.gen(function*() {
        const a = yield* connect
        return yield* Effect.result(a.transact(NB, waitFor("never", 0)))
      }).pipe(Effect.scoped, Effect.provide(nbServer), Effect.provideService(Clock.Clock, busy))
      assert.isTrue(ticks > 0, "the server read the busy clock")
      assert.deepStrictEqual(
        outcome._tag === "Failure" ? (outcome.failure as { readonly details?: string }).details : outcome,
        "\"where\" clause test failed"
      )
    }))

  it.effect("cancel drops it unanswered, or answers \"canceled\" on a session aware of database changes", () =>
    Effect.gen(function*() {
      const server = yield* Server
      const raw = yield* connectInMemory(server)
      const wait = (id: string) => ({
        method: "transact",
        params: [NB, {
          op: "wait",
          table: "Logical_Switch",
          where: [["name", "==", "never"]],
          columns: ["name"],
          until: "==",
          rows: [{ name: "never" }],
          timeout: 60_000
        }],
        id
      })
      yield* raw.send(wait("w1"))
      yield* raw.send({ method: "cancel", params: ["w1"], id: null })
      assert.deepStrictEqual(yield* raw.sync, [], "no answer to the canceled transaction")
      yield* raw.call("set_db_change_aware", [true])
      yield* raw.send(wait("w2"))
      yield* raw.send({ method: "cancel", params: ["w2"], id: null })
      assert.deepStrictEqual(yield* raw.sync, [{ id: "w2", error: "canceled" }])
    }).pipe(Effect.scoped, Effect.provide(nbServer)))
})

describe("locks", () => {
  it.effect("lock waits, steal robs with a stolen notice, unlock passes the lock on with a locked notice", () =>
    Effect.gen(function*() {
      const server = yield* Server
      const [a, b, c] = [yield* connectInMemory(server), yield* connectInMemory(server), yield* connectInMemory(server)]
      const reply = (received: ReadonlyArray<unknown>) => (received.at(-1) as { readonly result: unknown }).result
      assert.deepStrictEqual(reply(yield* a.call("lock", ["L"])), { locked: true })
      assert.deepStrictEqual(reply(yield* b.call("lock", ["L"])), { locked: false })
      const owner = (raw: typeof a) =>
        Effect.map(raw.call("transact", [NB, { op: "assert", lock: "L" }]), (received) => reply(received))
      assert.deepStrictEqual(yield* owner(a), [{}])
      assert.deepStrictEqual(yield* owner(b), [{ details: "Asserted lock L not held.", error: "not owner" }])
      assert.deepStrictEqual(reply(yield* c.call("steal", ["L"])), { locked: true })
      assert.deepStrictEqual(yield* a.sync, [{ id: null, method: "stolen", params: ["L"] }])
      yield* c.call("unlock", ["L"])
      assert.deepStrictEqual(yield* a.sync, [{ id: null, method: "locked", params: ["L"] }])
      yield* a.call("unlock", ["L"])
      assert.deepStrictEqual(yield* b.sync, [{ id: null, method: "locked", params: ["L"] }])
      assert.deepStrictEqual(yield* owner(b), [{}])
    }).pipe(Effect.scoped, Effect.provide(nbServer)))

  it.effect("a session that ends while holding a lock passes it on", () =>
    Effect.gen(function*() {
      const server = yield* Server
      const b = yield* connectInMemory(server)
      yield* Effect.scoped(Effect.gen(function*() {
        const a = yield* connectInMemory(server)
        yield* a.call("lock", ["L"])
        yield* b.call("lock", ["L"])
      }))
      assert.deepStrictEqual(yield* b.next(), { id: null, method: "locked", params: ["L"] })
    }).pipe(Effect.scoped, Effect.provide(nbServer)))
})

describe("the transaction history", () => {
  it.effect("monitor_cond_since resumes after a known transaction with only what was missed (found), else from scratch", () =>
    Effect.gen(function*() {
      const server = yield* Server
      // Rows elsewhere, so that the history (no more atoms than the database holds) keeps both commits.
      yield* server.transact(
        NB,
        Array.from({ length: 10 }, (_, i) => ({ op: "insert", table: "Address_Set", row: { name: `as${i}` } }))
      )
      const a = yield* connectInMemory(server)
      const b = yield* connectInMemory(server)
      const requests = { Logical_Switch: [{ columns: ["name"] }] }
      const zero = "00000000-0000-0000-0000-000000000000"
      const [first] = yield* a.call("monitor_cond_since", [NB, "m", requests, zero])
      const [found, seeded, contents] = (first as { readonly result: ReadonlyArray<unknown> }).result
      assert.deepStrictEqual([found, contents], [false, {}])
      assert.notStrictEqual(seeded, zero)
      const [inserted] = yield* b.call("transact", [NB, { op: "insert", table: "Logical_Switch", row: { name: "x" } }])
      const uuid = (inserted as { readonly result: ReadonlyArray<{ readonly uuid: [string, string] }> }).result[0]!
        .uuid[1]
      const [update] = yield* a.sync
      const txn = (update as { readonly params: ReadonlyArray<unknown> }).params[1] as string
      assert.deepStrictEqual(update, {
        id: null,
        method: "update3",
        params: ["m", txn, { Logical_Switch: { [uuid]: { insert: { name: "x" } } } }]
      })
      assert.notStrictEqual(txn, zero)
      yield* b.call("transact", [NB, { op: "update", table: "Logical_Switch", where: [], row: { name: "y" } }])
      const last = ((yield* a.sync)[0] as { readonly params: ReadonlyArray<unknown> }).params[1] as string
      const c = yield* connectInMemory(server)
      const [resumed] = yield* c.call("monitor_cond_since", [NB, "m", requests, txn])
      assert.deepStrictEqual((resumed as { readonly result: unknown }).result, [
        true,
        last,
        { Logical_Switch: { [uuid]: { modify: { name: "y" } } } }
      ])
      const [unknown] = yield* c.call("monitor_cond_since", [NB, "n", requests, "11111111-1111-1111-1111-111111111111"])
      assert.deepStrictEqual((unknown as { readonly result: unknown }).result, [
        false,
        last,
        { Logical_Switch: { [uuid]: { initial: { name: "y" } } } }
      ])
    }).pipe(Effect.scoped, Effect.provide(nbServer)))

  it.effect("holds no more atoms than the database: a commit larger than what is left pushes older ones out", () =>
    Effect.gen(function*() {
      const server = yield* Server
      const a = yield* connectInMemory(server)
      const requests = { Logical_Switch: [{ columns: ["name"] }] }
      yield* a.call("monitor_cond_since", [NB, "m", requests, "00000000-0000-0000-0000-000000000000"])
      const commit = (operation: Json) =>
        Effect.map(
          a.call("transact", [NB, operation]),
          (received) => (received[0] as { readonly params: ReadonlyArray<unknown> }).params[1] as string
        )
      const inserted = yield* commit({ op: "insert", table: "Logical_Switch", row: { name: "a" } })
      // The update's atoms (the row before and after) are twice the database's: the insert goes.
      const updated = yield* commit({ op: "update", table: "Logical_Switch", where: [], row: { name: "b" } })
      const found = (id: string) =>
        Effect.map(
          a.call("monitor_cond_since", [NB, id, requests, id]),
          (received) => (received.at(-1) as { readonly result: ReadonlyArray<unknown> }).result[0]
        )
      assert.isFalse(yield* found(inserted))
      assert.isTrue(yield* found(updated), "the last commit always stays")
    }).pipe(Effect.scoped, Effect.provide(nbServer)))

  it.effect("keeps only the last N commits: an older id is not found", () =>
    Effect.gen(function*() {
      const server = yield* Server
      const a = yield* connectInMemory(server)
      const requests = { Logical_Switch: [{ columns: ["name"] }] }
      yield* a.call("monitor_cond_since", [NB, "m", requests, "00000000-0000-0000-0000-000000000000"])
      const ids: Array<string> = []
      for (const name of ["a", "b", "c", "d"]) {
        const received = yield* a.call("transact", [NB, { op: "insert", table: "Logical_Switch", row: { name } }])
        ids.push((received[0] as { readonly params: ReadonlyArray<unknown> }).params[1] as string)
      }
      const found = (id: string) =>
        Effect.map(
          a.call("monitor_cond_since", [NB, id, requests, id]),
          (received) => (received.at(-1) as { readonly result: ReadonlyArray<unknown> }).result[0]
        )
      // A history of two holds the last two commits of four.
      assert.deepStrictEqual(yield* Effect.forEach(ids, found), [false, false, true, true])
    }).pipe(Effect.scoped, Effect.provide(TestServer.layerServer({ databases: [Nb.database], history: 2 }))))

  it.effect("resumes from a transaction out of the history while a monitor of the same columns saw no commit concern them, as ovsdb-server", () =>
    Effect.gen(function*() {
      const server = yield* Server
      const a = yield* connectInMemory(server)
      const b = yield* connectInMemory(server)
      const zero = "00000000-0000-0000-0000-000000000000"
      const result = (received: ReadonlyArray<unknown>) =>
        (received.at(-1) as { readonly result: ReadonlyArray<unknown> }).result
      const names = { Logical_Switch: [{ columns: ["name"] }] }
      // Another session's monitor of the same columns, whatever its condition.
      const conditioned = { Logical_Switch: [{ columns: ["name"], where: [["name", "==", "x"]] }] }
      const start = result(yield* a.call("monitor_cond_since", [NB, "kept", conditioned, zero]))[1] as string
      const commit = (table: string, name: string) => b.call("transact", [NB, { op: "insert", table, row: { name } }])
      // Commits elsewhere push it out of a history of two.
      for (const name of ["a", "b", "c"]) yield* commit("Address_Set", name)
      const resumed = (id: string, requests: Json, since: string) =>
        Effect.map(b.call("monitor_cond_since", [NB, id, requests, since]), (received) => result(received)[0])
      assert.isTrue(yield* resumed("same", names, start), "shared with the kept monitor: found, nothing missed")
      assert.isFalse(yield* resumed("other", { Logical_Switch: [{ columns: ["name", "ports"] }] }, start))
      assert.isFalse(yield* resumed("since-elsewhere", { Address_Set: [{ columns: ["name"] }] }, start))
      // A commit that concerns the shared monitor starts its next change set.
      yield* commit("Logical_Switch", "ls")
      yield* a.sync
      for (const name of ["d", "e", "f"]) yield* commit("Address_Set", name)
      assert.isFalse(yield* resumed("after-change", names, start))
    }).pipe(Effect.scoped, Effect.provide(TestServer.layerServer({ databases: [Nb.database], history: 2 }))))

  it.effect("_Server, and every database with a history of 0, keep none: the zero UUID for every transaction, never found", () =>
    Effect.gen(function*() {
      const server = yield* Server
      const a = yield* connectInMemory(server)
      const zero = "00000000-0000-0000-0000-000000000000"
      const result = (received: ReadonlyArray<unknown>) => (received.at(-1) as { readonly result: unknown }).result
      const databases = { Database: [{ columns: ["name"], where: [["name", "==", NB]] }] }
      for (const [id, since] of [["s1", zero], ["s2", "6c9e7b43-0f1a-4d2e-9b8a-3c5d7e9f1a2b"]] as const) {
        const [found, last, contents] = result(
          yield* a.call("monitor_cond_since", ["_Server", id, databases, since])
        ) as ReadonlyArray<unknown>
        assert.deepStrictEqual([found, last], [false, zero])
        assert.deepStrictEqual(Object.values((contents as { readonly Database: object }).Database), [{
          initial: { name: NB }
        }])
      }
      const requests = { Logical_Switch: [{ columns: ["name"] }] }
      assert.deepStrictEqual(result(yield* a.call("monitor_cond_since", [NB, "m", requests, zero])), [false, zero, {}])
      const [update] = yield* a.call("transact", [NB, { op: "insert", table: "Logical_Switch", row: { name: "a" } }])
      assert.strictEqual((update as { readonly params: ReadonlyArray<unknown> }).params[1], zero)
      assert.deepStrictEqual(
        (result(yield* a.call("monitor_cond_since", [NB, "n", requests, zero])) as ReadonlyArray<unknown>).slice(0, 2),
        [false, zero]
      )
    }).pipe(Effect.scoped, Effect.provide(TestServer.layerServer({ databases: [Nb.database], history: 0 }))))
})

describe("_Server", () => {
  it.effect("describes every database as standalone, and refuses a client's writes", () =>
    Effect.gen(function*() {
      const ovsdb = yield* connect
      const [{ rows }] = yield* ovsdb.transact(
        "_Server",
        Op.select("Database", [], ["name", "model", "connected", "leader", "cid", "sid", "index", "schema"])
      )
      const byName = new Map(rows.map((row) => [row.name as string, row]))
      assert.deepStrictEqual([...byName.keys()].sort(), [NB, "_Server"].sort())
      for (const row of rows) {
        assert.deepStrictEqual(
          { ...row, schema: undefined },
          {
            name: row.name,
            model: "standalone",
            connected: true,
            leader: true,
            cid: [],
            sid: [],
            index: [],
            schema: undefined
          }
        )
      }
      const nbSchema = JSON.parse(byName.get(NB)!.schema as string)
      assert.deepStrictEqual(nbSchema, yield* ovsdb.getSchemaJson(NB))
      const refused = yield* ovsdb.transactJson("_Server", [{ op: "delete", table: "Database", where: [] }])
      assert.deepStrictEqual(refused, [{
        details: "delete operation not allowed on table in reserved database _Server",
        error: "not allowed"
      }])
    }).pipe(Effect.scoped, Effect.provide(nbServer)))
})

describe("misbehaving clients", () => {
  it.effect("a malformed frame, or a reply to nothing, closes that client's connection only", () =>
    Effect.gen(function*() {
      const server = yield* Server
      const good = yield* connectInMemory(server)
      const bad = yield* connectInMemory(server)
      assert.deepStrictEqual((yield* bad.call("echo", [])).at(-1), { id: "raw-1", result: [], error: null })
      yield* bad.send("{bad json}")
      assert.strictEqual(yield* bad.next(), "EOF")
      const rude = yield* connectInMemory(server)
      yield* rude.send({ id: 99, result: [], error: null })
      assert.strictEqual(yield* rude.next(), "EOF")
      const polite = yield* connectInMemory(server)
      yield* polite.send({ id: "echo", result: [], error: null })
      assert.deepStrictEqual((yield* polite.call("echo", ["still here"])).at(-1), {
        id: "raw-1",
        result: ["still here"],
        error: null
      })
      assert.deepStrictEqual((yield* good.call("list_dbs", [])).at(-1), {
        id: "raw-1",
        result: [NB, "_Server"],
        error: null
      })
    }).pipe(Effect.scoped, Effect.provide(nbServer)))
})
