import { defineConfig } from "vitest/config"

// One run over every workspace package; used by the Bun and Deno legs of the test matrix.
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*"],
    reporters: ["default"]
  }
})
