import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, AppProps, Chart, Lazy, YamlOutputType } from 'cdk8s';
import { Construct } from 'constructs';
import { FleetApp, KvConnector, Model, PdService, RouterDiscovery } from '../src';
import { YamlWriter } from '../src/private/yaml-writer';

/** A chart class that renders itself (its override must still be honoured). */
class StampedChart extends Chart {
  public toJson(): any[] {
    return super.toJson().map(o => ({ ...o, metadata: { ...o.metadata, annotations: { stamped: 'yes' } } }));
  }
}

/** A fleet with everything App.synth() treats specially: chart and object dependencies, nested and overriding charts. */
function fleet(app: App): App {
  const connectors = [KvConnector.nixl(), KvConnector.nixl({ enforceHandshakeCompat: false }), KvConnector.nixl()];
  const charts = connectors.map((kvConnector, i) => {
    const chart = new Chart(app, `svc-${i}`, { namespace: 'llm', labels: { team: `t${i}` } });
    new PdService(chart, 'Svc', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      kvConnector,
      router: i === 1 ? { discovery: RouterDiscovery.STATIC } : undefined,
    });
    return chart;
  });
  const shared = new Chart(app, 'shared', { namespace: 'llm' });
  const config = new ApiObject(shared, 'Config', { apiVersion: 'v1', kind: 'ConfigMap', data: { a: '1' } });
  // An implicit construct dependency across charts (cdk8s turns it into chart and object dependencies).
  charts[0].node.findChild('Svc').node.addDependency(config);
  const nested = new Chart(charts[2], 'nested', { namespace: 'llm' });
  new ApiObject(nested, 'Quota', { apiVersion: 'v1', kind: 'ResourceQuota', spec: { hard: { pods: '10' } } });
  const stamped = new StampedChart(app, 'stamped', { namespace: 'llm' });
  new PdService(stamped, 'Svc', { model: Model.LLAMA_3_1_8B_INSTRUCT });
  return app;
}

/** Every file under `dir`, relative path -> contents. */
function files(dir: string): { [file: string]: string } {
  const out: { [file: string]: string } = {};
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out[path.relative(dir, full)] = fs.readFileSync(full, 'utf-8');
    }
  };
  walk(dir);
  return out;
}

function synthTo(make: (props: AppProps) => App, props: AppProps): { [file: string]: string } {
  return synthApp(p => fleet(make(p)), props);
}

