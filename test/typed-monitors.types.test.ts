// Type-level tests of monitors: each `@ts-expect-error` line must stay a compile error (`npm run
// typecheck` fails when one compiles), and `expectTypeOf` pins the types monitors give. The
// programs are built, never run: they only need to type-check.
import { describe, expectTypeOf, it } from "@effect/vitest"
import type { Scope, Stream } from "effect"
import { Effect } from "effect"
import type { ConnectionClosed, MonitorCanceled, ProtocolError, RowDecodeError, ValueError } from "../src/Errors.js"
import type * as Model from "../src/Model.js"
import * as Nb from "../src/models/OVN_Northbound.js"
import type * as Ovsdb from "../src/Ovsdb.js"
import type * as Monitor from "../src/protocol/Monitor.js"
import type * as Value from "../src/protocol/Value.js"
import * as Typed from "../src/Typed.js"

/** A stand-in for the service: the programs below are never run. */
const ovsdb = {} as Ovsdb.Ovsdb["Service"]

describe("monitors, at compile time", () => {
  it("untyped: a monitor's initial rows are initial rows only; monitor_cond_since's as `found` says", () => {
    expectTypeOf<Ovsdb.LiveMonitor["initial"]>().toEqualTypeOf<ReadonlyArray<Monitor.InitialRow>>()
    expectTypeOf<Ovsdb.ConditionalMonitor["initial"]>().toEqualTypeOf<ReadonlyArray<Monitor.InitialRow>>()
    expectTypeOf<Monitor.InitialRow>().toEqualTypeOf<
      { readonly _tag: "Initial"; readonly table: string; readonly uuid: Value.Uuid; readonly row: Value.Row }
    >()
    void Effect.gen(function*() {
      const live = yield* ovsdb.monitor("OVN_Northbound", { Logical_Switch: {} })
      const first = live.initial[0]!
      expectTypeOf(first.row).toEqualTypeOf<Value.Row>()
      // @ts-expect-error: an initial row is no modification: it has no diff
      void first.diff
      const since = yield* ovsdb.monitorCondSince("OVN_Northbound", { Logical_Switch: {} }, "some-id")
      if (since.found) expectTypeOf(since.initial).toEqualTypeOf<ReadonlyArray<Monitor.RowUpdate>>()
      else expectTypeOf(since.initial).toEqualTypeOf<ReadonlyArray<Monitor.InitialRow>>()
    })
  })

  it("typed: rows narrowed to the columns watched, typed by the model, keyed by UUID text", () => {
    void Effect.gen(function*() {
      const live = yield* Typed.monitor(ovsdb, Nb.database, {
        Logical_Switch: { columns: ["name", "ports"] },
        Logical_Switch_Port: true
      })
      expectTypeOf(live.initial.Logical_Switch).toEqualTypeOf<
        ReadonlyMap<
          string,
          {
            readonly _uuid: Model.Ref<"Logical_Switch">
            readonly name: string
            readonly ports: ReadonlyArray<Model.Ref<"Logical_Switch_Port">>
          }
        >
      >()
      expectTypeOf(live.initial.Logical_Switch_Port).toEqualTypeOf<
        ReadonlyMap<string, Omit<Nb.Logical_Switch_Port, "_version">>
      >()
      const sw = live.initial.Logical_Switch.get("")!
      // @ts-expect-error: external_ids is not watched
      void sw.external_ids
      // @ts-expect-error: ACL is not watched
      void live.initial.ACL
      expectTypeOf(live.updates).toEqualTypeOf<
        Stream.Stream<
          Typed.MonitorEvent<
            Typed.MonitorRows<typeof Nb.database.tables, {
              readonly Logical_Switch: { readonly columns: readonly ["name", "ports"] }
              readonly Logical_Switch_Port: true
            }>
          >,
          MonitorCanceled | ConnectionClosed | ProtocolError | RowDecodeError
        >
      >()
    })
  })

  it("typed: each change typed by its table, a modification with its old and new rows", () => {
    void Effect.gen(function*() {
      const live = yield* Typed.monitorCond(ovsdb, Nb.database, {
        Logical_Switch: { columns: ["name"] },
        ACL: { columns: ["priority"], where: [["priority", ">=", 100]] }
      })
      type Rows = typeof live extends Typed.LiveMonitor<infer R> ? R : never
      const change = {} as Typed.MonitorChange<Rows>
      if (change.table === "ACL" && change._tag === "Modify") {
        expectTypeOf(change.old.priority).toEqualTypeOf<number>()
        expectTypeOf(change.row.priority).toEqualTypeOf<number>()
        expectTypeOf(change.uuid).toEqualTypeOf<Model.Ref<"ACL">>()
        expectTypeOf(change.columns).toEqualTypeOf<ReadonlyArray<"priority">>()
      }
      if (change.table === "Logical_Switch" && change._tag === "Delete") {
        expectTypeOf(change.old.name).toEqualTypeOf<string>()
        // @ts-expect-error: a deletion has no new row
        void change.row
      }
      if (change._tag === "Insert") {
        // @ts-expect-error: an insert has no old row
        void change.old
      }
      yield* live.change({ ACL: { where: [["action", "==", "drop"]] } })
      // @ts-expect-error: "explode" is not in ACL.action's enum
      yield* live.change({ ACL: { where: [["action", "==", "explode"]] } })
      // @ts-expect-error: NAT is not watched
      yield* live.change({ NAT: { where: [] } })
    })
  })

  it("typed: choices refuse what the model lacks, and monitor takes no conditions", () => {
    // @ts-expect-error: no such table
    void Typed.monitor(ovsdb, Nb.database, { Logical_Swich: true })
    // @ts-expect-error: no such table, beside one the model has
    void Typed.monitorCond(ovsdb, Nb.database, { Logical_Switch: true, Logical_Swich: true })
    // @ts-expect-error: no such column
    void Typed.monitor(ovsdb, Nb.database, { Logical_Switch: { columns: ["nmae"] } })
    // @ts-expect-error: _version is the server's
    void Typed.monitor(ovsdb, Nb.database, { Logical_Switch: { columns: ["_version"] } })
    // @ts-expect-error: monitor (RFC 7047 §4.1.5) takes no conditions: monitorCond does
    void Typed.monitor(ovsdb, Nb.database, { Logical_Switch: { where: [["name", "==", "ls0"]] } })
    // @ts-expect-error: name is a string
    void Typed.monitorCond(ovsdb, Nb.database, { Logical_Switch: { where: [["name", "==", 5]] } })
    expectTypeOf(Typed.monitorCond(ovsdb, Nb.database, { Logical_Switch: true })).toExtend<
      Effect.Effect<unknown, Ovsdb.CallError | ValueError | RowDecodeError, Scope.Scope>
    >()
  })

  it("typed: monitor_cond_since resumes from rows of the same choice", () => {
    void Effect.gen(function*() {
      const choice = { Logical_Switch: { columns: ["name"] } } as const
      const first = yield* Typed.monitorCondSince(ovsdb, Nb.database, choice)
      const again = yield* Typed.monitorCondSince(ovsdb, Nb.database, choice, {
        lastTxnId: first.lastTxnId,
        rows: first.initial
      })
      expectTypeOf(again.found).toEqualTypeOf<boolean>()
      expectTypeOf(again.missed).toEqualTypeOf<
        ReadonlyArray<Typed.MonitorChange<typeof again.initial extends Typed.MonitorContents<infer R> ? R : never>>
      >()
      const other = yield* Typed.monitorCondSince(ovsdb, Nb.database, { Logical_Switch: { columns: ["ports"] } })
      // @ts-expect-error: rows of another choice (ports, not name)
      yield* Typed.monitorCondSince(ovsdb, Nb.database, choice, { lastTxnId: "", rows: other.initial })
    })
  })
})
