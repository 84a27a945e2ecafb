// Unit tests of the pure transaction model: values, operations' wire form, transact reply decoding.
import { assert, describe, it } from "@effect/vitest"
import { Equal, Result } from "effect"
import type { Json } from "../src/Json.js"
import { decodeTransactResult } from "../src/Ovsdb.js"
import * as JsonRpc from "../src/protocol/JsonRpc.js"
import * as Op from "../src/protocol/Operation.js"
import * as Value from "../src/protocol/Value.js"

const U1 = "016d253f-49ca-44be-8bad-36063337465e"
const U2 = "a1549dff-e558-443d-a57b-30eeba5a1177"

describe("Value", () => {
  it("encodes atoms, sets and maps in RFC 7047 §5.1 notation", () => {
    assert.deepStrictEqual(Value.encode("x"), "x")
    assert.deepStrictEqual(Value.encode(9223372036854775807n), 9223372036854775807n)
    assert.deepStrictEqual(Value.encode(Value.uuid(U1)), ["uuid", U1])
    assert.deepStrictEqual(Value.encode(Value.namedUuid("ls")), ["named-uuid", "ls"])
    assert.deepStrictEqual(Value.encode([]), ["set", []])
    assert.deepStrictEqual(Value.encode([Value.uuid(U1), Value.uuid(U2)]), ["set", [["uuid", U1], ["uuid", U2]]])
    assert.deepStrictEqual(Value.encode(new Map([["k", "v"]])), ["map", [["k", "v"]]])
  })

  it("decodes what it encodes", () => {
    const values: ReadonlyArray<Value.Value> = [
      "s",
      1.5,
      -9223372036854775808n,
      true,
      Value.uuid(U1),
      Value.namedUuid("n"),
      ["a", "b"],
      new Map<Value.Atom, Value.Atom>([["k", Value.uuid(U2)]])
    ]
    for (const value of values) assert.deepStrictEqual(Value.decode(Value.encode(value)), value)
  })

  it("rejects what is not an OVSDB value", () => {
    assert.isUndefined(Value.decode(null))
    assert.isUndefined(Value.decode(["set", [["set", []]]]))
    assert.isUndefined(Value.decode(["map", [["k"]]]))
    assert.isUndefined(Value.decode({ a: 1 }))
    assert.isUndefined(Value.decode(["uuid", 5]))
  })

  it("compares uuids by value", () => {
    assert.isTrue(Equal.equals(Value.uuid(U1), Value.uuid(U1)))
    assert.isFalse(Equal.equals(Value.uuid(U1), Value.uuid(U2)))
    assert.strictEqual(`${Value.uuid(U1)}`, U1)
    assert.isTrue(Value.isUuidText(U1))
    assert.isFalse(Value.isUuidText("ls"))
  })

  it("keys atoms by OVSDB equality: UUIDs and names by text, integers by value", () => {
    const key = Value.atomKey
    assert.strictEqual(key(Value.uuid(U1)), key(Value.uuid(U1)))
    assert.notStrictEqual(key(Value.uuid(U1)), key(Value.uuid(U2)))
    assert.strictEqual(key(1), key(1n))
    assert.strictEqual(key(2n ** 63n - 1n), key(9223372036854775807n))
    const distinct: ReadonlyArray<Value.Atom> = [1, "1", true, "t", Value.uuid(U1), U1, Value.namedUuid(U1), false]
    assert.strictEqual(new Set(distinct.map(key)).size, distinct.length)
  })

  it("normalizes a datum to its column type's shape", () => {
    const key = { type: "string" } as const
    const optional = { key, min: 0, max: 1 } as const
    const set = { key, min: 0, max: "unlimited" } as const
    const scalar = { key, min: 1, max: 1 } as const
    assert.strictEqual(Value.normalize(optional as never, []), undefined)
    assert.strictEqual(Value.normalize(optional as never, "x"), "x")
    assert.deepStrictEqual(Value.normalize(set as never, "x"), ["x"])
    assert.deepStrictEqual(Value.normalize(set as never, ["x", "y"]), ["x", "y"])
    assert.strictEqual(Value.normalize(scalar as never, "x"), "x")
  })
})

