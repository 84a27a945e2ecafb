// The monitor model: requests on the wire, updates of every version read, diffs applied.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { Framer } from "../src/codec/Framer.js"
import type { Json } from "../src/Json.js"
import type { ColumnType } from "../src/protocol/DatabaseSchema.js"
import * as Monitor from "../src/protocol/Monitor.js"
import * as Op from "../src/protocol/Operation.js"
import * as Value from "../src/protocol/Value.js"

const U = "e5d424f6-d032-48a5-ad92-02e4041636ac"
const uuid = Value.uuid(U)

describe("encodeRequests", () => {
  const requests: Monitor.Requests = {
    Address_Set: { columns: ["name"], where: [Op.where("name", "==", "x")], select: { initial: false } }
  }
  it("writes one object per table for monitor, an array for monitor_cond", () => {
    assert.deepStrictEqual(Monitor.encodeRequests(requests, 1), {
      Address_Set: { columns: ["name"], select: { initial: false }, where: [["name", "==", "x"]] }
    })
    assert.deepStrictEqual(Monitor.encodeRequests(requests, 2), {
      Address_Set: [{ columns: ["name"], select: { initial: false }, where: [["name", "==", "x"]] }]
    })
    assert.deepStrictEqual(Monitor.encodeRequests({ T: {} }, 3), { T: [{}] })
  })

  it("writes always and never as bare true and false, beside clauses", () => {
    assert.deepStrictEqual(
      Monitor.encodeRequests({ A: { where: [Op.always] }, B: { where: [Op.never, Op.where("n", "<", 3)] } }, 2),
      { A: [{ where: [true] }], B: [{ where: [false, ["n", "<", 3]] }] }
    )
    assert.deepStrictEqual(Monitor.encodeRequests({ A: { where: [false] } }, 3), { A: [{ where: [false] }] })
  })
})

describe("decodeTableUpdates", () => {
  it("reads version 1 updates: new alone, old alone, both", () => {
    const json = {
      Address_Set: {
        [U]: { new: { name: "x", addresses: ["set", ["a", "b"]] }, old: { addresses: ["set", ["a"]] } }
      }
    }
    assert.deepStrictEqual(Monitor.decodeTableUpdates(json, 1), [{
      _tag: "Modify",
      table: "Address_Set",
      uuid,
      row: { name: "x", addresses: ["a", "b"] },
      old: { addresses: ["a"] }
    }])
    assert.deepStrictEqual(Monitor.decodeTableUpdates({ T: { [U]: { new: { n: 1 } } } }, 1), [
      { _tag: "Insert", table: "T", uuid, row: { n: 1 } }
    ])
    assert.deepStrictEqual(Monitor.decodeTableUpdates({ T: { [U]: { new: { n: 1 } } } }, 1, true), [
      { _tag: "Initial", table: "T", uuid, row: { n: 1 } }
    ])
    assert.deepStrictEqual(Monitor.decodeTableUpdates({ T: { [U]: { old: { n: 1 } } } }, 1), [
      { _tag: "Delete", table: "T", uuid, old: { n: 1 } }
    ])
  })

  it("reads version 2 and 3 updates: initial, insert, modify, delete", () => {
    const json = {
      T: {
        [U]: { modify: { addresses: ["set", ["1.1.1.1", "3.3.3.3"]] } },
        "36c7aec5-e358-4f3d-8de0-78a6a2bb2433": { delete: null },
        "016d253f-49ca-44be-8bad-36063337465e": { initial: { name: "i" } },
        "a1549dff-e558-443d-a57b-30eeba5a1177": { insert: { name: "n" } }
      }
    }
    assert.deepStrictEqual(Monitor.decodeTableUpdates(json, 2), [
      { _tag: "Modify", table: "T", uuid, diff: { addresses: ["1.1.1.1", "3.3.3.3"] } },
      { _tag: "Delete", table: "T", uuid: Value.uuid("36c7aec5-e358-4f3d-8de0-78a6a2bb2433") },
      { _tag: "Initial", table: "T", uuid: Value.uuid("016d253f-49ca-44be-8bad-36063337465e"), row: { name: "i" } },
      { _tag: "Insert", table: "T", uuid: Value.uuid("a1549dff-e558-443d-a57b-30eeba5a1177"), row: { name: "n" } }
    ])
  })

  it("says what is wrong with a malformed update", () => {
    for (
      const json of [
        [],
        { T: [] },
        { T: { "not-a-uuid": { insert: {} } } },
        { T: { [U]: { frob: {} } } },
        { T: { [U]: { insert: { c: { x: 1 } } } } },
        { T: { [U]: {} } }
      ]
    ) {
      assert.isString(Monitor.decodeTableUpdates(json, 2))
    }
    assert.isString(Monitor.decodeTableUpdates({ T: { [U]: {} } }, 1))
    assert.isString(Monitor.decodeTableUpdates({ T: { [U]: { new: 5 } } }, 1))
  })
})

