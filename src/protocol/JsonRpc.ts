/**
 * JSON-RPC 1.0 messages as OVSDB uses them (RFC 7047 §4).
 *
 * Three shapes travel in both directions: a request (`method`, `params`, `id`), a notification (a
 * request whose `id` is `null`, which gets no reply) and a response (`id`, `result`, `error`). An
 * OVSDB server answers an RPC-level failure with `error` set and, unlike JSON-RPC 1.0, may leave
 * `result` out altogether (`{"id":1,"error":"unknown method"}`).
 *
 * @since 0.1.0
 */
import type { Json } from "../Json.js"

/**
 * A call that expects a response carrying the same `id`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Request {
  readonly _tag: "Request"
  readonly method: string
  readonly params: ReadonlyArray<Json>
  readonly id: Json
}

/**
 * A one-way message (`id` is `null`): `update`, `locked`, `cancel`, …
 *
 * @since 0.1.0
 * @category models
 */
export interface Notification {
  readonly _tag: "Notification"
  readonly method: string
  readonly params: ReadonlyArray<Json>
}

/**
 * The answer to a request. Exactly one of `result` and `error` is meaningful: `error` is `null` on
 * success.
 *
 * @since 0.1.0
 * @category models
 */
export interface Response {
  readonly _tag: "Response"
  readonly id: Json
  readonly result: Json
  readonly error: Json
}

/**
 * Any JSON-RPC message.
 *
 * @since 0.1.0
 * @category models
 */
export type Message = Request | Notification | Response

/**
 * Builds a request.
 *
 * @since 0.1.0
 * @category constructors
 */
export const request = (method: string, params: ReadonlyArray<Json>, id: Json): Request => ({
  _tag: "Request",
  method,
  params,
  id
})

/**
 * Builds a notification.
 *
 * @since 0.1.0
 * @category constructors
 */
export const notification = (method: string, params: ReadonlyArray<Json>): Notification => ({
  _tag: "Notification",
  method,
  params
})

/**
 * Builds a successful response.
 *
 * @since 0.1.0
 * @category constructors
 */
export const response = (id: Json, result: Json): Response => ({ _tag: "Response", id, result, error: null })

const isRecord = (json: Json): json is { readonly [key: string]: Json } =>
  typeof json === "object" && json !== null && !Array.isArray(json)

/**
 * Reads a parsed JSON value as a message, or `undefined` when it is not one (RFC 7047 §4).
 *
 * @since 0.1.0
 * @category decoding
 */
export const fromJson = (json: Json): Message | undefined => {
  if (!isRecord(json)) return undefined
  const { method, params, id } = json
  if (method !== undefined) {
    if (typeof method !== "string" || !Array.isArray(params) || id === undefined) return undefined
    return id === null ? notification(method, params) : request(method, params, id)
  }
  if (id === undefined || (json.result === undefined && json.error === undefined)) return undefined
  return { _tag: "Response", id, result: json.result ?? null, error: json.error ?? null }
}

/**
 * The JSON object sent on the wire for a message.
 *
 * @since 0.1.0
 * @category encoding
 */
export const toJson = (message: Message): Json => {
  switch (message._tag) {
    case "Request":
      return { method: message.method, params: message.params, id: message.id }
    case "Notification":
      return { method: message.method, params: message.params, id: null }
    case "Response":
      // As ovsdb-server writes them: an error reply leaves `result` out.
      return message.error === null
        ? { id: message.id, result: message.result, error: null }
        : { id: message.id, error: message.error }
  }
}
