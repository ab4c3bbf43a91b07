import * as fs from 'fs';
import { ApiObject, App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { CDK8S_PLUS_BINDINGS, checkUpstreamFixes, fixJson2jsiiFilter, loadBindings } from '../../scripts/upstream-fixes';
import { KvConnector, Model, PdService } from '../../src';

describe('json2jsii filter fix (the benchmark\'s BENCH_UPSTREAM=json2jsii)', () => {
  const stockSource = fs.readFileSync(CDK8S_PLUS_BINDINGS, 'utf-8');
  const fixed = fixJson2jsiiFilter(stockSource);
  const stock = loadBindings(stockSource);
  const patched = loadBindings(fixed.source);

  test('replaces every struct and map filter of cdk8s-plus-28\'s bindings', () => {
    expect(fixed.structs).toBe(440);
    expect(fixed.maps).toBe(34);
    expect(fixed.source).not.toContain('...r, [i[0]]');
  });

  test('maps every object of a PD service to the same JSON, key order included', () => {
    const app = new App();
    const chart = new Chart(app, 'c', { namespace: 'llm' });
    new PdService(chart, 'Svc', { model: Model.LLAMA_3_1_8B_INSTRUCT, kvConnector: KvConnector.nixl() });
    const objects = chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
    expect(objects.length).toBeGreaterThan(5);
    for (const obj of objects) {
      const name = `toJson_${obj.constructor.name}Props`;
      expect(typeof stock[name]).toBe('function');
      // ApiObject's own toJson: the resolved props, before the L1 class maps them.
      const resolved = ApiObject.prototype.toJson.call(obj);
      expect(JSON.stringify(patched[name](resolved))).toBe(JSON.stringify(stock[name](resolved)));
    }
  });

  test('keeps a map key __proto__ as a key, as the spread does', () => {
    const meta = JSON.parse('{"labels":{"__proto__":"x","a":"b"},"name":"n"}');
    expect(JSON.stringify(patched.toJson_ObjectMeta(meta))).toBe(JSON.stringify(stock.toJson_ObjectMeta(meta)));
    expect(Object.keys(patched.toJson_ObjectMeta(meta).labels)).toEqual(['__proto__', 'a']);
  });

  test('maps every kind of map value alike: plain, Quantity, nested struct, list; undefined entries left out', () => {
    const cases: Array<[string, any]> = [
      ['toJson_SubjectAccessReviewSpec', { extra: { groups: ['a', 'b'], none: undefined }, user: 'u' }],
      ['toJson_ResourceRequirements', { limits: { 'cpu': k8s.Quantity.fromString('2'), 'memory': undefined, 'nvidia.com/gpu': k8s.Quantity.fromNumber(4) } }],
      ['toJson_JsonSchemaProps', { properties: { a: { type: 'string', minLength: 1 }, b: undefined }, type: 'object' }],
    ];
    for (const [name, input] of cases) {
      const out = patched[name](input);
      expect(JSON.stringify(out)).toBe(JSON.stringify(stock[name](input)));
      expect(JSON.stringify(out)).not.toContain('undefined');
    }
    expect(patched.toJson_ResourceRequirements(cases[1][1]).limits).toEqual({ 'cpu': '2', 'nvidia.com/gpu': 4 });
  });

  test('fails on a fix it does not know', () => {
    expect(() => checkUpstreamFixes(['yaml'])).toThrow("BENCH_UPSTREAM: unknown fix 'yaml'; known: json2jsii");
  });
});
