import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Yaml } from 'cdk8s';
import { YamlWriter } from '../../src/private/yaml-writer';

/** `n` ConfigMaps, each a little different (so a misplaced run shows). */
function docs(n: number, tag: string): any[] {
  return Array.from({ length: n }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${tag}-${i}` }, data: { i: `${i}` } }));
}

describe('YamlWriter', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yaml-writer-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each([0, 1, 2, 3])('writes what Yaml.save writes, a file of many documents in runs too (%s threads)', (threads) => {
    const writer = new YamlWriter(threads);
    const sets = [docs(1, 'one'), docs(64, 'run'), docs(65, 'runs'), docs(200, 'many'), [undefined, ...docs(70, 'gap'), undefined]];
    sets.forEach((d, i) => writer.save(path.join(dir, `f${i}.yaml`), d));
    expect(writer.finish().size).toBe(0);
    sets.forEach((d, i) => expect(fs.readFileSync(path.join(dir, `f${i}.yaml`), 'utf-8')).toBe(Yaml.stringify(...d)));
  });

  test.each([0, 2])('joins stringify texts in order, long ones cut in runs (%s threads)', (threads) => {
    const writer = new YamlWriter(threads);
    const sets = [docs(3, 'a'), docs(150, 'b'), docs(1, 'c')];
    sets.forEach(d => writer.stringify(d));
    const texts = writer.finish();
    const joined = [...texts.keys()].sort((x, y) => x - y).map(k => texts.get(k)).join('---\n');
    expect(joined).toBe(Yaml.stringify(...sets.flat()));
  });

  test.each([
    ['many, then few', [200, 2]],
    ['few, then many', [2, 200]],
    ['many, then many', [100, 300]],
  ])('a file saved twice holds the last save (%s)', (_name, sizes) => {
    const writer = new YamlWriter(2);
    const file = path.join(dir, 'same.yaml');
    const sets = (sizes as number[]).map((n, i) => docs(n, `save${i}`));
    sets.forEach(d => writer.save(file, d));
    writer.finish();
    expect(fs.readFileSync(file, 'utf-8')).toBe(Yaml.stringify(...sets[sets.length - 1]));
  });

  test('fails with the error of the first job that failed, after every job ran', () => {
    const writer = new YamlWriter(2);
    fs.mkdirSync(path.join(dir, 'taken-1.yaml'));
    fs.mkdirSync(path.join(dir, 'taken-2.yaml'));
    writer.save(path.join(dir, 'ok.yaml'), docs(1, 'ok'));
    writer.save(path.join(dir, 'taken-1.yaml'), docs(1, 'x'));
    writer.save(path.join(dir, 'taken-2.yaml'), docs(1, 'y'));
    writer.save(path.join(dir, 'after.yaml'), docs(1, 'after'));
    expect(() => writer.finish()).toThrow(/^EISDIR: illegal operation on a directory, open '.*taken-1\.yaml'$/);
    expect(fs.existsSync(path.join(dir, 'after.yaml'))).toBe(true);
  });

  /**
   * Runs a YamlWriter of 2 threads in a child `node -r ts-node/register` with `preload` in NODE_OPTIONS (as Yarn PnP
   * sets it); returns what each slot ran on and the file's text.
   */
  function runWithPreload(preload: string): { slots: string[]; text: string } {
    const out = path.join(dir, 'out.yaml');
    const program = `const { YamlWriter } = require(${JSON.stringify(path.join(__dirname, '../../src/private/yaml-writer'))});
      const w = new YamlWriter(2);
      w.save(${JSON.stringify(out)}, [{ a: 1 }]);
      w.save(${JSON.stringify(out + '.2')}, [{ b: 2 }]);
      w.finish();
      console.log(JSON.stringify(w.workers.map(x => x === undefined ? 'main thread' : x.inherited ? 'app options' : 'clean')));`;
    const child = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', program], {
      encoding: 'utf-8',
      env: { ...process.env, NODE_OPTIONS: `-r "${preload}"`, TS_NODE_PROJECT: path.join(__dirname, '../tsconfig.json') },
    });
    if (child.status !== 0) throw new Error(`the child failed (${child.status}): ${child.stderr}`);
    expect(fs.readFileSync(out + '.2', 'utf-8')).toBe(Yaml.stringify({ b: 2 }));
    return { slots: JSON.parse(child.stdout.trim().split('\n').pop()!), text: fs.readFileSync(out, 'utf-8') };
  }

  /** Lines of a log file that threads append to, sorted (threads start side by side). */
  function lines(file: string): string[] {
    return fs.readFileSync(file, 'utf-8').split('\n').filter(Boolean).sort();
  }

  test('workers load none of the preloads the app was started with (node -r, NODE_OPTIONS)', () => {
    // Each thread that loads the preload appends its kind; the writer's workers must not load it.
    const log = path.join(dir, 'preloads.log');
    const preload = path.join(dir, 'preload.js');
    fs.writeFileSync(preload, `require('fs').appendFileSync(${JSON.stringify(log)}, ` +
      "(require('worker_threads').isMainThread ? 'main' : 'worker') + '\\n');\n");
    const { slots, text } = runWithPreload(preload);
    expect(slots).toEqual(['clean', 'clean']);
    expect(text).toBe(Yaml.stringify({ a: 1 }));
    expect(lines(log)).toEqual(['main']);
  });

  /** A preload that makes cdk8s loadable only through itself (Yarn PnP's `.pnp.cjs` does so for every module). */
  function pnpLikePreload(log: string, inWorkers: 'loads' | 'fails'): string {
    const shim = path.join(dir, 'cdk8s.pnpjs');
    // Without the preload, Node runs the shim as JavaScript.
    fs.writeFileSync(shim, `require('fs').appendFileSync(${JSON.stringify(log)}, 'clean worker\\n');\n` +
      "throw new Error('cdk8s is reachable only through the preload');\n");
    const preload = path.join(dir, 'preload.js');
    fs.writeFileSync(preload, `
      const fs = require('fs');
      const Module = require('module');
      const { isMainThread } = require('worker_threads');
      fs.appendFileSync(${JSON.stringify(log)}, (isMainThread ? 'main' : 'worker with the preload') + '\\n');
      const real = require.resolve('cdk8s', { paths: [${JSON.stringify(path.join(__dirname, '../..'))}] });
      require.extensions['.pnpjs'] = (m) => {
        if (!isMainThread && ${JSON.stringify(inWorkers)} === 'fails') throw new Error('no cdk8s in workers');
        m.exports = require(real);
      };
      const resolve = Module._resolveFilename;
      Module._resolveFilename = function (request, ...rest) {
        return request === 'cdk8s' ? ${JSON.stringify(shim)} : resolve.call(this, request, ...rest);
      };
    `);
    return preload;
  }

  test('workers that cannot load cdk8s without the app\'s preloads are started again with them (Yarn PnP)', () => {
    const log = path.join(dir, 'preloads.log');
    const { slots, text } = runWithPreload(pnpLikePreload(log, 'loads'));
    expect(slots).toEqual(['app options', 'app options']);
    expect(text).toBe(Yaml.stringify({ a: 1 }));
    // The first two tried without the preload and could not load cdk8s; the two started again loaded it.
    expect(lines(log)).toEqual(['clean worker', 'clean worker', 'main', 'worker with the preload', 'worker with the preload']);
  });

  test('jobs run on the main thread when no worker can load cdk8s, with the app\'s preloads or without', () => {
    const log = path.join(dir, 'preloads.log');
    const { slots, text } = runWithPreload(pnpLikePreload(log, 'fails'));
    expect(slots).toEqual(['main thread', 'main thread']);
    expect(text).toBe(Yaml.stringify({ a: 1 }));
    expect(lines(log)).toEqual(['clean worker', 'clean worker', 'main', 'worker with the preload', 'worker with the preload']);
  });
});
