// The RFC 7047 §3.2 schema model, read from the schemas Open vSwitch and OVN ship and from what
// ovsdb-server 3.1 returns for them, and checked against its rules on schemas it accepts and rejects.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Result, Schema } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Json from "../src/Json.js"
import * as DatabaseSchema from "../src/protocol/DatabaseSchema.js"

const fixture = (name: string): unknown =>
  Result.getOrThrow(Json.parse(Fs.readFileSync(Path.join(import.meta.dirname, "fixtures", name), "utf8")))

const decode = (json: unknown) => Effect.runSync(DatabaseSchema.decode(json))
const decodeError = (json: unknown) => Effect.runSync(Effect.flip(DatabaseSchema.decode(json)))

/** A one-table schema whose column `c` has `type`. */
const withColumnType = (type: unknown) => ({ name: "T", version: "1.0.0", tables: { t: { columns: { c: { type } } } } })

/** The decoded type of column `c` of `withColumnType(type)`. */
const columnType = (type: unknown) => decode(withColumnType(type)).tables.t!.columns.c!.type

// Files as Debian's openvswitch-common 3.1 and ovn-common ship them; `get-schema/*.json` is what
// `ovsdb-client get-schema` printed for them from ovsdb-server 3.1; `_server.ovsschema` likewise.
const vswitch = decode(fixture("vswitch.ovsschema"))
const nb = decode(fixture("ovn-nb.ovsschema"))
const sb = decode(fixture("ovn-sb.ovsschema"))
const server = decode(fixture("_server.ovsschema"))

