// The RFC 7047 §3.2 schema model, read from the schemas Open vSwitch and OVN ship.
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as DatabaseSchema from "../src/protocol/DatabaseSchema.js"

const fixture = (name: string): unknown =>
  JSON.parse(Fs.readFileSync(Path.join(import.meta.dirname, "fixtures", name), "utf8"))

const decode = (json: unknown) => Effect.runSync(DatabaseSchema.decode(json))
const decodeError = (json: unknown) => Effect.runSync(Effect.flip(DatabaseSchema.decode(json)))

describe("DatabaseSchema", () => {
  const nb = decode(fixture("ovn-nb.ovsschema"))
  const vswitch = decode(fixture("vswitch.ovsschema"))
  const sb = decode(fixture("ovn-sb.ovsschema"))

  it("reads name, version and checksum", () => {
    assert.strictEqual(nb.name, "OVN_Northbound")
    assert.match(nb.version, /^\d+\.\d+\.\d+$/)
    assert.isString(nb.cksum)
    assert.strictEqual(vswitch.name, "Open_vSwitch")
    assert.strictEqual(sb.name, "OVN_Southbound")
  })

  it("reads base types with their constraints", () => {
    const lsp = nb.tables.Logical_Switch_Port!
    assert.deepStrictEqual(lsp.columns.tag_request!.type, {
      key: { type: "integer", minInteger: 0, maxInteger: 4095 },
      min: 0,
      max: 1
    })
    assert.isTrue(DatabaseSchema.isOptional(lsp.columns.tag_request!.type))
    const action = nb.tables.ACL!.columns.action!.type
    assert.include(action.key.enum ?? [], "allow-related")
    assert.strictEqual(action.min, 1)
    assert.strictEqual(action.max, 1)
  })

  it("reads references with their strength, strong by default", () => {
    const ports = nb.tables.Logical_Switch!.columns.ports!.type
    assert.deepStrictEqual(ports, {
      key: { type: "uuid", refTable: "Logical_Switch_Port", refType: "strong" },
      min: 0,
      max: "unlimited"
    })
    assert.isTrue(DatabaseSchema.isSet(ports))
    assert.strictEqual(nb.tables.Logical_Switch_Port!.columns.dhcpv4_options!.type.key.refType, "weak")
  })

  it("reads maps", () => {
    const externalIds = vswitch.tables.Bridge!.columns.external_ids!.type
    assert.isTrue(DatabaseSchema.isMap(externalIds))
    assert.deepStrictEqual(externalIds.value, { type: "string" })
  })

  it("reads root tables, row limits and indexes", () => {
    assert.isTrue(nb.tables.Logical_Switch!.isRoot)
    assert.isFalse(nb.tables.Logical_Switch_Port!.isRoot)
    assert.strictEqual(nb.tables.NB_Global!.maxRows, 1)
    assert.deepStrictEqual(nb.tables.Logical_Switch_Port!.indexes, [["name"]])
    assert.deepStrictEqual(vswitch.tables.Bridge!.indexes, [["name"]])
  })

  it("adds the implicit _uuid and _version columns", () => {
    for (const table of Object.values(nb.tables)) {
      assert.deepStrictEqual(table.columns._uuid!.type, { key: { type: "uuid" }, min: 1, max: 1 })
      assert.isFalse(table.columns._version!.mutable)
    }
  })

  it("reads 64-bit integer bounds as bigint", () => {
    const schema = decode({
      name: "T",
      version: "1.0.0",
      tables: { t: { columns: { c: { type: { key: { type: "integer", maxInteger: 9223372036854775807n } } } } } }
    })
    assert.strictEqual(schema.tables.t!.columns.c!.type.key.maxInteger, 9223372036854775807n)
  })

  it("makes every table a root when none is marked (ovsdb-server's compatibility rule)", () => {
    const schema = decode({ name: "T", version: "1.0.0", tables: { a: { columns: {} }, b: { columns: {} } } })
    assert.isTrue(schema.tables.a!.isRoot && schema.tables.b!.isRoot)
  })

  it("rejects malformed schemas with a clear reason", () => {
    assert.include(decodeError({ version: "1.0.0", tables: {} }).message, "name")
    assert.include(
      decodeError({ name: "T", tables: { t: { columns: { c: { type: "float" } } } } }).message,
      "invalid database schema"
    )
    assert.include(
      decodeError({
        name: "T",
        tables: { t: { columns: { c: { type: { key: { type: "uuid", refTable: "nope" } } } } } }
      })
        .detail,
      "refTable nope"
    )
    assert.include(
      decodeError({ name: "T", tables: { t: { columns: {}, indexes: [["missing"]] } } }).detail,
      "unknown column missing"
    )
    assert.include(
      decodeError({ name: "T", tables: { t: { columns: { c: { type: { key: "string", min: 2, max: 1 } } } } } }).detail,
      "min must be 0 or 1"
    )
  })
})
