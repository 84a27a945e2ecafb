// The default atoms (src/protocol/Value.ts): what a row leaves out, and what updates omit.
import { assert, describe, it } from "@effect/vitest"
import * as Equal from "effect/Equal"
import * as Value from "../src/protocol/Value.js"

const TYPES = ["integer", "real", "boolean", "string", "uuid"] as const

describe("Value default atoms", () => {
  it("are 0, 0.0, false, \"\" and the zero UUID, each its type's default", () => {
    assert.deepStrictEqual(TYPES.map((type) => Value.defaultAtom(type)).slice(0, 4), [0, 0, false, ""])
    assert.isTrue(Equal.equals(Value.defaultAtom("uuid"), Value.uuid(Value.ZERO_UUID)))
    assert.isTrue(Value.isUuidText(Value.ZERO_UUID))
    for (const type of TYPES) assert.isTrue(Value.isDefaultAtom(type, Value.defaultAtom(type)), type)
    assert.isTrue(Value.isDefaultAtom("integer", 0n))
  })

  it("are told apart from every other atom", () => {
    assert.isFalse(Value.isDefaultAtom("integer", 1))
    assert.isFalse(Value.isDefaultAtom("integer", 2n ** 60n))
    assert.isFalse(Value.isDefaultAtom("real", 0.5))
    assert.isFalse(Value.isDefaultAtom("boolean", true))
    assert.isFalse(Value.isDefaultAtom("string", "0"))
    assert.isFalse(Value.isDefaultAtom("uuid", Value.uuid("36c7aec5-e358-4f3d-8de0-78a6a2bb2433")))
    assert.isFalse(Value.isDefaultAtom("uuid", Value.namedUuid(Value.ZERO_UUID)))
  })
})
