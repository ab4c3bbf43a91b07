/**
 * How the library recognises secrets that must never be rendered as literals.
 */

/** Hugging Face user access tokens start with `hf_` (https://huggingface.co/docs/hub/security-tokens). */
export const HF_TOKEN_PATTERN = /\bhf_[A-Za-z0-9]{20,}\b/;

/** Env var names that hold credentials, matched on whole name parts (TOKENIZERS_PARALLELISM is not one). */
export const SECRET_ENV_NAME = /(^|_)(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIALS?)(_|$)/i;
