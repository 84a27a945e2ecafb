// The sorted writer of raw JSON bytes against JsonWriter over the parsed value: the same text for
// random values of every kind (members out of order, escapes, non-ASCII names, reals, -0, integers
// beyond 2^53 and beyond 64 bits, deep nesting, space between tokens), and against ovsdb-client's
// own output for a real server's reply in test/cli-formats.test.ts's comparisons.
import { assert, describe, it } from "@effect/vitest"
import { JsonWriter } from "../src/cli/format/JsonText.js"
import { elements, member, sortedJson, sortedValue } from "../src/cli/format/SortedJson.js"
import * as Json from "../src/Json.js"
import { Random } from "./support/Random.js"

const NAMES = ["a", "b", "_uuid", "name", "Z", "é", "日本", "a\"q", "tab\t", "😀", "10", "", "rows", "ab", "a b"]
const STRINGS = ["", "plain", "quote\"d", "back\\slash", "line\nbreak", "\u0001", "é", "😀", "</script>", "\u2028"]
const NUMBERS: ReadonlyArray<Json.Json> = [
  0,
  -1,
  42,
  1.5,
  -0.25,
  1e20,
  1e-7,
  123456789012345678n,
  9007199254740993n,
  -9223372036854775808n,
  123456789012345678901n,
  Number.MAX_SAFE_INTEGER
]

const value = (random: Random, depth: number): Json.Json => {
  const kind = random.int(depth > 4 ? 4 : 7)
  switch (kind) {
    case 0:
      return random.pick(STRINGS)
    case 1:
      return random.pick(NUMBERS)
    case 2:
      return random.pick<Json.Json>([true, false, null])
    case 3:
      return random.pick(NUMBERS)
    case 4:
    case 5: {
      const out: Array<Json.Json> = []
      for (let i = random.int(4); i > 0; i--) out.push(value(random, depth + 1))
      return out
    }
    default: {
      const out: { [key: string]: Json.Json } = {}
      for (let i = random.int(6); i > 0; i--) out[random.pick(NAMES)] = value(random, depth + 1)
      return out
    }
  }
}

/** The text with space put between some tokens, as a server may. */
const spaced = (text: string, random: Random): string =>
  text.replace(/([,:[\]{}])/g, (token) => random.chance(0.2) ? ` ${token}\n` : token)

describe("sortedJson", () => {
  it("writes what JsonWriter writes of the parsed value, for 3,000 random values", () => {
    const random = new Random(7047)
    const writer = new JsonWriter(false)
    let compared = 0
    for (let n = 0; n < 3000; n++) {
      const v = value(random, 0)
      const text = spaced(Json.stringify(v), random)
      const parsed = Json.parse(text)
      assert.isTrue(parsed._tag === "Success", text)
      const expected = writer.text(parsed._tag === "Success" ? parsed.success : null)
      assert.strictEqual(sortedJson(Buffer.from(text))?.toString("utf8"), expected, text)
      compared++
    }
    assert.strictEqual(compared, 3000)
  })

  it("writes numbers as ovsdb-client does", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["[-0]", "[0]"],
      ["[1e+15]", "[1000000000000000]"],
      ["[1.50]", "[1.5]"],
      ["[123456789012345678901]", "[1.23456789012346e+20]"],
      ["[9223372036854775807]", "[9223372036854775807]"]
    ]
    for (const [input, output] of cases) {
      assert.strictEqual(sortedJson(Buffer.from(input))?.toString(), output, input)
      const parsed = Json.parse(input)
      assert.strictEqual(new JsonWriter(false).text(parsed._tag === "Success" ? parsed.success : null), output, input)
    }
  })

  it("is undefined for bytes that are not one JSON value", () => {
    for (const text of ["", "{", "[1,]x", "{\"a\" 1}", "[tru]", "\"open", "[1] [2]", "{\"a\":1,}"]) {
      assert.isUndefined(sortedJson(Buffer.from(text)), text)
    }
  })

  it("finds a top-level member and an array's elements without parsing them", () => {
    const reply = Buffer.from(`{"id":1,"result":[{"rows":[{"b":2,"a":1}]},{"count":3}, {}],"error":null}`)
    const result = member(reply, "result")
    assert.strictEqual(result, 17)
    const places = elements(reply, result)!
    assert.deepStrictEqual(
      places.map(([start, end]) => reply.toString("utf8", start, end)),
      [`{"rows":[{"b":2,"a":1}]}`, `{"count":3}`, "{}"]
    )
    assert.strictEqual(sortedValue(reply, places[0]![0])?.toString(), `{"rows":[{"a":1,"b":2}]}`)
    assert.isUndefined(member(reply, "nothing"))
    assert.isUndefined(elements(reply, 0))
    assert.strictEqual(member(Buffer.from(`{"a\\u0062":[]}`), "ab"), 11)
  })
})
