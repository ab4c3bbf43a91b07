import { invalid, requireInteger, show } from '../../src/private/errors';

describe('show', () => {
  test.each([
    ['a string, quoted', 'UCX', "'UCX'"],
    ['an empty string', '', "''"],
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
    ['a number', 2.5, '2.5'],
    ['a boolean', false, 'false'],
    ['an array, as JSON', ['UCX', 1], '["UCX",1]'],
    ['an object, as JSON', { a: 1 }, '{"a":1}'],
  ])('shows %s', (_what, value, expected) => {
    expect(show(value)).toBe(expected);
  });

  test('shows a value JSON cannot serialize with String()', () => {
    const circular: any = { name: 'x' };
    circular.self = circular;
    expect(show(circular)).toBe('[object Object]');
    expect(show(BigInt(7))).toBe('7');
  });
});

describe('invalid', () => {
  test('names where, the prop, the value received and what is allowed', () => {
    const e = invalid("PrefillTier 'test/Prefill'", 'replicas', 0, 'must be an integer >= 1');
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe("PrefillTier 'test/Prefill': 'replicas' (0) must be an integer >= 1");
  });

  test('quotes string values', () => {
    expect(invalid('Model', 'nameOrPath', 'a b', 'must not contain whitespace').message)
      .toBe("Model: 'nameOrPath' ('a b') must not contain whitespace");
  });
});

describe('requireInteger', () => {
  test.each([[undefined, 1], [1, 1], [8, 1], [0, 0], [65535, 1]])('accepts %p with min %p', (value, min) => {
    expect(() => requireInteger('X', 'p', value, min)).not.toThrow();
  });

  test('fails when the value is below the minimum', () => {
    expect(() => requireInteger('X', 'replicas', 0, 1)).toThrow(/^X: 'replicas' \(0\) must be an integer >= 1$/);
  });

  test('fails when the value is negative and the minimum is 0', () => {
    expect(() => requireInteger('X', 'drainTimeout', -1, 0)).toThrow(/^X: 'drainTimeout' \(-1\) must be an integer >= 0$/);
  });

  test('fails when the value is not an integer', () => {
    expect(() => requireInteger('X', 'tensorParallelSize', 1.5, 1)).toThrow(/^X: 'tensorParallelSize' \(1\.5\) must be an integer >= 1$/);
  });

  test('fails when the value is not a number', () => {
    expect(() => requireInteger('X', 'port', '8000' as unknown as number, 1)).toThrow(/^X: 'port' \('8000'\) must be an integer >= 1$/);
  });
});

describe('show for non-JSON values', () => {
  test.each([[NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity']])('prints %p as %p, not null', (value, shown) => {
    expect(show(value)).toBe(shown);
  });

  test('prints a function as text, never undefined', () => {
    expect(typeof show(() => 1)).toBe('string');
  });
});
