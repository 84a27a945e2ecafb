// Compatibility of a model with a server's schema, on the recorded OVN_Northbound schema changed
// the ways newer and older servers differ.
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import type { ColumnType, DatabaseSchema as Db } from "../src/protocol/DatabaseSchema.js"
import * as DatabaseSchema from "../src/protocol/DatabaseSchema.js"
import * as SchemaCompatibility from "../src/protocol/SchemaCompatibility.js"

const nb = Effect.runSync(
  DatabaseSchema.decode(
    JSON.parse(Fs.readFileSync(Path.join(import.meta.dirname, "fixtures", "ovn-nb.ovsschema"), "utf8"))
  )
)

/** `nb` with the type of one column changed. */
const retyped = (table: string, column: string, type: (old: ColumnType) => ColumnType): Db => {
  const t = nb.tables[table]!
  const c = t.columns[column]!
  return {
    ...nb,
    tables: { ...nb.tables, [table]: { ...t, columns: { ...t.columns, [column]: { ...c, type: type(c.type) } } } }
  }
}

const found = (model: Db, server: Db) =>
  SchemaCompatibility.differences(model, server).map(SchemaCompatibility.describe)

describe("SchemaCompatibility.differences", () => {
  it("a model fits its own schema, and a server with other constraints on the same shapes", () => {
    assert.deepStrictEqual(found(nb, nb), [])
    const wider = [
      retyped("ACL", "action", (t) => ({ ...t, key: { type: "string", enum: ["allow", "drop", "pass"] } })),
      retyped("ACL", "priority", (t) => ({ ...t, key: { type: "integer", minInteger: 0, maxInteger: 65535 } })),
      retyped("Logical_Switch", "ports", (t) => ({ ...t, min: 1, max: 64 })), // other set sizes
      retyped("Logical_Switch", "ports", (t) => ({ ...t, key: { ...t.key, refType: "weak" } })),
      retyped("Logical_Switch_Port", "name", (t) => ({ ...t, key: { type: "string", maxLength: 8 } }))
    ]
    for (const server of wider) assert.deepStrictEqual(found(nb, server), [])
  })

  it("reports every column whose values the model would read or write wrongly", () => {
    const changes: ReadonlyArray<readonly [string, string, (old: ColumnType) => ColumnType, string]> = [
      ["ACL", "priority", (t) => ({ ...t, key: { type: "string" } }), "ACL.priority is string, not integer"],
      ["ACL", "name", (t) => ({ ...t, max: 4 }), "ACL.name is set of string (0..4), not optional string"],
      ["ACL", "priority", (t) => ({ ...t, min: 0 }), "ACL.priority is optional integer, not integer"],
      [
        "ACL",
        "external_ids",
        (t) => ({ key: t.key, min: 0, max: "unlimited" }),
        "ACL.external_ids is set of string (0..unlimited), not map string→string (0..unlimited)"
      ],
      [
        "ACL",
        "external_ids",
        (t) => ({ ...t, value: { type: "integer" } }),
        "ACL.external_ids is map string→integer (0..unlimited), not map string→string (0..unlimited)"
      ],
      [
        "Logical_Switch",
        "ports",
        (t) => ({ ...t, key: { type: "uuid", refTable: "Logical_Router_Port" } }),
        "Logical_Switch.ports is set of uuid (0..unlimited) to Logical_Router_Port, not set of uuid (0..unlimited) to Logical_Switch_Port"
      ]
    ]
    for (const [table, column, change, text] of changes) {
      assert.deepStrictEqual(found(nb, retyped(table, column, change)), [`column ${text}`])
    }
  })

  it("a plain uuid column that became a reference still fits; a reference that became plain does not", () => {
    const plain = retyped("Logical_Switch", "ports", (t) => ({ ...t, key: { type: "uuid" } }))
    assert.deepStrictEqual(found(plain, nb), [])
    assert.deepStrictEqual(found(nb, plain), [
      "column Logical_Switch.ports is set of uuid (0..unlimited), not set of uuid (0..unlimited) to Logical_Switch_Port"
    ])
  })

  it("lists missing tables and columns, every one", () => {
    const { ACL: _acl, DNS: _dns, ...tables } = nb.tables
    const { name: _name, ...columns } = nb.tables.Logical_Switch!.columns
    const older: Db = { ...nb, tables: { ...tables, Logical_Switch: { ...nb.tables.Logical_Switch!, columns } } }
    assert.sameMembers(found(nb, older), [
      "table ACL is missing",
      "table DNS is missing",
      "column Logical_Switch.name is missing"
    ])
    assert.deepStrictEqual(found(older, nb), [])
  })
})
