/**
 * An inclusive range of TCP ports, e.g. `{ first: 20000, last: 20127 }`.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#targeting-a-range-of-ports
 */
export interface PortRange {
  /** The first port of the range (1-65535). */
  readonly first: number;

  /** The last port of the range (1-65535, at least `first`). */
  readonly last: number;
}
