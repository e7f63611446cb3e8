/**
 * How `addrop train` shows a run: progress bars with ETA and live loss on a terminal, plain lines when
 * the output is not a terminal, JSON lines with `--json`.
 *
 * @since 0.1.0
 */
import type { Trainer } from "@addrop/trainer"
import { SingleBar } from "cli-progress"
import { Effect } from "effect"

/**
 * Writes text to an output stream (stdout by default).
 *
 * @since 0.1.0
 * @category models
 */
export type Write = (text: string) => void

/**
 * Presentation modes.
 *
 * @since 0.1.0
 * @category models
 */
export type Mode = "tty" | "plain" | "json"

/**
 * The mode for the current process: `json` when asked, `tty` when stdout is a terminal, else `plain`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const detectMode = (json: boolean): Mode =>
  json ? "json" : process.stdout.isTTY === true ? "tty" : "plain"

const phaseName = (phase: "ft" | "addrop") => (phase === "ft" ? "fine-tuning" : "AD-Drop")

const fmt = (v: number, digits = 4) => (Number.isFinite(v) ? v.toFixed(digits) : String(v))

/**
 * A reporter: turns trainer events into output.
 *
 * @example
 * ```ts
 * import { Progress } from "@addrop/cli"
 * const reporter = Progress.make("plain", mainMetric, (t) => process.stdout.write(t))
 * Trainer.stream({ ... }).pipe(Stream.runForEach(reporter.onEvent))
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  mode: Mode,
  mainMetric: string,
  write: Write = (t) => process.stdout.write(t),
  label = ""
) => {
  const prefix = label === "" ? "" : `[${label}] `
  let bar: SingleBar | undefined
  let epochs = 0
  let lastPlain = 0
  const losses: Array<number> = []
  const handle = (event: Trainer.TrainerEvent): void => {
    if (mode === "json") {
      write(`${JSON.stringify(label === "" ? event : { run: label, ...event })}\n`)
      return
    }
    switch (event.type) {
      case "run-started":
        epochs = event.epochs
        write(
          `${prefix}${event.resumedAt === undefined ? "training" : `resuming at step ${event.resumedAt + 1}`}: ${event.epochs} epochs × ${event.stepsPerEpoch} steps\n`
        )
        return
      case "step": {
        losses.push(event.loss)
        if (losses.length > 20) losses.shift()
        const running = losses.reduce((a, b) => a + b, 0) / losses.length
        if (mode === "tty") {
          if (bar === undefined) {
            bar = new SingleBar({
              format: `${prefix}epoch {epoch}/${epochs} {phase} |{bar}| {value}/{total} | ETA {eta_formatted} | loss {loss}`,
              barCompleteChar: "█",
              barIncompleteChar: "░",
              hideCursor: true,
              clearOnComplete: true,
              etaBuffer: 20
            })
            bar.start(event.stepsPerEpoch, 0, {
              epoch: event.epoch + 1,
              phase: phaseName(event.phase).padEnd(11),
              loss: fmt(running)
            })
          }
          bar.update(event.stepInEpoch + 1, { phase: phaseName(event.phase).padEnd(11), loss: fmt(running) })
        } else {
          // About ten lines per epoch.
          const every = Math.max(1, Math.round(event.stepsPerEpoch / 10))
          const now = Date.now()
          if (
            (event.stepInEpoch + 1) % every === 0 ||
            event.stepInEpoch + 1 === event.stepsPerEpoch ||
            now - lastPlain > 30_000
          ) {
            lastPlain = now
            write(
              `${prefix}epoch ${event.epoch + 1}/${epochs} step ${event.stepInEpoch + 1}/${event.stepsPerEpoch} (${phaseName(event.phase)}) loss ${fmt(running)} lr ${event.learningRate.toExponential(2)} ${fmt(event.seconds, 2)} s/step\n`
            )
          }
        }
        return
      }
      case "epoch":
        bar?.stop()
        bar = undefined
        write(
          `${prefix}epoch ${event.epoch + 1} (${phaseName(event.phase)}): train loss ${fmt(event.trainLoss)}, dev ${mainMetric} ${fmt(event.main)}${event.isBest ? "  ★ best" : ""}  [${fmt(event.seconds, 1)} s]\n`
        )
        return
      case "early-stop":
        write(`${prefix}early stop after epoch ${event.epoch + 1}: no improvement for the patience window\n`)
        return
      case "checkpoint":
      case "best-saved":
        return
      case "run-completed":
        bar?.stop()
        bar = undefined
        return
    }
  }
  return {
    onEvent: (event: Trainer.TrainerEvent) => Effect.sync(() => handle(event)),
    /** Ends the progress bar of a run stopped before its end (Ctrl-C), so the next line starts clean. */
    stop: () => {
      bar?.stop()
      bar = undefined
    }
  }
}