/** The files an app writes (built by `make` with these props and a fresh outdir). */
function synthApp(make: (props: AppProps) => App, props: AppProps): { [file: string]: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-app-'));
  try {
    make({ ...props, outdir }).synth();
    return files(outdir);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

describe('FleetApp', () => {
  const outputTypes = [
    YamlOutputType.FILE_PER_CHART, YamlOutputType.FILE_PER_APP,
    YamlOutputType.FILE_PER_RESOURCE, YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE,
  ];
  test.each(outputTypes.flatMap(t => [0, 2].map(threads => [t, threads])))(
    'writes the same files, byte for byte, as App (output type %s, %s writer threads)', (yamlOutputType, yamlWriterThreads) => {
      const stock = synthTo(p => new App(p), { yamlOutputType });
      const fleetFiles = synthTo(p => new FleetApp({ ...p, yamlWriterThreads }), { yamlOutputType });
      expect(Object.keys(stock).length).toBeGreaterThan(0);
      expect(Object.keys(fleetFiles).sort()).toEqual(Object.keys(stock).sort());
      for (const file of Object.keys(stock)) {
        expect(fleetFiles[file]).toBe(stock[file]);
      }
    });

  test('writes an app of 500 objects or more on writer threads by default, the same bytes as App', () => {
    const build = (app: App) => {
      for (let i = 0; i < 34; i++) {
        new PdService(new Chart(app, `svc-${i}`, { namespace: 'llm' }), 'Svc', { model: Model.LLAMA_3_1_8B_INSTRUCT });
      }
      return app;
    };
    const started = jest.spyOn(YamlWriter.prototype as any, 'post');
    try {
      const stock = synthApp(p => build(new App(p)), {});
      const fleetFiles = synthApp(p => build(new FleetApp(p)), {});
      expect(Object.keys(fleetFiles)).toHaveLength(34);
      expect(fleetFiles).toEqual(stock);
      // 34 services of 15 objects: at least 500, so every chart went to a worker (given 2 CPUs or more).
      expect(started).toHaveBeenCalledTimes((os.availableParallelism?.() ?? os.cpus().length) >= 2 ? 34 : 0);
    } finally {
      started.mockRestore();
    }
  });

  test('a file written twice ends as App leaves it, on writer threads too', () => {
    // Two namespaces hold a ConfigMap of the same name: one file per resource, the last chart's wins.
    const build = (app: App) => {
      for (let i = 0; i < 6; i++) {
        const chart = new Chart(app, `c${i}`, { namespace: `ns-${i}` });
        new ApiObject(chart, 'Config', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared' }, data: { chart: `${i}` } });
      }
      return app;
    };
    const props = { yamlOutputType: YamlOutputType.FILE_PER_RESOURCE };
    const stock = synthApp(p => build(new App(p)), props);
    expect(stock['ConfigMap.shared.k8s.yaml']).toContain('chart: "5"');
    for (const yamlWriterThreads of [2, 3]) {
      expect(synthApp(p => build(new FleetApp({ ...p, yamlWriterThreads })), props)).toEqual(stock);
    }
  });

  test('documents that are not plain JSON data render as App renders them, on writer threads too', () => {
    // A chart may render class instances (their toJSON), dates (a YAML timestamp) and maps: a structured clone
    // would change them, so they are rendered on the main thread.
    class Stamp {
      public toJSON() { return { stamped: 'by toJSON' }; }
    }
    class OddChart extends Chart {
      public toJson(): any[] {
        return [
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'odd' }, data: { when: new Date(0), stamp: new Stamp() } },
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'map' }, data: new Map([['k', 'v']]) },
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'plain' }, data: { k: undefined } },
        ];
      }
    }
    const build = (app: App) => {
      new OddChart(app, 'odd');
      return app;
    };
    const stock = synthApp(p => build(new App(p)), {});
    expect(stock['odd.k8s.yaml']).toContain('by toJSON');
    expect(synthApp(p => build(new FleetApp({ ...p, yamlWriterThreads: 2 })), {})).toEqual(stock);
    expect(build(new FleetApp({ yamlWriterThreads: 2 })).synthYaml()).toBe(build(new App()).synthYaml());
  });

  test('fails with the same error as App when a file cannot be written, on writer threads too', () => {
    const build = (app: App) => {
      new ApiObject(new Chart(app, 'c'), 'Config', { apiVersion: 'v1', kind: 'ConfigMap' });
      return app;
    };
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-app-'));
    try {
      // The chart's file name is taken by a directory.
      fs.mkdirSync(path.join(outdir, 'c.k8s.yaml'));
      const message = (() => {
        try {
          build(new App({ outdir })).synth();
        } catch (e) {
          return (e as Error).message;
        }
        return 'no error';
      })();
      expect(message).toMatch(/^EISDIR/);
      for (const yamlWriterThreads of [0, 2]) {
        expect(() => build(new FleetApp({ outdir, yamlWriterThreads })).synth()).toThrow(message);
      }
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('fails with the chart\'s own error when an object cannot render, on writer threads too', () => {
    const build = (app: App) => {
      for (let i = 0; i < 3; i++) {
        new ApiObject(new Chart(app, `c${i}`), 'Config', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          data: i === 2 ? { k: Lazy.any({ produce: () => { throw new Error('no value here'); } }) } : { k: 'v' },
        });
      }
      return app;
    };
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-app-'));
    try {
      expect(() => build(new App({ outdir })).synth()).toThrow(/no value here/);
      expect(() => build(new FleetApp({ outdir, yamlWriterThreads: 2 })).synth()).toThrow(/Failed serializing construct at path 'c2\/Config'.*no value here/);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test.each([
    [{ yamlWriterThreads: -1 }, "FleetApp: 'yamlWriterThreads' (-1) must be an integer >= 0"],
    [{ yamlWriterThreads: 1.5 }, "FleetApp: 'yamlWriterThreads' (1.5) must be an integer >= 0"],
    [{ yamlWriterThreads: 65 }, "FleetApp: 'yamlWriterThreads' (65) must be <= 64"],
    [{ yamlOutputType: 7 }, "FleetApp: 'yamlOutputType' (7) must be one of YamlOutputType.FILE_PER_APP"],
    [{ yamlWriterThread: 2 }, "FleetApp: 'yamlWriterThread' (2) is not a prop of FleetAppProps (did you mean 'yamlWriterThreads'?)"],
  ])('fails on bad props %j', (props, message) => {
    expect(() => new FleetApp(props as any)).toThrow(message);
  });

  test.each(outputTypes)('writes the same files, byte for byte, as App (output type %s)', (yamlOutputType) => {
    const stock = synthTo(p => new App(p), { yamlOutputType });
    const fleetFiles = synthTo(p => new FleetApp(p), { yamlOutputType });
    expect(Object.keys(stock).length).toBeGreaterThan(0);
    expect(Object.keys(fleetFiles).sort()).toEqual(Object.keys(stock).sort());
    for (const file of Object.keys(stock)) {
      expect(fleetFiles[file]).toBe(stock[file]);
    }
  });

  test('the chart files are indexed and ordered by dependency, as App names them', () => {
    expect(Object.keys(synthTo(p => new FleetApp(p), {})).sort()).toEqual([
      '0000-shared.k8s.yaml', '0001-svc-0.k8s.yaml', '0002-svc-1.k8s.yaml', '0003-svc-2-nested-c8efc9bc.k8s.yaml',
      '0004-svc-2.k8s.yaml', '0005-stamped.k8s.yaml',
    ]);
  });

  test('honours a chart class that overrides toJson()', () => {
    const out = synthTo(p => new FleetApp(p), {});
    expect(out['0005-stamped.k8s.yaml']).toContain('stamped: "yes"');
  });

  test('writes the same construct metadata and file extension as App', () => {
    const props = { recordConstructMetadata: true, outputFileExtension: '.yml' };
    const stock = synthTo(p => new App(p), props);
    expect(stock['construct-metadata.json']).toBeDefined();
    expect(synthTo(p => new FleetApp(p), props)).toEqual(stock);
  });

  test('orders charts without dependencies as App does, numeric chart ids first', () => {
    // App orders charts by a dependency graph keyed by construct path, so ids that look like array indices
    // come first; FleetApp skips the graph when nothing depends on anything and must keep that order.
    const build = (app: App) => {
      for (const id of ['b', '10', '2', 'a']) {
        const chart = new Chart(app, id, { namespace: 'llm' });
        new ApiObject(chart, 'First', { apiVersion: 'v1', kind: 'ConfigMap', data: { chart: id } });
        new ApiObject(chart, 'Second', { apiVersion: 'v1', kind: 'Secret', stringData: { chart: id } });
      }
      return app;
    };
    const stock = build(new App()).synthYaml();
    expect(stock.indexOf('chart: "2"')).toBeLessThan(stock.indexOf('chart: "10"'));
    expect(build(new FleetApp()).synthYaml()).toBe(stock);
    for (const yamlOutputType of [YamlOutputType.FILE_PER_APP, YamlOutputType.FILE_PER_CHART]) {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-app-'));
      const fleetDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-app-'));
      try {
        build(new App({ outdir, yamlOutputType })).synth();
        build(new FleetApp({ outdir: fleetDir, yamlOutputType })).synth();
        expect(files(fleetDir)).toEqual(files(outdir));
      } finally {
        fs.rmSync(outdir, { recursive: true, force: true });
        fs.rmSync(fleetDir, { recursive: true, force: true });
      }
    }
  });

  test('synthYaml() returns the same string as App', () => {
    expect(fleet(new FleetApp()).synthYaml()).toBe(fleet(new App()).synthYaml());
  });

  test('synth() of an app without charts writes nothing, as App', () => {
    expect(synthTo(() => new FleetApp({ yamlOutputType: YamlOutputType.FILE_PER_APP }), {})).toEqual({});
  });

  test('renders each API object once and runs validations twice, however many charts there are', () => {
    const app = new FleetApp({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-app-')) });
    let validations = 0;
    for (let i = 0; i < 5; i++) {
      const chart = new Chart(app, `c${i}`, { namespace: 'llm' });
      new PdService(chart, 'Svc', { model: Model.LLAMA_3_1_8B_INSTRUCT });
      chart.node.addValidation({ validate: () => { validations++; return []; } });
    }
    const toJson = jest.spyOn(ApiObject.prototype, 'toJson');
    try {
      app.synth();
      // 15 objects per service (9 plus a PodDisruptionBudget and a NetworkPolicy for each of the three pod
      // sets); the L1 classes' toJson() calls ApiObject's once each.
      expect(toJson).toHaveBeenCalledTimes(5 * 15);
    } finally {
      toJson.mockRestore();
      fs.rmSync(app.outdir, { recursive: true, force: true });
    }
    // Before and after dependencies are resolved; App runs them once plus once per chart.
    expect(validations).toBe(5 * 2);
  });

  test('fails with the same validation message as App', () => {
    const build = (app: App) => {
      const chart = new Chart(app, 'c', { namespace: 'llm' });
      new Construct(chart, 'Bad').node.addValidation({ validate: () => ['something is off'] });
      return app;
    };
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-app-'));
    try {
      expect(() => build(new App({ outdir })).synth()).toThrow('Validation failed with the following errors:\n  [c/Bad] something is off');
      expect(() => build(new FleetApp({ outdir })).synth()).toThrow('Validation failed with the following errors:\n  [c/Bad] something is off');
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
