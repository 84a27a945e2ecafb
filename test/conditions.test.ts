// Conditions against a real ovsdb-server: `true` and `false` (Op.always, Op.never) among them, and how
// a list combines its conditions: every one must hold in a transaction's where (a conjunction), any
// one in a monitor's (a disjunction), where `[]` watches every row.
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import { TransactionError } from "../src/Errors.js"
import { Address_Set } from "../src/models/OVN_Northbound.js"
import * as Ovsdb from "../src/Ovsdb.js"
import type * as Monitor from "../src/protocol/Monitor.js"
import * as Op from "../src/protocol/Operation.js"
import * as Typed from "../src/Typed.js"
import { OvsdbServer } from "./support/OvsdbServer.js"

const NB = "OVN_Northbound"

const TestLayer = Layer.provideMerge(
  Layer.unwrap(OvsdbServer.use((server) => Effect.succeed(Ovsdb.layer({ remote: server.unix })))),
  OvsdbServer.layer()
)

/** The next update of a monitor, waiting at most a few seconds for it. */
const next = (monitor: Ovsdb.LiveMonitor) =>
  monitor.updates.pipe(Stream.take(1), Stream.runCollect, Effect.timeout("5 seconds"), Effect.map(([u]) => u!.changes))

/** Four address sets named `${prefix}-x` (holds `one`), `-y` (both), `-z` (`two`), `-w` (neither). */
const insertFour = (prefix: string, one: string, two: string) =>
  Ovsdb.Ovsdb.use((ovsdb) =>
    ovsdb.transact(
      NB,
      Op.insert("Address_Set", { name: `${prefix}-x`, addresses: [one], external_ids: new Map([["test", prefix]]) }),
      Op.insert("Address_Set", {
        name: `${prefix}-y`,
        addresses: [one, two],
        external_ids: new Map([["test", prefix]])
      }),
      Op.insert("Address_Set", { name: `${prefix}-z`, addresses: [two], external_ids: new Map([["test", prefix]]) }),
      Op.insert("Address_Set", { name: `${prefix}-w`, addresses: [], external_ids: new Map([["test", prefix]]) })
    )
  )

/** The names `select` finds with these conditions, sorted. */
const namesWhere = (conditions: ReadonlyArray<Op.Condition>) =>
  Ovsdb.Ovsdb.use((ovsdb) => ovsdb.transact(NB, Op.select("Address_Set", conditions, ["name"]))).pipe(
    Effect.map(([{ rows }]) => rows.map((row) => String(row.name)).sort())
  )

/** The names of a monitor's rows, sorted. */
const namesOf = (changes: ReadonlyArray<Monitor.RowUpdate>) =>
  changes.map((change) => change._tag === "Initial" || change._tag === "Insert" ? String(change.row.name) : "")
    .sort()

const uuidsOf = (changes: ReadonlyArray<Monitor.RowUpdate>) => changes.map((change) => change.uuid.value).sort()

/** The UUIDs of every Address_Set row, sorted. */
const everyRow = Ovsdb.Ovsdb.use((ovsdb) => ovsdb.transact(NB, Op.select("Address_Set", [], ["_uuid"]))).pipe(
  Effect.map(([{ rows }]) => rows.map((row) => String(row._uuid)).sort())
)

