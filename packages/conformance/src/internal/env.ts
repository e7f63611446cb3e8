/** The process environment where the runtime has one (Node, Bun, Deno), else empty: read through globals. */
export const env = (): Record<string, string | undefined> =>
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {}
