import { LlmdRouterVersion } from '../src';

describe('LlmdRouterVersion', () => {
  test('parses release numbers with or without v', () => {
    expect(LlmdRouterVersion.of('v0.10.0').toString()).toBe('0.10.0');
    expect(LlmdRouterVersion.of('0.10.1').isAtLeast('0.10.0')).toBe(true);
    expect(LlmdRouterVersion.of('0.9.0').isAtLeast('0.10.0')).toBe(false);
  });

  test('fails on what is no release number', () => {
    expect(() => LlmdRouterVersion.of('main')).toThrow(/LlmdRouterVersion: 'version' \('main'\) must be an llm-d router release version such as '0.10.0'/);
  });
});
