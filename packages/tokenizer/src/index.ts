/**
 * BERT WordPiece and RoBERTa byte-level BPE tokenizers from Hugging Face tokenizer.json or vocab.txt.
 *
 * @since 0.1.0
 */
export * as Tokenizer from "./Tokenizer.js"
export * from "./TokenizerError.js"
export * as Truncation from "./Truncation.js"
