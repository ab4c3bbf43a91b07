import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, AppProps, Chart, DependencyGraph, Names, YamlOutputType } from 'cdk8s';
import { IConstruct } from 'constructs';
import { checkStruct } from './private/boundary';
import { FLEET_APP_PROPS } from './private/prop-keys';
import { YamlWriter } from './private/yaml-writer';

/**
 * Props of a `FleetApp`: cdk8s's `AppProps`, and how many threads write its YAML.
 */
export interface FleetAppProps extends AppProps {
  /**
   * Worker threads that turn the rendered objects into YAML and write the files, beside the main thread, which
   * keeps rendering charts meanwhile. Every thread calls cdk8s's own `Yaml.save` / `Yaml.stringify`, so the files
   * are the same bytes as with 0, which writes everything on the main thread, as `App` does. The threads start
   * without the app's node options (a `-r` preload such as ts-node, NODE_OPTIONS), which they do not need; where
   * they cannot load cdk8s that way (a Yarn PnP app), they are started again with them.
   *
   * @default - the machine's CPUs (`os.availableParallelism()`), at most 4, for an app of at least 500 API objects
   *   on a machine with 2 or more CPUs; otherwise 0 (for a small app, starting a thread costs more than it saves)
   * @see https://nodejs.org/api/worker_threads.html
   */
  readonly yamlWriterThreads?: number;
}

/** Apps at least this big get writer threads by default (docs/performance.md measures the crossover). */
const PARALLEL_WRITE_MIN_OBJECTS = 500;
const DEFAULT_MAX_WRITER_THREADS = 4;

/**
 * A cdk8s `App` for apps with many charts (a fleet of services, one chart each): it writes the same
 * files, byte for byte, as `App`, but validates the construct tree and resolves its dependencies once
 * instead of once per chart, so synthesis time grows linearly with the number of charts.
 *
 * Why: cdk8s 2.70's `App.synth()` prepares the whole app, then calls `chart.toJson()` for each chart,
 * and `Chart.toJson()` (`App._synthChart`) runs the app-wide dependency and validation pass again over
 * every construct of the app (cdk8s src/app.ts, `_synthChart`, unchanged in 2.70.106). With N charts
 * that is N passes over the whole tree. `FleetApp` keeps `App`'s order of charts and objects, its file
 * names, output types, validation messages and construct metadata; only the repeated passes go. A chart
 * whose class overrides `toJson()` is still rendered through its own `toJson()`.
 *
 * Drop-in: replace `new App()` with `new FleetApp()` in `main.ts`; `cdk8s synth` runs it unchanged.
 *
 * Inside each chart, use the same construct IDs (the chart's ID keeps object names unique): when the first
 * construct of every chart has an ID of its own, V8's hidden-class table for empty objects fills up at about
 * 1,400 charts and all rendering slows down from there (docs/performance.md, "V8's transition limit").
 *
 * @example
 * const app = new FleetApp();
 * for (const name of ['a', 'b']) {
 *   const chart = new Chart(app, name, { namespace: 'llm' });
 *   new PdService(chart, 'Svc', { model: Model.LLAMA_3_1_8B_INSTRUCT });
 * }
 * app.synth();
 */
export class FleetApp extends App {
  // App keeps this private; the same default as App's constructor (cdk8s src/app.ts).
  private readonly recordsMetadata: boolean;
  private readonly writerThreads?: number;

  public constructor(props: FleetAppProps = {}) {
    const checked = checkStruct('FleetApp', 'props', props ?? {}, FLEET_APP_PROPS);
    super(checked);
    this.recordsMetadata = checked.recordConstructMetadata ?? process.env.CDK8S_RECORD_CONSTRUCT_METADATA === 'true';
    this.writerThreads = checked.yamlWriterThreads;
  }

  /**
   * Synthesizes all manifests to the output directory, as `App.synth()` does.
   */
  public synth(): void {
    fs.mkdirSync(this.outdir, { recursive: true });
    const { hasDependantCharts, objects, objectCount } = this._prepare();
    // App's `charts`, ordered the same way (cdk8s builds a dependency graph of the whole app for it).
    const charts = chartsOf(this);
    const writer = new YamlWriter(this.threadsFor(objectCount));
    try {
      this.write(writer, charts, hasDependantCharts, objects);
    } catch (e) {
      writer.abort();
      throw e;
    }
    const texts = writer.finish();
    if (this.yamlOutputType === YamlOutputType.FILE_PER_APP && charts.length > 0) {
      // There is no app name: cdk8s hard-codes the file name. Yaml.save's encoding.
      fs.writeFileSync(path.join(this.outdir, `app${this.outputFileExtension}`), joinDocuments(texts), { encoding: 'utf8' });
    }
    if (this.recordsMetadata) {
      const resources: { [name: string]: { path: string } } = {};
      for (const apiObject of charts.flatMap(chart => objects.of(chart))) {
        resources[apiObject.name] = { path: apiObject.node.path };
      }
      fs.writeFileSync(path.join(this.outdir, 'construct-metadata.json'), JSON.stringify({ version: '1.0.0', resources }));
    }
  }

