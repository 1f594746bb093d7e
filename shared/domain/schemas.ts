/**
 * What the zod schemas of the API's answers share: a date-time text, and compile-time checks that
 * a TypeScript type and the type a schema infers agree. Where an interface stays (its `readonly`
 * members keep callers honest), the schema beside it is checked against it:
 * `type _Checked = Assert<SameShape<ImageView, z.infer<typeof imageViewSchema>>>` fails to compile
 * when a field is missing on either side, optional on one side only, or typed differently.
 */
import { z } from 'zod';

/** An ISO 8601 date and time (`2024-05-01T10:00:00.000Z`), as the records keep them. */
export const dateTimeSchema = z.string().meta({ format: 'date-time' });

/** A type with every `readonly` (members, arrays) dropped, all the way down: zod infers mutable types. */
type Mutable<T> = T extends readonly (infer U)[]
  ? Mutable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Mutable<T[K]> }
    : T;

/** `true` when A and B are the same type, `readonly` aside; `false` otherwise. */
export type SameShape<A, B> =
  (<T>() => T extends Mutable<A> ? 1 : 2) extends <T>() => T extends Mutable<B> ? 1 : 2 ? true : false;

/** Compiles only when T is `true`. */
export type Assert<T extends true> = T;
