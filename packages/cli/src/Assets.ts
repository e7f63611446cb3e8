/**
 * Files shipped with the CLI: the embedded SST-2 sample and the bert-base-uncased tokenizer of the default
 * randomly initialised model.
 *
 * @since 0.1.0
 */
import { fileURLToPath } from "node:url"

const asset = (...parts: ReadonlyArray<string>) =>
  fileURLToPath(new URL(`../assets/${parts.join("/")}`, import.meta.url))

/**
 * The embedded GLUE-format SST-2 folder (`train.tsv`: 2,000 training rows, `dev.tsv`: the 872 dev rows).
 *
 * @since 0.1.0
 * @category paths
 */
export const sst2Sample = (): string => asset("sst2-sample")

/**
 * The bert-base-uncased tokenizer folder (`vocab.txt`, `tokenizer_config.json`).
 *
 * @since 0.1.0
 * @category paths
 */
export const bertTokenizer = (): string => asset("bert-base-uncased")
