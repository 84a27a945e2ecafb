// Typed operations over generated models, without a server: the wire form they build, every value
// refused before sending with a ValueError naming table, column and constraint, and Ovsdb.transact
// sending nothing when an operation carries a refusal.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Result, Schema } from "effect"
import type { ValueError } from "../src/Errors.js"
import * as Model from "../src/Model.js"
import { Bridge } from "../src/models/Open_vSwitch.js"
import { ACL, Logical_Switch, Logical_Switch_Port } from "../src/models/OVN_Northbound.js"
import * as Ovsdb from "../src/Ovsdb.js"
import * as Operation from "../src/protocol/Operation.js"
import * as Value from "../src/protocol/Value.js"
import { RpcClient } from "../src/RpcClient.js"
import * as Typed from "../src/Typed.js"

const UUID = Value.uuid("36c7aec5-e358-4f3d-8de0-78a6a2bb2433")

/** The refusal an operation carries; fails the test when it carries none. */
const refusal = (operation: Operation.Any): ValueError => {
  assert.isDefined(operation.problem, `expected a refusal, sent ${JSON.stringify(operation.json)}`)
  return operation.problem!
}

const refused = (operation: Operation.Any) => {
  const { column, constraint, table } = refusal(operation)
  return `${table}.${column}: ${constraint}`
}

