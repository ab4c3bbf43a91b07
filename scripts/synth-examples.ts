/**
 * `npm run synth:examples`: runs `cdk8s synth` in every examples/<name>/ app and writes its
 * manifests to dist/examples/<name>/, and its capacity report (PdReport) to examples/<name>/REPORT.md
 * (committed; test/pd-report.test.ts fails when one is stale). Examples import 'cdk8s-vllm-pd' by name; Node resolves that
 * to this package's compiled lib/ through the package.json "exports" self-reference.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { exampleReport } from './example-reports';

const root = path.resolve(__dirname, '..');
const examplesDir = path.join(root, 'examples');
const outRoot = path.join(root, 'dist', 'examples');
const cdk8s = path.join(root, 'node_modules', '.bin', 'cdk8s');

const examples = fs.readdirSync(examplesDir)
  .filter(name => fs.existsSync(path.join(examplesDir, name, 'cdk8s.yaml')))
  .sort();
if (examples.length === 0) {
  throw new Error(`no cdk8s apps (cdk8s.yaml) found under ${examplesDir}`);
}

for (const name of examples) {
  const outdir = path.join(outRoot, name);
  fs.rmSync(outdir, { recursive: true, force: true });
  execFileSync(cdk8s, ['synth', '--check-upgrade', 'false', '--output', outdir], { cwd: path.join(examplesDir, name), stdio: ['ignore', 'ignore', 'inherit'] });
  const files = fs.readdirSync(outdir).filter(f => f.endsWith('.k8s.yaml'));
  if (files.length === 0) {
    throw new Error(`${name}: cdk8s synth wrote no *.k8s.yaml into ${outdir}`);
  }
  for (const f of files) {
    console.log(`${name}: ${path.relative(root, path.join(outdir, f))}`);
  }
  const report = path.join(examplesDir, name, 'REPORT.md');
  fs.writeFileSync(report, exampleReport(name));
  console.log(`${name}: ${path.relative(root, report)}`);
}
console.log(`synthesized ${examples.length} example(s) into ${path.relative(root, outRoot)}/`);