describe("ReplyRows", () => {
  const V = "36c7aec5-e358-4f3d-8de0-78a6a2bb2433"
  const W = "016d253f-49ca-44be-8bad-36063337465e"
  const rows2 = {
    Logical_Switch_Port: {
      [U]: {
        initial: {
          name: "lsp é",
          addresses: ["set", ["00:00:00:00:00:01 10.0.0.1", "dynamic"]],
          options: ["map", [["requested-chassis", "hv1"]]],
          ha_chassis_group: ["uuid", V]
        }
      },
      [V]: { initial: { name: "", tag: ["set", []], port_security: ["set", [["uuid", W]]] } }
    },
    Logical_Switch: { [W]: { initial: { name: "sw0", ports: ["set", [["uuid", U], ["uuid", V]]] } } }
  }
  const rows1 = { T: { [U]: { new: { n: 1 } }, [V]: { new: { n: 2 }, old: { n: 1 } }, [W]: { old: { n: 3 } } } }
  /** Each reply: its JSON-RPC text, where its table updates are in the result, how it is read and decoded. */
  const replies = [
    { result: rows2, at: (r: Json) => r, nested: "row", version: 2 },
    { result: rows1, at: (r: Json) => r, nested: "row", version: 1 },
    { result: [false, V, rows2], at: (r: Json) => (r as ReadonlyArray<Json>)[2]!, nested: "update", version: 3 }
  ] as const

  /** The reply of request 7 framed in two reads cut at `cut`, read by `rows` when it spans them. */
  const framed = (text: Uint8Array, cut: number, rows: Monitor.ReplyRows) => {
    const framer = new Framer({ maxFrameBytes: 1 << 20, readerFor: () => rows.read })
    const values = [framer.push(text.subarray(0, cut)), framer.push(text.subarray(cut))].flatMap((pushed) =>
      pushed._tag === "Values" ? pushed.values : assert.fail(pushed.detail)
    )
    return (values[0] as { readonly result: Json }).result
  }

  it("decodes a reply's rows as they arrive to what the whole reply decodes to, cut anywhere", () => {
    for (const reply of replies) {
      const text = new TextEncoder().encode(JSON.stringify({ id: 7, result: reply.result, error: null }))
      const expected = Monitor.decodeTableUpdates(reply.at(reply.result), reply.version, true)
      assert.isArray(expected)
      let marked = 0
      for (let cut = 1; cut < text.length; cut++) {
        const rows = new Monitor.ReplyRows(reply.nested)
        const result = framed(text, cut, rows)
        if (JSON.stringify(result) !== JSON.stringify(reply.result)) marked++
        assert.deepStrictEqual(
          Monitor.decodeTableUpdates(reply.at(result), reply.version, true, rows),
          expected,
          `version ${reply.version}, cut at ${cut}`
        )
      }
      // Most cuts fall where some rows are still to come: those were read as they came.
      assert.isAbove(marked, text.length / 2, `version ${reply.version}`)
    }
  })

  it("says what is wrong with a row read as it arrived, as with the whole reply", () => {
    const bad = [
      { result: { T: { [U]: { initial: { c: { x: 1 } } } } }, nested: "row", version: 2 },
      { result: { T: { [U]: { new: [1] } } }, nested: "row", version: 1 },
      { result: [true, V, { T: { [U]: { frob: {} } } }], nested: "update", version: 3 },
      { result: [true, V, { T: { [U]: [1] } }], nested: "update", version: 3 }
    ] as const
    for (const reply of bad) {
      const at = (r: Json) => Array.isArray(r) ? (r as ReadonlyArray<Json>)[2]! : r
      const text = new TextEncoder().encode(JSON.stringify({ id: 7, result: reply.result, error: null }))
      const whole = Monitor.decodeTableUpdates(at(reply.result), reply.version, true)
      assert.isString(whole)
      for (let cut = 1; cut < text.length; cut++) {
        const rows = new Monitor.ReplyRows(reply.nested)
        const decoded = Monitor.decodeTableUpdates(at(framed(text, cut, rows)), reply.version, true, rows)
        assert.isString(decoded, `${JSON.stringify(reply.result)} cut at ${cut}`)
        // The same words, but for the value shown, which may be a marker.
        assert.strictEqual((decoded as string).split(":")[0], (whole as string).split(":")[0], `${decoded} / ${whole}`)
      }
    }
  })

  it("reads a reply that came whole, or with arrays where rows should be, as it is", () => {
    const rows = new Monitor.ReplyRows("row")
    assert.isString(Monitor.decodeTableUpdates({ T: { [U]: { initial: [0] } } }, 2, true, rows))
    rows.read({ n: 1 }, 0)
    assert.deepStrictEqual(Monitor.decodeTableUpdates({ T: { [U]: { initial: [0] } } }, 2, true, rows), [
      { _tag: "Initial", table: "T", uuid, row: { n: 1 } }
    ])
    assert.include(Monitor.decodeTableUpdates({ T: { [U]: { initial: [1] } } }, 2, true, rows) as string, "marker 1")
  })
})

