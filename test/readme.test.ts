import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf-8');

describe('README', () => {
  // The quick-start code block is the seed example verbatim, so it compiles and is tested with it.
  test('shows the seed example exactly as it is in examples/', () => {
    const main = fs.readFileSync(path.join(root, 'examples', 'seed-llama-70b-nixl', 'main.ts'), 'utf-8');
    expect(readme).toContain('```ts\n' + main + '```');
  });

  test('every TypeScript block is an example app verbatim (so it compiles and is tested)', () => {
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map(m => m[1]);
    const examples = fs.readdirSync(path.join(root, 'examples'))
      .map(name => path.join(root, 'examples', name, 'main.ts'))
      .filter(f => fs.existsSync(f))
      .map(f => fs.readFileSync(f, 'utf-8'));
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) {
      expect(examples).toContain(block);
    }
  });

  // Other-language blocks are excerpts of the committed ports, which conformance/bindings/run
  // builds and compares with the TypeScript example, so a README snippet cannot drift from them.
  test.each([
    ['python', 'python/main.py'],
    ['java', 'java/src/main/java/io/github/cdk8svllmpd/examples/SeedLlama70bNixl.java'],
    ['go', 'go/main.go'],
  ])('every %s block is verbatim from examples/seed-llama-70b-nixl/%s', (lang, file) => {
    const source = fs.readFileSync(path.join(root, 'examples', 'seed-llama-70b-nixl', file), 'utf-8');
    const blocks = [...readme.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map(m => m[1]);
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) {
      expect(source).toContain(block);
    }
  });

  test('quick start has exactly the two documented commands', () => {
    expect(readme).toContain('npm install && npm run synth:examples');
    expect(readme).toContain('npm install && npm test');
  });
});
