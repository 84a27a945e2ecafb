// The in-memory database engine (src/server/Engine.ts): unit tests, and cross-checks that run the same
// raw transactions on a real ovsdb-server and on the engine and compare the replies, with UUIDs named
// by their order of appearance (so that ["uuid","<random>"] becomes ["uuid","#1"] on each side).
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll } from "vitest"
import { type Json, parse as parseJson } from "../src/Json.js"
import * as Ovsdb from "../src/Ovsdb.js"
import * as DatabaseSchema from "../src/protocol/DatabaseSchema.js"
import * as Value from "../src/protocol/Value.js"
import * as Engine from "../src/server/Engine.js"
import * as HashOrder from "../src/server/engine/hashOrder.js"
import { OvsdbServer, runTool, SCHEMAS } from "./support/OvsdbServer.js"

const NB = "OVN_Northbound"
const VS = "Open_vSwitch"
const ET = "Engine_Test"
const ENGINE_TEST_SCHEMA = new URL("./fixtures/engine-test.ovsschema", import.meta.url).pathname

const readSchemaFile = (path: string): Json => {
  const parsed = parseJson(Fs.readFileSync(path, "utf8"))
  if (parsed._tag === "Failure") throw new Error(`${path}: ${parsed.failure}`)
  return parsed.success
}

const SOURCES: { readonly [db: string]: Json } = {
  [NB]: readSchemaFile(SCHEMAS.OVN_Northbound),
  [VS]: readSchemaFile(SCHEMAS.Open_vSwitch),
  [ET]: readSchemaFile(ENGINE_TEST_SCHEMA)
}

const decodeSchema = (db: string) => Effect.runSync(DatabaseSchema.decode(SOURCES[db]))

const makeEngine = (db: string, options?: Engine.MakeOptions) =>
  Engine.make(decodeSchema(db), { schemaSource: SOURCES[db]!, ...options })

const context = (overrides?: Partial<Engine.TransactContext>): Engine.TransactContext => ({
  hasLock: () => false,
  now: 1_000_000,
  ...overrides
})

// --- comparing replies ---

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g

const text = (json: Json): string =>
  JSON.stringify(json, (_key, value: unknown) => typeof value === "bigint" ? `${value}n` : value)

/** How a reply is compared: the rows of a select sorted, unless their order is the point. */
interface CompareOptions {
  readonly ordered?: boolean
}

/**
 * The reply with each UUID named by its order of appearance (object members walked in name order).
 * Unless `ordered`, what ovsdb-server orders by random UUIDs is put in an order of its own first: a
 * select's rows and the elements of a set of UUIDs, by their text with the UUIDs already named by
 * their names and the others masked; and the two rows a unique index violation names, by name.
 * Their contents are compared, not their order.
 */
const normalize = (json: Json, options?: CompareOptions): Json => {
  const ordered = options?.ordered === true
  const names = new Map<string, string>()
  const name = (uuid: string) => {
    let named = names.get(uuid)
    if (named === undefined) {
      named = `#${names.size + 1}`
      names.set(uuid, named)
    }
    return named
  }
  const byKey = (a: Json, b: Json) => {
    const x = text(walk(a, undefined, true))
    const y = text(walk(b, undefined, true))
    return x < y ? -1 : x > y ? 1 : 0
  }
  const isUuidSet = (value: ReadonlyArray<Json>) =>
    value.length === 2 && value[0] === "set" && Array.isArray(value[1]) &&
    (value[1] as ReadonlyArray<Json>).every((item) => Array.isArray(item) && item[0] === "uuid")
  const walk = (value: Json, key: string | undefined, dry: boolean): Json => {
    if (typeof value === "string") {
      const named = value.replace(UUID, (uuid) => dry ? names.get(uuid) ?? "~" : name(uuid))
      return ordered || dry ? named : swapIndexRows(named)
    }
    if (Array.isArray(value)) {
      if (!ordered && key === "rows") return [...value].sort(byKey).map((row) => walk(row, undefined, dry))
      if (!ordered && isUuidSet(value)) {
        return [
          "set",
          [...(value[1] as ReadonlyArray<Json>)].sort(byKey).map((item) => walk(item, undefined, dry))
        ]
      }
      return value.map((item) => walk(item, undefined, dry))
    }
    if (value !== null && typeof value === "object") {
      const out: { [key: string]: Json } = {}
      for (const member of Object.keys(value).sort()) {
        out[member] = walk((value as { readonly [key: string]: Json })[member]!, member, dry)
      }
      return out
    }
    return value
  }
  return walk(json, undefined, false)
}

/** A unique index violation's two rows, the one with the lower name first. */
const swapIndexRows = (details: string): string => {
  const match = /^(.*?)(First|Second) row, with UUID (#\d+), (.*?)  (First|Second) row, with UUID (#\d+), (.*)$/.exec(
    details
  )
  if (match === null) return details
  const [, head, , a, aText, , b, bText] = match
  const [first, second] = Number(a!.slice(1)) < Number(b!.slice(1))
    ? [[a, aText], [b, bText]]
    : [[b, bText], [a, aText]]
  return `${head}First row, with UUID ${first[0]}, ${first[1]}  Second row, with UUID ${second[0]}, ${second[1]}`
}

let comparisons = 0

type Check = (
  db: string,
  operations: ReadonlyArray<Json>,
  options?: CompareOptions & { readonly context?: Partial<Engine.TransactContext> }
) => Effect.Effect<ReadonlyArray<Json>, unknown, Ovsdb.Ovsdb>

/** The real server and one engine per database, fed the same transactions. */
interface Pair {
  readonly engines: { readonly [db: string]: Engine.Engine }
  /** Runs a transaction on both; asserts that their replies agree; returns the engine's reply. */
  readonly check: Check
  /**
   * Runs transactions one after the other on both and compares all their replies at once, so that a
   * UUID keeps its name from one reply to the next.
   */
  readonly checkAll: (
    db: string,
    transactions: ReadonlyArray<ReadonlyArray<Json>>,
    options?: CompareOptions
  ) => Effect.Effect<ReadonlyArray<ReadonlyArray<Json>>, unknown, Ovsdb.Ovsdb>
}

const makePair = (): Pair => {
  const engines: { readonly [db: string]: Engine.Engine } = {
    [NB]: makeEngine(NB),
    [VS]: makeEngine(VS),
    [ET]: makeEngine(ET)
  }
  const both = (
    db: string,
    operations: ReadonlyArray<Json>,
    overrides?: Partial<Engine.TransactContext>
  ) =>
    Effect.gen(function*() {
      const ovsdb = yield* Ovsdb.Ovsdb
      const real = yield* ovsdb.transactJson(db, operations)
      const outcome = engines[db]!.transact(operations, context(overrides))
      assert.strictEqual(outcome._tag, "Reply", `the engine's outcome: ${text(outcome as unknown as Json)}`)
      return { real, mine: outcome._tag === "Reply" ? outcome.result : [] }
    })
  const compare = (mine: Json, real: Json, what: Json, options?: CompareOptions) => {
    comparisons++
    assert.deepStrictEqual(text(normalize(mine, options)), text(normalize(real, options)), `operations: ${text(what)}`)
  }
  const check: Check = (db, operations, options) =>
    Effect.gen(function*() {
      const { mine, real } = yield* both(db, operations, options?.context)
      compare(mine, real, operations, options)
      return mine
    })
  const checkAll: Pair["checkAll"] = (db, transactions, options) =>
    Effect.gen(function*() {
      const mine: Array<ReadonlyArray<Json>> = []
      const real: Array<ReadonlyArray<Json>> = []
      for (const operations of transactions) {
        const replies = yield* both(db, operations)
        mine.push(replies.mine)
        real.push(replies.real)
      }
      compare(mine, real, transactions, options)
      return mine
    })
  return { engines, check, checkAll }
}

const ServerLayer = Layer.effect(
  OvsdbServer,
  Effect.gen(function*() {
    const server = yield* OvsdbServer.start()
    const file = Path.join(server.dir, `${ET}.db`)
    yield* runTool("ovsdb-tool", ["create", file, ENGINE_TEST_SCHEMA])
    yield* runTool("ovs-appctl", ["-t", server.ctl, "ovsdb-server/add-db", file])
    return server
  })
)
const ClientLayer = Layer.unwrap(
  OvsdbServer.use((server) => Effect.succeed(Ovsdb.layerConnection({ remote: server.unix })))
)
const TestLayer = Layer.provideMerge(ClientLayer, ServerLayer)

