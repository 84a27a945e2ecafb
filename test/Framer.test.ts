// The framer and exact JSON: every chunk split, escapes, multi-byte UTF-8, 64-bit integers, bad input.
import { assert, describe, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import { Framer } from "../src/codec/Framer.js"
import type { GrowingBytes } from "../src/codec/GrowingBytes.js"
import * as Json from "../src/Json.js"

const encoder = new TextEncoder()

/** Feeds `bytes` cut at `cuts` and collects every value, failing the test on a framing failure. */
const frameAll = (bytes: Uint8Array, cuts: ReadonlyArray<number>, maxFrameBytes = 1 << 20) => {
  const framer = new Framer({ maxFrameBytes })
  const values: Array<Json.Json> = []
  let from = 0
  for (const cut of [...cuts, bytes.length]) {
    const result = framer.push(bytes.subarray(from, cut))
    if (result._tag === "Failure") return result
    values.push(...result.values)
    from = cut
  }
  return { _tag: "Values" as const, values, pending: framer.pending }
}

/** Feeds `bytes` to `framer` in two reads cut at `cut`, and collects every value, or the failure. */
const feed = (framer: Framer, bytes: Uint8Array, cut: number) => {
  const first = framer.push(bytes.subarray(0, cut))
  if (first._tag === "Failure") return first
  const second = framer.push(bytes.subarray(cut))
  if (second._tag === "Failure") return second
  return { _tag: "Values" as const, values: [...first.values, ...second.values] }
}

const TRICKY = [
  { id: 1, result: ["Open_vSwitch"], error: null },
  { method: "echo", params: ["}{ ][ \" \\ \\\" \\\\", "é ☃ 😀 ünïcödé", "\u0000\u001f\u2028"], id: "echo" },
  { id: [1, "x"], result: { nested: [[[{}]]], s: "\\" }, error: null },
  {
    id: 2,
    result: [{ nb_cfg: 9007199254740993n, big: -9223372036854775808n, max: 9223372036854775807n }],
    error: null
  },
  { id: 3, result: [1.5, 1e300, 12345678901234.5, 0.1, -7], error: null }
]

const wire = (values: ReadonlyArray<Json.Json>, separator = "") =>
  encoder.encode(values.map(Json.stringify).join(separator))

describe("Framer", () => {
  it("frames back-to-back values cut at every byte position", () => {
    const bytes = wire(TRICKY, " \n\t")
    for (let cut = 0; cut <= bytes.length; cut++) {
      const framed = frameAll(bytes, [cut])
      assert.strictEqual(framed._tag, "Values")
      if (framed._tag === "Values") assert.deepStrictEqual(framed.values, TRICKY)
    }
  })

  it("frames a value fed one byte at a time", () => {
    const bytes = wire(TRICKY)
    const framed = frameAll(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1))
    assert.strictEqual(framed._tag, "Values")
    if (framed._tag === "Values") assert.deepStrictEqual(framed.values, TRICKY)
  })

  // Integers stay within ±2^53 here: beyond it the framer rightly answers bigint where JSON.parse rounds.
  const SafeInt = Schema.Int.check(Schema.isBetween({ minimum: -(2 ** 53 - 1), maximum: 2 ** 53 - 1 }))
  const Value = Schema.Struct({
    s: Schema.String,
    n: SafeInt,
    x: Schema.Finite.check(Schema.isBetween({ minimum: -1e15, maximum: 1e15 })),
    b: Schema.Boolean,
    xs: Schema.Array(Schema.String),
    m: Schema.Record(Schema.String, Schema.Array(SafeInt))
  })

  it.prop(
    "frames arbitrary values cut at arbitrary places",
    { values: Schema.Array(Value), cuts: Schema.Array(Schema.Int) },
    ({ cuts, values }) => {
      const bytes = encoder.encode(values.map((v) => JSON.stringify(v)).join("\n"))
      const sorted = cuts.map((c) => Math.abs(c) % (bytes.length + 1)).sort((a, b) => a - b)
      const framed = frameAll(bytes, sorted)
      assert.strictEqual(framed._tag, "Values")
      if (framed._tag === "Values") {
        assert.deepStrictEqual(framed.values, JSON.parse(`[${values.map((v) => JSON.stringify(v)).join(",")}]`))
        assert.isFalse(framed.pending)
      }
    }
  )

  it("keeps 64-bit integers exact, and plain numbers plain", () => {
    const framed = frameAll(encoder.encode("{\"a\":9223372036854775807,\"b\":[-9007199254740993,42,1.5e300]}"), [])
    assert.strictEqual(framed._tag, "Values")
    if (framed._tag === "Values") {
      assert.deepStrictEqual(framed.values, [{ a: 9223372036854775807n, b: [-9007199254740993n, 42, 1.5e300] }])
    }
  })

  it("tells a truncated value apart from a finished one", () => {
    const framed = frameAll(encoder.encode("{\"id\":1}{\"id\""), [])
    assert.strictEqual(framed._tag, "Values")
    if (framed._tag === "Values") assert.isTrue(framed.pending)
  })

  const malformed = ["{bad json}", "}", "x", "\"top-level string\"", "42", "{\"a\":1}]", "[1,2,}"]
  for (const input of malformed) {
    it(`rejects ${JSON.stringify(input)} as Malformed`, () => {
      const framed = frameAll(encoder.encode(input + "{}"), [])
      assert.strictEqual(framed._tag, "Failure")
      if (framed._tag === "Failure") assert.strictEqual(framed.reason, "Malformed")
    })
  }

  it("rejects invalid UTF-8 as Malformed, cut at every byte position, parsed or not", () => {
    const invalid = [
      [0xff, 0xfe], // bytes no character has
      [0x61, 0x80], // a continuation byte with no first byte
      [0xc3], // a character cut short by the string's end
      [0xe2, 0x98], // the same, two bytes of three
      [0xc0, 0x80], // an overlong NUL
      [0xed, 0xa0, 0x80] // a UTF-16 surrogate
    ]
    for (const bad of invalid) {
      const bytes = new Uint8Array([0x5b, 0x22, 0xc3, 0xa9, ...bad, 0x22, 0x5d, 0x5b, 0x5d])
      for (let cut = 0; cut <= bytes.length; cut++) {
        const framed = frameAll(bytes, [cut])
        assert.strictEqual(framed._tag, "Failure", `${bad} cut at ${cut}`)
        if (framed._tag === "Failure") assert.include(framed.detail, "UTF-8")
        const framer = new Framer({ maxFrameBytes: 1 << 20 })
        const first = framer.pushFrames(bytes.subarray(0, cut))
        const raw = first._tag === "Failure" ? first : framer.pushFrames(bytes.subarray(cut))
        assert.strictEqual(raw._tag, "Failure", `${bad} cut at ${cut}, unparsed`)
      }
    }
  })

  it("fails TooLarge as soon as a frame passes the limit, without waiting for its end", () => {
    const framer = new Framer({ maxFrameBytes: 1000 })
    assert.deepStrictEqual(framer.push(encoder.encode("[\"" + "a".repeat(600))), { _tag: "Values", values: [] })
    const result = framer.push(encoder.encode("a".repeat(600)))
    assert.strictEqual(result._tag, "Failure")
    if (result._tag === "Failure") assert.strictEqual(result.reason, "TooLarge")
    // a failed framer stays failed
    assert.strictEqual(framer.push(encoder.encode("{}")), result)
  })

  it("fails TooLarge for a whole oversized frame inside one read", () => {
    const framed = frameAll(encoder.encode(JSON.stringify(["x".repeat(2000)])), [], 1000)
    assert.strictEqual(framed._tag, "Failure")
    if (framed._tag === "Failure") assert.strictEqual(framed.reason, "TooLarge")
  })

  it("copies a split frame's reads, so that a reader may reuse its buffer after each push", () => {
    const value = { rows: Array.from({ length: 20_000 }, (_, i) => `row-${i}-é`) }
    const bytes = encoder.encode(JSON.stringify(value))
    for (const raw of [false, true]) {
      const framer = new Framer({ maxFrameBytes: 1 << 20 })
      // One buffer for every read, as a socket that reuses its read buffer fills it.
      const reused = new Uint8Array(1023)
      let values: ReadonlyArray<unknown> = []
      for (let at = 0; at < bytes.length; at += reused.length) {
        const piece = bytes.subarray(at, at + reused.length)
        reused.set(piece)
        const result = raw
          ? framer.pushFrames(reused.subarray(0, piece.length))
          : framer.push(reused.subarray(0, piece.length))
        reused.fill(0)
        if (result._tag === "Failure") assert.fail(result.detail)
        const got = result._tag === "Values"
          ? result.values
          : result.frames.map((frame) => JSON.parse(Buffer.from(frame).toString("utf8")))
        values = values.concat(got)
        // A frame to parse is parsed as it comes; one to give unparsed is held in a buffer that
        // grows by doubling: never more than twice its bytes.
        const held = Reflect.get(framer, "frame") as GrowingBytes | undefined
        if (raw && at + piece.length < bytes.length) {
          assert.strictEqual(held!.length, at + piece.length)
          assert.isAtMost(Reflect.get(held!, "buffer").length, Math.max(2 * (at + piece.length), 64 * 1024))
        } else assert.isUndefined(held)
      }
      assert.deepStrictEqual(values, [value])
      assert.isUndefined(Reflect.get(framer, "frame"), "the finished frame's buffer is let go")
      assert.isUndefined(Reflect.get(framer, "split"), "the finished frame's parse is let go")
    }
  })

  // A frame that spans reads is parsed row by row: the values 5 deep apart, the rest as a skeleton.
  const DEEP = [
    "{\"id\":1,\"result\":{\"T\":{",
    "\"u1\":{\"initial\":{\"name\":\"é ☃ 😀 }{][\\\"\",\"n\":[\"set\",[1,9007199254740993]]}},",
    "\"u2\":{\"initial\":[],\"x\":{},\"s\":\"[0]\",\"k\":12345678901234567890},",
    "\"__proto__\":{\"__proto__\":{\"__proto__\":[1]},\"10\":{\"a\":1},\"2\":[[2]]},",
    "\"dup\":{\"v\":{\"old\":1}},\"dup\":{\"v\":{\"new\":2}},",
    "\"ünï\":{\"ï\":{\"ü\":\"é\"}}",
    "},\"9223372036854775807\":[[[[[\"deep\"]]]]]},\"error\":null}"
  ].join("")

  it("parses a frame that spans reads as the whole text parses, cut at every byte position and one byte at a time", () => {
    const bytes = encoder.encode(DEEP + " " + DEEP)
    const expected = Json.parse(DEEP)
    if (Result.isFailure(expected)) return assert.fail(expected.failure)
    const check = (framed: ReturnType<typeof frameAll>, what: string) => {
      assert.strictEqual(framed._tag, "Values", what)
      if (framed._tag !== "Values") return
      assert.deepStrictEqual(framed.values, [expected.success, expected.success], what)
      const rows = ((framed.values[0] as { result: Record<string, Json.Json> }).result.T) as Record<string, Json.Json>
      assert.deepStrictEqual(Object.keys(rows), ["u1", "u2", "__proto__", "dup", "ünï"], what)
      assert.strictEqual(Object.getPrototypeOf(rows), Object.prototype, what)
    }
    for (let cut = 0; cut <= bytes.length; cut++) check(frameAll(bytes, [cut]), `cut at ${cut}`)
    check(frameAll(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1)), "a byte at a time")
  })

  it("parses a nested value that spans three reads, wherever the two cuts are", () => {
    const bytes = encoder.encode(DEEP)
    const expected = Json.parse(DEEP)
    if (Result.isFailure(expected)) return assert.fail(expected.failure)
    for (let first = 1; first < bytes.length; first += 3) {
      for (let second = first + 1; second < bytes.length; second += 5) {
        const framed = frameAll(bytes, [first, second])
        assert.strictEqual(framed._tag, "Values", `cut at ${first} and ${second}`)
        if (framed._tag === "Values") assert.deepStrictEqual(framed.values, [expected.success])
      }
    }
  })

  it("rejects a frame that spans reads as Malformed when a row or the skeleton is broken, cut anywhere", () => {
    const broken = [
      "{\"result\":{\"T\":{\"u\":{\"initial\":{\"a\":1,}}}}}", // a row
      "{\"result\":{\"T\":{\"u\":{\"initial\":{\"a\":[1}}}}}", // a row's brackets
      "{\"result\":{\"T\":{\"u\":{\"initial\":{}} \"v\":{}}}}", // the skeleton
      "{\"result\":{\"T\":{\"u\":{{\"a\":1}:1}}}}", // a row as a key
      "{\"result\":{\"T\":{\"u\":{\"initial\":{\"a\":12345678901234567890x}}}}}" // an exact row
    ]
    for (const text of broken) {
      const bytes = encoder.encode(text)
      for (let cut = 1; cut < bytes.length; cut++) {
        const framed = frameAll(bytes, [cut])
        assert.strictEqual(framed._tag, "Failure", `${text} cut at ${cut}`)
        if (framed._tag === "Failure") assert.strictEqual(framed.reason, "Malformed")
      }
    }
  })

  /** Puts back, in a copy of `json`, the value each marker 5 deep stands for. */
  const unmark = (json: Json.Json, values: ReadonlyArray<Json.Json>, depth = 1): Json.Json => {
    if (typeof json !== "object" || json === null || typeof json === "bigint") return json
    if (depth === 5) return Array.isArray(json) ? values[json[0] as number]! : json
    if (Array.isArray(json)) return (json as ReadonlyArray<Json.Json>).map((item) => unmark(item, values, depth + 1))
    const object = json as { readonly [key: string]: Json.Json }
    const copy: Record<string, Json.Json> = {}
    for (const key of Object.keys(object)) {
      Object.defineProperty(copy, key, {
        value: unmark(object[key]!, values, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true
      })
    }
    return copy
  }

  it("hands a frame's nested values to the reader its first bytes choose, and keeps their markers, cut anywhere", () => {
    const bytes = encoder.encode(DEEP + " " + DEEP)
    const size = encoder.encode(DEEP).length
    const expected = Json.parse(DEEP)
    if (Result.isFailure(expected)) return assert.fail(expected.failure)
    for (let cut = 1; cut < bytes.length; cut++) {
      const heads: Array<string> = []
      const read: Array<Array<Json.Json>> = []
      const framer = new Framer({
        maxFrameBytes: 1 << 20,
        readerFor: (head) => {
          heads.push(new TextDecoder().decode(head))
          const values: Array<Json.Json> = []
          read.push(values)
          return (value, marker) => {
            values[marker] = value
          }
        }
      })
      const framed = feed(framer, bytes, cut)
      if (framed._tag === "Failure") return assert.fail(framed.detail)
      // Only a frame that spans reads has a reader: the first one when the cut is inside it.
      const spans = cut < size || cut > size + 1 ? 1 : 0
      assert.strictEqual(heads.length, spans, `cut at ${cut}`)
      if (spans === 0) {
        assert.deepStrictEqual(framed.values, [expected.success, expected.success])
        continue
      }
      const which = cut < size ? 0 : 1
      assert.isTrue(DEEP.startsWith(heads[0]!), `cut at ${cut}: head ${heads[0]}`)
      assert.strictEqual(heads[0]!.length, Math.min(32, which === 0 ? cut : cut - size - 1))
      // Every value 5 deep went to the reader, in marker order, and the frame holds its marker.
      assert.strictEqual(read[0]!.length, 10, `cut at ${cut}`)
      assert.notDeepEqual(framed.values[which], expected.success)
      assert.deepStrictEqual(unmark(framed.values[which]!, read[0]!), expected.success, `cut at ${cut}`)
      assert.deepStrictEqual(framed.values[1 - which], expected.success, `cut at ${cut}`)
    }
  })

  it("refuses a frame begun by push and ended by pushFrames, whose bytes were not kept", () => {
    const framer = new Framer({ maxFrameBytes: 1 << 20 })
    assert.deepStrictEqual(framer.push(encoder.encode("[1,")), { _tag: "Values", values: [] })
    const ended = framer.pushFrames(encoder.encode("2]"))
    assert.strictEqual(ended._tag, "Failure")
    if (ended._tag === "Failure") assert.include(ended.detail, "begun by push")
  })

  it("gives frames unparsed with pushFrames: each value's bytes, owned, whatever the reads", () => {
    const bytes = wire(TRICKY, " \n")
    const texts = TRICKY.map((value) => Json.stringify(value))
    for (const size of [1, 7, 64, bytes.length]) {
      const framer = new Framer({ maxFrameBytes: 1 << 20 })
      const reused = new Uint8Array(size)
      const frames: Array<string> = []
      for (let at = 0; at < bytes.length; at += size) {
        const piece = bytes.subarray(at, at + size)
        reused.set(piece)
        const result = framer.pushFrames(reused.subarray(0, piece.length))
        assert.strictEqual(result._tag, "Frames")
        if (result._tag === "Frames") frames.push(...result.frames.map((frame) => Buffer.from(frame).toString("utf8")))
        reused.fill(0)
      }
      assert.deepStrictEqual(frames, texts, `reads of ${size} bytes`)
    }
    const bad = new Framer({ maxFrameBytes: 1 << 20 }).pushFrames(new Uint8Array([0x5b, 0xff, 0x5d]))
    assert.strictEqual(bad._tag, "Failure")
  })
})