describe("applyDiff (ovsdb-server(7) §4.1.14)", () => {
  const scalar: ColumnType = { key: { type: "integer" }, min: 1, max: 1 }
  const optional: ColumnType = { key: { type: "string" }, min: 0, max: 1 }
  const set: ColumnType = { key: { type: "uuid" }, min: 0, max: "unlimited" }
  const map: ColumnType = { key: { type: "string" }, value: { type: "string" }, min: 0, max: "unlimited" }

  it("replaces a scalar", () => {
    assert.strictEqual(Monitor.applyDiff(scalar, 1, 2), 2)
  })

  it("toggles set elements, a bare atom being a one-element set", () => {
    const a = Value.uuid("016d253f-49ca-44be-8bad-36063337465e")
    const b = Value.uuid("a1549dff-e558-443d-a57b-30eeba5a1177")
    assert.deepStrictEqual(Monitor.applyDiff(set, [a], [a, b]), [b])
    assert.deepStrictEqual(Monitor.applyDiff(set, a, b), [a, b])
    assert.deepStrictEqual(Monitor.applyDiff(set, undefined, [a]), [a])
    assert.deepStrictEqual(Monitor.applyDiff(optional, "x", ["x", "y"]), ["y"])
    assert.deepStrictEqual(Monitor.applyDiff(optional, "x", "x"), [])
  })

  it("adds, removes and changes map pairs", () => {
    const old = new Map([["keep", "1"], ["drop", "2"], ["change", "3"]])
    const diff = new Map([["drop", "2"], ["change", "4"], ["add", "5"]])
    assert.deepStrictEqual(Monitor.applyDiff(map, old, diff), new Map([["keep", "1"], ["change", "4"], ["add", "5"]]))
  })

  it("matches UUIDs by value, not by object, in set elements, map keys and map values", () => {
    const text = "016d253f-49ca-44be-8bad-36063337465e"
    const other = Value.uuid("a1549dff-e558-443d-a57b-30eeba5a1177")
    assert.deepStrictEqual(Monitor.applyDiff(set, [Value.uuid(text), other], [Value.uuid(text)]), [other])
    const refs: ColumnType = { key: { type: "uuid" }, value: { type: "uuid" }, min: 0, max: "unlimited" }
    const before = new Map([[Value.uuid(text), other]])
    assert.deepStrictEqual(
      Monitor.applyDiff(refs, before, new Map([[Value.uuid(text), Value.uuid(other.value)]])),
      new Map()
    )
    assert.deepStrictEqual(
      Monitor.applyDiff(refs, before, new Map([[Value.uuid(text), Value.uuid(text)]])),
      new Map([[Value.uuid(text), Value.uuid(text)]])
    )
  })

  it("applies a small diff to a large set or map, keeping the order of what stays", () => {
    const ports = Array.from({ length: 50_000 }, (_, i) => `p${i}`)
    const after = Monitor.applyDiff({ ...set, key: { type: "string" } }, ports, ["p0", "new"])
    assert.deepStrictEqual([(after as ReadonlyArray<string>).length, ...(after as ReadonlyArray<string>).slice(0, 2)], [
      50_000,
      "p1",
      "p2"
    ])
    assert.strictEqual((after as ReadonlyArray<string>).at(-1), "new")
    const ids = new Map(ports.map((p) => [p, "v"]))
    const changed = Monitor.applyDiff(map, ids, new Map([["p1", "w"], ["p2", "v"]])) as ReadonlyMap<string, string>
    assert.deepStrictEqual([changed.size, changed.get("p1"), changed.has("p2")], [49_999, "w", false])
  })
})

