// Typed monitors against a real ovsdb-server with the OVN_Northbound model: initial rows, inserts,
// modifications (old and new rows) and deletions typed by the model, for monitor, monitor_cond
// (with change) and monitor_cond_since (resumed with the rows an earlier monitor had); through the
// resilient session, with a Reset after ovsdb-client convert; and a row the model cannot read,
// a RowDecodeError, whether in the initial rows or in an update.
import { assert, describe, it, layer } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Stream } from "effect"
import type { RowDecodeError } from "../src/Errors.js"
import * as Model from "../src/Model.js"
import * as Nb from "../src/models/OVN_Northbound.js"
import * as Ovsdb from "../src/Ovsdb.js"
import type { DatabaseSchema } from "../src/protocol/DatabaseSchema.js"
import * as Typed from "../src/Typed.js"
import { eventually } from "./support/eventually.js"
import { OvsdbServer, runTool, SCHEMAS } from "./support/OvsdbServer.js"

const NB = "OVN_Northbound"

const TestLayer = Layer.provideMerge(
  Layer.unwrap(OvsdbServer.use((server) => Effect.succeed(Ovsdb.layerConnection({ remote: server.unix })))),
  OvsdbServer.layer({ databases: ["OVN_Northbound"] })
)

/** The next `n` events of a typed monitor, waiting at most a few seconds for them. */
const next = <R>(live: Typed.LiveMonitor<R>, n = 1) =>
  live.updates.pipe(Stream.take(n), Stream.runCollect, Effect.timeout("5 seconds"))

/** Every change of some update events. */
const changesOf = <R>(events: ReadonlyArray<Typed.MonitorEvent<R>>) =>
  events.flatMap((event) => event._tag === "Update" ? event.changes : [])

/** Deletes every switch and port, so that a test starts from an empty table. */
const empty = Ovsdb.Ovsdb.use((ovsdb) =>
  ovsdb.transact(NB, Typed.delete(Nb.Logical_Switch, [true]), Typed.delete(Nb.Logical_Switch_Port, [true]))
)

/** Inserts a port and a switch holding it; returns both UUIDs. */
const insertSwitch = (name: string, port: string) =>
  Ovsdb.Ovsdb.use((ovsdb) =>
    Effect.map(
      ovsdb.transact(
        NB,
        Typed.insert(Nb.Logical_Switch_Port, { name: port }, { uuidName: Model.named(Nb.Logical_Switch_Port, "p") }),
        Typed.insert(Nb.Logical_Switch, {
          name,
          ports: [Model.named(Nb.Logical_Switch_Port, "p")],
          external_ids: new Map([["owner", "tm"]])
        })
      ),
      ([portRow, switchRow]) => ({ port: portRow.uuid, sw: switchRow.uuid })
    )
  )

const byName = (name: string): ReadonlyArray<Typed.Condition<Nb.Logical_Switch>> => [["name", "==", name]]

/** The OVN_Northbound schema, with Logical_Switch.name an integer: the server's names do not fit it. */
const strictSchema: DatabaseSchema = (() => {
  const schema = Nb.database.schema
  const table = schema.tables.Logical_Switch!
  return {
    ...schema,
    tables: {
      ...schema.tables,
      Logical_Switch: {
        ...table,
        columns: {
          ...table.columns,
          name: { ...table.columns.name!, type: { key: { type: "integer" }, min: 1, max: 1 } }
        }
      }
    }
  }
})()

type StrictSwitch = Omit<Nb.Logical_Switch, "name"> & { readonly name: number }

const Strict = Model.database(strictSchema, {
  Logical_Switch: Model.table<"Logical_Switch", StrictSwitch, never>(strictSchema, "Logical_Switch")
})

const ClusteredLayer = Layer.provideMerge(
  Layer.unwrap(OvsdbServer.use((server) => Effect.succeed(Ovsdb.layerConnection({ remote: server.unix })))),
  OvsdbServer.layer({ databases: ["OVN_Northbound"], clustered: true })
)

