/**
 * Shared Vitest settings for every workspace project.
 *
 * Tests import sibling packages through the `@addrop/source` export condition, so they run against
 * `src/` without a build step; published consumers never see that condition.
 */
import { defineProject, type UserWorkspaceConfig } from "vitest/config"

const conditions = ["@addrop/source", "module", "node", "import", "default"]

export const sharedProject = (name: string, overrides: UserWorkspaceConfig["test"] = {}) =>
  defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ["node"] } },
    test: {
      name,
      include: ["test/**/*.test.ts"],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      pool: "forks",
      ...overrides
    }
  })