describe("DatabaseSchema on the shipped schemas", () => {
  it("reads name, version and checksum", () => {
    assert.deepStrictEqual(
      [vswitch, nb, sb, server].map(({ cksum, name, version }) => [name, version, cksum]),
      [
        ["Open_vSwitch", "8.3.1", "3012963480 26720"],
        ["OVN_Northbound", "7.0.0", "94023179 33468"],
        ["OVN_Southbound", "20.27.0", "4078371916 30328"],
        ["_Server", "1.2.0", "3009684573 744"]
      ]
    )
  })

  it("reads integer bounds on an optional column", () => {
    const type = nb.tables.Logical_Switch_Port!.columns.tag_request!.type
    assert.deepStrictEqual(type, { key: { type: "integer", minInteger: 0, maxInteger: 4095 }, min: 0, max: 1 })
    assert.isTrue(DatabaseSchema.isOptional(type))
    assert.isFalse(DatabaseSchema.isSet(type))
    assert.isFalse(DatabaseSchema.isMap(type))
  })

  it("reads enumerations, sorted as ovsdb-server sorts them", () => {
    const action = nb.tables.ACL!.columns.action!.type
    assert.deepStrictEqual(action, {
      key: { type: "string", enum: ["allow", "allow-related", "allow-stateless", "drop", "reject"] },
      min: 1,
      max: 1
    })
    assert.isFalse(DatabaseSchema.isOptional(action))
    assert.deepStrictEqual(vswitch.tables.Interface!.columns.admin_state!.type.key.enum, ["down", "up"])
    assert.deepStrictEqual(server.tables.Database!.columns.model!.type.key.enum, ["clustered", "relay", "standalone"])
  })

  it("reads references with their strength, strong by default", () => {
    const ports = nb.tables.Logical_Switch!.columns.ports!.type
    assert.deepStrictEqual(ports, {
      key: { type: "uuid", refTable: "Logical_Switch_Port", refType: "strong" },
      min: 0,
      max: "unlimited"
    })
    assert.isTrue(DatabaseSchema.isSet(ports))
    assert.deepStrictEqual(nb.tables.Logical_Switch_Port!.columns.dhcpv4_options!.type, {
      key: { type: "uuid", refTable: "DHCP_Options", refType: "weak" },
      min: 0,
      max: 1
    })
  })

  it("reads maps, their key and value types each with constraints", () => {
    const externalIds = vswitch.tables.Bridge!.columns.external_ids!.type
    assert.isTrue(DatabaseSchema.isMap(externalIds))
    assert.isFalse(DatabaseSchema.isSet(externalIds))
    assert.deepStrictEqual(externalIds, {
      key: { type: "string" },
      value: { type: "string" },
      min: 0,
      max: "unlimited"
    })
    assert.deepStrictEqual(vswitch.tables.QoS!.columns.queues!.type, {
      key: { type: "integer", minInteger: 0, maxInteger: 4294967295 },
      value: { type: "uuid", refTable: "Queue", refType: "strong" },
      min: 0,
      max: "unlimited"
    })
  })

  it("reads Open_vSwitch's Interface columns: optional, bounded, ephemeral, immutable", () => {
    const columns = vswitch.tables.Interface!.columns
    assert.deepStrictEqual(columns.ofport, {
      name: "ofport",
      type: { key: { type: "integer" }, min: 0, max: 1 },
      ephemeral: false,
      mutable: true
    })
    assert.deepStrictEqual(columns.ofport_request!.type.key, { type: "integer", minInteger: 1, maxInteger: 65279 })
    assert.deepStrictEqual(columns.ifindex!.type.key, { type: "integer", minInteger: 0, maxInteger: 4294967295 })
    assert.isTrue(columns.ifindex!.ephemeral)
    assert.isTrue(columns.statistics!.ephemeral)
    assert.deepStrictEqual(columns.statistics!.type.value, { type: "integer" })
    assert.isFalse(columns.name!.mutable)
    assert.isFalse(columns.name!.ephemeral)
  })

  it("reads root tables, row limits and indexes", () => {
    assert.isTrue(nb.tables.Logical_Switch!.isRoot)
    assert.isFalse(nb.tables.Logical_Switch_Port!.isRoot)
    assert.strictEqual(nb.tables.NB_Global!.maxRows, 1)
    assert.isUndefined(nb.tables.Logical_Switch!.maxRows)
    assert.deepStrictEqual(nb.tables.Logical_Switch_Port!.indexes, [["name"]])
    assert.deepStrictEqual(nb.tables.Logical_Switch!.indexes, [])
    assert.deepStrictEqual(vswitch.tables.Bridge!.indexes, [["name"]])
    assert.isFalse(vswitch.tables.Bridge!.isRoot)
    assert.isTrue(vswitch.tables.Open_vSwitch!.isRoot)
    assert.strictEqual(vswitch.tables.Open_vSwitch!.maxRows, 1)
    // _Server marks no table as root in get_schema's reply: every table is one.
    assert.isTrue(server.tables.Database!.isRoot)
  })

  it("adds the implicit _uuid and _version columns to every table", () => {
    for (const schema of [vswitch, nb, sb, server]) {
      for (const table of Object.values(schema.tables)) {
        assert.deepStrictEqual(table.columns._uuid, {
          name: "_uuid",
          type: { key: { type: "uuid" }, min: 1, max: 1 },
          ephemeral: false,
          mutable: false
        })
        assert.deepStrictEqual(table.columns._version, {
          name: "_version",
          type: { key: { type: "uuid" }, min: 1, max: 1 },
          ephemeral: true,
          mutable: false
        })
      }
    }
  })

  it("lists tables sorted, and columns with _uuid and _version first", () => {
    assert.deepStrictEqual(DatabaseSchema.tableNames(server), ["Database"])
    const names = DatabaseSchema.tableNames(vswitch)
    assert.deepStrictEqual(names, [...names].sort())
    assert.include(names, "Open_vSwitch")
    assert.deepStrictEqual(DatabaseSchema.columnNames(server.tables.Database!), [
      "_uuid",
      "_version",
      "cid",
      "connected",
      "index",
      "leader",
      "model",
      "name",
      "schema",
      "sid"
    ])
  })

  it("decodes each file and ovsdb-server's get_schema reply for it to the same value", () => {
    assert.deepStrictEqual(decode(fixture("get-schema/Open_vSwitch.json")), vswitch)
    assert.deepStrictEqual(decode(fixture("get-schema/OVN_Northbound.json")), nb)
    assert.deepStrictEqual(decode(fixture("get-schema/OVN_Southbound.json")), sb)
  })

  it("produces values of the model Schemas", () => {
    for (const schema of [vswitch, nb, sb, server]) assert.isTrue(Schema.is(DatabaseSchema.DatabaseSchema)(schema))
  })
})

