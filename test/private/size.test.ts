import { Size } from 'cdk8s';
import { bytesOf, quantity } from '../../src/private/size';

describe('size', () => {
  test('bytesOf converts any unit exactly, including sizes that are not whole MiB', () => {
    expect(bytesOf(Size.gibibytes(2))).toBe(2 * 1024 ** 3);
    expect(bytesOf(Size.kibibytes(9_765_625))).toBe(10_000_000_000);
  });

  test.each([
    [32 * 1024 ** 3, '32Gi'],
    [32 * 1024 ** 3 + 10_000_000_000, `${32 * 1024 + Math.ceil(10_000_000_000 / 1024 ** 2)}Mi`],
    [1, '1Mi'],
  ])('quantity(%p) is %p (Gi when exact, else whole Mi rounded up)', (bytes, q) => {
    expect(quantity(bytes)).toBe(q);
  });
});
