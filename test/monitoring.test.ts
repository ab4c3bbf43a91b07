import { Duration } from 'cdk8s';
import { validateCustomResource } from './crd-schema';
import { chart, container, find, synth } from './util';
import { Model, MonitorKind, PdService, PrefillTier, ScrapeScheme } from '../src';

const model = Model.LLAMA_3_1_8B_INSTRUCT;

describe('monitoring', () => {
  test('PdService monitoring: a PodMonitor per tier on /metrics of the http port, and one for the router on its metrics port', () => {
    const c = chart();
    new PdService(c, 'Llama', { model, monitoring: { interval: Duration.seconds(15), labels: { release: 'kube-prometheus-stack' } } });
    const objects = synth(c);
    expect(objects.filter(o => o.kind === 'PodMonitor')).toMatchSnapshot();
    for (const component of ['prefill', 'decode']) {
      const monitor = find(objects, 'PodMonitor', component);
      const dep = find(objects, 'Deployment', component);
      expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
      expect(monitor.spec.selector.matchLabels).toEqual(dep.spec.selector.matchLabels);
      expect(monitor.metadata.labels.release).toBe('kube-prometheus-stack');
      expect(monitor.spec.podMetricsEndpoints).toEqual([{
        port: 'http',
        path: '/metrics',
        scheme: 'http',
        interval: '15s',
        relabelings: [
          { sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance'], targetLabel: 'app_kubernetes_io_instance' },
          { sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_component'], targetLabel: 'app_kubernetes_io_component' },
        ],
      }]);
      // The scraped port exists on the pod under that name.
      expect(container(dep).ports.map((p: any) => p.name)).toContain('http');
    }
    const router = find(objects, 'PodMonitor', 'router');
    const routerDep = find(objects, 'Deployment', 'router');
    expect(router.spec.selector.matchLabels).toEqual(routerDep.spec.selector.matchLabels);
    expect(router.spec.podMetricsEndpoints[0].port).toBe('metrics');
    expect(container(routerDep).ports).toContainEqual({ name: 'metrics', containerPort: 29000, protocol: 'TCP' });
    // vllm-router binds its exporter to 0.0.0.0, or Prometheus could not reach it.
    const args: string[] = container(routerDep).args;
    expect(args[args.indexOf('--prometheus-host') + 1]).toBe('0.0.0.0');
  });

  test('the router Service exposes the metrics port (always), and a ServiceMonitor selects the Services', () => {
    const c = chart();
    new PdService(c, 'Llama', {
      model,
      monitoring: { kind: MonitorKind.SERVICE_MONITOR, interval: Duration.seconds(30), scrapeTimeout: Duration.seconds(10) },
      decode: { monitoring: { interval: Duration.minutes(1) } },
    });
    const objects = synth(c);
    expect(objects.filter(o => o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor')).toMatchSnapshot();
    const svc = find(objects, 'Service', 'router');
    expect(svc.spec.ports).toContainEqual({ name: 'metrics', port: 29000, targetPort: 'metrics', protocol: 'TCP' });
    const routerMonitor = find(objects, 'ServiceMonitor', 'router');
    expect(routerMonitor.spec.selector.matchLabels).toEqual(svc.spec.selector);
    expect(Object.entries(routerMonitor.spec.selector.matchLabels).every(([k, v]) => svc.metadata.labels[k] === v)).toBe(true);
    expect(routerMonitor.spec.endpoints[0]).toMatchObject({ port: 'metrics', path: '/metrics', interval: '30s', scrapeTimeout: '10s' });
    const prefill = find(objects, 'ServiceMonitor', 'prefill');
    const prefillSvc = find(objects, 'Service', 'prefill');
    expect(Object.entries(prefill.spec.selector.matchLabels).every(([k, v]) => prefillSvc.metadata.labels[k] === v)).toBe(true);
    // A tier's own monitoring wins over the service-wide one.
    expect(find(objects, 'PodMonitor', 'decode').spec.podMetricsEndpoints[0].interval).toBe('60s');
  });

  test('no monitor objects by default', () => {
    const c = chart();
    new PdService(c, 'Llama', { model });
    expect(synth(c).filter(o => /Monitor$/.test(o.kind))).toEqual([]);
  });

  test('HTTPS scrape of a tier that serves TLS', () => {
    const c = chart();
    new PrefillTier(c, 'Prefill', {
      model,
      extraArgs: ['--ssl-certfile=/tls/tls.crt', '--ssl-keyfile=/tls/tls.key'],
      monitoring: { scheme: ScrapeScheme.HTTPS },
    });
    expect(find(synth(c), 'PodMonitor').spec.podMetricsEndpoints[0].scheme).toBe('https');
  });

  test('fails on an HTTPS scrape of a tier without TLS, on an HTTPS router scrape, and on a timeout above the interval', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', { model, monitoring: { scheme: ScrapeScheme.HTTPS } }))
      .toThrow(/'monitoring.scheme' \('https'\) needs vLLM to serve TLS: add '--ssl-certfile'/);
    expect(() => new PdService(chart(), 'Llama', { model, router: { monitoring: { scheme: ScrapeScheme.HTTPS } } }))
      .toThrow(/PdRouter 'test\/Llama\/Router': 'monitoring.scheme' \('https'\) must be ScrapeScheme.HTTP: vllm-router serves its metrics over plain HTTP/);
    expect(() => new PrefillTier(chart(), 'Prefill', { model, monitoring: { interval: Duration.seconds(10), scrapeTimeout: Duration.seconds(20) } }))
      .toThrow(/'monitoring.scrapeTimeout' \('20s'\) must not exceed monitoring.interval \(10s\)/);
    expect(() => new PrefillTier(chart(), 'Prefill', { model, monitoring: { interval: Duration.millis(1500) } }))
      .toThrow(/'monitoring.interval' \('1500ms'\) must be a whole number of seconds >= 1/);
  });

  test('fails on bad monitoring props from plain JavaScript', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', { model, monitoring: { kind: 'Probe' } as any }))
      .toThrow(/'monitoring.kind' \('Probe'\) must be one of PodMonitor, ServiceMonitor \(MonitorKind\)/);
    expect(() => new PrefillTier(chart(), 'Prefill', { model, monitoring: { labels: { 'bad key!': 'x' } } }))
      .toThrow(/'monitoring.labels key' \('bad key!'\)/);
    expect(() => new PrefillTier(chart(), 'Prefill', { model, monitoring: { labels: { release: 'a b' } } }))
      .toThrow(/'monitoring.labels.release' \('a b'\)/);
    expect(() => new PrefillTier(chart(), 'Prefill', { model, monitoring: { intervall: Duration.seconds(5) } as any }))
      .toThrow(/'monitoring.intervall' .* is not a prop of MonitoringOptions \(did you mean 'interval'\?\)/);
    expect(() => new PrefillTier(chart(), 'Prefill', { model, monitoring: { labels: { 'app.kubernetes.io/component': 'x' } } }))
      .toThrow(/'monitoring.labels.app.kubernetes.io\/component' \('x'\) collides with the library's label app.kubernetes.io\/component=prefill/);
  });

  test('the CRD check refuses a field the schema does not declare', () => {
    const c = chart();
    new PrefillTier(c, 'Prefill', { model, monitoring: {} });
    const monitor = find(synth(c), 'PodMonitor');
    expect(() => validateCustomResource({ ...monitor, spec: { ...monitor.spec, podMetricEndpoints: [] } }))
      .toThrow(/PodMonitor .* fails its CRD schema \(monitoring.coreos.com_podmonitors.yaml\): .*must NOT have additional properties/);
    expect(() => validateCustomResource({ ...monitor, spec: { ...monitor.spec, podMetricsEndpoints: [{ port: 'http', scheme: 'ftp' }] } }))
      .toThrow(/must be equal to one of the allowed values/);
    expect(() => validateCustomResource({ ...monitor, apiVersion: 'monitoring.coreos.com/v2' })).toThrow(/no CRD for monitoring.coreos.com\/v2 PodMonitor/);
  });
});
