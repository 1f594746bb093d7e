/**
 * Type-level checks for the typecheck step (`npm run typecheck` compiles test/types/): nothing here
 * runs; a check that does not hold is a compile error. Each check is an exported type alias
 * `Assert<...>`, so that a failing one names itself in the error.
 */

/** True when A is assignable to B (what `expectTypeOf<A>().toExtend<B>()` checks). */
export type Extends<A, B> = [A] extends [B] ? true : false;

/** The keys of Domain that Sdk lacks: `never` when the domain reads no field the SDK does not have. */
export type Extra<Domain, Sdk> = Exclude<keyof Domain, keyof Sdk>;

/** True when T is `never`. */
export type IsNever<T> = [T] extends [never] ? true : false;

/** Compiles only for `true`. */
export type Assert<T extends true> = T;
