import { RFC1123_SUBDOMAIN } from '../../src/private/names';

describe('names', () => {
  test.each(['weights', 'llama-70b.weights', 'a'])('%s is a valid object name', (name) => {
    expect(RFC1123_SUBDOMAIN.test(name)).toBe(true);
  });

  test.each(['Weights', '-weights', 'weights-', 'my_claim', '', 'a'.repeat(254)])('%p is not a valid object name', (name) => {
    expect(RFC1123_SUBDOMAIN.test(name)).toBe(false);
  });
});