layer(TestLayer, { timeout: 60_000, excludeTestServices: true })("typed monitors", (it) => {
  it.effect("monitor: initial rows typed by the model, then an insert, a modify with old and new rows, a delete", () =>
    Effect.scoped(Effect.gen(function*() {
      const ovsdb = yield* Ovsdb.Ovsdb
      yield* empty
      const before = yield* insertSwitch("tm-before", "tm-before-p")
      const live = yield* Typed.monitor(ovsdb, Nb.database, {
        Logical_Switch: { columns: ["name", "ports", "external_ids"] }
      })
      assert.deepStrictEqual([...live.initial.Logical_Switch.entries()], [[before.sw.value, {
        _uuid: before.sw,
        name: "tm-before",
        ports: [before.port],
        external_ids: new Map([["owner", "tm"]])
      }]])

      const [{ uuid }] = yield* ovsdb.transact(NB, Typed.insert(Nb.Logical_Switch, { name: "tm-1" }))
      yield* ovsdb.transact(NB, Typed.update(Nb.Logical_Switch, byName("tm-1"), { name: "tm-2" }))
      yield* ovsdb.transact(NB, Typed.delete(Nb.Logical_Switch, byName("tm-2")))
      const [inserted, modified, deleted] = changesOf(yield* next(live, 3))
      const row = { _uuid: uuid, name: "tm-1", ports: [], external_ids: new Map() }
      assert.deepStrictEqual(inserted, { _tag: "Insert", table: "Logical_Switch", uuid, row })
      assert.deepStrictEqual(modified, {
        _tag: "Modify",
        table: "Logical_Switch",
        uuid,
        old: row,
        row: { ...row, name: "tm-2" },
        columns: ["name"]
      })
      assert.deepStrictEqual(deleted, { _tag: "Delete", table: "Logical_Switch", uuid, old: { ...row, name: "tm-2" } })
      // The initial contents are not changed by what came after.
      assert.deepStrictEqual([...live.initial.Logical_Switch.keys()], [before.sw.value])
    })))

  it.effect("monitor_cond: defaults left out of inserts are filled in, diffs applied, change moves the rows", () =>
    Effect.scoped(Effect.gen(function*() {
      const ovsdb = yield* Ovsdb.Ovsdb
      yield* empty
      const a = yield* insertSwitch("tm-a", "tm-a-p")
      const live = yield* Typed.monitorCond(ovsdb, Nb.database, {
        Logical_Switch: { columns: ["name", "ports", "other_config"], where: byName("tm-a") }
      })
      const rowA = { _uuid: a.sw, name: "tm-a", ports: [a.port], other_config: new Map() }
      assert.deepStrictEqual([...live.initial.Logical_Switch.values()], [rowA])

      // A diff of a set (ports) and of a map (other_config), applied to the row the monitor has.
      yield* ovsdb.transact(
        NB,
        Typed.mutate(Nb.Logical_Switch, byName("tm-a"), [["other_config", "insert", new Map([["k", "v"]])]])
      )
      const p2 = Model.named(Nb.Logical_Switch_Port, "p2")
      const [{ uuid: port }] = yield* ovsdb.transact(
        NB,
        Typed.insert(Nb.Logical_Switch_Port, { name: "tm-a-p2" }, { uuidName: p2 }),
        Typed.mutate(Nb.Logical_Switch, byName("tm-a"), [["ports", "insert", [p2]], ["ports", "delete", [a.port]]])
      )
      const [config, ports] = changesOf(yield* next(live, 2))
      const configured = { ...rowA, other_config: new Map([["k", "v"]]) }
      assert.deepStrictEqual(config, {
        _tag: "Modify",
        table: "Logical_Switch",
        uuid: a.sw,
        old: rowA,
        row: configured,
        columns: ["other_config"]
      })
      assert.deepStrictEqual(ports, {
        _tag: "Modify",
        table: "Logical_Switch",
        uuid: a.sw,
        old: configured,
        row: { ...configured, ports: [port] },
        columns: ["ports"]
      })

      // A switch entering the conditions is an insert (its empty columns left out on the wire), one leaving a delete.
      const [{ uuid: b }] = yield* ovsdb.transact(NB, Typed.insert(Nb.Logical_Switch, { name: "tm-b" }))
      yield* live.change({ Logical_Switch: { where: byName("tm-b") } })
      const moved = changesOf(yield* next(live))
      assert.sameDeepMembers([...moved], [
        { _tag: "Delete", table: "Logical_Switch", uuid: a.sw, old: { ...configured, ports: [port] } },
        {
          _tag: "Insert",
          table: "Logical_Switch",
          uuid: b,
          row: { _uuid: b, name: "tm-b", ports: [], other_config: new Map() }
        }
      ])
      // A condition value its column refuses is a ValueError, and nothing is sent.
      const refused = yield* Effect.flip(
        live.change({ Logical_Switch: { where: [["name", "==", 5 as unknown as string]] } })
      )
      assert.strictEqual(refused._tag, "ValueError")
    })))

  it.effect("a row the model cannot read: a RowDecodeError, in the initial rows and in an update", () =>
    Effect.gen(function*() {
      const ovsdb = yield* Ovsdb.Ovsdb
      yield* empty
      const { sw } = yield* insertSwitch("tm-not-a-number", "tm-bad-p")
      const initial = yield* Effect.scoped(Effect.flip(Typed.monitor(ovsdb, Strict, { Logical_Switch: true })))
      assert.strictEqual(initial._tag, "RowDecodeError")
      const expected = {
        database: NB,
        table: "Logical_Switch",
        uuid: sw.value,
        column: "name",
        constraint: "type",
        value: "\"tm-not-a-number\"",
        detail: "expected an integer"
      }
      const fields = (error: RowDecodeError) => ({
        database: error.database,
        table: error.table,
        uuid: error.uuid,
        column: error.column,
        constraint: error.constraint,
        value: error.value,
        detail: error.detail
      })
      assert.deepStrictEqual(fields(initial as RowDecodeError), expected)

      // No row at first; the switch that then enters the conditions fails the stream.
      const tagged = new Map([["decode", "me"]])
      const exit = yield* Effect.scoped(Effect.gen(function*() {
        const live = yield* Typed.monitorCond(ovsdb, Strict, {
          Logical_Switch: { where: [["external_ids", "includes", tagged]] }
        })
        assert.strictEqual(live.initial.Logical_Switch.size, 0)
        const [{ uuid }] = yield* ovsdb.transact(
          NB,
          Typed.insert(Nb.Logical_Switch, { name: "tm-late", external_ids: tagged })
        )
        const ended = yield* Effect.exit(next(live))
        return { ended, uuid }
      }))
      assert.isTrue(Exit.isFailure(exit.ended))
      const failure = yield* Effect.flip(exit.ended)
      assert.strictEqual(failure._tag, "RowDecodeError")
      assert.deepStrictEqual(fields(failure as RowDecodeError), {
        ...expected,
        uuid: exit.uuid.value,
        value: "\"tm-late\""
      })
    }))
})

