/**
 * Codec throughput: framing and parsing one large realistic reply — a 100,000-row select of OVN
 * Northbound `Logical_Switch_Port`, tens of MB — pushed in 64 KiB reads, against `JSON.parse` of
 * the same bytes (decoded to text first, as any reader of a socket must), in the same run.
 */
import { Framer } from "../../src/codec/Framer.js"
import { collectGarbage, median } from "./measure.js"

/** The codec's figures. */
export interface CodecReport {
  readonly megabytes: number
  readonly framerMillis: number
  readonly jsonParseMillis: number
  /** JSON.parse time over framer time (>= 0.8 is the target). */
  readonly ratio: number
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0")
const uuid = (n: number, salt: number) =>
  `${hex(n, 8)}-${hex(salt, 4)}-4${hex(n % 4096, 3)}-8${hex(salt % 4096, 3)}-${hex(n * 7919 + salt, 12).slice(-12)}`

/** A `select` reply with `rows` Logical_Switch_Port rows, as ovsdb-server writes it. */
export const selectReply = (rows: number): Uint8Array => {
  const parts: Array<string> = []
  for (let i = 0; i < rows; i++) {
    const mac = `00:00:00:${hex((i >> 16) & 255, 2)}:${hex((i >> 8) & 255, 2)}:${hex(i & 255, 2)}`
    parts.push(JSON.stringify({
      _uuid: ["uuid", uuid(i, 1)],
      _version: ["uuid", uuid(i, 2)],
      name: `lsp-${Math.floor(i / 1000)}-${i % 1000}`,
      addresses: `${mac} 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      port_security: ["set", []],
      external_ids: ["map", [["neutron:port_name", `port-${i}`], ["neutron:device_owner", "compute:nova"]]],
      options: ["map", [["requested-chassis", `chassis-${i % 64}`]]],
      tag_request: ["set", []],
      enabled: true,
      up: false,
      type: "",
      dynamic_addresses: ["set", []],
      ha_chassis_group: ["set", []],
      dhcpv4_options: ["set", []],
      mirror_rules: ["set", []]
    }))
  }
  return Buffer.from(`{"id":7,"result":[{"rows":[${parts.join(",")}]}],"error":null}`)
}

const time = (f: () => void): number => {
  collectGarbage()
  const start = performance.now()
  f()
  return performance.now() - start
}

const CHUNK = 64 * 1024

/** Runs the codec benchmark: medians of `rounds` alternating runs after a warm-up. */
export const benchCodec = (options?: { readonly rows?: number; readonly rounds?: number }): CodecReport => {
  const bytes = selectReply(options?.rows ?? 100_000)
  const viaFramer = () => {
    const framer = new Framer({ maxFrameBytes: 1 << 30 })
    let values = 0
    for (let at = 0; at < bytes.length; at += CHUNK) {
      const result = framer.push(bytes.subarray(at, at + CHUNK))
      if (result._tag === "Failure") throw new Error(result.detail)
      values += result.values.length
    }
    if (values !== 1) throw new Error(`expected one value, got ${values}`)
  }
  const viaJsonParse = () => {
    JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf8"))
  }
  viaFramer()
  viaJsonParse()
  const framer: Array<number> = []
  const parse: Array<number> = []
  for (let round = 0; round < (options?.rounds ?? 7); round++) {
    parse.push(time(viaJsonParse))
    framer.push(time(viaFramer))
  }
  const framerMillis = median(framer)
  const jsonParseMillis = median(parse)
  return { megabytes: bytes.length / 1e6, framerMillis, jsonParseMillis, ratio: jsonParseMillis / framerMillis }
}
