/**
 * The part of node-semver (a dependency, pinned in package.json) the compiler uses. The package ships no types and
 * @types/semver would be one more dependency for three functions, so they are declared here as the package documents them.
 */
declare module 'semver' {
  export interface RangeOptions {
    /** Let a prerelease version satisfy a range without a prerelease of its own. */
    readonly includePrerelease?: boolean;
    readonly loose?: boolean;
  }
  export interface SemVerLike {
    readonly major: number;
    readonly minor: number;
    readonly patch: number;
    readonly version: string;
  }
  /** Whether the version is inside the range. */
  export function satisfies(version: string, range: string, options?: RangeOptions): boolean;
  /** The range normalised, or null when it does not parse. */
  export function validRange(range: string, options?: RangeOptions): string | null;
  /** The lowest version the range admits, or null when it admits none. */
  export function minVersion(range: string, options?: RangeOptions): SemVerLike | null;
}
