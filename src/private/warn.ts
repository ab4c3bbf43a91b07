/**
 * The library's one warning channel. cdk8s 2.70 has no `Annotations` (aws-cdk's warning API), so a warning
 * is recorded as construct metadata (type `cdk8s-vllm-pd:warning`, readable with `node.metadata`) and printed
 * to stderr once per process and reason, so an app with many routers prints it once.
 */
import { IConstruct } from 'constructs';

/** The metadata type of a warning on a construct. */
export const WARNING_METADATA = 'cdk8s-vllm-pd:warning';

const printed = new Set<string>();

/** Records `message` on `scope` and prints it unless a warning for `reason` was printed before. */
export function warn(scope: IConstruct, reason: string, message: string): void {
  scope.node.addMetadata(WARNING_METADATA, message);
  if (printed.has(reason)) return;
  printed.add(reason);
  process.stderr.write(`[cdk8s-vllm-pd] warning: ${message}\n`);
}

/** The warnings recorded on `scope` (for tests and tools). */
export function warningsOf(scope: IConstruct): string[] {
  return scope.node.metadata.filter(m => m.type === WARNING_METADATA).map(m => String(m.data));
}
