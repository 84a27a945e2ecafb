// Validation before sending, checked against the real server: for a corpus of valid and invalid
// values, what the column codecs reject the server rejects too, and what they accept it accepts.
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer, Result } from "effect"
import type { Json } from "../src/Json.js"
import type * as Model from "../src/Model.js"
import * as Vswitch from "../src/models/Open_vSwitch.js"
import * as Nb from "../src/models/OVN_Northbound.js"
import * as Ovsdb from "../src/Ovsdb.js"
import * as ColumnCodec from "../src/protocol/ColumnCodec.js"
import type * as Operation from "../src/protocol/Operation.js"
import * as Value from "../src/protocol/Value.js"
import * as Typed from "../src/Typed.js"
import { OvsdbServer } from "./support/OvsdbServer.js"
import * as ValueCorpus from "./support/ValueCorpus.js"

const NB = "OVN_Northbound"

const TestLayer = Layer.provideMerge(
  Layer.unwrap(OvsdbServer.use((server) => Effect.succeed(Ovsdb.layer({ remote: server.unix })))),
  OvsdbServer.layer({ databases: ["OVN_Northbound", "Open_vSwitch"] })
)

/** Values to try in a column; the wire form is written without any check, to see what the server says. */
const corpus: ReadonlyArray<readonly [table: string, column: string, values: ReadonlyArray<Value.Value>]> = [
  ["Logical_Switch_Port", "tag_request", [0, 1, 4095, 4096, -1, 9007199254740993n, 1.5, "7", true, [], [5], [1, 2]]],
  ["Logical_Switch_Port", "name", ["", "port-1", "é ☃ 😀", 5, ["a", "b"], []]],
  ["Logical_Switch_Port", "addresses", [[], ["router"], ["a", "b", "c"], "single", [1]]],
  ["Logical_Switch_Port", "enabled", [true, false, [], "yes", [true, false]]],
  [
    "Logical_Switch_Port",
    "external_ids",
    [
      new Map(),
      new Map([["k", "v"]]),
      new Map<Value.Atom, Value.Atom>([["k", 1]]),
      new Map<Value.Atom, Value.Atom>([[1, "v"]]),
      ["k"]
    ]
  ],
  ["ACL", "action", ["allow", "allow-related", "drop", "explode", "", 1]],
  ["ACL", "priority", [0, 32767, 32768, -1, 1000]],
  ["ACL", "severity", [[], "alert", "info", "loud"]],
  ["Load_Balancer", "protocol", [[], "tcp", "udp", "sctp", "quic"]]
]

/** Columns a row of each table must have besides the one under test. */
const BASE_ROW: { readonly [table: string]: { readonly [column: string]: Json } } = {
  Logical_Switch_Port: { name: "base" },
  ACL: { action: "allow", direction: "to-lport", match: "1", priority: 1 },
  Load_Balancer: { name: "lb" }
}

/** A value's wire form, with `undefined` as the empty set. */
const wire = (value: Value.Value | undefined): Json => value === undefined ? ["set", []] : Value.encode(value)

const show = (json: Json) => JSON.stringify(json, (_, v) => typeof v === "bigint" ? `${v}` : v)

type Clause = readonly [column: string, fn: string, value: Value.Value | undefined]

/** Conditions to try, the same value written unchecked for the server. */
const conditions: ReadonlyArray<readonly [Model.Table<string, object, string>, ReadonlyArray<Clause>]> = [
  [Nb.ACL, [
    ["priority", "<", 100],
    ["priority", ">=", 40000],
    ["priority", "==", 1.5],
    ["priority", "includes", 5],
    ["priority", "==", []],
    ["priority", "includes", []],
    ["action", "==", "drop"],
    ["action", "==", "explode"],
    ["action", "<", "drop"],
    ["severity", "==", undefined],
    ["severity", "includes", "alert"],
    ["severity", "==", "loud"],
    ["severity", "==", ["alert", "info"]],
    ["name", "==", "x".repeat(64)],
    ["name", "!=", "x".repeat(63)],
    ["_uuid", "==", Value.uuid("36c7aec5-e358-4f3d-8de0-78a6a2bb2433")],
    ["_uuid", "==", Value.uuid("not-a-uuid")],
    ["priority", "~", 1],
    ["nosuch", "==", 1]
  ]],
  [Nb.Logical_Switch_Port, [
    ["tag_request", "<", 5],
    ["tag_request", ">", 5000],
    ["tag_request", "==", undefined],
    ["addresses", "includes", ["a", "b", "c"]],
    ["addresses", "<", 1],
    ["addresses", "==", "single"],
    ["external_ids", "includes", new Map([["k", "v"]])],
    ["external_ids", "excludes", new Map<Value.Atom, Value.Atom>([["k", 1]])],
    ["external_ids", ">", 1],
    ["enabled", "==", [true, false]],
    ["enabled", "<", true]
  ]]
]