describe("Json", () => {
  it("parses integers beyond 2^53 as bigint and the rest as numbers", () => {
    assert.deepStrictEqual(
      Json.parse(
        "{\"a\":[9223372036854775807,-9223372036854775808,9007199254740991,1.0,2e10,\"9223372036854775807\"]}"
      ),
      Result.succeed({
        a: [9223372036854775807n, -9223372036854775808n, 9007199254740991, 1, 2e10, "9223372036854775807"]
      })
    )
  })

  it("parses what JSON.parse parses, the same way", () => {
    assert.deepStrictEqual(Json.parse("{\"__proto__\":[1]}"), Result.succeed(JSON.parse("{\"__proto__\":[1]}")))
    for (const value of TRICKY.slice(0, 3)) {
      const text = JSON.stringify(value)
      assert.deepStrictEqual(Json.parse(text), Result.succeed(JSON.parse(text)))
    }
    assert.deepStrictEqual(
      Json.parse(" [ true , false , null , { } , [ ] ] "),
      Result.succeed([true, false, null, {}, []])
    )
  })

  it("reports where the text is broken", () => {
    for (const text of ["{", "[1,]", "{\"a\" 1}", "tru", "[1] x", "\"open", "{1:2}", "-", ""]) {
      const result = Json.parse(text)
      assert.isTrue(Result.isFailure(result), text)
      if (Result.isFailure(result)) assert.match(result.failure, /offset \d+/)
    }
  })

  it("writes bigints as bare digits, exactly", () => {
    const value = { a: [9223372036854775807n, -9223372036854775808n], s: "9223372036854775807", n: 1 }
    const text = Json.stringify(value)
    assert.strictEqual(text, "{\"a\":[9223372036854775807,-9223372036854775808],\"s\":\"9223372036854775807\",\"n\":1}")
    assert.deepStrictEqual(Json.parse(text), Result.succeed(value))
    assert.strictEqual(Json.stringify({ plain: [1, "x"] }), "{\"plain\":[1,\"x\"]}")
  })
})