  /**
   * Synthesizes the app into a YAML string, as `App.synthYaml()` does.
   */
  public synthYaml(): string {
    const { objects, objectCount } = this._prepare();
    const writer = new YamlWriter(this.threadsFor(objectCount));
    try {
      for (const chart of chartsOf(this)) stringifyChart(writer, render(chart, objects));
    } catch (e) {
      writer.abort();
      throw e;
    }
    return joinDocuments(writer.finish());
  }

  /** Renders every chart in App's order and hands each file to the writer (`FILE_PER_APP`: each chart's text). */
  private write(writer: YamlWriter, charts: Chart[], hasDependantCharts: boolean, objects: ChartObjects): void {
    const renderChart = (chart: Chart) => render(chart, objects);
    switch (this.yamlOutputType) {
      case YamlOutputType.FILE_PER_APP:
        for (const chart of charts) stringifyChart(writer, renderChart(chart));
        break;
      case YamlOutputType.FILE_PER_CHART: {
        const name = chartNamer(hasDependantCharts);
        for (const chart of charts) {
          writer.save(path.join(this.outdir, name(chart) + this.outputFileExtension), renderChart(chart));
        }
        break;
      }
      case YamlOutputType.FILE_PER_RESOURCE:
        for (const chart of charts) {
          for (const obj of renderChart(chart)) {
            if (obj !== undefined) {
              writer.save(path.join(this.outdir, resourceFileName(obj) + this.outputFileExtension), [obj]);
            }
          }
        }
        break;
      case YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE: {
        const name = chartNamer(hasDependantCharts);
        for (const chart of charts) {
          const dir = path.join(this.outdir, name(chart));
          fs.mkdirSync(dir, { recursive: true });
          // App renders each object itself here (no chart.toJson()), so overrides do not apply in App either.
          for (const apiObject of objects.of(chart)) {
            const obj = apiObject.toJson();
            writer.save(path.join(dir, resourceFileName(obj) + this.outputFileExtension), [obj]);
          }
        }
        break;
      }
      default:
        break;
    }
  }

  /** `yamlWriterThreads`, or its default for an app of `objectCount` API objects. */
  private threadsFor(objectCount: number): number {
    if (this.writerThreads !== undefined) return this.writerThreads;
    const cpus = os.availableParallelism?.() ?? os.cpus().length;
    return objectCount >= PARALLEL_WRITE_MIN_OBJECTS && cpus >= 2 ? Math.min(cpus, DEFAULT_MAX_WRITER_THREADS) : 0;
  }

  /**
   * The app-wide pass, once: validate (as `App.synth()` does first), turn implicit construct
   * dependencies into chart and object dependencies, then validate again (as every `Chart.toJson()`
   * does after resolving). Returns whether any chart depends on another (then file names are indexed), each
   * chart's API objects in App's order, and how many API objects the app has.
   */
  private _prepare(): { hasDependantCharts: boolean; objects: ChartObjects; objectCount: number } {
    const cache = new FindAllCache();
    validate(this, cache);
    const hasDependantCharts = resolveDependencies(this, cache);
    validate(this, cache);
    const objectCount = cache.findAll(this).filter(c => c instanceof ApiObject).length;
    return { hasDependantCharts, objects: new ChartObjects(this, cache), objectCount };
  }
}

/**
 * A part of `Yaml.stringify(...allDocs)`: that is `docs.map(render).join('---\n')`, so joining the non-empty
 * charts' texts with the same separator gives the same string.
 */
function stringifyChart(writer: YamlWriter, docs: any[]): void {
  if (docs.length > 0) writer.stringify(docs);
}

function joinDocuments(texts: Map<number, string>): string {
  return [...texts.keys()].sort((x, y) => x - y).map(k => texts.get(k)!).join('---\n');
}

/** `node.findAll()` per node, computed once per synthesis (cdk8s's `SynthRequestCache`). */
class FindAllCache {
  private readonly cache = new Map<IConstruct, IConstruct[]>();
  public findAll(c: IConstruct): IConstruct[] {
    let all = this.cache.get(c);
    if (!all) {
      all = c.node.findAll();
      this.cache.set(c, all);
    }
    return all;
  }
}

// The helpers below mirror cdk8s 2.70.0 src/app.ts (`validate`, `resolveDependencies`, `chartToKube`,
// the chart namers and resource file names), module-private there; test/fleet-app.test.ts proves the
// bytes match App's for every output type.

function validate(app: App, cache: FindAllCache): void {
  const errors: string[] = [];
  for (const child of cache.findAll(app)) {
    for (const error of child.node.validate()) {
      errors.push(`[${child.node.path}] ${error}`);
    }
  }
  if (errors.length > 0) {
    throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
  }
}