// ovsdb-server keeps the transaction history monitor_cond_since resumes from for clustered databases only.
layer(ClusteredLayer, { timeout: 60_000, excludeTestServices: true })("typed monitor_cond_since", (it) => {
  it.effect("monitor_cond_since: resumed with the rows and id an earlier monitor reached, the changes missed come typed", () =>
    Effect.gen(function*() {
      const ovsdb = yield* Ovsdb.Ovsdb
      // A one-member cluster elects itself within moments; until then writes wait. ovsdb-server
      // drops history holding more atoms than the database: the switches hold enough for ours.
      yield* ovsdb.transact(
        NB,
        ...Array.from({ length: 20 }, (_, i) =>
          Typed.insert(Nb.Logical_Switch, {
            name: `tm-filler-${i}`,
            external_ids: new Map(Array.from({ length: 5 }, (_, k) => [`k${k}`, `v${k}`]))
          }))
      ).pipe(Effect.timeout("10 seconds"))
      const kept = yield* insertSwitch("tm-kept", "tm-kept-p")
      const gone = yield* insertSwitch("tm-gone", "tm-gone-p")
      const choice = {
        Logical_Switch: {
          columns: ["name", "external_ids"],
          where: [...byName("tm-kept"), ...byName("tm-gone"), ...byName("tm-added")]
        }
      } as const
      const reached = yield* Effect.scoped(Effect.gen(function*() {
        const first = yield* Typed.monitorCondSince(ovsdb, Nb.database, choice)
        assert.isFalse(first.found)
        assert.deepStrictEqual(first.missed, [])
        assert.deepStrictEqual([...first.initial.Logical_Switch.keys()].sort(), [kept.sw.value, gone.sw.value].sort())
        return { lastTxnId: first.lastTxnId, rows: first.initial }
      }))

      // Changed while no monitor was open.
      const [{ uuid: added }] = yield* ovsdb.transact(NB, Typed.insert(Nb.Logical_Switch, { name: "tm-added" }))
      yield* ovsdb.transact(
        NB,
        Typed.mutate(Nb.Logical_Switch, byName("tm-kept"), [["external_ids", "insert", new Map([["seen", "no"]])]])
      )
      yield* ovsdb.transact(NB, Typed.delete(Nb.Logical_Switch, byName("tm-gone")))

      yield* Effect.scoped(Effect.gen(function*() {
        const resumed = yield* Typed.monitorCondSince(ovsdb, Nb.database, choice, reached)
        assert.isTrue(resumed.found)
        const keptRow = reached.rows.Logical_Switch.get(kept.sw.value)!
        // One table-updates object for all of them: in the server's order of rows, not of transactions.
        assert.sameDeepMembers([...resumed.missed], [
          {
            _tag: "Insert",
            table: "Logical_Switch",
            uuid: added,
            row: { _uuid: added, name: "tm-added", external_ids: new Map() }
          },
          {
            _tag: "Modify",
            table: "Logical_Switch",
            uuid: kept.sw,
            old: keptRow,
            row: { ...keptRow, external_ids: new Map([["owner", "tm"], ["seen", "no"]]) },
            columns: ["external_ids"]
          },
          {
            _tag: "Delete",
            table: "Logical_Switch",
            uuid: gone.sw,
            old: reached.rows.Logical_Switch.get(gone.sw.value)!
          }
        ])
        // What the resumed monitor has is what a fresh one reads.
        const fresh = yield* Typed.monitorCondSince(ovsdb, Nb.database, choice)
        assert.deepStrictEqual(resumed.initial, fresh.initial)
        // The rows given are left as they were.
        assert.deepStrictEqual([...reached.rows.Logical_Switch.keys()].sort(), [kept.sw.value, gone.sw.value].sort())
      }))
    }))
})

