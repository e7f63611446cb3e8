#!/usr/bin/env node
/**
 * The `addrop` executable.
 *
 * @since 0.1.0
 */
import { readFileSync } from "node:fs"
import * as NodeChildProcessSpawner from "@effect/platform-node-shared/NodeChildProcessSpawner"
import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import * as NodePath from "@effect/platform-node-shared/NodePath"
import * as NodeRuntime from "@effect/platform-node-shared/NodeRuntime"
import * as NodeStdio from "@effect/platform-node-shared/NodeStdio"
import * as NodeTerminal from "@effect/platform-node-shared/NodeTerminal"
import { Cause, Effect, Layer, Runtime } from "effect"
import { CliError, CliOutput, Command } from "effect/cli"
import { addrop } from "./Cli.js"

// The published version, from the package's own manifest (`src/` and `dist/` both sit one level below it).
const VERSION: string = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version
const commandNames = ["train", "eval", "predict", "attribute", "bench", "sweep", "worker"]

// With no arguments, `addrop` runs the embedded default: `addrop train`.
const argv = process.argv.length <= 2 ? [...process.argv, "train"] : process.argv

// Help and version go through the library's presenter; a bad invocation is reported below as one line.
const presenter: CliOutput.Presenter = {
  present: (event) =>
    event._tag === "InvalidInvocation" || (event._tag === "Help" && event.reason === "Implicit")
      ? Effect.void
      : CliOutput.defaultPresenter.present(event)
}

// Node's file system, path, stdio, terminal and child processes: what `@effect/platform-node`'s NodeServices
// provides, composed from `@effect/platform-node-shared`, which (unlike @effect/platform-node 4.1 and its
// HTTP client, undici 8) supports Node 20.
const nodeServices = Layer.provideMerge(
  NodeChildProcessSpawner.layer,
  Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeStdio.layer, NodeTerminal.layer)
)

const program = Command.runWith(addrop, { version: VERSION, renderErrors: false })(argv.slice(2)).pipe(
  Effect.provide(Layer.merge(nodeServices, CliOutput.layerPresenter(presenter))),
  Effect.catchCause((cause) => {
    // Ctrl-C: the command has said what it stopped; the process ends with 130 (below).
    if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause)
    return Effect.sync(() => {
      // Every failure is one line on stderr and exit status 1; `--help` is not a failure.
      const failure = Cause.squash(cause)
      const usageErrors =
        CliError.isCliError(failure) && failure._tag === "ShowHelp" ? failure.errors : undefined
      if (usageErrors !== undefined && usageErrors.length === 0) return
      const subcommand = argv.slice(2).find((a) => !a.startsWith("-"))
      const help =
        subcommand !== undefined && commandNames.includes(subcommand)
          ? `addrop ${subcommand} --help`
          : "addrop --help"
      const message =
        usageErrors !== undefined
          ? `${usageErrors.map((e) => e.message).join("; ")} (see ${help})`
          : failure instanceof Error
            ? failure.message
            : String(failure)
      process.stderr.write(`addrop: ${message}\n`)
      process.exitCode = 1
    })
  })
)

// runMain interrupts the program on SIGINT and SIGTERM (finalizers run: tensors are freed, a checkpoint being
// written is finished) and exits with 130 then; otherwise with the status set above. The process exits
// even if a backend left a handle open.
NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  teardown: (exit, _onExit) =>
    // `process.exit()` without an argument keeps the status set above (Node 20 takes `undefined` as 0).
    Runtime.defaultTeardown(exit, (code) => (code === 0 ? process.exit() : process.exit(code)))
})
