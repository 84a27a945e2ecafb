// Column codecs: every constraint a column type carries, checked before anything is sent.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Result } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as ColumnCodec from "../src/protocol/ColumnCodec.js"
import type { ColumnType } from "../src/protocol/DatabaseSchema.js"
import * as DatabaseSchema from "../src/protocol/DatabaseSchema.js"
import * as Value from "../src/protocol/Value.js"

const nb = Effect.runSync(
  DatabaseSchema.decode(
    JSON.parse(Fs.readFileSync(Path.join(import.meta.dirname, "fixtures", "ovn-nb.ovsschema"), "utf8"))
  )
)
const codecs = ColumnCodec.forDatabase(nb)
const U = Value.uuid("016d253f-49ca-44be-8bad-36063337465e")

/** The constraint a value breaks, or "ok". */
const check = (codec: ColumnCodec.ColumnCodec, value: Value.Value | undefined) => {
  const result = codec.encode(value)
  return Result.isSuccess(result) ? "ok" : result.failure.constraint
}

describe("ColumnCodec", () => {
  it("checks integer ranges (Logical_Switch_Port.tag_request is 0..4095, optional)", () => {
    const tag = codecs.Logical_Switch_Port!.tag_request!
    assert.strictEqual(check(tag, 4095), "ok")
    assert.strictEqual(check(tag, undefined), "ok")
    assert.strictEqual(check(tag, []), "ok")
    assert.strictEqual(check(tag, 4096), "maxInteger")
    assert.strictEqual(check(tag, -1), "minInteger")
    assert.strictEqual(check(tag, 1.5), "type")
    assert.strictEqual(check(tag, "1"), "type")
    assert.strictEqual(check(tag, [1, 2]), "max")
    assert.deepStrictEqual(tag.encode(7), Result.succeed(["set", [7]]))
  })

  it("checks enums (ACL.action)", () => {
    const action = codecs.ACL!.action!
    assert.strictEqual(check(action, "allow-related"), "ok")
    assert.strictEqual(check(action, "explode"), "enum")
    assert.strictEqual(check(action, undefined), "type")
    const error = action.encode("explode")
    assert.isTrue(Result.isFailure(error))
    if (Result.isFailure(error)) {
      assert.strictEqual(error.failure.table, "ACL")
      assert.strictEqual(error.failure.column, "action")
      assert.include(error.failure.message, "ACL.action: \"explode\" breaks enum")
    }
  })

  it("checks sets of references (Logical_Switch.ports)", () => {
    const ports = codecs.Logical_Switch!.ports!
    assert.strictEqual(check(ports, [U, Value.namedUuid("p")]), "ok")
    assert.strictEqual(check(ports, ["not a uuid"]), "type")
    assert.strictEqual(check(ports, [U, U]), "unique elements")
    assert.strictEqual(check(ports, [U, Value.uuid(U.value)]), "unique elements") // equal by value
    assert.strictEqual(check(ports, [U, Value.uuid(U.value.toUpperCase())]), "unique elements") // one UUID
    assert.strictEqual(check(ports, [Value.namedUuid("p"), Value.namedUuid("p")]), "unique elements")
    assert.strictEqual(check(ports, new Map()), "type")
    assert.deepStrictEqual(ports.encode([U]), Result.succeed(["set", [["uuid", U.value]]]))
  })

  it("checks maps (external_ids: string to string)", () => {
    const ids = codecs.Logical_Switch!.external_ids!
    assert.strictEqual(check(ids, new Map([["k", "v"]])), "ok")
    assert.strictEqual(check(ids, new Map<Value.Atom, Value.Atom>([["k", 1]])), "value type")
    assert.strictEqual(check(ids, new Map<Value.Atom, Value.Atom>([[1, "v"]])), "key type")
    assert.strictEqual(check(ids, ["k"]), "type")
    assert.deepStrictEqual(ids.encode(new Map([["k", "v"]])), Result.succeed(["map", [["k", "v"]]]))
  })

  it("checks set sizes, real ranges, string lengths in characters, and 64-bit integers", () => {
    const type = (t: Partial<ColumnType> & Pick<ColumnType, "key">): ColumnType => ({ min: 1, max: 1, ...t })
    const sized = ColumnCodec.make("T", "c", type({ key: { type: "integer" }, min: 1, max: 2 }))
    assert.strictEqual(check(sized, []), "min")
    assert.strictEqual(check(sized, [1, 2, 3]), "max")
    const real = ColumnCodec.make("T", "r", type({ key: { type: "real", minReal: 0, maxReal: 1 } }))
    assert.strictEqual(check(real, 0.5), "ok")
    assert.strictEqual(check(real, 1.5), "maxReal")
    assert.strictEqual(check(real, Number.NaN), "type")
    const text = ColumnCodec.make("T", "s", type({ key: { type: "string", minLength: 2, maxLength: 3 } }))
    assert.strictEqual(check(text, "☃😀"), "ok") // 2 characters, 7 bytes
    assert.strictEqual(check(text, "a"), "minLength")
    assert.strictEqual(check(text, "abcd"), "maxLength")
    const int = ColumnCodec.make("T", "i", type({ key: { type: "integer" } }))
    assert.strictEqual(check(int, 9223372036854775807n), "ok")
    assert.strictEqual(check(int, 9223372036854775808n), "type")
    const bool = ColumnCodec.make("T", "b", type({ key: { type: "boolean" } }))
    assert.strictEqual(check(bool, "true"), "type")
  })

  it("compares enum members as OVSDB does: an integer as number or bigint, a UUID by its text", () => {
    const levels = ColumnCodec.make("T", "n", { key: { type: "integer", enum: [1, 2, 3] }, min: 1, max: 1 })
    assert.strictEqual(check(levels, 2n), "ok")
    assert.strictEqual(check(levels, 4n), "enum")
    const only = ColumnCodec.make("T", "u", { key: { type: "uuid", enum: [U.value] }, min: 1, max: 1 })
    assert.strictEqual(check(only, Value.uuid(U.value)), "ok")
    assert.strictEqual(check(only, Value.uuid(U.value.toUpperCase())), "ok")
    assert.strictEqual(check(only, Value.uuid("a1549dff-e558-443d-a57b-30eeba5a1177")), "enum")
  })

  it("finds duplicates by OVSDB equality, in sets of any size", () => {
    const ints = ColumnCodec.make("T", "i", { key: { type: "integer" }, min: 0, max: "unlimited" })
    assert.strictEqual(check(ints, [1, 1n]), "unique elements") // one integer, written two ways
    const strings = ColumnCodec.make("T", "s", { key: { type: "string" }, min: 0, max: "unlimited" })
    const many = Array.from({ length: 100_000 }, (_, i) => `port-${i}`)
    assert.strictEqual(check(strings, many), "ok")
    assert.strictEqual(check(strings, [...many, "port-99999"]), "unique elements")
    const ids = codecs.Logical_Switch!.external_ids!
    const keys = ColumnCodec.make("T", "m", {
      key: { type: "uuid" },
      value: { type: "string" },
      min: 0,
      max: "unlimited"
    })
    assert.strictEqual(check(keys, new Map([[U, "a"], [Value.uuid(U.value), "b"]])), "unique keys")
    assert.strictEqual(check(ids, new Map(many.map((k) => [k, "v"]))), "ok")
  })

  it("shows refused values exactly and briefly: 64-bit integers, UUIDs, long sets by their count", () => {
    const ints = ColumnCodec.make("T", "i", { key: { type: "integer" }, min: 0, max: 2 })
    const error = ints.encode([2n ** 62n, 2n ** 62n + 1n, 1])
    assert.isTrue(Result.isFailure(error))
    if (Result.isFailure(error)) assert.strictEqual(error.failure.value, "[4611686018427387904,4611686018427387905,1]")
    assert.strictEqual(ColumnCodec.show([U, Value.namedUuid("p")]), `[${U.value},p]`)
    assert.strictEqual(ColumnCodec.show(Array.from({ length: 20 }, (_, i) => i)), "[0,1,2,3,4,5,6,7,… 20 in all]")
    assert.strictEqual(ColumnCodec.show({ deep: [2n ** 64n] }), "{\"deep\":[18446744073709551616]}")
    assert.strictEqual(ColumnCodec.show(undefined), "undefined")
  })

  it("refuses a value nested a million deep with a ValueError, not a stack overflow", () => {
    let deep: unknown = "bottom"
    for (let i = 0; i < 1_000_000; i++) deep = [deep]
    const names = ColumnCodec.make("T", "names", { key: { type: "string" }, min: 0, max: "unlimited" })
    const refused = names.encode(deep as never)
    assert.isTrue(Result.isFailure(refused))
    if (Result.isFailure(refused)) assert.match(refused.failure.value, /^\[\[\[.*…/)
  })
})