describe("Operation", () => {
  it("builds the wire form of all ten operations", () => {
    const where = [Op.where("name", "==", "ls0")]
    const cases: ReadonlyArray<readonly [Op.Any, Json]> = [
      [
        Op.insert("Logical_Switch", { name: "ls0", ports: [Value.namedUuid("p")] }, { uuidName: "ls" }),
        {
          op: "insert",
          table: "Logical_Switch",
          row: { name: "ls0", ports: ["set", [["named-uuid", "p"]]] },
          "uuid-name": "ls"
        }
      ],
      [
        Op.insert("Logical_Switch", {}, { uuid: Value.uuid(U1) }),
        { op: "insert", table: "Logical_Switch", row: {}, uuid: U1 }
      ],
      [Op.select("Logical_Switch"), { op: "select", table: "Logical_Switch", where: [] }],
      [
        Op.select("Logical_Switch", where, ["name"]),
        { op: "select", table: "Logical_Switch", where: [["name", "==", "ls0"]], columns: ["name"] }
      ],
      [
        Op.update("Logical_Switch", where, { other_config: new Map([["a", "1"]]) }),
        {
          op: "update",
          table: "Logical_Switch",
          where: [["name", "==", "ls0"]],
          row: { other_config: ["map", [["a", "1"]]] }
        }
      ],
      [
        Op.mutate("Logical_Switch_Port", where, [Op.mutation("tag_request", "+=", 10)]),
        {
          op: "mutate",
          table: "Logical_Switch_Port",
          where: [["name", "==", "ls0"]],
          mutations: [["tag_request", "+=", 10]]
        }
      ],
      [Op.delete("Logical_Switch", where), { op: "delete", table: "Logical_Switch", where: [["name", "==", "ls0"]] }],
      [
        Op.wait("Logical_Switch", where, ["name"], "==", [{ name: "ls0" }], { timeout: 0 }),
        {
          op: "wait",
          table: "Logical_Switch",
          where: [["name", "==", "ls0"]],
          columns: ["name"],
          until: "==",
          rows: [{ name: "ls0" }],
          timeout: 0
        }
      ],
      [Op.commit(true), { op: "commit", durable: true }],
      [Op.abort(), { op: "abort" }],
      [Op.comment("hi"), { op: "comment", comment: "hi" }],
      [Op.assert("mylock"), { op: "assert", lock: "mylock" }]
    ]
    for (const [operation, json] of cases) assert.deepStrictEqual(operation.json, json)
  })

  it("sends always and never as bare true and false in every where list, clauses as triples", () => {
    const where = [Op.where("name", "==", "ls0"), Op.always, Op.never]
    const wire = [["name", "==", "ls0"], true, false]
    assert.strictEqual(Op.always, true)
    assert.strictEqual(Op.never, false)
    const operations: ReadonlyArray<Op.Any> = [
      Op.select("Logical_Switch", where),
      Op.update("Logical_Switch", where, {}),
      Op.mutate("Logical_Switch", where, []),
      Op.delete("Logical_Switch", where),
      Op.wait("Logical_Switch", where, ["name"], "==", [])
    ]
    for (const operation of operations) assert.deepStrictEqual(operation.json.where, wire, operation.op)
    assert.deepStrictEqual(Op.encodeWhere([true]), [true])
    assert.deepStrictEqual(Op.encodeWhere([]), [])
  })

  it("decodes a select's rows into values", () => {
    const decoded = Op.select("T").decode({
      rows: [{ _uuid: ["uuid", U1], ports: ["set", []], external_ids: ["map", [["k", "v"]]], n: 5 }]
    })
    assert.isTrue(Result.isSuccess(decoded))
    if (Result.isSuccess(decoded)) {
      const row = decoded.success.rows[0]!
      assert.isTrue(Equal.equals(row._uuid, Value.uuid(U1)))
      assert.deepStrictEqual(row.ports, [])
      assert.deepStrictEqual(row.external_ids, new Map([["k", "v"]]))
      assert.strictEqual(row.n, 5)
    }
    assert.isTrue(Result.isFailure(Op.select("T").decode({ rows: [{ bad: { x: 1 } }] })))
    assert.isTrue(Result.isFailure(Op.insert("T", {}).decode({ count: 1 })))
  })
})