describe("applyRowDiff", () => {
  it("applies each column's diff by its type, and takes a column of unknown type as it comes", () => {
    const types: { readonly [column: string]: ColumnType } = {
      ports: { key: { type: "string" }, min: 0, max: "unlimited" },
      other_config: { key: { type: "string" }, value: { type: "string" }, min: 0, max: "unlimited" }
    }
    const row = { name: "ls0", ports: ["a", "b"], other_config: new Map([["k", "v"], ["x", "1"]]) }
    const after = Monitor.applyRowDiff(types, row, {
      name: "ls1",
      ports: ["b", "c"],
      other_config: new Map([["k", "w"], ["x", "1"], ["y", "2"]])
    })
    assert.deepStrictEqual(after, {
      name: "ls1",
      ports: ["a", "c"],
      other_config: new Map([["k", "w"], ["y", "2"]])
    })
    // The row itself is left as it was.
    assert.deepStrictEqual(row.ports, ["a", "b"])
  })
})

describe("defaultValue: what version 2 and 3 inserts leave out", () => {
  const type = (key: ColumnType["key"]["type"], more: Partial<ColumnType> = {}): ColumnType => ({
    key: { type: key },
    min: 1,
    max: 1,
    ...more
  })

  it("is the default atom of a scalar, an empty set or map when the column may be empty", () => {
    assert.strictEqual(Monitor.defaultValue(type("integer")), 0)
    assert.strictEqual(Monitor.defaultValue(type("real")), 0)
    assert.strictEqual(Monitor.defaultValue(type("boolean")), false)
    assert.strictEqual(Monitor.defaultValue(type("string")), "")
    assert.deepStrictEqual(Monitor.defaultValue(type("uuid")), Value.uuid("00000000-0000-0000-0000-000000000000"))
    assert.deepStrictEqual(Monitor.defaultValue(type("string", { min: 0, max: 1 })), [])
    assert.deepStrictEqual(Monitor.defaultValue(type("uuid", { min: 0, max: "unlimited" })), [])
    assert.deepStrictEqual(
      Monitor.defaultValue(type("string", { min: 0, max: "unlimited", value: { type: "string" } })),
      new Map()
    )
    assert.deepStrictEqual(
      Monitor.defaultValue(type("string", { value: { type: "integer" } })),
      new Map([["", 0]])
    )
  })

  it("encodes as the value ovsdb-server writes for a column never set", () => {
    assert.deepStrictEqual(Value.encode(Monitor.defaultValue(type("string", { min: 0, max: 1 }))), ["set", []])
    assert.deepStrictEqual(
      Value.encode(Monitor.defaultValue(type("string", { min: 0, max: "unlimited", value: { type: "string" } }))),
      ["map", []]
    )
  })
})

describe("TableUpdates (the Schema)", () => {
  const wire2 = {
    T: {
      [U]: { modify: { addresses: ["set", ["1.1.1.1", "3.3.3.3"]] } },
      "36c7aec5-e358-4f3d-8de0-78a6a2bb2433": { delete: null },
      "a1549dff-e558-443d-a57b-30eeba5a1177": { insert: { name: "n", ids: ["map", [["k", "v"]]] } }
    }
  }
  const wire1 = {
    T: { [U]: { new: { name: "x" }, old: { name: "w" } }, "36c7aec5-e358-4f3d-8de0-78a6a2bb2433": { old: { n: 1 } } }
  }

  it.effect("decodes what decodeTableUpdates reads, and encodes it back to the same wire form", () =>
    Effect.gen(function*() {
      for (const [json, version] of [[wire2, 2], [wire2, 3], [wire1, 1]] as const) {
        const schema = Monitor.TableUpdates(version)
        const decoded = yield* Schema.decodeUnknownEffect(schema)(json)
        assert.deepStrictEqual(decoded, Monitor.decodeTableUpdates(json, version))
        assert.deepStrictEqual(yield* Schema.encodeEffect(schema)(decoded), json)
      }
    }))

  it.effect("fails with a SchemaError that says what is wrong", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Schema.decodeUnknownEffect(Monitor.TableUpdates(2))({ T: { [U]: { frob: {} } } })
      )
      assert.strictEqual(error._tag, "SchemaError")
      assert.include(error.message, "none of initial, insert, modify, delete")
    }))
})
