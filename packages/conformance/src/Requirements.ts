/**
 * Tests that need a component from outside npm (PyTorch, Chromium, a Vulkan driver). Locally a missing
 * component skips its tests with the reason and the command that installs it; under CI (`CI` set, as every
 * CI service and `.ci/run` set it) it fails them with the same message, so a CI run can never pass by
 * skipping what it was meant to check.
 */
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { describe, it } from "vitest"
import { env } from "./internal/env.js"

/** A system component a test needs, and why it is missing ("" when present). */
export interface Requirement {
  /** What the tests need, e.g. "PyTorch (python3-torch)". */
  readonly component: string
  /** Why it cannot be used here; "" when it can. */
  readonly missing: string
  /** The command that installs it. */
  readonly install: string
}

/**
 * Whether missing components fail instead of skip: `CI` is set to anything but "", "0" or "false".
 *
 * @example
 * ```ts
 * if (strict()) console.log("a missing component fails this run")
 * ```
 */
export const strict = (): boolean => {
  const ci = env().CI?.trim().toLowerCase()
  return ci !== undefined && ci !== "" && ci !== "0" && ci !== "false"
}

/** The one-line message a missing requirement reports. */
export const describeMissing = (requirement: Requirement): string =>
  `${requirement.component} is missing (${requirement.missing}); install it with: ${requirement.install}`

/**
 * Declares `body` under `describe(title)` when the requirement is met. When it is not: under CI, one failing
 * test that names the component and the install command; elsewhere `describe.skip` with that message in the
 * title.
 *
 * @example
 * ```ts
 * describeRequiring(pythonModules("/usr/bin/python3", ["torch"], "PyTorch", "apt-get install python3-torch"),
 *   "reload in PyTorch", () => { it("…", () => {}) })
 * ```
 */
export const describeRequiring = (requirement: Requirement, title: string, body: () => void): void => {
  if (requirement.missing === "") {
    describe(title, body)
    return
  }
  if (strict()) {
    describe(title, () => itRequiring(requirement, `needs ${requirement.component}`, () => {}))
  } else {
    describe.skip(`${title} — skipped: ${describeMissing(requirement)}`, body)
  }
}

/**
 * Requires `modules` to import in `python` (an absolute interpreter path).
 *
 * @example
 * ```ts
 * const torch = pythonModules("/usr/bin/python3", ["torch", "numpy"], "PyTorch", "apt-get install python3-torch")
 * ```
 */
export const pythonModules = (
  python: string,
  modules: ReadonlyArray<string>,
  component: string,
  install: string
): Requirement => {
  const probe = spawnSync(
    python,
    [
      "-c",
      `import importlib.util as u, sys; missing = [m for m in ${JSON.stringify(modules)} if u.find_spec(m) is None]; print(" ".join(missing)); sys.exit(1 if missing else 0)`
    ],
    { encoding: "utf8" }
  )
  const missing =
    probe.error !== undefined
      ? `${python} cannot run: ${probe.error.message}`
      : probe.status === 0
        ? ""
        : `${python} cannot import ${probe.stdout.trim() || probe.stderr.trim()}`
  return { component, missing, install }
}

/**
 * Requires an executable file at `path`.
 *
 * @example
 * ```ts
 * const chromium = executable(process.env.ADDROP_CHROMIUM ?? "/usr/bin/chromium", "Chromium", "apt-get install chromium")
 * ```
 */
export const executable = (path: string, component: string, install: string): Requirement => ({
  component,
  missing: existsSync(path) ? "" : `no file at ${path}`,
  install
})

/**
 * Chromium for the tests that render pages: `ADDROP_CHROMIUM` or Debian's `/usr/bin/chromium`.
 */
export const chromium = (): Requirement & { readonly path: string } => {
  const path = env().ADDROP_CHROMIUM ?? "/usr/bin/chromium"
  return {
    ...executable(path, "Chromium", "apt-get install chromium (or set ADDROP_CHROMIUM to a Chromium binary)"),
    path
  }
}

/**
 * PyTorch and numpy in Debian's Python (`/usr/bin/python3`), the independent reference.
 */
export const torch = (python = "/usr/bin/python3"): Requirement =>
  pythonModules(
    python,
    ["torch", "numpy"],
    "PyTorch (Debian's python3-torch)",
    "apt-get install python3-torch libopenblas0-pthread"
  )

/**
 * Declares one test that needs `requirement`, with the semantics of {@link describeRequiring}: it runs when
 * the component is present, fails with the install command under CI, and is skipped with that message
 * elsewhere.
 *
 * @example
 * ```ts
 * itRequiring(torch(), "reloads in PyTorch", async () => { … })
 * ```
 */
export const itRequiring = (
  requirement: Requirement,
  title: string,
  body: () => Promise<void> | void
): void => {
  if (requirement.missing === "") {
    it(title, body)
    return
  }
  const message = describeMissing(requirement)
  if (strict()) {
    it(title, () => {
      throw new Error(`${message}. CI is set, so a missing component fails instead of skipping.`)
    })
  } else {
    it.skip(`${title} — skipped: ${message}`, body)
  }
}
