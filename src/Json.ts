/**
 * JSON values as OVSDB carries them: like `JSON.parse` output, except that integers outside
 * JavaScript's safe range (OVSDB integers are 64-bit) are `bigint`, so they survive exactly.
 *
 * @since 0.1.0
 */

/**
 * A JSON value. Integers beyond ±(2^53 - 1) are `bigint`; every other number is a `number`.
 *
 * @since 0.1.0
 * @category models
 */
export type Json =
  | null
  | boolean
  | number
  | bigint
  | string
  | ReadonlyArray<Json>
  | { readonly [key: string]: Json }