describe("typed monitors through the resilient session", () => {
  it.live(
    "Ovsdb.layer: typed changes, then a Reset with the rows read again after ovsdb-client convert",
    () =>
      Effect.gen(function*() {
        const server = yield* OvsdbServer.start({ databases: ["OVN_Northbound"] })
        const context = yield* Layer.build(Ovsdb.layer({ remote: server.unix, database: NB }))
        const ovsdb = Context.get(context, Ovsdb.Ovsdb)
        const [{ uuid: first }] = yield* ovsdb.transact(NB, Typed.insert(Nb.Logical_Switch, { name: "s-1" }))
        const live = yield* Typed.monitor(ovsdb, Nb.database, { Logical_Switch: { columns: ["name", "ports"] } })
        assert.deepStrictEqual([...live.initial.Logical_Switch.values()], [{ _uuid: first, name: "s-1", ports: [] }])

        const events: Array<Stream.Success<typeof live.updates>> = []
        yield* live.updates.pipe(Stream.runForEach((event) => Effect.sync(() => events.push(event))), Effect.forkScoped)
        const [{ uuid: second }] = yield* ovsdb.transact(NB, Typed.insert(Nb.Logical_Switch, { name: "s-2" }))
        yield* ovsdb.transact(NB, Typed.update(Nb.Logical_Switch, byName("s-1"), { name: "s-1b" }))
        yield* eventually("the insert and the modify", Effect.sync(() => changesOf(events).length >= 2), 10)
        assert.deepStrictEqual(changesOf(events), [
          { _tag: "Insert", table: "Logical_Switch", uuid: second, row: { _uuid: second, name: "s-2", ports: [] } },
          {
            _tag: "Modify",
            table: "Logical_Switch",
            uuid: first,
            old: { _uuid: first, name: "s-1", ports: [] },
            row: { _uuid: first, name: "s-1b", ports: [] },
            columns: ["name"]
          }
        ])

        // The server cancels the monitor when it converts the database; the session reads the rows again.
        yield* runTool("ovsdb-client", ["convert", server.unix, SCHEMAS[NB]])
        yield* eventually("the reset", Effect.sync(() => events.some((event) => event._tag === "Reset")), 20)
        const resets = events.flatMap((event) => event._tag === "Reset" ? [event] : [])
        assert.strictEqual(resets.length, 1)
        assert.match(resets[0]!.reason, /canceled/)
        assert.deepStrictEqual(
          [...resets[0]!.rows.Logical_Switch.values()].sort((x, y) => x.name.localeCompare(y.name)),
          [{ _uuid: first, name: "s-1b", ports: [] }, { _uuid: second, name: "s-2", ports: [] }]
        )

        // And it streams on from the new contents: a delete gives the row as it was read again.
        yield* ovsdb.transact(NB, Typed.delete(Nb.Logical_Switch, byName("s-2")))
        yield* eventually(
          "the delete after the reset",
          Effect.sync(() => changesOf(events).some((change) => change._tag === "Delete")),
          10
        )
        assert.deepStrictEqual(changesOf(events).at(-1), {
          _tag: "Delete",
          table: "Logical_Switch",
          uuid: second,
          old: { _uuid: second, name: "s-2", ports: [] }
        })
      }).pipe(Effect.scoped),
    60_000
  )
})
