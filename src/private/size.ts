import { Size } from 'cdk8s';

/** Bytes in a Size (cdk8s converts up exactly; down-conversions of odd sizes would throw). */
export function bytesOf(size: Size): number {
  return size.toKibibytes() * 1024;
}

/** A Kubernetes quantity for a byte count: `NGi` when exact, else whole `Mi` rounded up. */
export function quantity(bytes: number): string {
  const mib = Math.ceil(bytes / 1024 ** 2);
  return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}