describe("decodeTransactResult", () => {
  const ops = [Op.insert("T", {}), Op.update("T", [], {}), Op.comment("c")] as const

  it("types every result by position", () => {
    const result = decodeTransactResult("db", ops, [{ uuid: ["uuid", U1] }, { count: 3 }, {}])
    assert.isTrue(Result.isSuccess(result))
    if (Result.isSuccess(result)) {
      const [inserted, updated, commented] = result.success
      assert.strictEqual(inserted.uuid.value, U1)
      assert.strictEqual(updated.count, 3)
      assert.deepStrictEqual(commented, {})
    }
  })

  it("names the failed operation by index", () => {
    const result = decodeTransactResult("db", ops, [
      { uuid: ["uuid", U1] },
      { error: "constraint violation", details: "9999 is not in the valid range 0 to 4095 (inclusive)" },
      null
    ])
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result) && result.failure._tag === "TransactionError") {
      assert.strictEqual(result.failure.index, 1)
      assert.strictEqual(result.failure.op, "update")
      assert.strictEqual(result.failure.error, "constraint violation")
      assert.include(result.failure.message, "operation 1 (update)")
    } else assert.fail("expected a TransactionError")
  })

  it("reports a commit-time failure, appended after the results, with no index", () => {
    const result = decodeTransactResult("db", ops, [
      { uuid: ["uuid", U1] },
      { count: 0 },
      {},
      { error: "referential integrity violation", details: "…references nonexistent row…" }
    ])
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result) && result.failure._tag === "TransactionError") {
      assert.isUndefined(result.failure.index)
      assert.isUndefined(result.failure.op)
      assert.strictEqual(result.failure.error, "referential integrity violation")
      assert.include(result.failure.message, "at commit")
    } else assert.fail("expected a TransactionError")
  })

  it("is a ProtocolError when the reply is short or malformed", () => {
    const short = decodeTransactResult("db", ops, [{ uuid: ["uuid", U1] }])
    assert.isTrue(Result.isFailure(short) && short.failure._tag === "ProtocolError")
    const wrong = decodeTransactResult("db", ops, [{ uuid: "nope" }, { count: 1 }, {}])
    assert.isTrue(Result.isFailure(wrong) && wrong.failure._tag === "ProtocolError")
  })

  it("names what is wrong in each kind of malformed result, by operation", () => {
    const cases: ReadonlyArray<readonly [ReadonlyArray<Json>, string]> = [
      [[{ uuid: ["uuid", 7] }, { count: 1 }, {}], "result 0 (insert)"],
      [[{ uuid: ["named-uuid", U1] }, { count: 1 }, {}], "result 0 (insert)"],
      [[{ uuid: ["uuid", U1] }, { count: "1" }, {}], "result 1 (update)"],
      [[{ uuid: ["uuid", U1] }, {}, {}], "result 1 (update)"]
    ]
    for (const [reply, where] of cases) {
      const result = decodeTransactResult("db", ops, reply)
      assert.isTrue(Result.isFailure(result) && result.failure._tag === "ProtocolError", where)
      if (Result.isFailure(result)) assert.include(result.failure.message, where)
    }
  })
})

describe("JsonRpc", () => {
  it("reads requests, notifications and responses (RFC 7047 §4)", () => {
    assert.deepStrictEqual(
      JsonRpc.fromJson({ method: "echo", params: [], id: "echo" }),
      JsonRpc.request("echo", [], "echo")
    )
    assert.deepStrictEqual(
      JsonRpc.fromJson({ method: "update", params: [1], id: null }),
      JsonRpc.notification("update", [1])
    )
    assert.deepStrictEqual(JsonRpc.fromJson({ id: 1, error: "unknown method" }), {
      _tag: "Response",
      id: 1,
      result: null,
      error: "unknown method"
    })
    assert.deepStrictEqual(JsonRpc.fromJson({ id: 1, result: [], error: null }), JsonRpc.response(1, []))
  })

  it("rejects what is not a message", () => {
    for (const json of [[1, 2, 3], { foo: 1 }, { method: "echo", params: {}, id: 1 }, { method: "echo", id: 1 }, "x"]) {
      assert.isUndefined(JsonRpc.fromJson(json as Json))
    }
  })

  it("writes messages as JSON-RPC 1.0 objects", () => {
    assert.deepStrictEqual(JsonRpc.toJson(JsonRpc.notification("cancel", [3])), {
      method: "cancel",
      params: [3],
      id: null
    })
    assert.deepStrictEqual(JsonRpc.toJson(JsonRpc.response("echo", [])), { id: "echo", result: [], error: null })
  })
})
