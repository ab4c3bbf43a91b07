import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { markThrowSites } from '../../scripts/mark-throw-sites';
import { KvConnector, Model, PdService } from '../../src';
import { invalid, requireInteger, show, withoutOwnFrames } from '../../src/private/errors';
import { chart } from '../util';

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

describe('error stacks', () => {
  const own = [path.join(__dirname, '..', '..', 'src') + path.sep, path.join(__dirname, '..', '..', 'lib') + path.sep];
  function thrown(f: () => unknown): Error {
    try {
      f();
    } catch (e) {
      return e as Error;
    }
    throw new Error('did not throw');
  }

  test('start with the message, then the caller\'s own frame; no frames of the library\'s files', () => {
    const e = thrown(() => new PdService(chart(), 'Svc', { model: Model.LLAMA_3_1_8B_INSTRUCT, prefill: { replicas: 0 } }));
    const lines = e.stack!.split('\n');
    expect(lines[0]).toBe("Error: PdService 'test/Svc': 'prefill.replicas' (0) must be an integer >= 1");
    expect(lines[1]).toContain(__filename);
    expect(lines.filter(l => own.some(d => l.includes(d)))).toEqual([]);
  });

  test('keep the caller\'s frames however deep inside the library the error is built', () => {
    // requireCapability <- connector <- KvConnector <- VllmTier <- PrefillTier <- PdService: deeper than a
    // default 10-frame stack leaves room for.
    const e = thrown(() => new PdService(chart(), 'Svc', { model: Model.LLAMA_3_1_8B_INSTRUCT, kvConnector: KvConnector.p2pNccl() }));
    const frames = e.stack!.split('\n').filter(l => /^\s+at /.test(l));
    expect(frames[0]).toContain(__filename);
    expect(frames.length).toBeLessThanOrEqual(Error.stackTraceLimit);
  });

  test('a missing model reads the same way', () => {
    const e = thrown(() => new PdService(chart(), 'Svc', {} as any));
    expect(e.message).toBe("PdService 'test/Svc': 'model' (undefined) is required: pass Model.of(...) or a catalogue entry such as Model.LLAMA_3_1_8B_INSTRUCT");
    expect(e.stack!.split('\n')[1]).toContain(__filename);
  });

  test('drop the built-ins the library called before the caller\'s frame', () => {
    const lib = path.join(__dirname, '..', '..', 'lib', 'private', 'boundary.js');
    const stack = ['Error: x', `    at check (${lib}:1:1)`, '    at Array.map (<anonymous>)', `    at build (${lib}:2:2)`,
      '    at Object.<anonymous> (/app/main.js:5:1)', '    at Array.forEach (<anonymous>)'].join('\n');
    expect(withoutOwnFrames(stack, 10)).toBe('Error: x\n    at Object.<anonymous> (/app/main.js:5:1)\n    at Array.forEach (<anonymous>)');
  });

  test('an uncaught error from a marked throw site prints its message first (plain node, compiled code)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'throw-site-'));
    try {
      const libCode = "exports.check = (v) => {\n  if (v < 1) throw new Error(`'replicas' (${v}) must be an integer >= 1`);\n};\n";
      fs.writeFileSync(path.join(dir, 'lib.js'), markThrowSites('lib.js', libCode));
      fs.writeFileSync(path.join(dir, 'main.js'), "require('./lib').check(0);\n");
      const run = spawnSync(process.execPath, [path.join(dir, 'main.js')], { encoding: 'utf-8' });
      expect(run.status).not.toBe(0);
      expect(run.stderr.split('\n')[0]).toBe("Error: 'replicas' (0) must be an integer >= 1");
      // Unmarked, Node prints the library's throw line first.
      fs.writeFileSync(path.join(dir, 'lib.js'), libCode);
      expect(spawnSync(process.execPath, [path.join(dir, 'main.js')], { encoding: 'utf-8' }).stderr.split('\n')[0]).toContain('lib.js:2');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('markThrowSites marks each throw once and keeps the line numbers', () => {
    const code = 'function f(a) {\n  if (!a) throw new Error(`no\nthrow here`);\n  throw a;\n}\n';
    const once = markThrowSites('f.js', code);
    expect(markThrowSites('f.js', once)).toBe(once);
    expect(once.split('\n').length).toBe(code.split('\n').length);
    expect(once.match(/node-do-not-add-exception-line/g)).toHaveLength(2);
    expect(once).toContain('`no\nthrow here`');
  });

  test('withoutOwnFrames leaves a stack without frames as it is', () => {
    expect(withoutOwnFrames('Error: x', 10)).toBe('Error: x');
    expect(withoutOwnFrames(undefined, 10)).toBeUndefined();
  });
});
