/**
 * The `addrop` CLI as a library: its commands, option resolution, reporters and the inspection used by
 * `addrop attribute`.
 *
 * @since 0.1.0
 */
export * as Assets from "./Assets.js"
export * from "./CliError.js"
export { addrop } from "./Cli.js"
export * as DataLayout from "./DataLayout.js"
export * as Inspect from "./Inspect.js"
export * as Progress from "./Progress.js"
export * as Report from "./Report.js"
export * as Sweep from "./commands/Sweep.js"
export * as Train from "./commands/Train.js"
export * as TrainOptions from "./TrainOptions.js"
export * as Worker from "./commands/Worker.js"
export * as Workspace from "./Workspace.js"