describe("DatabaseSchema applies ovsdb-server's rules", () => {
  it("keeps strong references to non-root tables persistent and weak references mutable", () => {
    const file = {
      name: "Forced",
      version: "1.0.0",
      tables: {
        r: {
          isRoot: true,
          columns: {
            eph_strong: { type: { key: { type: "uuid", refTable: "n" } }, ephemeral: true },
            weak_immut: {
              type: { key: { type: "uuid", refTable: "n", refType: "weak" }, min: 0, max: 1 },
              mutable: false
            },
            strong_immut: { type: { key: { type: "uuid", refTable: "n" }, min: 0, max: 1 }, mutable: false },
            eph_root: { type: { key: { type: "uuid", refTable: "r" }, min: 0, max: 1 }, ephemeral: true }
          }
        },
        n: { columns: { x: { type: "integer" } } }
      }
    }
    // What ovsdb-server 3.1 returned for `file`.
    const reply = JSON.parse(
      "{\"name\":\"Forced\",\"tables\":{\"n\":{\"columns\":{\"x\":{\"type\":\"integer\"}}},\"r\":{\"columns\":{"
        + "\"eph_root\":{\"ephemeral\":true,\"type\":{\"key\":{\"refTable\":\"r\",\"type\":\"uuid\"},\"min\":0}},"
        + "\"eph_strong\":{\"type\":{\"key\":{\"refTable\":\"n\",\"type\":\"uuid\"}}},"
        + "\"strong_immut\":{\"mutable\":false,\"type\":{\"key\":{\"refTable\":\"n\",\"type\":\"uuid\"},\"min\":0}},"
        + "\"weak_immut\":{\"type\":{\"key\":{\"refTable\":\"n\",\"refType\":\"weak\",\"type\":\"uuid\"},\"min\":0}}},"
        + "\"isRoot\":true}},\"version\":\"1.0.0\"}"
    )
    const schema = decode(file)
    assert.deepStrictEqual(decode(reply), schema)
    const columns = schema.tables.r!.columns
    assert.isFalse(columns.eph_strong!.ephemeral)
    assert.isTrue(columns.eph_root!.ephemeral)
    assert.isTrue(columns.weak_immut!.mutable)
    assert.isFalse(columns.strong_immut!.mutable)
  })

  it("makes every table a root when none is marked, explicitly false included", () => {
    const column = { c: { type: "string" } }
    for (
      const tables of [{ a: { columns: column }, b: { columns: column } }, {
        a: { columns: column, isRoot: false },
        b: { columns: column, isRoot: false }
      }]
    ) {
      const schema = decode({ name: "T", version: "1.0.0", tables })
      assert.isTrue(schema.tables.a!.isRoot && schema.tables.b!.isRoot)
    }
    const one = decode({
      name: "T",
      version: "1.0.0",
      tables: { a: { columns: column, isRoot: true }, b: { columns: column } }
    })
    assert.isTrue(one.tables.a!.isRoot)
    assert.isFalse(one.tables.b!.isRoot)
  })

  it("reads schemas without a version, tables that are not mutable, and no tables at all", () => {
    const schema = decode({ name: "Old", tables: { a: { mutable: false, columns: { c: { type: "string" } } } } })
    assert.notProperty(schema, "version")
    assert.notProperty(schema, "cksum")
    assert.isFalse(schema.tables.a!.mutable)
    assert.deepStrictEqual(decode({ name: "Empty", version: "0.0.1", tables: {} }).tables, {})
  })

  it("reads enums as a set or a bare atom, of every atomic type", () => {
    assert.deepStrictEqual(columnType({ key: { type: "string", enum: "x" } }).key, { type: "string", enum: ["x"] })
    assert.deepStrictEqual(columnType({ key: { type: "integer", enum: ["set", [3, -1, 2]] } }).key.enum, [-1, 2, 3])
    assert.deepStrictEqual(columnType({ key: { type: "real", enum: ["set", [2.5, 1]] } }).key.enum, [1, 2.5])
    assert.deepStrictEqual(
      columnType({ key: { type: "integer", enum: ["set", [9223372036854775807n, 0, -9007199254740993n]] } }).key.enum,
      [-9007199254740993n, 0, 9223372036854775807n]
    )
    // A real given as a long integer literal is a real all the same.
    assert.deepStrictEqual(columnType({ key: { type: "real", enum: 36893488147419103232n } }).key.enum, [2 ** 65])
    assert.deepStrictEqual(columnType({ key: { type: "boolean", enum: ["set", [true, false]] } }).key.enum, [
      false,
      true
    ])
    assert.deepStrictEqual(
      columnType({ key: { type: "uuid", enum: ["uuid", "550E8400-E29B-41D4-A716-446655440000"] } }).key.enum,
      ["550e8400-e29b-41d4-a716-446655440000"]
    )
    // Code point order, as ovsdb-server compares strings (UTF-8 bytes): "Z" < "a" < "é" < "😀".
    assert.deepStrictEqual(
      columnType({ key: { type: "string", enum: ["set", ["😀", "é", "a", "Z", "\uffff"]] } }).key.enum,
      [
        "Z",
        "a",
        "é",
        "\uffff",
        "😀"
      ]
    )
  })

  it("keeps 64-bit integer bounds exact and drops bounds at their type's natural limits", () => {
    assert.deepStrictEqual(
      columnType({ key: { type: "integer", minInteger: -9223372036854775807n, maxInteger: 9223372036854775806n } }).key,
      { type: "integer", minInteger: -9223372036854775807n, maxInteger: 9223372036854775806n }
    )
    const natural = Result.getOrThrow(Json.parse(
      "{\"key\":{\"type\":\"integer\",\"minInteger\":-9223372036854775808,\"maxInteger\":9223372036854775807}}"
    ))
    assert.deepStrictEqual(columnType(natural).key, { type: "integer" })
    assert.deepStrictEqual(columnType({ key: { type: "string", minLength: 0, maxLength: 4294967295 } }).key, {
      type: "string"
    })
    assert.deepStrictEqual(columnType({ key: { type: "real", minReal: -Number.MAX_VALUE, maxReal: 10 } }).key, {
      type: "real",
      maxReal: 10
    })
    assert.deepStrictEqual(columnType({ key: { type: "real", minReal: 0, maxReal: Number.MAX_VALUE } }).key, {
      type: "real",
      minReal: 0
    })
    assert.deepStrictEqual(columnType({ key: { type: "string", minLength: 1, maxLength: 64 } }).key, {
      type: "string",
      minLength: 1,
      maxLength: 64
    })
  })

  it("ignores members that neither RFC 7047 nor Open vSwitch define", () => {
    const schema = decode({
      name: "T",
      version: "1.0.0",
      doc: "newer servers may add members",
      tables: { t: { columns: { c: { type: "string", doc: "x" } }, future: true } }
    })
    assert.deepStrictEqual(schema.tables.t!.columns.c!.type, { key: { type: "string" }, min: 1, max: 1 })
  })
})