layer(TestLayer, { timeout: 60_000, excludeTestServices: true })("conditions", (it) => {
  describe("in a transaction, every condition must hold (a conjunction)", () => {
    it.effect("select, update, mutate, wait and delete take the rows matching all; always changes nothing, never matches none", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        yield* insertFour("and", "10.0.0.1", "10.0.0.2")
        const mine = Op.where("external_ids", "includes", new Map([["test", "and"]]))
        const one = Op.where("addresses", "includes", ["10.0.0.1"])
        const two = Op.where("addresses", "includes", ["10.0.0.2"])

        assert.deepStrictEqual(yield* namesWhere([mine, one, two]), ["and-y"])
        assert.deepStrictEqual(yield* namesWhere([mine, one, two, Op.always]), ["and-y"])
        assert.deepStrictEqual(yield* namesWhere([mine, Op.always]), ["and-w", "and-x", "and-y", "and-z"])
        assert.deepStrictEqual(yield* namesWhere([mine, one, Op.never]), [])
        assert.deepStrictEqual(yield* namesWhere([Op.never]), [])
        assert.deepStrictEqual(yield* namesWhere([Op.always]), yield* namesWhere([]))

        const [updated, noneUpdated, mutated] = yield* ovsdb.transact(
          NB,
          Op.update("Address_Set", [mine, one, two, Op.always], {
            external_ids: new Map([["test", "and"], ["hit", "u"]])
          }),
          Op.update("Address_Set", [mine, Op.never], { external_ids: new Map() }),
          Op.mutate("Address_Set", [mine, two, Op.always], [
            Op.mutation("external_ids", "insert", new Map([["m", "1"]]))
          ])
        )
        assert.deepStrictEqual([updated.count, noneUpdated.count, mutated.count], [1, 0, 2])
        const hit = Op.where("external_ids", "includes", new Map([["hit", "u"]]))
        assert.deepStrictEqual(yield* namesWhere([mine, hit]), ["and-y"])

        // wait compares the rows matching every condition: only and-y matches both addresses.
        yield* ovsdb.transact(
          NB,
          Op.wait("Address_Set", [mine, one, two, Op.always], ["name"], "==", [{ name: "and-y" }], {
            timeout: 0
          })
        )
        const timedOut = yield* ovsdb.transact(
          NB,
          Op.wait("Address_Set", [mine, one], ["name"], "==", [{ name: "and-y" }], { timeout: 0 })
        ).pipe(Effect.flip)
        assert.instanceOf(timedOut, TransactionError)
        assert.strictEqual((timedOut as TransactionError).error, "timed out")

        // Typed conditions take booleans too.
        const [typed, typedNone] = yield* ovsdb.transact(
          NB,
          Typed.select(Address_Set, [true, ["name", "==", "and-x"]], ["name"]),
          Typed.select(Address_Set, [["name", "==", "and-x"], Op.never], ["name"])
        )
        assert.deepStrictEqual(typed.rows, [{ name: "and-x" }])
        assert.deepStrictEqual(typedNone.rows, [])

        const [noneDeleted, deleted, rest] = yield* ovsdb.transact(
          NB,
          Op.delete("Address_Set", [mine, Op.never]),
          Op.delete("Address_Set", [mine, one, two]),
          Typed.delete(Address_Set, [["external_ids", "includes", new Map([["test", "and"]])], Op.always])
        )
        assert.deepStrictEqual([noneDeleted.count, deleted.count, rest.count], [0, 1, 3])
      }))
  })

  describe("in a monitor, any condition may hold (a disjunction)", () => {
    it.effect("monitor_cond watches the rows matching any condition, where select takes those matching all", () =>
      Effect.scoped(Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        yield* insertFour("or", "10.1.0.1", "10.1.0.2")
        const one = Op.where("addresses", "includes", ["10.1.0.1"])
        const two = Op.where("addresses", "includes", ["10.1.0.2"])
        const either = yield* ovsdb.monitorCond(NB, { Address_Set: { columns: ["name"], where: [one, two] } })
        assert.deepStrictEqual(namesOf(either.initial), ["or-x", "or-y", "or-z"])
        assert.deepStrictEqual(yield* namesWhere([one, two]), ["or-y"])

        const oneOrNever = yield* ovsdb.monitorCond(NB, { Address_Set: { columns: ["name"], where: [one, Op.never] } })
        assert.deepStrictEqual(namesOf(oneOrNever.initial), ["or-x", "or-y"])
        const oneOrAlways = yield* ovsdb.monitorCond(NB, {
          Address_Set: { columns: ["name"], where: [one, Op.always] }
        })
        assert.deepStrictEqual(uuidsOf(oneOrAlways.initial), yield* everyRow)

        // Of two rows inserted together, the monitor reports the one matching a condition.
        const [{ uuid }] = yield* ovsdb.transact(
          NB,
          Op.insert("Address_Set", { name: "or-v", addresses: ["10.1.0.2"] }),
          Op.insert("Address_Set", { name: "or-u", addresses: ["10.1.0.3"] })
        )
        assert.deepStrictEqual(yield* next(either), [
          { _tag: "Insert", table: "Address_Set", uuid, row: { name: "or-v" } }
        ])
      })))

    it.effect("[always] and [] watch every row; [never] watches none, then or later", () =>
      Effect.scoped(Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        yield* insertFour("all", "10.2.0.1", "10.2.0.2")
        const all = yield* everyRow
        const always = yield* ovsdb.monitorCond(NB, { Address_Set: { columns: ["name"], where: [Op.always] } })
        const empty = yield* ovsdb.monitorCond(NB, { Address_Set: { columns: ["name"], where: [] } })
        // Logical_Switch, watched whole, shows when the transaction below has been reported.
        const never = yield* ovsdb.monitorCond(NB, {
          Address_Set: { columns: ["name"], where: [Op.never] },
          Logical_Switch: { columns: ["name"], where: [Op.always] }
        })
        assert.deepStrictEqual(uuidsOf(always.initial), all)
        assert.deepStrictEqual(uuidsOf(empty.initial), all)
        assert.isAbove(all.length, 3)
        assert.deepStrictEqual(never.initial.filter((change) => change.table === "Address_Set"), [])

        const [{ uuid: set }, { uuid: sw }] = yield* ovsdb.transact(
          NB,
          Op.insert("Address_Set", { name: "all-v" }),
          Op.insert("Logical_Switch", { name: "all-sw" })
        )
        const inserted = { _tag: "Insert", table: "Address_Set", uuid: set, row: { name: "all-v" } } as const
        assert.deepStrictEqual(yield* next(always), [inserted])
        assert.deepStrictEqual(yield* next(empty), [inserted])
        assert.deepStrictEqual(yield* next(never), [
          { _tag: "Insert", table: "Logical_Switch", uuid: sw, row: { name: "all-sw" } }
        ])
      })))

    it.effect("monitor_cond_change to [never] drops every row; to [always], or to [], brings them all back", () =>
      Effect.scoped(Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        yield* insertFour("change", "10.3.0.1", "10.3.0.2")
        const all = yield* everyRow
        const monitor = yield* ovsdb.monitorCond(NB, { Address_Set: { columns: ["name"], where: [Op.always] } })
        assert.deepStrictEqual(uuidsOf(monitor.initial), all)

        yield* monitor.change({ Address_Set: { where: [Op.never] } })
        const dropped = yield* next(monitor)
        assert.isTrue(dropped.every((change) => change._tag === "Delete"))
        assert.deepStrictEqual(uuidsOf(dropped), all)

        yield* monitor.change({ Address_Set: { where: [Op.always] } })
        const back = yield* next(monitor)
        assert.isTrue(back.every((change) => change._tag === "Insert"))
        assert.deepStrictEqual(uuidsOf(back), all)
        assert.deepStrictEqual(
          namesOf(back).filter((name) => name.startsWith("change-")),
          ["change-w", "change-x", "change-y", "change-z"]
        )

        // An empty list, in a change too, watches every row.
        yield* monitor.change({ Address_Set: { where: [Op.never] } })
        assert.deepStrictEqual(uuidsOf(yield* next(monitor)), all)
        yield* monitor.change({ Address_Set: { where: [] } })
        const backAgain = yield* next(monitor)
        assert.isTrue(backAgain.every((change) => change._tag === "Insert"))
        assert.deepStrictEqual(uuidsOf(backAgain), all)
      })))
  })
})