/** Mutations to try; no row matches, so only the mutation's own form is judged. */
const mutations: ReadonlyArray<readonly [Model.Table<string, object, string>, ReadonlyArray<Clause>]> = [
  [Nb.ACL, [
    ["priority", "+=", 1],
    ["priority", "-=", 40000],
    ["priority", "+=", 1.5],
    ["priority", "%=", 2],
    ["priority", "insert", 1],
    ["action", "insert", "drop"],
    ["action", "+=", 1],
    ["severity", "insert", "alert"],
    ["name", "insert", "x"],
    ["priority", "^=", 1],
    ["_uuid", "+=", 1]
  ]],
  [Nb.Logical_Switch_Port, [
    ["tag_request", "+=", 1],
    ["tag_request", "*=", 1.5],
    ["addresses", "insert", ["a", "b"]],
    ["addresses", "insert", "c"],
    ["addresses", "delete", []],
    ["addresses", "insert", [1]],
    ["addresses", "+=", 1],
    ["external_ids", "insert", new Map([["k", "v"]])],
    ["external_ids", "insert", ["k"]],
    ["external_ids", "delete", ["k"]],
    ["external_ids", "delete", new Map([["k", "v"]])],
    ["external_ids", "delete", [1]],
    ["enabled", "insert", true]
  ]],
  [Nb.Load_Balancer, [
    ["protocol", "insert", "quic"],
    ["vips", "insert", new Map([["10.0.0.1:80", "10.0.0.2:80"]])]
  ]],
  [Vswitch.Bridge, [
    ["name", "insert", ["x"]],
    ["flood_vlans", "insert", [4096]],
    ["flood_vlans", "insert", [5]],
    ["mcast_snooping_enable", "+=", 1]
  ]],
  [Vswitch.Interface, [
    ["ofport_request", "+=", 1],
    ["ofport_request", "/=", 0.5],
    ["mtu_request", "%=", 3]
  ]]
]

const NOBODY = Value.uuid("00000000-0000-0000-0000-000000000000")
const NO_ROW: Json = [["_uuid", "==", Value.encode(NOBODY)]]

/**
 * For each case, whether we accept it (the typed operation carries no refusal) and whether the
 * server does (the same operation, written unchecked, gets no error); the disagreements, and how
 * many we refused.
 */
const compare = (
  cases: ReadonlyArray<readonly [Model.Table<string, object, string>, ReadonlyArray<Clause>]>,
  typed: (table: Model.Table<string, object, string>, clause: Clause) => Operation.Any,
  raw: (table: string, clause: Json) => Json
) =>
  Effect.gen(function*() {
    const ovsdb = yield* Ovsdb.Ovsdb
    const disagreements: Array<string> = []
    let rejected = 0
    for (const [table, clauses] of cases) {
      for (const clause of clauses) {
        const ours = typed(table, clause).problem === undefined
        const json: Json = [clause[0], clause[1], wire(clause[2])]
        const reply = yield* ovsdb.transactJson(table.database, [raw(table.name, json)])
        const theirs = reply.every((result) => typeof result !== "object" || result === null || !("error" in result))
        if (!ours) rejected++
        if (ours !== theirs) {
          disagreements.push(`${table.name}: ${show(json)}: ours ${ours}, server ${theirs} ${show(reply)}`)
        }
      }
    }
    return { disagreements, rejected, tried: cases.reduce((n, [, clauses]) => n + clauses.length, 0) }
  })

