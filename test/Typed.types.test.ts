// Type-level tests of typed operations: each `@ts-expect-error` line must stay a compile error
// (`npm run typecheck` fails when one compiles), and `expectTypeOf` pins the types results get.
import { describe, expectTypeOf, it } from "@effect/vitest"
import * as Model from "../src/Model.js"
import { Bridge, Port } from "../src/models/Open_vSwitch.js"
import { ACL, Logical_Router, Logical_Switch, Logical_Switch_Port } from "../src/models/OVN_Northbound.js"
import * as Operation from "../src/protocol/Operation.js"
import * as Value from "../src/protocol/Value.js"
import * as Typed from "../src/Typed.js"

const uuid = Value.uuid("36c7aec5-e358-4f3d-8de0-78a6a2bb2433")
/** A stand-in for an operation's result, for its type. */
const resultOf = <R>(_operation: Operation.Operation<R>): R => ({ rows: [{}], uuid }) as unknown as R

describe("typed operations, at compile time", () => {
  it("rows: column names, value types, enums and references", () => {
    const port = Model.named(Logical_Switch_Port, "p")
    const router = Model.named(Logical_Router, "r")
    Typed.insert(Logical_Switch, { name: "ls0", ports: [port], external_ids: new Map([["k", "v"]]) })
    Typed.insert(ACL, { action: "allow-related", direction: "to-lport", priority: 1000, match: "ip4" })
    // @ts-expect-error: no such column
    Typed.insert(Logical_Switch, { nmae: "ls0" })
    // @ts-expect-error: name is a string
    Typed.insert(Logical_Switch, { name: 5 })
    // @ts-expect-error: "explode" is not in ACL.action's enum
    Typed.insert(ACL, { action: "explode" })
    // @ts-expect-error: Logical_Switch.ports refers to Logical_Switch_Port, not Logical_Router
    Typed.insert(Logical_Switch, { ports: [router] })
    // @ts-expect-error: a set column takes an array
    Typed.insert(Logical_Switch, { ports: port })
    // @ts-expect-error: the server sets _uuid
    Typed.insert(Logical_Switch, { _uuid: uuid })
    // @ts-expect-error: the uuid-name of a Logical_Switch_Port row cannot name a Logical_Switch
    Typed.insert(Logical_Switch, { name: "ls0" }, { uuidName: port })
  })

  it("conditions: functions per column kind, values of the column's type", () => {
    Typed.select(ACL, [["priority", ">=", 100], ["action", "==", "drop"], ["name", "==", undefined]])
    Typed.select(Logical_Switch_Port, [["tag_request", "<", 10], ["addresses", "includes", ["dynamic"]]])
    // @ts-expect-error: < is for numbers
    Typed.select(Logical_Switch, [["name", "<", "m"]])
    // @ts-expect-error: < is not for sets
    Typed.select(Logical_Switch, [["ports", "<", 1]])
    // @ts-expect-error: priority is a number
    Typed.select(ACL, [["priority", "==", "high"]])
    // @ts-expect-error: no such function
    Typed.select(ACL, [["priority", "~=", 1]])
    // @ts-expect-error: no such column
    Typed.delete(ACL, [["prio", "==", 1]])
  })

  it("conditions: true and false (Operation.always, Operation.never) beside clauses, and nothing else bare", () => {
    Typed.select(ACL, [true])
    Typed.select(ACL, [false, ["priority", ">=", 100]])
    Typed.update(ACL, [Operation.always], { priority: 1 })
    Typed.mutate(ACL, [Operation.never], [["priority", "+=", 1]])
    Typed.delete(ACL, [Operation.always, ["action", "==", "drop"]])
    Typed.wait(ACL, [Operation.never], ["priority"], "==", [])
    expectTypeOf(Operation.always).toEqualTypeOf<true>()
    expectTypeOf(Operation.never).toEqualTypeOf<false>()
    expectTypeOf<boolean>().toExtend<Typed.Condition<Model.RowOf<typeof ACL>>>()
    expectTypeOf<boolean>().toExtend<Operation.Condition>()
    // @ts-expect-error: a condition is a clause or a boolean, not a string
    Typed.select(ACL, ["true"])
    // @ts-expect-error: nor null
    Typed.delete(ACL, [null])
    // @ts-expect-error: a boolean is a whole condition, not a clause's value for a number column
    Typed.select(ACL, [["priority", "==", true]])
  })

  it("mutations: arithmetic on numbers, insert and delete on sets and maps, nothing on immutable columns", () => {
    Typed.mutate(ACL, [], [["priority", "+=", 1]])
    Typed.mutate(Logical_Switch, [], [["ports", "insert", [uuid]], ["external_ids", "delete", ["k"]]])
    Typed.mutate(Logical_Switch, [], [["external_ids", "insert", new Map([["k", "v"]])]])
    Typed.mutate(ACL, [], [["severity", "insert", "alert"], ["severity", "delete", ["alert"]]])
    // @ts-expect-error: "loud" is not in ACL.severity's enum
    Typed.mutate(ACL, [], [["severity", "insert", "loud"]])
    // @ts-expect-error: arithmetic is for numbers
    Typed.mutate(Logical_Switch, [], [["name", "+=", 1]])
    // @ts-expect-error: insert is for sets and maps
    Typed.mutate(Logical_Switch, [], [["name", "insert", ["x"]]])
    // @ts-expect-error: a map's insert takes a map
    Typed.mutate(Logical_Switch, [], [["external_ids", "insert", ["k"]]])
    // @ts-expect-error: Bridge.name is set on insert only
    Typed.mutate(Bridge, [], [["name", "insert", ["x"]]])
    // @ts-expect-error: Bridge.name is set on insert only
    Typed.update(Bridge, [], { name: "br1" })
    // @ts-expect-error: Port.name is set on insert only
    Typed.update(Port, [], { name: "p1" })
    Typed.update(Bridge, [], { stp_enable: true })
  })

  it("results: selected columns only, references typed by table", () => {
    const picked = resultOf(Typed.select(Logical_Switch, [], ["name", "ports"]))
    expectTypeOf(picked.rows[0]!.name).toEqualTypeOf<string>()
    expectTypeOf(picked.rows[0]!.ports).toEqualTypeOf<ReadonlyArray<Model.Ref<"Logical_Switch_Port">>>()
    // @ts-expect-error: external_ids was not selected
    void picked.rows[0]!.external_ids
    const whole = resultOf(Typed.select(Logical_Switch_Port))
    expectTypeOf(whole.rows[0]!.tag_request).toEqualTypeOf<number | undefined>()
    expectTypeOf(whole.rows[0]!._uuid).toEqualTypeOf<Model.Ref<"Logical_Switch_Port">>()
    const inserted = resultOf(Typed.insert(Logical_Switch, {}))
    expectTypeOf(inserted.uuid).toEqualTypeOf<Model.Ref<"Logical_Switch">>()
    const toRouter: Model.Ref<"Logical_Router"> = uuid // a plain Uuid fits any table
    // @ts-expect-error: a Logical_Switch's UUID is not a Logical_Router's
    const wrong: Model.Ref<"Logical_Router"> = inserted.uuid
    void [toRouter, wrong]
    // @ts-expect-error: the column list names columns of the table
    Typed.select(Logical_Switch, [], ["nosuch"])
  })
})