function dependencies(app: App, cache: FindAllCache): { source: IConstruct; target: IConstruct }[] {
  return cache.findAll(app).flatMap(source => source.node.dependencies.map(target => ({ source, target })));
}

function resolveDependencies(app: App, cache: FindAllCache): boolean {
  let hasDependantCharts = false;
  // Nested charts: the parent depends on its child charts.
  for (const parent of cache.findAll(app).filter(isChart)) {
    for (const child of parent.node.children.filter(isChart)) {
      parent.node.addDependency(child);
      hasDependantCharts = true;
    }
  }
  // Implicit construct dependencies across charts become chart dependencies.
  for (const dep of dependencies(app, cache)) {
    const sourceChart = Chart.of(dep.source);
    const targetChart = Chart.of(dep.target);
    if (sourceChart !== targetChart) {
      sourceChart.node.addDependency(targetChart);
      hasDependantCharts = true;
    }
  }
  // ...and dependencies between the API objects under them.
  for (const dep of dependencies(app, cache)) {
    const sourceChart = Chart.of(dep.source);
    const targetChart = Chart.of(dep.target);
    const targets = cache.findAll(dep.target).filter(c => c instanceof ApiObject && Chart.of(c) === targetChart);
    const sources = cache.findAll(dep.source).filter(c => c instanceof ApiObject && Chart.of(c) === sourceChart);
    for (const target of targets) {
      for (const source of sources) {
        if (target !== source) {
          source.node.addDependency(target);
        }
      }
    }
  }
  return hasDependantCharts;
}

function isChart(c: IConstruct): c is Chart {
  return c instanceof Chart;
}

/** A chart's own API objects in dependency order (objects of nested charts belong to those charts). */
function chartToKube(chart: Chart): ApiObject[] {
  return topology(chart, (c): c is ApiObject => c instanceof ApiObject).filter(c => Chart.of(c) === chart);
}

/** `App.charts`: the app's charts in dependency order. */
function chartsOf(app: App): Chart[] {
  return topology(app, isChart);
}

/**
 * `new DependencyGraph(root.node).topology().filter(keep)`, without building the graph when nothing under `root` has
 * a dependency (a fleet's charts usually have none): then every vertex is a root of its own, adopted in the order
 * of the graph's vertex table (an object keyed by construct path), which is what this returns. Only the kept
 * constructs are keyed (their relative order in the table is the same), so no other construct's path is computed.
 */
function topology<T extends IConstruct>(root: IConstruct, keep: (c: IConstruct) => c is T): T[] {
  const all = root.node.findAll();
  if (all.some(c => c.node.dependencies.length > 0)) return new DependencyGraph(root.node).topology().filter(keep);
  const byPath: { [constructPath: string]: T } = {};
  for (const c of all) if (keep(c)) byPath[c.node.path] = c;
  return Object.values(byPath);
}

/**
 * Each chart's own API objects in `chartToKube`'s order, for all charts in one walk of the tree. With no dependency
 * anywhere under the app (a fleet's usual case, checked after `_prepare`), a chart's `topology()` is its pre-order
 * with array-index-like paths first, and only a top-level chart's own path can be one (every other path holds a
 * `/`; constructs replaces `/` in ids), so its API objects come in pre-order: the walk hands each to its nearest
 * chart, as `Chart.of` does. With a dependency, each chart is ordered by `chartToKube` (its dependency graph).
 */
class ChartObjects {
  private readonly byChart = new Map<Chart, ApiObject[]>();
  private readonly walked: boolean;

  public constructor(app: App, cache: FindAllCache) {
    this.walked = !cache.findAll(app).some(c => c.node.dependencies.length > 0);
    if (this.walked) this.walk(app, undefined);
  }

  public of(chart: Chart): ApiObject[] {
    return this.walked ? this.byChart.get(chart) ?? [] : chartToKube(chart);
  }

  private walk(c: IConstruct, owner: ApiObject[] | undefined): void {
    if (c instanceof Chart) {
      owner = [];
      this.byChart.set(c, owner);
    } else if (c instanceof ApiObject && owner) {
      owner.push(c);
    }
    for (const child of c.node.children) this.walk(child, owner);
  }
}

/** What `chart.toJson()` returns, without repeating the app-wide pass `_prepare` did. */
function render(chart: Chart, objects: ChartObjects): any[] {
  if (chart.toJson !== Chart.prototype.toJson) {
    return Object.values(chart.toJson());
  }
  return objects.of(chart).map(o => o.toJson());
}

function chartNamer(indexed: boolean): (chart: Chart) => string {
  let index = 0;
  return chart => indexed ? `${(index++).toString().padStart(4, '0')}-${Names.toDnsLabel(chart)}` : Names.toDnsLabel(chart);
}

function resourceFileName(obj: any): string {
  return `${obj.kind}.${obj.metadata.name}`.replace(/[^0-9a-zA-Z-_.]/g, '');
}
