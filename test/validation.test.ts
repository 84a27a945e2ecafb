// Validation before sending, checked against the real server: for a corpus of valid and invalid
// values, what the column codecs reject the server rejects too, and what they accept it accepts.
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer, Result } from "effect"
import type { Json } from "../src/Json.js"
import * as Ovsdb from "../src/Ovsdb.js"
import * as ColumnCodec from "../src/protocol/ColumnCodec.js"
import * as Value from "../src/protocol/Value.js"
import { OvsdbServer } from "./support/OvsdbServer.js"

const NB = "OVN_Northbound"

const TestLayer = Layer.provideMerge(
  Layer.unwrap(OvsdbServer.use((server) => Effect.succeed(Ovsdb.layer({ remote: server.unix })))),
  OvsdbServer.layer({ databases: ["OVN_Northbound"] })
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

layer(TestLayer, { timeout: 60_000, excludeTestServices: true })("validation before sending", (it) => {
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