layer(TestLayer, { timeout: 120_000, excludeTestServices: true })("the engine against ovsdb-server", (it) => {
  const pair = makePair()
  const { check, checkAll } = pair
  const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, "0")}`
  const named = (name: string): Json => ["named-uuid", name]
  const ref = (n: number): Json => ["uuid", uuid(n)]
  const insert = (table: string, row: Json, extra?: { readonly [key: string]: Json }): Json => ({
    op: "insert",
    table,
    row,
    ...extra
  })
  const select = (table: string, where: Json, columns?: ReadonlyArray<string>): Json => ({
    op: "select",
    table,
    where,
    ...(columns === undefined ? {} : { columns })
  })
  const update = (table: string, where: Json, row: Json): Json => ({ op: "update", table, where, row })
  const mutate = (table: string, where: Json, mutations: Json): Json => ({ op: "mutate", table, where, mutations })
  const del = (table: string, where: Json): Json => ({ op: "delete", table, where })
  const byName = (name: string): Json => [["name", "==", name]]

  describe("insert", () => {
    it.effect("fills the columns it is not given with their defaults", () =>
      checkAll(ET, [[insert("Root", { name: "defaults" })], [select("Root", byName("defaults"))]]))

    it.effect("takes every kind of value, sorting sets and maps as ovsdb-server does", () =>
      checkAll(ET, [
        [insert("Root", {
          name: "values",
          i: -10,
          r: 999.999,
          b: true,
          s: "héllo",
          e: "green",
          ie: ["set", [3, 1, 2]],
          int: 9223372036854775807n,
          real: -1e-300,
          str: "z\u0001\n\"\\é😀",
          u: ref(1),
          oi: ["set", [-9223372036854775808n]],
          iset: ["set", [5, -3, 9007199254740993n, 0]],
          rset: ["set", [2.5, -0.5, 1e300, 0.1]],
          sset: ["set", ["b", "a", "é", "z", "😀", "\uffff", "A", ""]],
          bset: ["set", [true, false]],
          uset: ["set", [ref(9), ref(3), ["uuid", "FFFFFFFF-0000-4000-8000-000000000001"]]],
          small: ["set", [10, 0]],
          smap: ["map", [["b", "2"], ["a", "1"], ["é", "3"]]],
          imap: ["map", [[7, 1000], [-7, 0]]],
          rmap: ["map", [[1.5, true], [-1.5, false]]]
        })],
        [select("Root", byName("values"))]
      ]))

    it.effect("reports its row's UUID, chosen with uuid (an Open vSwitch extension) or made up", () =>
      checkAll(ET, [
        [insert("Target", { k: "fixed" }, { uuid: uuid(100) }), insert("Target", { k: "random" })],
        [select("Target", [["k", "includes", "fixed"]], ["_uuid", "k"])],
        [insert("Target", { k: "upper" }, { uuid: "ABCDEF00-0000-4000-8000-000000000101" })],
        [select("Target", [["_uuid", "==", ["uuid", "abcdef00-0000-4000-8000-000000000101"]]], ["k"])]
      ]))

    it.effect("refuses a UUID that is taken, was deleted in the same transaction, or is not one", () =>
      checkAll(ET, [
        [insert("Target", { k: "taken" }, { uuid: uuid(110) })],
        [insert("Target", { k: "taken2" }, { uuid: uuid(110) })],
        [del("Target", [["k", "==", "taken"]]), insert("Target", { k: "again" }, { uuid: uuid(110) })],
        [insert("Target", { k: "bad" }, { uuid: "not-a-uuid" })],
        [insert("Target", { k: "bad" }, { uuid: 5 })],
        // Inserted and deleted in one transaction, a UUID may be used again.
        [
          insert("Target", { k: "once" }, { uuid: uuid(111) }),
          del("Target", [["k", "==", "once"]]),
          insert("Target", { k: "twice" }, { uuid: uuid(111) })
        ],
        // A UUID of another table is fine.
        [insert("Root", { name: "same-uuid" }, { uuid: uuid(110) })]
      ]))

    it.effect("names a row with uuid-name for the other operations, before and after its insert", () =>
      checkAll(ET, [
        [
          // Used before its insert: the name's UUID is made up then, and the insert takes it.
          insert("Root", { name: "forward", strong: ["set", [named("kid")]], u: named("kid") }),
          insert("Child", { n: 1 }, { "uuid-name": "kid" }),
          insert("Child", { n: 2, kids: named("kid") }, { "uuid-name": "parent" }),
          mutate("Root", byName("forward"), [["strong", "insert", ["set", [named("parent")]]]]),
          select("Child", [["_uuid", "==", named("kid")]], ["n"]),
          select("Root", [["strong", "includes", named("parent")]], ["name"])
        ],
        [select("Child", [["n", "<=", 2]], ["n", "kids"])],
        [insert("Child", { n: 3 }, { "uuid-name": "twice" }), insert("Child", { n: 4 }, { "uuid-name": "twice" })],
        [insert("Child", { n: 3 }, { "uuid-name": "not an id" })],
        [insert("Child", { n: 3, kids: ["named-uuid", "1x"] })],
        // A named-uuid no insert creates: a reference to a row that is not there.
        [insert("Root", { name: "dangling", strong: named("nobody") })],
        // uuid and uuid-name together: the name takes the chosen UUID.
        [
          insert("Target", { k: "both" }, { uuid: uuid(120), "uuid-name": "both" }),
          insert("Root", { name: "both-ref", weak: named("both") }),
          select("Root", byName("both-ref"), ["weak"])
        ]
      ]))

    it.effect("checks defaults against their constraints, columns in ovsdb-server's order", () =>
      checkAll(ET, [
        [insert("Capped", {})],
        [insert("Capped", { lo: 1 })],
        [insert("Capped", { color: "red" })],
        [insert("Capped", { lo: 1, color: "red" })],
        [insert("Holder", { name: "h-default" })]
      ]))
  })

  describe("select", () => {
    it.effect("orders rows by every column in ovsdb-server's column order unless told otherwise", () =>
      checkAll(ET, [
        [
          insert("Root", { name: "ord-c", rset: ["set", [3]], sset: ["set", ["x"]] }),
          insert("Root", { name: "ord-a", rset: ["set", [1, 2]] }),
          insert("Root", { name: "ord-b", rset: ["set", [1]], uset: ref(5) }),
          insert("Root", { name: "ord-d", rset: ["set", [1]], uset: ref(4) })
        ],
        [select("Root", [["sset", "excludes", "zzz"], ["int", "==", 0]], ["name", "rset", "uset"])],
        [{ op: "select", table: "Root", where: [["int", "==", 0]], columns: ["name"], sort: ["name"] }]
      ], { ordered: true }))

    it.effect("gives each distinct combination of the columns once when _uuid is not among them", () =>
      checkAll(ET, [
        [
          insert("Target", { k: "dist", v: 1 }),
          insert("Target", { k: "dist", v: 2 }),
          insert("Target", { k: "dist2", v: 1 })
        ],
        [select("Target", [["k", "includes", "dist"]], ["k"])],
        [select("Target", [["v", "<", 10], ["k", "!=", "zzz"]], ["k"])],
        [select("Target", [["v", "<", 10]], ["v", "_uuid"])]
      ]))

    it.effect("evaluates every function on every kind of column", () =>
      Effect.gen(function*() {
        yield* check(ET, [
          insert("Root", {
            name: "fn-1",
            int: 42,
            i: 1,
            r: 1.5,
            b: true,
            s: "x",
            e: "red",
            oi: 5,
            iset: ["set", [1, 2]],
            smap: ["map", [["a", "1"], ["b", "2"]]],
            uset: ref(7)
          }),
          insert("Root", { name: "fn-2", int: 42, i: 2, r: -1, s: "y", oi: ["set", []], iset: ["set", [2, 3]] }),
          insert("Root", { name: "fn-3", int: 42, i: 3, r: 2.5, iset: ["set", []], smap: ["map", [["a", "1"]]] })
        ])
        const clauses: ReadonlyArray<Json> = [
          ["i", "<", 2],
          ["i", "<=", 2],
          ["i", ">", 2],
          ["i", ">=", 2],
          ["i", "==", 2],
          ["i", "!=", 2],
          ["i", "includes", 2],
          ["i", "excludes", 2],
          ["r", "<", 0],
          ["r", ">=", 1.5],
          ["r", "==", 2.5],
          ["b", "==", true],
          ["b", "!=", true],
          ["s", "==", "x"],
          ["s", "==", ["set", []]],
          ["s", "!=", ["set", []]],
          ["s", "includes", "x"],
          ["s", "includes", ["set", []]],
          ["s", "excludes", ["set", ["x", "y"]]],
          ["s", "excludes", ["set", []]],
          ["oi", "<", 10],
          ["oi", ">", 1],
          ["oi", "==", 5],
          ["oi", "!=", 5],
          ["iset", "==", ["set", [1, 2]]],
          ["iset", "==", ["set", []]],
          ["iset", "!=", ["set", [2, 3]]],
          ["iset", "includes", 2],
          ["iset", "includes", ["set", [2, 3]]],
          ["iset", "includes", ["set", []]],
          ["iset", "excludes", ["set", [1, 3]]],
          ["iset", "excludes", ["set", [7]]],
          ["smap", "==", ["map", [["a", "1"]]]],
          ["smap", "includes", ["map", [["a", "1"]]]],
          ["smap", "includes", ["map", [["a", "2"]]]],
          ["smap", "excludes", ["map", [["b", "2"]]]],
          ["smap", "excludes", ["map", [["b", "3"]]]],
          ["uset", "includes", ref(7)],
          ["_uuid", "!=", ref(1)],
          ["name", ">=", "fn-2"],
          true,
          false
        ]
        for (const clause of clauses) {
          yield* check(ET, [select("Root", [clause, ["int", "==", 42]], ["name"])])
        }
      }))

    it.effect("refuses malformed clauses with ovsdb-server's errors", () =>
      Effect.gen(function*() {
        const wheres: ReadonlyArray<Json> = [
          [["name"]],
          [["name", "==", "x", 1]],
          [[1, "==", "x"]],
          [["name", 1, "x"]],
          ["name"],
          [null],
          [["nope", "==", 1]],
          [["name", "===", "x"]],
          [["name", "<", "x"]],
          [["iset", "<", 1]],
          [["b", ">", true]],
          [["oi", "<", ["set", []]]],
          [["s", "includes", ["set", ["a", "b"]]]],
          [["i", "==", "x"]],
          [["i", "==", 1.5]],
          [["i", "==", ["set", [1, 2]]]],
          [["i", "includes", ["set", []]]],
          [["u", "==", ["uuid", "nope"]]],
          [["u", "==", ["named-uuid", "nope"]]],
          [["u", "==", "x"]],
          [["smap", "==", ["set", []]]],
          [["smap", "==", ["map", [["a"]]]]],
          [["smap", "==", ["map", [["a", 1]]]]],
          [["iset", "==", ["set", [1, 1]]]],
          [["smap", "==", ["map", [["a", "1"], ["a", "2"]]]]],
          [["e", "==", "purple"]],
          [["i", "==", 1000]],
          [["s", "==", "toolong"]],
          [["name", "==", "ok"], ["nope", "==", 1]]
        ]
        for (const where of wheres) yield* check(ET, [select("Root", where, ["name"])])
      }))
  })

  describe("update", () => {
    it.effect("counts the rows it matches, changed or not, and keeps unchanged rows' _version", () =>
      checkAll(ET, [
        [insert("Root", { name: "upd-1", int: 1 }), insert("Root", { name: "upd-2", int: 1 })],
        [select("Root", [["name", "includes", "upd-1"]], ["_version", "int"])],
        [update("Root", [["int", "==", 1], ["name", "!=", "zzz"]], { int: 1 })],
        [select("Root", [["name", "includes", "upd-1"]], ["_version", "int"])],
        [update("Root", [["name", "==", "upd-1"]], { int: 2, sset: ["set", ["a"]] })],
        [select("Root", [["name", "includes", "upd-1"]], ["_version", "int", "sset"])],
        [update("Root", [["name", "==", "nobody"]], { int: 2 })]
      ]))

    it.effect("refuses immutable columns, before it reads the where clause", () =>
      checkAll(ET, [
        [insert("Root", { name: "imm", fixed: "set once" })],
        [update("Root", byName("imm"), { fixed: "again" })],
        [update("Root", [["nope", "==", 1]], { fixed: "again" })],
        [update("Root", byName("imm"), { _uuid: ref(1) })],
        [update("Root", byName("imm"), { _version: ref(1) })],
        [update("Root", byName("imm"), { name: "imm", nope: 1, int: "x" })],
        [select("Root", byName("imm"), ["fixed"])]
      ]))
  })

  describe("mutate", () => {
    it.effect("applies every mutator to integers, reals, sets and maps", () =>
      checkAll(ET, [
        [insert("Root", {
          name: "mut",
          i: 10,
          r: 10,
          int: 7,
          real: 7.5,
          oi: 3,
          iset: ["set", [1, 2, 3]],
          rset: ["set", [0.5, 1.5]],
          sset: ["set", ["a", "b"]],
          smap: ["map", [["a", "1"], ["b", "2"]]],
          imap: ["map", [[1, 10]]]
        })],
        [mutate("Root", byName("mut"), [
          ["i", "+=", 5],
          ["r", "-=", 2.25],
          ["int", "*=", -3],
          ["real", "/=", 2],
          ["oi", "%=", 2],
          ["iset", "*=", 10],
          ["rset", "+=", 0.25],
          ["sset", "insert", ["set", ["c", "a"]]],
          ["smap", "insert", ["map", [["a", "changed?"], ["c", "3"]]]],
          ["imap", "insert", ["map", [[2, 20]]]]
        ])],
        [select("Root", byName("mut"), ["i", "r", "int", "real", "oi", "iset", "rset", "sset", "smap", "imap"])],
        [mutate("Root", byName("mut"), [
          ["int", "/=", -4],
          ["iset", "-=", 5],
          ["iset", "%=", 7],
          ["sset", "delete", ["set", ["a", "zz"]]],
          ["smap", "delete", ["map", [["a", "1"], ["b", "wrong"]]]],
          ["smap", "delete", ["set", ["c"]]],
          ["imap", "delete", 1]
        ])],
        [select("Root", byName("mut"), ["int", "iset", "sset", "smap", "imap"])],
        [mutate("Root", [["name", "==", "nobody"]], [["i", "+=", 1]])]
      ]))

    it.effect("fails with range, domain and constraint errors", () =>
      Effect.gen(function*() {
        yield* check(ET, [insert("Root", {
          name: "mut-err",
          i: 10,
          int: 9223372036854775000n,
          real: 1e308,
          iset: ["set", [1, 2]],
          small: ["set", [1, 2]],
          smap: ["map", [["a", "1"]]],
          imap: ["map", [[1, 1], [2, 2]]],
          oi: -5
        })])
        const mutations: ReadonlyArray<Json> = [
          ["int", "+=", 1000],
          ["int", "-=", -1000],
          ["int", "*=", 2],
          ["int", "/=", 0],
          ["int", "%=", 0],
          ["real", "*=", 10],
          ["real", "+=", 1e308],
          ["real", "/=", 0],
          ["real", "%=", 2],
          ["i", "+=", 100],
          ["i", "*=", -2],
          ["iset", "*=", 0],
          ["iset", "/=", 10],
          ["small", "insert", ["set", [3, 4]]],
          ["small", "delete", ["set", [1, 2]]],
          ["small", "+=", 10],
          ["imap", "insert", ["map", [[3, 3]]]],
          ["imap", "insert", ["map", [[3, 3000]]]],
          ["smap", "+=", 1],
          ["name", "insert", "x"],
          ["b", "+=", 1],
          ["iset", "+=", 1.5],
          ["iset", "+=", ["set", [1, 2]]],
          ["iset", "insert", ["set", [1, 1]]],
          ["fixed", "insert", ["set", ["x"]]],
          ["_uuid", "insert", ["set", []]],
          ["nope", "+=", 1],
          ["int", "^=", 1],
          ["int", "+="],
          "int",
          [1, "+=", 1],
          ["ie", "insert", ["set", [4]]],
          ["oi", "/=", -1]
        ]
        for (const mutation of mutations) {
          yield* check(ET, [mutate("Root", byName("mut-err"), [mutation]), select("Root", byName("mut-err"))])
        }
      }))

    it.effect("multiplies as ovsdb-server does, overflow test included", () =>
      Effect.gen(function*() {
        const cases: ReadonlyArray<readonly [Json, Json]> = [
          [1, 9223372036854775807n],
          [3, 3074457345618258602n],
          [3, 3074457345618258601n],
          [-2, -3],
          [-4611686018427387904n, -4],
          [-3, 3074457345618258602n],
          [5, -1844674407370955161n],
          [5, -1844674407370955162n],
          [0, -7],
          [-9223372036854775808n, 1],
          [9223372036854775807n, -1],
          [-1, 4000000000]
        ]
        for (const [x, y] of cases) {
          yield* check(ET, [
            insert("Target", { k: "mul", v: x }),
            mutate("Target", [["k", "==", "mul"]], [["v", "*=", y]]),
            select("Target", [["k", "==", "mul"]], ["v"]),
            { op: "abort" }
          ])
        }
      }))
  })

  describe("delete", () => {
    it.effect("counts the rows it deletes; a row still referred to stays, with the error at commit", () =>
      checkAll(ET, [
        [
          insert("Child", { n: 50 }, { "uuid-name": "c" }),
          insert("Root", { name: "del-holder", strong1: named("c") }),
          insert("Target", { k: "del-1" }),
          insert("Target", { k: "del-2" })
        ],
        [del("Target", [["k", "includes", "del-1"]]), del("Target", [["k", "==", "nobody"]])],
        [del("Child", [["n", "==", 50]])],
        [del("Child", [["n", "==", 50]]), del("Root", byName("del-holder"))],
        [select("Child", [["n", "==", 50]], ["n"])],
        [{ op: "delete", table: "Target" }],
        [{ op: "delete", where: [] }],
        [{ op: "delete", table: "Target", where: {} }]
      ]))
  })

  describe("wait", () => {
    it.effect("passes when the rows are (==) or are not (!=) as given, and fails at once with timeout 0", () =>
      Effect.gen(function*() {
        yield* check(ET, [
          insert("Target", { k: "wait-a", v: 1 }),
          insert("Target", { k: "wait-b", v: 2 })
        ])
        // A wait on Target's v column that does not block: timeout 0.
        const wait = (where: Json, until: string, rows: Json, columns: Json = ["v"]): Json => ({
          op: "wait",
          table: "Target",
          where,
          columns,
          until,
          rows,
          timeout: 0
        })
        const waits: ReadonlyArray<Json> = [
          wait([["k", "includes", "wait-a"]], "==", [{ k: "wait-a", v: 1 }], ["k", "v"]),
          wait([["v", ">=", 1], ["v", "<=", 2], ["k", "!=", "x"]], "==", [{ v: 2 }, { v: 1 }, { v: 1 }]),
          wait([["k", "==", "wait-a"]], "!=", [{ v: 1 }]),
          wait([["k", "==", "wait-a"]], "!=", [{ v: 7 }]),
          wait([["k", "==", "wait-a"]], "==", []),
          wait([["k", "==", "nobody"]], "==", []),
          // Without columns, every column counts, _uuid and _version included.
          { op: "wait", table: "Target", where: [["k", "==", "wait-a"]], until: "!=", rows: [{ k: "wait-a", v: 1 }] },
          { op: "wait", table: "Target", where: [], until: "==", rows: [], timeout: -1 },
          { op: "wait", table: "Target", where: [], until: "<", rows: [], timeout: 0 },
          { op: "wait", table: "Target", where: [], until: "==", rows: [5], timeout: 0 },
          { op: "wait", table: "Target", where: [], until: "==", rows: [{ nope: 1 }], timeout: 0 },
          { op: "wait", table: "Target", where: [], columns: ["nope"], until: "==", rows: [], timeout: 0 },
          { op: "wait", table: "Target", where: [], until: "==", rows: [], timeout: 1.5 },
          { op: "wait", table: "Target", where: [], until: "==" },
          { op: "wait", table: "Target", where: [], rows: [] }
        ]
        for (const operation of waits) yield* check(ET, [operation, select("Target", [["k", "==", "wait-b"]], ["v"])])
      }))

    it.effect("with a timeout that has not passed, blocks its request, then times out after it", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const engine = pair.engines[ET]!
        const operations: ReadonlyArray<Json> = [
          // A wait that holds, with a shorter timeout: the request still waits for the one that blocks.
          { op: "wait", table: "Target", where: [["k", "==", "nobody"]], until: "==", rows: [], timeout: 0 },
          insert("Target", { k: "blocked" }),
          {
            op: "wait",
            table: "Target",
            where: [["k", "==", "wait-never"]],
            columns: ["k"],
            until: "==",
            rows: [{ k: "wait-never" }],
            timeout: 300
          },
          { op: "wait", table: "Target", where: [], until: "==", rows: [], timeout: 50 }
        ]
        const started = performance.now()
        const real = yield* ovsdb.transactJson(ET, operations)
        const took = performance.now() - started
        const first = engine.transact(operations, context({ now: 5000 }))
        assert.deepStrictEqual(first, { _tag: "Blocked", until: 5300 })
        const early = engine.transact(operations, context({ now: 5299, since: 5000 }))
        assert.deepStrictEqual(early, { _tag: "Blocked", until: 5300 })
        const late = engine.transact(operations, context({ now: 5300, since: 5000 }))
        assert.strictEqual(late._tag, "Reply")
        const mine = late._tag === "Reply" ? late.result : []
        assert.deepStrictEqual(mine[2], { error: "timed out", details: "\"wait\" timed out after 300 ms" })
        // ovsdb-server reads a clock cached at the top of its poll loop, so it may count 300 ms a
        // few ms before our clock does; its own count is checked exactly below.
        assert.isAtLeast(took, 290)
        const elapsed = /after (\d+) ms/.exec(text(real))
        assert.isNotNull(elapsed)
        assert.isAtLeast(Number(elapsed![1]), 300)
        comparisons++
        assert.strictEqual(
          text(normalize(real)).replace(/after \d+ ms/, "after N ms"),
          text(normalize(mine)).replace(/after \d+ ms/, "after N ms")
        )
        // Nothing was inserted.
        yield* check(ET, [select("Target", [["k", "==", "blocked"]], ["k"])])
      }))

    it.effect("without a timeout, waits until a commit makes it true, then runs as a whole", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const server = yield* OvsdbServer
        const engine = pair.engines[ET]!
        const operations: ReadonlyArray<Json> = [
          {
            op: "wait",
            table: "Target",
            where: [["k", "==", "awaited"]],
            columns: ["k", "v"],
            until: "==",
            rows: [{ k: "awaited", v: 3 }]
          },
          insert("Target", { k: "after-wait" })
        ]
        const waiting = yield* Effect.forkChild(ovsdb.transactJson(ET, operations))
        assert.deepStrictEqual(engine.transact(operations, context()), { _tag: "Blocked", until: Infinity })
        // Another client inserts the awaited row; the waiting request then runs.
        const other = [insert("Target", { k: "awaited", v: 3 })]
        yield* runTool("ovsdb-client", ["transact", server.unix, text([ET, ...other])])
        const outcome = engine.transact(other, context())
        assert.strictEqual(outcome._tag, "Reply")
        const real = yield* Fiber.join(waiting)
        const again = engine.transact(operations, context())
        assert.strictEqual(again._tag, "Reply")
        comparisons++
        assert.strictEqual(text(normalize(again._tag === "Reply" ? again.result : [])), text(normalize(real)))
        yield* check(ET, [select("Target", [["k", "includes", "after-wait"]], ["k"])])
      }))
  })

  describe("commit, abort, comment, assert", () => {
    it.effect("commit takes durable; abort fails with \"aborted\" and undoes everything", () =>
      checkAll(ET, [
        [{ op: "commit", durable: false }, { op: "commit", durable: true }, { op: "comment", comment: "hello" }],
        [{ op: "commit" }],
        [{ op: "commit", durable: 1 }],
        [insert("Target", { k: "aborted" }), { op: "abort" }, insert("Target", { k: "never" })],
        [select("Target", [["k", "includes", "aborted"]], ["k"])],
        [{ op: "abort", extra: 1 }],
        [{ op: "comment" }],
        [{ op: "comment", comment: 5 }]
      ]))

    it.effect("assert fails with \"not owner\" unless the session holds the lock", () =>
      Effect.gen(function*() {
        yield* check(ET, [{ op: "assert", lock: "mine" }, insert("Target", { k: "asserted" })])
        yield* check(ET, [{ op: "assert", lock: "not an id" }])
        yield* check(ET, [{ op: "assert" }])
        yield* Effect.scoped(Effect.gen(function*() {
          const ovsdb = yield* Ovsdb.Ovsdb
          yield* ovsdb.lock("mine")
          yield* check(ET, [{ op: "assert", lock: "mine" }, insert("Target", { k: "asserted" })], {
            context: { hasLock: (name) => name === "mine" }
          })
          yield* check(ET, [{ op: "assert", lock: "theirs" }], { context: { hasLock: (name) => name === "mine" } })
        }))
      }))
  })

  describe("at commit", () => {
    it.effect("a strong reference to a row that is not there is a referential integrity violation", () =>
      checkAll(ET, [
        [insert("Root", { name: "ri-1", strong: ref(999) })],
        [insert("Root", { name: "ri-2", cmap: ["map", [["a", ref(998)]]] })],
        [
          insert("Holder", { name: "ri-3", one: named("t"), must: named("c") }),
          insert("Target", { k: "ri-t" }, {
            "uuid-name": "t"
          }),
          insert("Child", { n: 3 }, { "uuid-name": "c" })
        ],
        [select("Holder", [["name", "==", "ri-3"]], ["name", "one", "must"])],
        [update("Holder", [["name", "==", "ri-3"]], { must: ref(997) })],
        // Deleting a row referred to, directly or as the transaction deletes its referrer too.
        [del("Child", [["n", "==", 3]])],
        [del("Child", [["n", "==", 3]]), del("Holder", [["name", "==", "ri-3"]])],
        [select("Child", [["n", "==", 3]], ["n"])]
      ]))

    it.effect("a row inserted and deleted in one transaction is not there for references", () =>
      checkAll(ET, [
        [
          insert("Child", { n: 120 }, { "uuid-name": "brief" }),
          insert("Root", { name: "ri-brief", strong: named("brief") }),
          del("Child", [["n", "==", 120]])
        ],
        [
          insert("Child", { n: 121 }, { "uuid-name": "kept" }),
          insert("Root", { name: "ri-kept", strong: named("kept") })
        ],
        // The reference goes and the row with it: fine; a change undone within the transaction is none.
        [
          update("Root", byName("ri-kept"), { strong: ["set", []], int: 5 }),
          del("Child", [["n", "==", 121]]),
          update("Root", byName("ri-kept"), { int: 0 }),
          select("Root", byName("ri-kept"), ["_version", "strong", "int"])
        ],
        [select("Root", byName("ri-kept"), ["_version", "strong", "int"]), select("Child", [["n", "==", 121]], ["n"])],
        [update("Root", byName("ri-kept"), { int: 1 }), update("Root", byName("ri-kept"), { int: 0 })],
        [select("Root", byName("ri-kept"), ["_version", "int"])]
      ]))

    it.effect("rows of non-root tables nothing refers to are deleted, and what only they referred to", () =>
      checkAll(ET, [
        // Nothing refers to this child: it is gone at once.
        [insert("Child", { n: 100 }), select("Child", [["n", "==", 100]], ["n"])],
        [select("Child", [["n", "==", 100]], ["n"])],
        [
          insert("Child", { n: 101, kids: ["set", [named("b"), named("c")]] }, { "uuid-name": "a" }),
          insert("Child", { n: 102, kids: named("c") }, { "uuid-name": "b" }),
          insert("Child", { n: 103 }, { "uuid-name": "c" }),
          insert("Child", { n: 104, kids: named("self") }, { "uuid-name": "self" }),
          insert("Child", { n: 105, kids: named("g") }, { "uuid-name": "f" }),
          insert("Child", { n: 106, kids: named("f") }, { "uuid-name": "g" }),
          insert("Root", { name: "gc", strong: named("a") })
        ],
        // The self-referring child went; the two that refer to each other stay.
        [select("Child", [["n", ">=", 101], ["n", "<=", 106]], ["n", "kids"])],
        [mutate("Root", byName("gc"), [["strong", "delete", ["set", [named("x")]]]])],
        [update("Root", byName("gc"), { strong: ["set", []] })],
        [select("Child", [["n", ">=", 101], ["n", "<=", 106]], ["n"])],
        // A child in two places goes once neither refers to it.
        [
          insert("Child", { n: 110 }, { "uuid-name": "shared" }),
          insert("Root", { name: "gc-2", strong: named("shared"), cmap: ["map", [["x", named("shared")]]] })
        ],
        [update("Root", byName("gc-2"), { strong: ["set", []] }), select("Child", [["n", "==", 110]], ["n"])],
        [update("Root", byName("gc-2"), { cmap: ["map", []] }), select("Child", [["n", "==", 110]], ["n"])],
        [select("Child", [["n", "==", 110]], ["n"])]
      ]))

    it.effect("maxRows counts the rows after garbage collection", () =>
      checkAll(ET, [
        [insert("Capped", { x: 1, lo: 1, color: "red" }), insert("Capped", { x: 2, lo: 1, color: "red" })],
        [insert("Capped", { x: 3, lo: 1, color: "red" })],
        [insert("Capped", { x: 3, lo: 1, color: "red" }), del("Capped", [["x", "==", 1]])],
        [select("Capped", [], ["x"])],
        [update("Capped", [], { x: 7 })]
      ]))

    it.effect("weak references to rows that go are removed, and a column left too small is an error", () =>
      checkAll(ET, [
        [
          insert("Target", { k: "w-1" }, { uuid: uuid(201) }),
          insert("Target", { k: "w-2" }, { uuid: uuid(202) }),
          insert("Target", { k: "w-3" }, { uuid: uuid(203) }),
          insert("Root", {
            name: "weak-holder",
            weak: ["set", [ref(201), ref(202), ref(203)]],
            wmap: ["map", [["a", ref(201)], ["b", ref(202)], ["c", ref(201)]]]
          }),
          insert("Holder", { name: "weak-one", one: ref(202) })
        ],
        [del("Target", [["k", "==", "w-1"]])],
        [select("Root", byName("weak-holder"), ["weak", "wmap"])],
        // Holder.one may not become empty.
        [del("Target", [["k", "==", "w-2"]])],
        [select("Root", byName("weak-holder"), ["weak", "wmap"])],
        // A weak reference to a row that is not there is dropped on insert and on update.
        [insert("Root", {
          name: "weak-dangling",
          weak: ["set", [ref(299), ref(203)]],
          wmap: ["map", [["z", ref(299)]]]
        })],
        [select("Root", byName("weak-dangling"), ["weak", "wmap"])],
        [update("Root", byName("weak-dangling"), { weak: ["set", [ref(298), ref(203)]] })],
        [select("Root", byName("weak-dangling"), ["weak"])],
        [
          insert("Holder", { name: "weak-none", one: ref(297), must: named("c") }),
          insert("Child", {}, {
            "uuid-name": "c"
          })
        ],
        [
          insert("Holder", { name: "weak-none", one: ["set", [ref(297), ref(296)]], must: named("c") }),
          insert(
            "Child",
            {},
            { "uuid-name": "c" }
          )
        ],
        // A row referring to a row inserted and deleted in the same transaction.
        [
          insert("Target", { k: "w-brief" }, { "uuid-name": "brief" }),
          insert("Root", { name: "weak-brief", weak: named("brief") }),
          del("Target", [["k", "==", "w-brief"]]),
          select("Root", byName("weak-brief"), ["weak"])
        ],
        [select("Root", byName("weak-brief"), ["weak"])]
      ]))

    it.effect("a weak reference survives its target when ovsdb-server walks the referring row first", () =>
      checkAll(ET, [
        [
          insert("Target", { k: "walk-1" }, { uuid: uuid(301) }),
          insert("Target", { k: "walk-2" }, { uuid: uuid(302) }),
          insert("Root", { name: "walk", weak: ["set", [ref(301), ref(302)]] })
        ],
        // Root is touched first, so its row is walked before Target's: the reference to walk-1 stays.
        [update("Root", byName("walk"), { b: true }), del("Target", [["k", "==", "walk-1"]])],
        [select("Root", byName("walk"), ["weak"])],
        // Target touched first: the reference to walk-2 goes.
        [del("Target", [["k", "==", "walk-2"]]), update("Root", byName("walk"), { b: false })],
        [select("Root", byName("walk"), ["weak"])]
      ]))

    it.effect("a weak reference in a column of at most one element goes whatever the walk's order", () =>
      checkAll(ET, [
        [
          insert("Target", { k: "one-1" }, { uuid: uuid(311) }),
          insert("Target", { k: "one-2" }, { uuid: uuid(312) }),
          insert("Target", { k: "one-3" }, { uuid: uuid(313) }),
          insert("Root", { name: "one", weakOne: ref(311), weak: ["set", [ref(312), ref(313)]] }),
          insert("Root", { name: "one-map", wmap: ["map", [["a", ref(312)]]], weakOne: ref(312) })
        ],
        // Root is touched first, so its rows are walked before Target's: the set and the map keep
        // their references, the optional column loses its own.
        [
          update("Root", byName("one"), { b: true }),
          update("Root", byName("one-map"), { b: true }),
          del("Target", [["k", "==", "one-1"]]),
          del("Target", [["k", "==", "one-2"]])
        ],
        [
          select("Root", byName("one"), ["weakOne", "weak"]),
          select("Root", byName("one-map"), ["weakOne", "wmap"])
        ]
      ]))

    it.effect("weak references within one table follow the walk of its hash map", () =>
      checkAll(ET, [
        [
          insert("Target", { k: "self-a", self: ["set", [ref(402), ref(403)]] }, { uuid: uuid(401) }),
          insert("Target", { k: "self-b", self: ref(401) }, { uuid: uuid(402) }),
          insert("Target", { k: "self-c", self: ["set", [ref(401), ref(402), ref(403)]] }, { uuid: uuid(403) })
        ],
        [select("Target", [["v", "==", 0], ["k", "includes", "self-a"]], ["self"])],
        [update("Target", [["k", "==", "self-c"]], { v: 1 }), del("Target", [["k", "==", "self-b"]])],
        [select("Target", [["self", "!=", ["set", []]]], ["k", "self"])]
      ]))

    it.effect("unique indexes: a duplicate within the transaction or with a row already there", () =>
      checkAll(ET, [
        [insert("Root", { name: "idx-1" }), insert("Target", { k: "idx", v: 1 }), insert("Target", { k: "idx", v: 2 })],
        [insert("Root", { name: "idx-1" })],
        [insert("Root", { name: "idx-2" }), insert("Root", { name: "idx-2" })],
        [insert("Target", { k: "idx", v: 2 })],
        [update("Target", [["k", "==", "idx"], ["v", "==", 2]], { v: 1 })],
        [update("Root", byName("idx-1"), { int: 5 }), insert("Root", { name: "idx-1" })],
        // Two rows swapping their values is fine.
        [
          update("Target", [["k", "==", "idx"], ["v", "==", 1]], { v: 3 }),
          update(
            "Target",
            [["k", "==", "idx"], ["v", "==", 2]],
            { v: 1 }
          ),
          update("Target", [["k", "==", "idx"], ["v", "==", 3]], { v: 2 })
        ],
        [select("Target", [["k", "==", "idx"]], ["v"])],
        // Deleting the holder of a value frees it in the same transaction.
        [del("Root", byName("idx-1")), insert("Root", { name: "idx-1" })],
        // A weak reference removed at commit can make two rows equal.
        [
          insert("Target", { k: "idx-w" }, { uuid: uuid(501) }),
          insert("Target", { k: "idx-w", v: 1 }, { uuid: uuid(502) })
        ]
      ]))
  })

  describe("in ovsdb-server's order", () => {
    it.effect("a unique index violation names first the row that sorts last by every column", () =>
      checkAll(ET, [
        [insert("Root", { name: "first-1" }, { uuid: uuid(601) })],
        // The _uuid decides: ovsdb-server compares rows column by column, rset, uset, name, …, _uuid.
        [insert("Root", { name: "first-1" }, { uuid: uuid(600) })],
        [insert("Root", { name: "first-1" }, { uuid: uuid(602) })],
        // rset comes first and decides.
        [insert("Root", { name: "first-1", rset: 1 }, { uuid: uuid(600) })],
        [
          update("Root", byName("first-1"), { rset: 2 }),
          insert("Root", { name: "first-1", rset: 1 }, { uuid: uuid(603) })
        ]
      ], { ordered: true }))

    it.effect("select sorts rows by every column in that order (NB tables whose first column is the name)", () =>
      Effect.gen(function*() {
        yield* check(NB, [
          insert("Address_Set", { name: "as-c", addresses: ["set", ["10.0.0.1"]] }),
          insert("Address_Set", { name: "as-a" }),
          insert("Address_Set", { name: "as-b", external_ids: ["map", [["k", "v"]]] }),
          insert("Logical_Switch_Port", { name: "lsp-z" }, { "uuid-name": "z" }),
          insert("Logical_Switch_Port", { name: "lsp-y", type: "router" }, { "uuid-name": "y" }),
          insert("Logical_Switch", { name: "order-ls", ports: ["set", [named("z"), named("y")]] })
        ])
        yield* check(NB, [select("Address_Set", [], ["name", "addresses", "external_ids"])], { ordered: true })
        yield* check(NB, [select("Logical_Switch_Port", [], ["name", "type"])], { ordered: true })
        yield* check(NB, [{ op: "select", table: "Address_Set", where: [], columns: ["name"], sort: ["_uuid"] }])
      }))
  })

  describe("texts", () => {
    it.effect("writes strings, reals and sets in messages as ovsdb-server does", () =>
      Effect.gen(function*() {
        const names = [
          "plain",
          "with space",
          "1starts-with-digit",
          "_under.score-dash",
          "true",
          "false",
          "00000000-0000-4000-8000-000000000001",
          "quote\"back\\slash",
          "é",
          "tab\there",
          ""
        ]
        for (const name of names) {
          yield* check(ET, [insert("Root", { name }), insert("Root", { name })])
          yield* check(ET, [insert("Root", { e: name })])
          yield* check(ET, [insert("Root", { s: `${name}------` })])
        }
        for (const real of [1e-5, 1.5e-7, 123456789012345680000, 0.1, -2.5e300, 1000.0000000001, 999.9999999999999]) {
          yield* check(ET, [insert("Root", { r: real })])
          yield* check(ET, [
            insert("Target", { k: "real-index", v: 1 }),
            insert("Root", { name: "real-index", rset: real, rmap: ["map", [[real, true]]] }),
            insert("Root", { name: "real-index", rset: real, rmap: ["map", [[real, true]]] })
          ])
        }
        yield* check(ET, [
          insert("Target", { k: "set-index", v: 1, self: ["set", []] }),
          insert("Root", { name: "set-index", sset: ["set", ["b", "a b"]], smap: ["map", [["k", "v"]]] }),
          insert("Root", { name: "set-index", sset: ["set", ["b", "a b"]], smap: ["map", [["k", "v"]]] })
        ])
        yield* check(ET, [insert("Root", { iset: ["set", [1, 2]], ie: ["set", [1, 2, 5]] })])
      }))
  })

  describe("the schemas the packages install", () => {
    it.effect("OVN_Northbound: switches, ports, ACLs, port groups, load balancers and their references", () =>
      checkAll(NB, [
        [
          insert("NB_Global", {}),
          insert("Logical_Switch_Port", {
            name: "sw0-p1",
            addresses: ["set", ["00:00:00:00:00:01 10.0.0.1"]],
            tag_request: 7,
            dhcpv4_options: named("dhcp")
          }, { "uuid-name": "p1", uuid: uuid(701) }),
          insert("Logical_Switch_Port", { name: "sw0-p2", enabled: false }, { "uuid-name": "p2", uuid: uuid(702) }),
          insert("Logical_Switch", { name: "sw0", ports: ["set", [named("p1"), named("p2")]], acls: named("acl") }, {
            "uuid-name": "sw"
          }),
          insert("ACL", { priority: 1000, direction: "to-lport", match: "ip4", action: "allow-related" }, {
            "uuid-name": "acl"
          }),
          insert("DHCP_Options", { cidr: "10.0.0.0/24", options: ["map", [["lease_time", "3600"]]] }, {
            "uuid-name": "dhcp"
          }),
          insert("Port_Group", { name: "pg0", ports: ["set", [named("p1"), named("p2")]] }),
          insert("Load_Balancer", { name: "lb0", vips: ["map", [["10.0.0.10:80", "10.0.0.1:8080"]]] }, {
            "uuid-name": "lb"
          }),
          mutate("Logical_Switch", byName("sw0"), [["load_balancer", "insert", ["set", [named("lb")]]]])
        ],
        [insert("NB_Global", {})],
        [select("Logical_Switch", byName("sw0"), ["name", "ports", "acls", "load_balancer"])],
        [select("Port_Group", byName("pg0"), ["ports"])],
        // Deleting a port: it leaves the switch (strong, garbage-collected) and the port group (weak).
        [mutate("Logical_Switch", byName("sw0"), [["ports", "delete", ref(702)]])],
        [
          select("Logical_Switch_Port", [], ["name"]),
          select("Port_Group", byName("pg0"), ["ports"])
        ],
        [del("Load_Balancer", byName("lb0")), select("Logical_Switch", byName("sw0"), ["load_balancer"])],
        [del("DHCP_Options", [])],
        [select("Logical_Switch_Port", [], ["name", "dhcpv4_options", "tag_request", "enabled"])],
        [del("Logical_Switch", byName("sw0"))],
        [
          select("Logical_Switch_Port", [], ["name"]),
          select("ACL", [], ["priority"]),
          select("Port_Group", [], [
            "ports"
          ])
        ],
        [insert("ACL", { priority: 70000, direction: "from-lport", match: "1", action: "drop" })],
        // A strong reference to a row of a root table keeps the row from deletion, not from collection.
        [
          insert("Load_Balancer_Group", { name: "lbg" }, { "uuid-name": "g" }),
          insert("Logical_Switch", { name: "sw-lbg", load_balancer_group: named("g") })
        ],
        [del("Load_Balancer_Group", byName("lbg"))],
        [del("Logical_Switch", byName("sw-lbg")), select("Load_Balancer_Group", byName("lbg"), ["name"])],
        [select("Load_Balancer_Group", byName("lbg"), ["name"])],
        [insert("ACL", { priority: 1, direction: "sideways", match: "1", action: "drop" })],
        [insert("Logical_Switch_Port", { name: "lsp-bad", tag_request: 4096 })],
        [insert("Address_Set", { name: "dup" }), insert("Address_Set", { name: "dup" })]
      ]))

    it.effect("Open_vSwitch: bridges, ports, interfaces, mirrors, and the one Open_vSwitch row", () =>
      checkAll(VS, [
        [
          insert("Interface", { name: "p0", type: "internal" }, { "uuid-name": "i", uuid: uuid(803) }),
          insert("Interface", { name: "q0" }, { "uuid-name": "j" }),
          insert("Port", { name: "p0", interfaces: named("i") }, { "uuid-name": "p", uuid: uuid(801) }),
          insert("Port", { name: "q0", interfaces: named("j") }, { "uuid-name": "q", uuid: uuid(802) }),
          insert("Bridge", { name: "br0", ports: ["set", [named("p"), named("q")]], mirrors: named("m") }, {
            "uuid-name": "br"
          }),
          insert("Open_vSwitch", { bridges: named("br") }),
          insert(
            "Mirror",
            { name: "m0", select_src_port: ["set", [named("p"), named("q")]], output_port: named("q") },
            {
              "uuid-name": "m"
            }
          ),
          insert("Flow_Sample_Collector_Set", { id: 1, bridge: named("br") })
        ],
        [insert("Open_vSwitch", {})],
        // A port's interfaces may not become empty.
        [mutate("Port", byName("p0"), [["interfaces", "delete", ref(803)]])],
        [update("Port", byName("p0"), { interfaces: ["set", []] })],
        // Removing a port from its bridge deletes it, its interfaces, and its mirror references.
        [mutate("Bridge", byName("br0"), [["ports", "delete", ref(802)]])],
        [
          select("Port", byName("q0"), ["_uuid"]),
          select("Mirror", byName("m0"), ["select_src_port", "output_port"])
        ],
        [
          update("Bridge", byName("br0"), { ports: named("keep") }),
          insert("Port", {
            name: "keep",
            interfaces: named("k")
          }, { "uuid-name": "keep" }),
          insert("Interface", { name: "keep" }, { "uuid-name": "k" })
        ],
        [
          select("Port", [], ["name"]),
          select("Interface", [], ["name"]),
          select("Mirror", [], ["select_src_port", "output_port"])
        ],
        // The collector set holds the bridge: deleting the bridge from Open_vSwitch does not delete it.
        [update("Open_vSwitch", [], { bridges: ["set", []] })],
        [select("Bridge", [], ["name"])],
        [del("Flow_Sample_Collector_Set", []), update("Open_vSwitch", [], { bridges: ["set", []] })],
        [select("Bridge", [], ["name"]), select("Port", [], ["name"]), select("Interface", [], ["name"])]
      ]))
  })

  describe("the request", () => {
    it.effect("gives one result per operation, null after the first failure, and an error for each kind of fault", () =>
      Effect.gen(function*() {
        const transactions: ReadonlyArray<ReadonlyArray<Json>> = [
          [],
          [5],
          [{}],
          [{ op: 5 }],
          [{ op: "in sert" }],
          [{ op: "frob" }],
          [{ op: "select", table: "Nope", where: [] }],
          [{ op: "select", table: "not an id", where: [] }],
          [{ op: "select", table: 5, where: [] }],
          [{ op: "select", where: [] }],
          [{ op: "select", table: "Root" }],
          [{ op: "select", table: "Root", where: {} }],
          [{ op: "select", table: "Root", where: [], columns: "name" }],
          [{ op: "select", table: "Root", where: [], columns: ["nope"] }],
          [{ op: "select", table: "Root", where: [], columns: ["name", "name"] }],
          [{ op: "select", table: "Root", where: [], columns: [5] }],
          [{ op: "select", table: "Root", where: [], sort: ["nope"] }],
          [{ op: "select", table: "Root", where: [["name", "==", "x"]], extra: 1 }],
          [{ op: "select", table: "Root", where: [["name", "==", "x"]], foo: 1, bar: 2 }],
          [{ op: "select", table: "Root", where: [["name", "==", "x"]], foo: 1, bar: 2, baz: 3, qux: 4 }],
          [{ op: "insert", table: "Root" }],
          [{ op: "insert", table: "Root", row: 5 }],
          [{ op: "insert", table: "Root", row: { nope: 1 } }],
          [{ op: "insert", table: "Root", row: { q1: 1, q2: 2, q3: 3, q4: 4, q5: 5, q6: 6, q7: 7 } }],
          [{ op: "insert", table: "Root", row: { name: 5, i: "x", b: 1 } }],
          [{ op: "insert", table: "Root", row: { name: "x", nope: 1 }, junk: 1 }],
          [{ op: "insert", table: "Root", row: { iset: ["set", [1, 2], 3] } }],
          [{ op: "insert", table: "Root", row: { iset: ["set"] } }],
          [{ op: "insert", table: "Root", row: { iset: ["map", [[1, 2]]] } }],
          [{ op: "insert", table: "Root", row: { smap: "x" } }],
          [{ op: "insert", table: "Root", row: { smap: ["map", [["a", "b", "c"]]] } }],
          [{ op: "insert", table: "Root", row: { small: ["set", []] } }],
          [{ op: "insert", table: "Root", row: { small: ["set", [1, 2, 3, 4]] } }],
          [{ op: "insert", table: "Root", row: { imap: ["map", [[1, 1], [2, 2], [3, 3]]] } }],
          [{ op: "insert", table: "Root", row: { name: ["set", ["a", "b"]] } }],
          [{ op: "insert", table: "Root", row: { name: ["set", []] } }],
          [{ op: "insert", table: "Root", row: { int: 9223372036854775808n } }],
          [{ op: "insert", table: "Root", row: { int: 1.5 } }],
          [{ op: "insert", table: "Root", row: { real: 12345678901234567890123n } }],
          [{ op: "insert", table: "Root", row: { r: 1000.5 } }],
          [{ op: "insert", table: "Root", row: { r: -2 } }],
          [{ op: "insert", table: "Root", row: { s: "toolong" } }],
          [{ op: "insert", table: "Root", row: { s: "😀😀😀😀😀" } }],
          [{ op: "insert", table: "Root", row: { s: "😀😀😀😀😀😀" } }],
          [{ op: "insert", table: "Root", row: { e: "purple" } }],
          [{ op: "insert", table: "Root", row: { ie: ["set", [1, 4]] } }],
          [{ op: "insert", table: "Root", row: { imap: ["map", [[1, 1001]]] } }],
          [{ op: "insert", table: "Root", row: { u: ["uuid", "xyz"] } }],
          [{ op: "insert", table: "Root", row: { u: ["named-uuid", 5] } }],
          [{ op: "insert", table: "Root", row: { u: "00000000-0000-4000-8000-000000000001" } }],
          [insert("Capped", { lo: 1, color: "red", hi: 6 })],
          [insert("Capped", { lo: 1, color: "red", rlo: -0.25 })],
          [insert("Capped", { lo: 1, color: "red", rhi: 2.75 })],
          [insert("Capped", { lo: 1, color: "red", hi: -9223372036854775808n, rlo: 1e300, rhi: -1e300 }), {
            op: "abort"
          }],
          [insert("Root", { name: "given-ids", _uuid: ref(1), _version: ref(2) }), {
            op: "select",
            table: "Root",
            where: [["name", "==", "given-ids"]],
            columns: ["_uuid", "_version"]
          }, { op: "abort" }],
          [insert("Root", { name: "bad-id", _uuid: 5 })],
          [
            insert("Target", { k: "no-columns", v: 1 }),
            insert("Target", { k: "no-columns", v: 2 }),
            { op: "select", table: "Target", where: [["k", "==", "no-columns"]], columns: [] },
            { op: "select", table: "Target", where: [["k", "==", "nobody"]], columns: [] },
            {
              op: "wait",
              table: "Target",
              where: [["k", "==", "no-columns"]],
              columns: [],
              until: "==",
              rows: [{}],
              timeout: 0
            },
            {
              op: "wait",
              table: "Target",
              where: [["k", "==", "no-columns"]],
              columns: [],
              until: "==",
              rows: [],
              timeout: 0
            },
            { op: "abort" }
          ],
          [update("Capped", [], {}), mutate("Capped", [], [])],
          [
            select("Target", [["_uuid", "==", named("later")]], ["k"]),
            insert("Target", { k: "later" }, { "uuid-name": "later" }),
            select("Target", [["_uuid", "==", named("later")]], ["k"]),
            { op: "abort" }
          ],
          [select("Target", [["_uuid", "==", ["uuid", "ABCDEF00-0000-4000-8000-000000000101"]]], ["k"])],
          [insert("Root", { name: "two-refs", strong: ref(901), cmap: ["map", [["x", ref(902)]]], strong1: ref(903) })],
          [insert("Holder", { name: "zero", must: named("c") }), insert("Child", {}, { "uuid-name": "c" })],
          [mutate("Root", [["name", "==", "nobody"]], [["smap", "delete", ["set", [1]]]])],
          [mutate("Root", [["name", "==", "nobody"]], [["imap", "delete", ["map", [["x", 1]]]]])],
          [insert("Target", { k: "pad" }), { op: "select", table: "Nope", where: [] }, { op: "comment", comment: "x" }],
          [insert("Target", { k: "pad2" }), { op: "abort" }, { op: "comment", comment: "x" }, 5]
        ]
        for (const operations of transactions) yield* check(ET, operations)
      }))

    it.effect("refuses writes to _Server (a database whose name begins with _)", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const source = readSchemaFile(new URL("./fixtures/_server.ovsschema", import.meta.url).pathname)
        const engine = Engine.make(Effect.runSync(DatabaseSchema.decode(source)), { schemaSource: source })
        const operations: ReadonlyArray<ReadonlyArray<Json>> = [
          [insert("Database", { name: "x", model: "standalone", connected: true, leader: true, schema: "" })],
          [del("Database", [["name", "==", "nobody"]])],
          [update("Database", [["name", "==", "nobody"]], { connected: false })],
          [mutate("Database", [["name", "==", "nobody"]], [["index", "insert", ["set", [1]]]])],
          [{ op: "commit", durable: false }],
          [{ op: "comment", comment: "fine" }, { op: "assert", lock: "x" }],
          [{ op: "select", table: "Database", where: [["name", "==", "nobody"]] }]
        ]
        for (const ops of operations) {
          const real = yield* ovsdb.transactJson("_Server", ops)
          const outcome = engine.transact(ops, context())
          comparisons++
          assert.strictEqual(text(normalize(outcome._tag === "Reply" ? outcome.result : [])), text(normalize(real)))
        }
        const allowed = engine.transact(operations[0]!, context({ reservedWrites: true }))
        assert.strictEqual(allowed._tag === "Reply" && allowed.commit?.changes.length, 1)
      }))
  })
})

describe("the engine alone", () => {
  const ids = () => {
    let n = 0
    return () => `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, "0")}`
  }
  const reply = (outcome: Engine.Outcome) => {
    assert.strictEqual(outcome._tag, "Reply")
    return outcome as Extract<Engine.Outcome, { _tag: "Reply" }>
  }

  it("holds rows in one shape per column type, with _uuid and _version", () => {
    const engine = makeEngine(ET, { uuid: ids() })
    reply(engine.transact([
      {
        op: "insert",
        table: "Root",
        row: { name: "shape", iset: ["set", [3, 1]], smap: ["map", [["b", "2"], ["a", "1"]]], s: "x", oi: ["set", []] }
      }
    ], context()))
    const [uuid, row] = [...engine.rows("Root")][0]!
    assert.strictEqual(uuid, "00000000-0000-4000-8000-000000000001")
    assert.deepStrictEqual(row!._uuid, Value.uuid(uuid!))
    assert.deepStrictEqual(row!._version, Value.uuid("00000000-0000-4000-8000-000000000002"))
    assert.strictEqual(row!.name, "shape")
    assert.strictEqual(row!.int, 0)
    assert.deepStrictEqual(row!.iset, [1, 3])
    assert.deepStrictEqual(row!.s, ["x"])
    assert.deepStrictEqual(row!.oi, [])
    assert.deepStrictEqual([...(row!.smap as ReadonlyMap<Value.Atom, Value.Atom>)], [["a", "1"], ["b", "2"]])
    assert.deepStrictEqual(engine.rows("Nope"), [])
  })

  it("reports each commit's changes: inserts, modifies with their old rows, deletes, garbage and weak references", () => {
    const engine = makeEngine(ET, { uuid: ids() })
    const first = reply(engine.transact([
      { op: "insert", table: "Target", row: { k: "t" }, "uuid-name": "t" },
      { op: "insert", table: "Child", row: { n: 1 }, "uuid-name": "c" },
      {
        op: "insert",
        table: "Root",
        row: { name: "changes", weak: ["named-uuid", "t"], strong1: ["named-uuid", "c"] }
      },
      { op: "comment", comment: "one" },
      { op: "comment", comment: "two" },
      { op: "commit", durable: true }
    ], context()))
    const commit = first.commit!
    assert.deepStrictEqual(commit.changes.map((change) => [change.table, change.old === undefined]), [
      ["Target", true],
      ["Child", true],
      ["Root", true]
    ])
    assert.strictEqual(commit.comment, "one\ntwo")
    assert.isTrue(commit.durable)
    assert.isTrue(Value.isUuidText(commit.id))
    const root = commit.changes[2]!.new!
    // A no-op update changes nothing: no commit.
    const noop = reply(engine.transact([
      { op: "update", table: "Root", where: [["name", "==", "changes"]], row: { name: "changes" } }
    ], context()))
    assert.deepStrictEqual(noop.result, [{ count: 1 }])
    assert.isUndefined(noop.commit)
    // Deleting the target modifies the root (weak reference); clearing strong1 collects the child.
    // (Target first: ovsdb-server walks tables in the order the transaction touched them, and cleans a
    // weak reference only when it reaches the deleted row before the row that refers to it.)
    const second = reply(engine.transact([
      { op: "delete", table: "Target", where: [] },
      { op: "update", table: "Root", where: [["name", "==", "changes"]], row: { strong1: ["set", []] } }
    ], context()))
    const changes = second.commit!.changes
    const byTable = (table: string) => changes.find((change) => change.table === table)!
    const modified = byTable("Root")
    assert.strictEqual(modified.old, root)
    assert.deepStrictEqual(modified.new!.weak, [])
    assert.deepStrictEqual(modified.new!.strong1, [])
    assert.notDeepEqual(modified.new!._version, root._version)
    assert.isUndefined(byTable("Target").new)
    assert.isUndefined(byTable("Child").new)
    assert.deepStrictEqual(changes.map((change) => change.table), ["Target", "Root", "Child"])
  })

  it("walks hash maps as Open vSwitch's hmap does", () => {
    // Orders ovsdb-server 3.1 showed, naming the first unknown column of rows with these columns.
    assert.strictEqual(HashOrder.memberOrder(["q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9", "q10"])[0], "q6")
    assert.deepStrictEqual(HashOrder.memberOrder(["alpha", "beta", "gamma", "delta", "epsilon"]), [
      "beta",
      "epsilon",
      "delta",
      "gamma",
      "alpha"
    ])
    assert.deepStrictEqual(
      HashOrder.hmapOrder(["alpha", "beta", "gamma", "delta", "epsilon"], HashOrder.hashString),
      ["beta", "epsilon", "delta", "gamma", "alpha"]
    )
    // Nodes of one bucket: each goes in at the head, and the growth to 4 buckets at the second
    // reversed the first two; removing one in the middle keeps the others' order.
    interface Node extends HashOrder.HmapNode<Node> {
      readonly id: number
    }
    const layout = new HashOrder.HmapLayout<Node>()
    const nodes: Array<Node> = Array.from({ length: 5 }, (_, id) => ({ id, hash: 0, hmapNext: undefined }))
    for (const node of nodes) layout.insert(node)
    layout.remove(nodes[2]!)
    const walk: Array<number> = []
    for (let node = layout.first(); node !== undefined; node = layout.next(node)) walk.push(node.id)
    assert.deepStrictEqual(walk, [4, 3, 0, 1])
  })

  it("collects a chain of 20,000 rows that only each other hold", () => {
    const engine = makeEngine(ET, { uuid: ids() })
    const chain: Array<Json> = Array.from({ length: 20_000 }, (_, i) => ({
      op: "insert",
      table: "Child",
      row: { n: i, ...(i > 0 ? { kids: ["named-uuid", `c${i - 1}`] } : {}) },
      "uuid-name": `c${i}`
    }))
    reply(engine.transact([
      ...chain,
      { op: "insert", table: "Root", row: { name: "chain", strong1: ["named-uuid", "c19999"] } }
    ], context()))
    assert.strictEqual([...engine.rows("Child")].length, 20_000)
    const cleared = reply(engine.transact([
      { op: "update", table: "Root", where: [], row: { strong1: ["set", []] } }
    ], context()))
    assert.strictEqual(cleared.commit!.changes.filter((change) => change.new === undefined).length, 20_000)
    assert.strictEqual([...engine.rows("Child")].length, 0)
  })

  it("keeps a modified row's _version until the commit, then gives it a new one", () => {
    const engine = makeEngine(ET, { uuid: ids() })
    reply(engine.transact([{ op: "insert", table: "Target", row: { k: "v" } }], context()))
    const before = reply(engine.transact([
      { op: "select", table: "Target", where: [], columns: ["_version"] }
    ], context())).result
    const during = reply(engine.transact([
      { op: "update", table: "Target", where: [], row: { v: 1 } },
      { op: "select", table: "Target", where: [], columns: ["_version"] }
    ], context())).result
    const after = reply(engine.transact([
      { op: "select", table: "Target", where: [], columns: ["_version"] }
    ], context())).result
    assert.deepStrictEqual(during[1], before[0])
    assert.notDeepEqual(after[0], before[0])
  })

  it("keeps 64-bit integers exact and writes reals as ovsdb-server prints them", () => {
    const engine = makeEngine(ET, { uuid: ids() })
    const max = 9223372036854775807n
    const result = reply(engine.transact([
      {
        op: "insert",
        table: "Root",
        row: { name: "n", int: max - 10n, real: 0.1 + 0.2, rset: ["set", [1e20, 2 / 3]] }
      },
      { op: "mutate", table: "Root", where: [], mutations: [["int", "+=", 10]] },
      { op: "select", table: "Root", where: [], columns: ["int", "real", "rset"] }
    ], context())).result
    assert.deepStrictEqual(result[2], { rows: [{ int: max, real: 0.3, rset: ["set", [0.666666666666667, 1e20]] }] })
    const overflow = reply(engine.transact([
      { op: "mutate", table: "Root", where: [], mutations: [["int", "+=", 1]] }
    ], context())).result
    assert.deepStrictEqual(overflow, [{ error: "range error", details: "Result of \"+=\" operation is out of range." }])
    const row = [...engine.rows("Root")][0]![1]
    assert.strictEqual(row.real, 0.1 + 0.2) // the exact value is kept
    assert.deepStrictEqual(engine.encodeRow("Root", row, ["real", "rset", "name"]), {
      real: 0.3,
      rset: ["set", [0.666666666666667, 1e20]],
      name: "n"
    })
    assert.deepStrictEqual(Engine.encodeRow(row, ["real", "iset"]), { real: 0.1 + 0.2, iset: ["set", []] })
    const rmap = engine.schema.tables.Root!.columns.rmap!.type
    assert.deepStrictEqual(Engine.encodeValue(new Map([[0.1 + 0.2, true]]), rmap), ["map", [[0.3, true]]])
    assert.deepStrictEqual(Engine.encodeValue([0.1 + 0.2]), 0.1 + 0.2)
    assert.deepStrictEqual(Engine.encodeValue([Value.uuid("00000000-0000-4000-8000-000000000001")]), [
      "uuid",
      "00000000-0000-4000-8000-000000000001"
    ])
  })

  it("compiles conditions for monitors: clauses combined with every or any, errors as ovsdb-server gives them", () => {
    const engine = makeEngine(ET, { uuid: ids() })
    reply(engine.transact([
      { op: "insert", table: "Target", row: { k: "a", v: 1 } },
      { op: "insert", table: "Target", row: { k: "b", v: 2 } }
    ], context()))
    const rows = [...engine.rows("Target")].map(([, row]) => row)
    const matching = (where: Json, combine?: Engine.Combine) => {
      const condition = engine.condition("Target", where, combine)
      assert.strictEqual(condition._tag, "Ok")
      return rows.filter(condition._tag === "Ok" ? condition.matches : () => false).map((row) => row.k)
    }
    assert.deepStrictEqual(matching([["k", "==", "a"], ["v", "==", 2]]), [])
    assert.deepStrictEqual(matching([["k", "==", "a"], ["v", "==", 2]], "any"), ["a", "b"])
    assert.deepStrictEqual(matching([], "any"), ["a", "b"])
    assert.deepStrictEqual(matching([false], "any"), [])
    assert.deepStrictEqual(matching([true]), ["a", "b"])
    assert.deepStrictEqual(engine.condition("Target", [["nope", "==", 1]]), {
      _tag: "Error",
      error: { error: "unknown column", details: "No column nope in table Target.", syntax: "[\"nope\",\"==\",1]" }
    })
    assert.deepStrictEqual(engine.condition("Target", [["k", "==", ["named-uuid", "x"]]])._tag, "Error")
    assert.deepStrictEqual(engine.condition("Nope", [])._tag, "Error")
    assert.deepStrictEqual(engine.condition("Target", {})._tag, "Error")
  })

  it("blocks a wait until its timeout, measured from when the request arrived", () => {
    const engine = makeEngine(ET, { uuid: ids() })
    const operations: ReadonlyArray<Json> = [
      { op: "wait", table: "Target", where: [], until: "!=", rows: [], timeout: 1000 },
      { op: "wait", table: "Target", where: [], until: "!=", rows: [], timeout: 5000 }
    ]
    assert.deepStrictEqual(engine.transact(operations, context({ now: 10 })), { _tag: "Blocked", until: 1010 })
    assert.deepStrictEqual(engine.transact(operations, context({ now: 500, since: 10 })), {
      _tag: "Blocked",
      until: 1010
    })
    assert.deepStrictEqual(reply(engine.transact(operations, context({ now: 1010, since: 10 }))).result, [
      { error: "timed out", details: "\"wait\" timed out after 1000 ms" },
      null
    ])
    // Once the condition holds, the request runs.
    reply(engine.transact([{ op: "insert", table: "Target", row: { k: "now" } }], context()))
    assert.deepStrictEqual(reply(engine.transact(operations, context({ now: 600, since: 10 }))).result, [{}, {}])
  })

  it("inserts 10,000 rows in one transaction and selects 100,000 in linear time", () => {
    const engine = makeEngine(NB)
    const batch = (from: number): Array<Json> =>
      Array.from({ length: 10_000 }, (_, i): Json => ({
        op: "insert",
        table: "Logical_Switch_Port",
        row: { name: `lsp-${from + i}`, addresses: ["set", [`00:00:00:00:00:01 10.0.${i >> 8}.${i & 255}`]] },
        "uuid-name": `p${i}`
      })).concat([{
        op: "insert",
        table: "Logical_Switch",
        row: { name: `ls-${from}`, ports: ["set", Array.from({ length: 10_000 }, (_, i) => ["named-uuid", `p${i}`])] }
      }])
    let started = performance.now()
    const first = reply(engine.transact(batch(0), context()))
    const insertMs = performance.now() - started
    assert.strictEqual(first.commit!.changes.length, 10_001)
    for (let from = 10_000; from < 100_000; from += 10_000) reply(engine.transact(batch(from), context()))
    started = performance.now()
    const selected = reply(engine.transact([
      { op: "select", table: "Logical_Switch_Port", where: [], columns: ["name", "addresses"] }
    ], context()))
    const selectMs = performance.now() - started
    assert.strictEqual((selected.result[0] as { readonly rows: ReadonlyArray<Json> }).rows.length, 100_000)
    const byUuid = reply(engine.transact([
      { op: "delete", table: "Logical_Switch", where: [["name", "==", "ls-0"]] }
    ], context()))
    assert.strictEqual(byUuid.commit!.changes.length, 10_001) // the switch and its 10,000 ports
    // UUIDs chosen alike land in one bucket of ovsdb-server's hash map of the transaction's rows.
    started = performance.now()
    const alike = reply(engine.transact(
      Array.from({ length: 10_000 }, (_, i): Json => ({
        op: "insert",
        table: "Address_Set",
        row: { name: `alike-${i}` },
        uuid: `00000000-0000-4000-8000-${i.toString().padStart(12, "0")}`
      })),
      context()
    ))
    const alikeMs = performance.now() - started
    assert.strictEqual(alike.commit!.changes.length, 10_000)
    console.log(
      `engine: 10,000 inserts in ${insertMs.toFixed(0)} ms (${alikeMs.toFixed(0)} ms with UUIDs alike), ` +
        `a select of 100,000 rows in ${selectMs.toFixed(0)} ms`
    )
    assert.isBelow(insertMs, 10_000)
    assert.isBelow(alikeMs, 10_000)
    assert.isBelow(selectMs, 10_000)
  })
})

afterAll(() => {
  console.log(`engine: ${comparisons} replies compared with ovsdb-server's`)
})