layer(TestLayer, { timeout: 60_000, excludeTestServices: true })("validation before sending", (it) => {
  describe("a corpus generated from every column of OVN_Northbound and Open_vSwitch", () => {
    it.effect("is refused exactly when ovsdb-server refuses it", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const disagreements: Array<string> = []
        let tried = 0
        let rejected = 0
        for (const model of [Nb.database, Vswitch.database]) {
          for (const table of Object.values(model.tables) as ReadonlyArray<Model.Table<string, object, string>>) {
            for (const column of Object.values(table.schema!.columns)) {
              if (column.name.startsWith("_")) continue
              for (const value of ValueCorpus.values(column.type)) {
                const ours = Typed.update(table, [["_uuid", "==", NOBODY]] as never, { [column.name]: value } as never)
                  .problem === undefined
                const reply = yield* ovsdb.transactJson(model.name, [{
                  op: "update",
                  table: table.name,
                  where: NO_ROW,
                  row: { [column.name]: wire(value) }
                }])
                const theirs = reply.every((r) => typeof r !== "object" || r === null || !("error" in r))
                tried++
                if (!ours) rejected++
                if (ours !== theirs) {
                  disagreements.push(
                    `${table.name}.${column.name} = ${show(wire(value))}: ours ${ours}, server ${show(reply)}`
                  )
                }
              }
            }
          }
        }
        console.log(`generated corpus: ${tried} values, ${rejected} refused, ${disagreements.length} disagreements`)
        assert.deepStrictEqual(disagreements.slice(0, 20), [])
        assert.isAbove(tried, 2000)
        assert.isAbove(rejected, tried / 3) // most columns have several ways to be wrong
      }))
  })

  describe("typed conditions and mutations agree with ovsdb-server", () => {
    it.effect("on every condition of the corpus", () =>
      Effect.gen(function*() {
        const { disagreements, rejected, tried } = yield* compare(
          conditions,
          (table, clause) => Typed.select(table, [clause as never]),
          (table, where) => ({ op: "select", table, where: [where] })
        )
        console.log(`conditions: ${tried} tried, ${rejected} refused, ${disagreements.length} disagreements`)
        assert.deepStrictEqual(disagreements, [])
        assert.isAbove(rejected, 15)
      }))

    it.effect("on every mutation of the corpus", () =>
      Effect.gen(function*() {
        const { disagreements, rejected, tried } = yield* compare(
          mutations,
          (table, clause) => Typed.mutate(table, [["_uuid", "==", NOBODY] as never], [clause as never]),
          (table, mutation) => ({ op: "mutate", table, where: NO_ROW, mutations: [mutation] })
        )
        console.log(`mutations: ${tried} tried, ${rejected} refused, ${disagreements.length} disagreements`)
        assert.deepStrictEqual(disagreements, [])
        assert.isAbove(rejected, 12)
      }))
  })

  describe("unknown tables and columns", () => {
    it.effect("are refused before sending, as the server refuses them", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        // Each with the server's own words for it.
        const cases: ReadonlyArray<readonly [Operation.Any, Json, RegExp]> = [
          [
            Typed.insert(Nb.database.table("No_Such_Table"), {}),
            { op: "insert", table: "No_Such_Table", row: {} },
            /No table named No_Such_Table/
          ],
          [
            Typed.insert(Nb.Logical_Switch, { no_such_column: 1 } as never),
            { op: "insert", table: "Logical_Switch", row: { no_such_column: 1 } },
            /No column no_such_column in table Logical_Switch/
          ],
          [
            Typed.select(Nb.Logical_Switch, [], ["no_such_column"] as never),
            { op: "select", table: "Logical_Switch", where: [], columns: ["no_such_column"] },
            /no_such_column is not a valid column name/
          ]
        ]
        for (const [typed, raw, theirs] of cases) {
          assert.strictEqual(typed.problem?._tag, "ValueError")
          const [reply] = yield* ovsdb.transactJson(NB, [raw])
          assert.match(show(reply!), theirs)
          const sent = yield* Effect.flip(ovsdb.transact(NB, typed))
          assert.strictEqual(sent._tag, "ValueError")
        }
      }))
  })

  describe("agrees with ovsdb-server", () => {
    it.effect("on every value of the corpus", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const codecs = ColumnCodec.forDatabase(yield* ovsdb.getSchema(NB))
        const disagreements: Array<string> = []
        let rejected = 0
        for (const [table, column, values] of corpus) {
          for (const value of values) {
            const ours = Result.isSuccess(codecs[table]![column]!.encode(value))
            const row = { ...BASE_ROW[table], [column]: Value.encode(value) }
            const reply = yield* ovsdb.transactJson(NB, [{ op: "insert", table, row }])
            const theirs = reply.every((result) =>
              typeof result !== "object" || result === null || !("error" in result)
            )
            if (!ours) rejected++
            if (ours !== theirs) {
              disagreements.push(
                `${table}.${column} = ${
                  JSON.stringify(Value.encode(value), (_, v) => typeof v === "bigint" ? `${v}` : v)
                }: ours ${ours}, server ${theirs}`
              )
            }
          }
        }
        assert.deepStrictEqual(disagreements, [])
        assert.isAbove(rejected, 15) // the corpus is not all valid values
      }))
  })

  describe("compatibility at connect", () => {
    it.effect("a model fits a server that has more tables and columns", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const server = yield* ovsdb.getSchema(NB)
        yield* ovsdb.ensureCompatible(server)
        // An older model: fewer tables, fewer columns.
        const { ACL: _acl, ...tables } = server.tables
        const { external_ids: _ids, ...columns } = server.tables.Logical_Switch!.columns
        yield* ovsdb.ensureCompatible({
          ...server,
          tables: { ...tables, Logical_Switch: { ...server.tables.Logical_Switch!, columns } }
        })
      }))

    it.effect("a missing table or column, or a column of another type, fails listing every difference", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const server = yield* ovsdb.getSchema(NB)
        const ls = server.tables.Logical_Switch!
        const lsp = server.tables.Logical_Switch_Port!
        const model = {
          ...server,
          tables: {
            ...server.tables,
            Not_There: { ...ls, name: "Not_There" },
            Logical_Switch: { ...ls, columns: { ...ls.columns, added: { ...ls.columns.name!, name: "added" } } },
            Logical_Switch_Port: {
              ...lsp,
              columns: {
                ...lsp.columns,
                tag_request: {
                  ...lsp.columns.tag_request!,
                  type: { key: { type: "string" as const }, min: 0 as const, max: "unlimited" as const }
                }
              }
            }
          }
        }
        const error = yield* Effect.flip(ovsdb.ensureCompatible(model))
        assert.strictEqual(error._tag, "SchemaMismatch")
        if (error._tag === "SchemaMismatch") {
          assert.sameMembers([...error.differences], [
            "table Not_There is missing",
            "column Logical_Switch.added is missing",
            "column Logical_Switch_Port.tag_request is optional integer, not set of string (0..unlimited)"
          ])
          assert.include(error.message, "does not fit the model")
        }
      }))
  })
})
