import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, AppProps, Chart, YamlOutputType } from 'cdk8s';
import { Construct } from 'constructs';
import { FleetApp, KvConnector, Model, PdService, RouterDiscovery } from '../src';

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
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-app-'));
  try {
    fleet(make({ ...props, outdir })).synth();
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