describe("Framer nesting depth", () => {
  const nested = (depth: number, inner = "") => "[".repeat(depth) + inner + "]".repeat(depth)
  const nestedValue = (depth: number, inner?: Json.Json): Json.Json => {
    let value: Json.Json = inner === undefined ? [] : [inner]
    for (let level = 1; level < depth; level++) value = [value]
    return value
  }

  it("accepts a frame nested exactly as deep as the limit, and refuses one level more with TooDeep naming it, split anywhere", () => {
    for (const maxDepth of [1, 3, 1000]) {
      const framer = () => new Framer({ maxFrameBytes: 1 << 20, maxDepth })
      const deepest = encoder.encode(nested(maxDepth) + "{}")
      const deeper = encoder.encode(nested(maxDepth + 1) + "{}")
      for (let cut = 0; cut <= deeper.length; cut++) {
        const accepted = feed(framer(), deepest, cut)
        assert.deepStrictEqual(accepted, { _tag: "Values", values: [nestedValue(maxDepth), {}] }, `cut ${cut}`)
        const refused = feed(framer(), deeper, cut)
        assert.strictEqual(refused._tag, "Failure", `cut ${cut}`)
        if (refused._tag === "Failure") {
          assert.strictEqual(refused.reason, "TooDeep")
          assert.strictEqual(
            refused.detail,
            `a message nested deeper than the limit of ${maxDepth} levels at byte ${maxDepth}`
          )
        }
      }
    }
  })

  it("defaults to ovsdb-server's limit of 1000 levels, objects and arrays alike", () => {
    const objects = (depth: number) => "{\"a\":".repeat(depth - 1) + "[]" + "}".repeat(depth - 1)
    assert.deepStrictEqual(frameAll(encoder.encode(objects(1000)), [])._tag, "Values")
    const refused = frameAll(encoder.encode(objects(1001)), [])
    assert.strictEqual(refused._tag, "Failure")
    if (refused._tag === "Failure") {
      assert.strictEqual(refused.reason, "TooDeep")
      assert.include(refused.detail, "limit of 1000 levels")
    }
  })

  it("fails as soon as the bracket past the limit arrives, without waiting for the frame's end", () => {
    const framer = new Framer({ maxFrameBytes: 1 << 30 })
    assert.deepStrictEqual(framer.push(encoder.encode("[".repeat(1000))), { _tag: "Values", values: [] })
    const refused = framer.push(encoder.encode("[".repeat(100_000)))
    assert.strictEqual(refused._tag, "Failure")
    if (refused._tag === "Failure") assert.strictEqual(refused.reason, "TooDeep")
    // a failed framer stays failed
    assert.strictEqual(framer.push(encoder.encode("]")), refused)
  })

  it("counts no bracket inside a string", () => {
    const value = [["[[[[{{{{", "]]]]}}}}"]]
    assert.deepStrictEqual(
      feed(new Framer({ maxFrameBytes: 1 << 20, maxDepth: 2 }), encoder.encode(JSON.stringify(value)), 3),
      { _tag: "Values", values: [value] }
    )
  })

  it("gives its limit to the exact reader of a frame holding a 64-bit integer", () => {
    const big = "9223372036854775807"
    const framer = new Framer({ maxFrameBytes: 1 << 20, maxDepth: 1500 })
    const pushed = framer.push(encoder.encode(nested(1500, big)))
    assert.strictEqual(pushed._tag, "Values")
    if (pushed._tag === "Values") {
      let inner: Json.Json | undefined = pushed.values[0]
      for (let level = 0; level < 1500 && Array.isArray(inner); level++) inner = (inner as ReadonlyArray<Json.Json>)[0]
      assert.strictEqual(inner, 9223372036854775807n)
    }
    const refused = new Framer({ maxFrameBytes: 1 << 20, maxDepth: 1500 }).push(encoder.encode(nested(1501, big)))
    assert.strictEqual(refused._tag, "Failure")
    if (refused._tag === "Failure") assert.strictEqual(refused.reason, "TooDeep")
  })
})