describe("Typed operations", () => {
  it("insert writes the wire form through the column codecs, with uuid-name from Model.named", () => {
    const port = Model.named(Logical_Switch_Port, "p0")
    const insertPort = Typed.insert(Logical_Switch_Port, { name: "lsp0", addresses: ["dynamic"], tag_request: 7 }, {
      uuidName: port
    })
    const insertSwitch = Typed.insert(Logical_Switch, {
      name: "ls0",
      ports: [port],
      external_ids: new Map([["owner", "me"]])
    })
    assert.isUndefined(insertPort.problem)
    assert.deepStrictEqual(insertPort.json, {
      op: "insert",
      table: "Logical_Switch_Port",
      row: { name: "lsp0", addresses: ["set", ["dynamic"]], tag_request: ["set", [7]] },
      "uuid-name": "p0"
    })
    assert.deepStrictEqual(insertSwitch.json.row, {
      name: "ls0",
      ports: ["set", [["named-uuid", "p0"]]],
      external_ids: ["map", [["owner", "me"]]]
    })
  })

  it("select, update, mutate, delete and wait encode conditions and mutations per column kind", () => {
    assert.deepStrictEqual(
      Typed.select(Logical_Switch_Port, [["tag_request", ">=", 1], ["addresses", "includes", ["dynamic"]]], ["name"])
        .json,
      {
        op: "select",
        table: "Logical_Switch_Port",
        where: [["tag_request", ">=", 1], ["addresses", "includes", ["set", ["dynamic"]]]],
        columns: ["name"]
      }
    )
    assert.deepStrictEqual(Typed.update(Logical_Switch, [["_uuid", "==", UUID]], { name: "ls1" }).json, {
      op: "update",
      table: "Logical_Switch",
      where: [["_uuid", "==", ["uuid", UUID.value]]],
      row: { name: "ls1" }
    })
    assert.deepStrictEqual(
      Typed.mutate(Logical_Switch, [], [["ports", "delete", [UUID]], ["external_ids", "delete", ["owner"]]]).json
        .mutations,
      [["ports", "delete", ["set", [["uuid", UUID.value]]]], ["external_ids", "delete", ["set", ["owner"]]]]
    )
    assert.deepStrictEqual(Typed.mutate(ACL, [], [["priority", "+=", 5]]).json.mutations, [["priority", "+=", 5]])
    assert.deepStrictEqual(Typed.delete(Logical_Switch, [["name", "!=", "x"]]).json, {
      op: "delete",
      table: "Logical_Switch",
      where: [["name", "!=", "x"]]
    })
    assert.deepStrictEqual(
      Typed.wait(Logical_Switch, [["name", "==", "ls0"]], ["name"], "==", [{ name: "ls0" }], { timeout: 0 }).json,
      {
        op: "wait",
        table: "Logical_Switch",
        where: [["name", "==", "ls0"]],
        columns: ["name"],
        until: "==",
        rows: [{ name: "ls0" }],
        timeout: 0
      }
    )
  })

  it("sends boolean conditions as is, beside clauses encoded through the column codecs", () => {
    const where = [true, ["tag_request", "<", 5], Operation.never] as const
    const wire = [true, ["tag_request", "<", 5], false]
    const operations: ReadonlyArray<Operation.Any> = [
      Typed.select(Logical_Switch_Port, where, ["name"]),
      Typed.update(Logical_Switch_Port, where, { name: "x" }),
      Typed.mutate(Logical_Switch_Port, where, [["tag_request", "+=", 1]]),
      Typed.delete(Logical_Switch_Port, where),
      Typed.wait(Logical_Switch_Port, where, ["name"], "==", [])
    ]
    for (const operation of operations) {
      assert.isUndefined(operation.problem, operation.op)
      assert.deepStrictEqual(operation.json.where, wire, operation.op)
    }
    assert.deepStrictEqual(Typed.delete(Logical_Switch, [Operation.always]).json.where, [true])
    // A refused clause still refuses the operation when a boolean stands beside it.
    assert.strictEqual(
      refused(Typed.select(Logical_Switch_Port, [Operation.always, ["tag_request", "<", 5000]])),
      "Logical_Switch_Port.tag_request: maxInteger"
    )
    // What is neither, from a caller the types did not check, is refused rather than thrown on.
    assert.strictEqual(refused(Typed.delete(ACL, [null] as never)), "ACL.: condition")
    assert.strictEqual(refused(Typed.delete(ACL, ["true"] as never)), "ACL.: condition")
  })

  it("refuses values outside their column's constraints, naming table, column and constraint", () => {
    assert.strictEqual(
      refused(Typed.insert(Logical_Switch_Port, { tag_request: 4096 })),
      "Logical_Switch_Port.tag_request: maxInteger"
    )
    assert.strictEqual(refused(Typed.insert(ACL, { priority: -1 })), "ACL.priority: minInteger")
    assert.strictEqual(refused(Typed.select(ACL, [["priority", "<", 40000]])), "ACL.priority: maxInteger")
    assert.strictEqual(refused(Typed.update(ACL, [], { priority: 1.5 })), "ACL.priority: type")
    assert.strictEqual(refused(Typed.mutate(ACL, [], [["priority", "+=", 0.5]])), "ACL.priority: type")
    assert.strictEqual(refused(Typed.select(ACL, [["action", "==", "explode" as "drop"]])), "ACL.action: enum")
    const problem = refusal(Typed.insert(ACL, { action: "explode" as "drop" }))
    assert.strictEqual(problem.value, "\"explode\"")
    assert.match(problem.message, /^ACL\.action: "explode" breaks enum: not one of "allow"/)
  })

  it("refuses what the operation does not allow, whatever the value", () => {
    const anyRow = {} as Typed.InsertRow<Model.AnyRow>
    assert.strictEqual(
      refused(Typed.insert(Logical_Switch, { ...anyRow, _uuid: UUID } as never)),
      "Logical_Switch._uuid: read-only"
    )
    assert.strictEqual(refused(Typed.insert(Logical_Switch, { nosuch: 1 } as never)), "Logical_Switch.nosuch: column")
    assert.strictEqual(refused(Typed.select(Logical_Switch, [], ["nosuch"] as never)), "Logical_Switch.nosuch: column")
    assert.strictEqual(refused(Typed.update(Bridge, [], { name: "br1" } as never)), "Bridge.name: immutable")
    assert.strictEqual(
      refused(Typed.mutate(Bridge, [], [["name", "insert", ["x"]]] as never)),
      "Bridge.name: immutable"
    )
    assert.strictEqual(
      refused(Typed.select(Logical_Switch, [["ports", "<", 1]] as never)),
      "Logical_Switch.ports: function"
    )
    assert.strictEqual(
      refused(Typed.select(Logical_Switch, [["name", "~", 1]] as never)),
      "Logical_Switch.name: function"
    )
    assert.strictEqual(
      refused(Typed.mutate(Logical_Switch, [], [["name", "insert", "x"]] as never)),
      "Logical_Switch.name: mutator"
    )
    assert.strictEqual(
      refused(Typed.mutate(Logical_Switch, [], [["name", "+=", 1]] as never)),
      "Logical_Switch.name: mutator"
    )
    assert.strictEqual(
      refused(Typed.mutate(Logical_Switch, [], [["name", "^=", 1]] as never)),
      "Logical_Switch.name: mutator"
    )
    assert.strictEqual(
      refused(Typed.delete(Model.table({ name: "OVN_Northbound", tables: {} }, "Nope"), [])),
      "Nope.: table"
    )
  })

  it("a model from a schema known at run time checks values the same way", () => {
    const nb = Model.fromSchema({ name: "OVN_Northbound", tables: { Logical_Switch: Logical_Switch.schema! } })
    assert.isUndefined(Typed.insert(nb.table("Logical_Switch"), { name: "ls0" }).problem)
    assert.strictEqual(refused(Typed.insert(nb.table("Logical_Switch"), { name: 5 })), "Logical_Switch.name: type")
    assert.strictEqual(refused(Typed.insert(nb.table("Nope"), {})), "Nope.: table")
    assert.strictEqual(nb.tables.Logical_Switch, nb.table("Logical_Switch"))
  })

  it("a table's Row Schema reads a wire row with its column types, and writes it back", () => {
    const decode = Schema.decodeUnknownSync(Logical_Switch_Port.Row)
    const row = decode({
      _uuid: ["uuid", UUID.value],
      name: "lsp0",
      addresses: "dynamic",
      tag_request: ["set", []],
      external_ids: ["map", [["k", "v"]]]
    })
    assert.deepStrictEqual(row._uuid, UUID)
    assert.deepStrictEqual(row.addresses, ["dynamic"])
    assert.isUndefined(row.tag_request)
    assert.deepStrictEqual(row.external_ids, new Map([["k", "v"]]))
    assert.deepStrictEqual(Schema.encodeSync(Logical_Switch_Port.Row)(row), {
      _uuid: ["uuid", UUID.value],
      name: "lsp0",
      addresses: ["set", ["dynamic"]],
      tag_request: ["set", []],
      external_ids: ["map", [["k", "v"]]]
    })
    // A newer server's column is left out; a value that is not OVSDB notation fails.
    assert.deepStrictEqual<unknown>(decode({ name: "lsp1", added_later: 1 }), { name: "lsp1" })
    assert.isTrue(Result.isFailure(Schema.decodeUnknownResult(Logical_Switch_Port.Row)({ name: ["bogus", 1] })))
  })

  it.effect("Ovsdb.transact fails with the refusal and sends nothing", () =>
    Effect.gen(function*() {
      const sent: Array<string> = []
      const rpc = Layer.succeed(RpcClient, {
        call: (method) => Effect.sync(() => sent.push(method)).pipe(Effect.as([])),
        notify: () => Effect.void,
        subscribe: Effect.die("not used"),
        route: () => Effect.die("not used"),
        listen: () => Effect.die("not used"),
        closed: Effect.never
      })
      const error = yield* Ovsdb.Ovsdb.use((ovsdb) =>
        ovsdb.transact(
          "OVN_Northbound",
          Typed.insert(Logical_Switch, { name: "ls0" }),
          Typed.insert(Logical_Switch_Port, { tag_request: 5000 })
        )
      ).pipe(Effect.flip, Effect.provide(Ovsdb.layerRpc.pipe(Layer.provide(rpc))))
      assert.strictEqual(error._tag, "ValueError")
      assert.deepStrictEqual(sent, [])
    }))
})
