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

  test('quick start has exactly the two documented commands', () => {
    expect(readme).toContain('npm install && npm run synth:examples');
    expect(readme).toContain('npm install && npm test');
  });
});
