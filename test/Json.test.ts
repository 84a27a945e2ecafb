// Exact JSON at any depth: the reader refuses nesting past its limit with a failure, never a throw;
// the writers need no more stack for a deeper value.
import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import * as Json from "../src/Json.js"

const BIG = "9223372036854775807"

/** An array nested `depth` deep around `inner`, built without recursion. */
const nestedValue = (depth: number, inner: Json.Json): Json.Json => {
  let value: Json.Json = [inner]
  for (let level = 1; level < depth; level++) value = [value]
  return value
}

/** What lies `depth` arrays down, found without recursion. */
const innermost = (value: Json.Json, depth: number): Json.Json | undefined => {
  let at: Json.Json | undefined = value
  for (let level = 0; level < depth; level++) at = Array.isArray(at) ? (at as ReadonlyArray<Json.Json>)[0] : undefined
  return at
}

describe("Json.parse depth", () => {
  it("refuses a million levels around a 64-bit integer with a failure naming the limit, without throwing", () => {
    const text = "[".repeat(1_000_000) + BIG + "]".repeat(1_000_000)
    const result = Json.parse(text)
    assert.deepStrictEqual(result, Result.fail("nesting deeper than the limit of 1000 at offset 1000"))
  })

  it("reads exactly the limit, objects and arrays alike, and fails one level more", () => {
    const arrays = (depth: number) => "[".repeat(depth) + BIG + "]".repeat(depth)
    const objects = (depth: number) => "{\"a\":".repeat(depth) + BIG + "}".repeat(depth)
    for (const text of [arrays, objects]) {
      assert.isTrue(Result.isSuccess(Json.parse(text(Json.DEFAULT_MAX_DEPTH))))
      assert.isTrue(Result.isFailure(Json.parse(text(Json.DEFAULT_MAX_DEPTH + 1))))
      assert.isTrue(Result.isSuccess(Json.parse(text(3), { maxDepth: 3 })))
      assert.deepStrictEqual(Json.parse(text(4), { maxDepth: 3 })._tag, "Failure")
    }
    // empty arrays and objects count as levels too
    assert.deepStrictEqual(
      Json.parse("[[{}]]", { maxDepth: 2 }),
      Result.fail("nesting deeper than the limit of 2 at offset 2")
    )
    assert.deepStrictEqual(Json.parse("[[{}]]", { maxDepth: 3 }), Result.succeed([[{}]]))
  })

  it("reads a million levels when allowed, with no recursion to overflow", () => {
    const text = "[".repeat(1_000_000) + BIG + "]".repeat(1_000_000)
    const result = Json.parse(text, { maxDepth: Infinity })
    assert.isTrue(Result.isSuccess(result))
    if (Result.isSuccess(result)) assert.strictEqual(innermost(result.success, 1_000_000), 9223372036854775807n)
  })

  it("reads objects and arrays mixed, members in order, as JSON.parse does", () => {
    const text = "{\"a\":[1,{\"b\":[],\"c\":{}},[[\"x\"]]],\"__proto__\":{\"d\":null},\"e\":" + BIG + ",\"a\":2}"
    const expected = JSON.parse(text.replace(BIG, "0")) as { [key: string]: Json.Json }
    expected.e = 9223372036854775807n
    assert.deepStrictEqual(Json.parse(text), Result.succeed(expected))
    for (const bad of ["[1 2]", "{\"a\":1 \"b\":2}", "[[1]", "[1]]", "{\"a\"}", "{\"a\":1,}"]) {
      assert.isTrue(Result.isFailure(Json.parse(bad)), bad)
    }
  })
})

describe("Json.stringify and Json.show depth", () => {
  it("stringify writes a million levels, bigints exact", () => {
    const depth = 1_000_000
    assert.strictEqual(
      Json.stringify(nestedValue(depth, 9223372036854775807n)),
      "[".repeat(depth) + BIG + "]".repeat(depth)
    )
    assert.strictEqual(Json.stringify(nestedValue(depth, "x")), "[".repeat(depth) + "\"x\"" + "]".repeat(depth))
  })

  it("stringify past the native writer's stack writes what JSON.stringify writes", () => {
    class Stamp {
      toJSON(key: string) {
        return { stamped: key }
      }
    }
    const tricky = {
      s: "é \" \\ \u0000 \u2028",
      n: [1.5, -0, 1e21, NaN, Infinity, -7],
      u: undefined,
      f: () => 1,
      list: [undefined, () => 1, Symbol("s"), null, true, false],
      boxed: [Object(1), Object("s"), Object(false)],
      date: new Date(0),
      stamp: new Stamp(),
      nested: { empty: {}, none: [] }
    }
    const shallow = JSON.stringify(tricky)
    const depth = 10_000
    assert.strictEqual(
      Json.stringify(nestedValue(depth, tricky as unknown as Json.Json)),
      "[".repeat(depth) + shallow + "]".repeat(depth)
    )
    assert.strictEqual(Json.show(tricky), shallow)
  })

  it("stringify refuses a value inside itself with a TypeError, as JSON.stringify does", () => {
    const cycle: Array<unknown> = []
    cycle.push(nestedValue(10_000, cycle as Json.Json))
    assert.throws(() => Json.stringify(cycle as Json.Json), TypeError)
  })

  it("show returns a string for a million levels, elided past 32", () => {
    const shown = Json.show(nestedValue(1_000_000, 9223372036854775807n))
    assert.strictEqual(shown, "[".repeat(32) + "…" + "]".repeat(32))
    assert.strictEqual(Json.show(nestedValue(32, 1n)), "[".repeat(32) + "1" + "]".repeat(32))
  })

  it("show never throws, whatever it is given", () => {
    const cycle: { [key: string]: unknown } = { a: 1 }
    cycle.self = cycle
    cycle.twice = [cycle, cycle]
    assert.strictEqual(Json.show(cycle), "{\"a\":1,\"self\":…,\"twice\":[…,…]}")
    assert.strictEqual(Json.show(undefined), "undefined")
    assert.strictEqual(Json.show({ n: 9223372036854775807n, u: undefined }), "{\"n\":9223372036854775807}")
    assert.strictEqual(Json.show(Symbol.for("s")), "Symbol(s)")
    const broken = {
      toJSON() {
        throw new Error("no")
      }
    }
    assert.strictEqual(Json.show(broken), "<a value that cannot be shown>")
    assert.strictEqual(Json.show(Object.create(null) as object), "{}")
  })
})