describe("DatabaseSchema rejects malformed schemas", () => {
  const at = (...path: ReadonlyArray<string | number>) => `at ${path.map((p) => `[${JSON.stringify(p)}]`).join("")}`
  const column = (...path: ReadonlyArray<string | number>) => at("tables", "t", "columns", "c", "type", ...path)

  const rejected: ReadonlyArray<readonly [string, unknown, ReadonlyArray<string>]> = [
    ["not an object", "schema", ["Expected object"]],
    ["no name", { version: "1.0.0", tables: {} }, ["Missing key", at("name")]],
    ["a name that is not an <id>", { name: "1T", tables: {} }, ["\"1T\" is not an <id>", at("name")]],
    ["a version not x.y.z", { name: "T", version: "1.0", tables: {} }, ["version \"1.0\" is not in the form x.y.z"]],
    ["no tables", { name: "T", version: "1.0.0" }, ["Missing key", at("tables")]],
    ["a reserved table name", { name: "T", tables: { _t: { columns: { c: { type: "string" } } } } }, [
      "names beginning with \"_\" are reserved",
      at("tables", "_t")
    ]],
    ["a table without columns", { name: "T", tables: { t: { columns: {} } } }, [
      "a table needs at least one column",
      at("tables", "t", "columns")
    ]],
    ["a column name that is not an <id>", { name: "T", tables: { t: { columns: { "c-d": { type: "string" } } } } }, [
      "\"c-d\" is not an <id>",
      at("tables", "t", "columns", "c-d")
    ]],
    ["a reserved column name", { name: "T", tables: { t: { columns: { _c: { type: "string" } } } } }, [
      "names beginning with \"_\" are reserved"
    ]],
    ["an unknown atomic type", withColumnType("float"), ["Expected \"integer\" | \"real\"", column()]],
    ["a bare base-type object as a column type", withColumnType({ type: "integer", minInteger: 0 }), [
      "Missing key",
      column("key")
    ]],
    ["min 2", withColumnType({ key: "string", min: 2, max: 5 }), ["Expected 0 | 1", column("min")]],
    ["max 0", withColumnType({ key: "string", min: 0, max: 0 }), ["max must be \"unlimited\" or an integer"]],
    ["max \"lots\"", withColumnType({ key: "string", max: "lots" }), [column("max")]],
    ["a real integer bound", withColumnType({ key: { type: "integer", minInteger: 1.5 } }), [
      "expected an integer, not 1.5",
      column("key", "minInteger")
    ]],
    ["a rounded integer bound", withColumnType({ key: { type: "integer", maxInteger: 2 ** 60 } }), [
      "beyond ±(2^53 - 1) and was rounded"
    ]],
    ["a bound beyond 64 bits", withColumnType({ key: { type: "integer", maxInteger: 2n ** 63n } }), [
      "9223372036854775808 is beyond the 64-bit integer range"
    ]],
    ["minInteger above maxInteger", withColumnType({ key: { type: "integer", minInteger: 5, maxInteger: 1 } }), [
      "minInteger 5 exceeds maxInteger 1",
      column("key", "maxInteger")
    ]],
    [
      "a 64-bit minInteger above maxInteger",
      withColumnType({
        key: { type: "integer", minInteger: 9223372036854775806n, maxInteger: 1 }
      }),
      ["minInteger 9223372036854775806 exceeds maxInteger 1"]
    ],
    ["an enum integer beyond 64 bits", withColumnType({ key: { type: "integer", enum: 2n ** 64n } }), [
      "18446744073709551616 is not an integer"
    ]],
    ["minReal above maxReal", withColumnType({ key: { type: "real", minReal: 1.5, maxReal: -1 } }), [
      "minReal 1.5 exceeds maxReal -1"
    ]],
    ["minLength above maxLength", withColumnType({ key: { type: "string", minLength: 3, maxLength: 2 } }), [
      "minLength 3 exceeds maxLength 2"
    ]],
    ["a negative length", withColumnType({ key: { type: "string", minLength: -1 } }), [
      "expected an integer from 0 to 4294967295, not -1"
    ]],
    ["a constraint for another type", withColumnType({ key: { type: "string", minInteger: 0 } }), [
      "minInteger does not apply to type string",
      column("key", "minInteger")
    ]],
    ["refTable on a string", withColumnType({ key: { type: "string", refTable: "t" } }), [
      "refTable does not apply to type string"
    ]],
    ["enum with a bound", withColumnType({ key: { type: "integer", enum: ["set", [1, 2]], minInteger: 0 } }), [
      "minInteger cannot be combined with enum"
    ]],
    ["refType without refTable", withColumnType({ key: { type: "uuid", refType: "weak" } }), [
      "refType needs refTable",
      column("key", "refType")
    ]],
    ["refType neither strong nor weak", withColumnType({ key: { type: "uuid", refTable: "t", refType: "soft" } }), [
      "Expected \"strong\" | \"weak\""
    ]],
    ["refTable that is not an <id>", withColumnType({ key: { type: "uuid", refTable: "1b" } }), [
      "\"1b\" is not an <id>"
    ]],
    ["refTable naming no table", withColumnType({ key: { type: "uuid", refTable: "nope" } }), [
      "no table \"nope\" in database T",
      column("key", "refTable")
    ]],
    ["a map value referring to no table", withColumnType({ key: "string", value: { type: "uuid", refTable: "x" } }), [
      column("value", "refTable")
    ]],
    ["an empty enum", withColumnType({ key: { type: "integer", enum: ["set", []] } }), [
      "enum needs at least one value"
    ]],
    ["a value twice in an enum", withColumnType({ key: { type: "string", enum: ["set", ["a", "b", "a"]] } }), [
      "enum holds \"a\" twice"
    ]],
    ["an enum value of another type", withColumnType({ key: { type: "integer", enum: ["set", ["x", 2]] } }), [
      "\"x\" is not an integer",
      column("key", "enum")
    ]],
    ["a malformed UUID in an enum", withColumnType({ key: { type: "uuid", enum: ["uuid", "abc"] } }), [
      "\"abc\" is not a UUID"
    ]],
    ["maxRows 0", { name: "T", tables: { t: { maxRows: 0, columns: { c: { type: "string" } } } } }, [
      "maxRows must be an integer of at least 1, not 0"
    ]],
    ["an index on no column", { name: "T", tables: { t: { indexes: [[]], columns: { c: { type: "string" } } } } }, [
      "an index needs at least one column",
      at("tables", "t", "indexes", 0)
    ]],
    ["an index on an unknown column", {
      name: "T",
      tables: { t: { indexes: [["x"]], columns: { c: { type: "string" } } } }
    }, [
      "\"x\" is not a column of this table",
      at("tables", "t", "indexes", 0, 0)
    ]],
    ["a column twice in an index", {
      name: "T",
      tables: { t: { indexes: [["c", "c"]], columns: { c: { type: "string" } } } }
    }, ["\"c\" appears twice in the index", at("tables", "t", "indexes", 0, 1)]],
    ["an index on an ephemeral column", {
      name: "T",
      tables: { t: { indexes: [["c"]], columns: { c: { type: "string", ephemeral: true } } } }
    }, ["ephemeral column \"c\" cannot be indexed"]],
    ["an index on _version", {
      name: "T",
      tables: { t: { indexes: [["_version"]], columns: { c: { type: "string" } } } }
    }, [
      "ephemeral column \"_version\" cannot be indexed"
    ]]
  ]
  for (const [what, json, expected] of rejected) {
    it(`rejects ${what}`, () => {
      const error = decodeError(json)
      assert.strictEqual(error._tag, "DatabaseSchemaError")
      assert.match(error.message, /^invalid database schema: /)
      for (const text of expected) assert.include(error.message, text)
    })
  }

  it("names a misfit in an enum without calling it a duplicate", () => {
    const error = decodeError(withColumnType({ key: { type: "integer", enum: ["set", ["x", 2]] } }))
    assert.notInclude(error.detail, "twice")
  })

  it("accepts an index on _uuid, as ovsdb-server does", () => {
    const schema = decode({ name: "T", tables: { t: { indexes: [["_uuid"]], columns: { c: { type: "string" } } } } })
    assert.deepStrictEqual(schema.tables.t!.indexes, [["_uuid"]])
  })

  it("reports every problem at once", () => {
    const error = decodeError({
      name: "T",
      tables: {
        t: {
          columns: {
            a: { type: { key: { type: "integer", minInteger: 2, maxInteger: 1 } } },
            b: { type: { key: { type: "uuid", refTable: "nope" } } },
            c: { type: "float" }
          }
        }
      }
    })
    assert.include(error.detail, "minInteger 2 exceeds maxInteger 1")
    assert.include(error.detail, at("tables", "t", "columns", "c", "type"))
  })
})
