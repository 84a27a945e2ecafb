import { describe, expect, it } from "@effect/vitest"
import { compareBytes, sortedJson } from "../src/cli/OvsText.js"

/** A small seeded generator (mulberry32), so that a failure can be replayed. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/** Code points from every range whose UTF-16 and UTF-8 orders could disagree. */
const RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x61, 0x63], // a few ASCII letters, so that prefixes are shared often
  [0x00, 0x7f],
  [0x80, 0x7ff],
  [0x800, 0xd7ff],
  [0xe000, 0xffff],
  [0x10000, 0x10ffff]
]

const text = (next: () => number): string => {
  let out = ""
  for (let n = Math.floor(next() * 6); n > 0; n--) {
    const [low, high] = RANGES[Math.floor(next() * RANGES.length)]!
    out += String.fromCodePoint(low + Math.floor(next() * (high - low + 1)))
  }
  return out
}

const sign = (n: number) => Math.sign(n)

describe("OvsText", () => {
  it("compareBytes orders strings as strcmp orders their UTF-8 bytes", () => {
    const next = random(7047)
    for (let i = 0; i < 20_000; i++) {
      const a = text(next)
      const b = next() < 0.3 ? a + text(next) : text(next)
      expect(sign(compareBytes(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(
        sign(Buffer.compare(Buffer.from(a), Buffer.from(b)))
      )
    }
  })

  it("sortedJson sorts every object's members so, rows with the same members and rows with others alike", () => {
    const rows = [
      { "\u{1F600}": 1, "\uFFFD": 2, b: 3, a: { z: 1, y: [{ d: 1, c: 2 }] } },
      { "\u{1F600}": 4, "\uFFFD": 5, b: 6, a: { z: 2, y: [] } },
      { b: 7, a: 8 }
    ]
    expect(sortedJson(rows)).toBe(
      "[{\"a\":{\"y\":[{\"c\":2,\"d\":1}],\"z\":1},\"b\":3,\"\uFFFD\":2,\"\u{1F600}\":1}," +
        "{\"a\":{\"y\":[],\"z\":2},\"b\":6,\"\uFFFD\":5,\"\u{1F600}\":4},{\"a\":8,\"b\":7}]"
    )
  })
})
