// The benchmark's report lines and the README table made of them (scripts/bench/report.ts, table.ts).
import { assert, describe, it } from "@effect/vitest"
import { line, parseLine, ratio } from "../scripts/bench/report.js"
import { meets, readRun, replaceTable, table } from "../scripts/bench/table.js"
import { MARKERS } from "../scripts/bench/table.js"

describe("bench report lines", () => {
  it("print NAME: DETAILS -> FIGURE UNIT (target …) and read back the same parts", () => {
    const text = line(
      "cli query",
      "100,000 rows: effect-ovsdb 5.40 s -> printed",
      ratio(0.8312, "ovsdb-client"),
      "<= 1.00"
    )
    assert.strictEqual(
      text,
      "cli query: 100,000 rows: effect-ovsdb 5.40 s -> printed -> 0.83 x ovsdb-client (target <= 1.00)"
    )
    assert.deepStrictEqual(parseLine(text), {
      name: "cli query",
      details: "100,000 rows: effect-ovsdb 5.40 s -> printed",
      value: 0.83,
      printed: "0.83",
      unit: "x ovsdb-client",
      target: "<= 1.00"
    })
    assert.strictEqual(
      parseLine(line("replica updates", "10,000", { value: 87300.4, unit: "updates/s", digits: 0 }, ">= 50000"))?.value,
      87300
    )
    assert.isUndefined(parseLine("node v20.20.2 on linux x64, 2 x cpu, 23 GiB, 2026-12-03"))
    assert.isUndefined(parseLine("codec: 0.85 x JSON.parse"))
  })

  it("check a figure against its target", () => {
    assert.isTrue(meets(0.5, "<= 0.50"))
    assert.isFalse(meets(0.51, "<= 0.50"))
    assert.isTrue(meets(0.9, ">= 0.90"))
    assert.isFalse(meets(300, "< 300 ms"))
    assert.isUndefined(meets(0.3, "none"))
  })

  it("make the README table: a row per line, a column per run, the runs' lines under it", () => {
    const run20 = readRun([
      "node v20.20.2 on linux x64, 2 x cpu, 23 GiB, 2026-12-03",
      line("codec", "54 MB", ratio(0.9, "JSON.parse"), ">= 0.90"),
      line("cli start-up", "list-dbs", { value: 270, unit: "ms", digits: 0 }, "< 300 ms"),
      "some other output"
    ].join("\n"))
    const run22 = readRun([
      "node v22.23.5 on linux x64, 2 x cpu, 23 GiB, 2026-12-03",
      line("codec", "54 MB", ratio(0.88, "JSON.parse"), ">= 0.90")
    ].join("\n"))
    const markdown = table([run20, run22])
    assert.include(markdown, "| benchmark | peer in the same run | target | Node 20 | Node 22 |")
    assert.include(markdown, "| codec | JSON.parse | >= 0.90 | 0.90 × ✓ | 0.88 × ✗ |")
    assert.include(markdown, "| cli start-up |  | < 300 ms | 270 ms ✓ |  |")
    assert.include(markdown, "codec: 54 MB -> 0.90 x JSON.parse (target >= 0.90)")
    assert.notInclude(markdown, "some other output")
    const again = readRun([
      "node v20.20.2 on linux x64, 2 x cpu, 23 GiB, 2026-12-03",
      line("codec", "first", ratio(0.8, "JSON.parse"), ">= 0.90"),
      line("cli start-up", "list-dbs", { value: 270, unit: "ms", digits: 0 }, "< 300 ms"),
      "node v20.20.2 on linux x64, 2 x cpu, 23 GiB, 2026-12-03",
      line("codec", "second", ratio(0.95, "JSON.parse"), ">= 0.90")
    ].join("\n"))
    assert.deepStrictEqual(again.lines.map((found) => [found.name, found.details]), [["codec", "second"], [
      "cli start-up",
      "list-dbs"
    ]])
    assert.strictEqual(again.printed.length, 2)
    const readme = `# Title\n\n${MARKERS.start}\nold\n${MARKERS.end}\n\nafter\n`
    assert.strictEqual(replaceTable(readme, "new"), `# Title\n\n${MARKERS.start}\nnew\n${MARKERS.end}\n\nafter\n`)
    assert.isUndefined(replaceTable("# no markers", "new"))
  })
})
