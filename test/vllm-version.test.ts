import { VllmVersion } from '../src';

describe('VllmVersion', () => {
  test.each(['0.19.1', 'v0.19.1'])('parses %p', (input) => {
    const v = VllmVersion.of(input);
    expect([v.major, v.minor, v.patch]).toEqual([0, 19, 1]);
    expect(v.toString()).toBe('0.19.1');
  });

  test.each(['latest', '0.19', 'v0', '0.19.1.2', '', 'nightly-2026-01-01'])('fails when the version is %p', (input) => {
    expect(() => VllmVersion.of(input))
      .toThrow(new RegExp(`^VllmVersion: 'version' \\('${input.replace(/[.]/g, '\\.')}'\\) must be a vLLM release version such as '0\\.19\\.1' or 'v0\\.19\\.1'$`));
  });

  test.each([
    ['v0.19.1', '0.19.1'],
    ['0.19.1', '0.19.1'],
    ['v0.19.1-cu129', '0.19.1'],
    ['v0.10.1.1', '0.10.1'],
    ['v1.2.3+build.5', '1.2.3'],
  ])('reads the version from image tag %p', (tag, expected) => {
    expect(VllmVersion.fromImageTag(tag)?.toString()).toBe(expected);
  });

  test.each(['latest', 'nightly', 'v0.19', 'sha256', 'cu129-v0.19.1', ''])('image tag %p has no version', (tag) => {
    expect(VllmVersion.fromImageTag(tag)).toBeUndefined();
  });

  test('isAtLeast is inclusive at the boundary', () => {
    const v = VllmVersion.of('0.22.0');
    expect(v.isAtLeast('0.22.0')).toBe(true);
    expect(v.isAtLeast('v0.22.0')).toBe(true);
    expect(v.isAtLeast('0.21.9')).toBe(true);
    expect(v.isAtLeast('0.22.1')).toBe(false);
  });

  test('isAtLeast compares numerically, not as text', () => {
    expect(VllmVersion.of('0.10.0').isAtLeast('0.9.0')).toBe(true);
    expect(VllmVersion.of('0.9.0').isAtLeast('0.10.0')).toBe(false);
    expect(VllmVersion.of('1.0.0').isAtLeast('0.99.99')).toBe(true);
  });

  test('fails when isAtLeast is given something that is not a version', () => {
    expect(() => VllmVersion.of('0.22.0').isAtLeast('newest'))
      .toThrow(/VllmVersion: 'version' \('newest'\) must be a vLLM release version/);
  });
});
