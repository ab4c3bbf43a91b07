import { cdk8s, javascript, release } from 'projen';

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-vllm-pd',
  description:
    'cdk8s constructs for vLLM disaggregated prefill/decode serving: typed tiers, KV connectors and router, validated at synth time.',
  author: 'cdk8s-vllm-pd maintainers',
  authorAddress: 'maintainers@cdk8s-vllm-pd.dev',
  repositoryUrl: 'https://github.com/cdk8s-vllm-pd/cdk8s-vllm-pd.git',
  defaultReleaseBranch: 'main',
  keywords: ['cdk8s', 'kubernetes', 'vllm', 'llm', 'inference', 'disaggregated-serving', 'nixl'],
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,

  // toolchain.md: 2.70.0 is a published cdk8s; constructs 10.3.0 and jsii ~6.0.0 are known-good here.
  cdk8sVersion: '2.70.0',
  constructsVersion: '10.3.0',
  jsiiVersion: '~6.0.0',
  // The library type never adds cdk8s-plus; 2.5.6 is the last cdk8s-plus-28 release.
  peerDeps: ['cdk8s-plus-28@^2.5.6'],
  // `cdk8s-vllm-pd plan`: the capacity planner from the shell (bin/ requires the compiled lib/private/cli.js).
  bin: { 'cdk8s-vllm-pd': 'bin/cdk8s-vllm-pd' },
  // Runtime deps that are not jsii modules must be bundled (and stay out of the public API).
  bundledDeps: ['semver'],
  devDeps: [
    '@types/semver',
    'cdk8s-cli',
    'kubernetes-models@^4.5.1',
    '@kubernetes-models/validate@^4.0.0',
  ],

  // Snapshots never update silently: `npx projen test:update` updates them on purpose.
  jestOptions: {
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      // Examples import the package by its published name; tests resolve it to the sources.
      moduleNameMapper: { '^cdk8s-vllm-pd$': '<rootDir>/src/index.ts' },
      testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/examples/**/*.test.ts'],
      coveragePathIgnorePatterns: ['/node_modules/', '/src/imports/'],
    },
  },
  tsconfigDev: {
    compilerOptions: {
      paths: { 'cdk8s-vllm-pd': ['../src/index.ts'] },
    },
    include: ['../examples/**/*.ts', '../scripts/**/*.ts'],
  },
  // jsii targets: the coordinates a release publishes under (the release workflow itself is
  // configured separately). Python: the npm name as dist, snake_case module (cdk8s-plus-28's own
  // pattern, its package.json "jsii.targets"). Maven Central only grants a GitHub-verified
  // namespace as io.github.<org> (https://central.sonatype.org/register/namespace/); Java
  // packages cannot hold '-'. Go: a separate repo that a release pushes the generated module to
  // (https://projen.io/docs/publishing/go), package name as cdk8s-plus-go spells its own.
  publishToPypi: { distName: 'cdk8s-vllm-pd', module: 'cdk8s_vllm_pd' },
  publishToMaven: {
    javaPackage: 'io.github.cdk8svllmpd',
    mavenGroupId: 'io.github.cdk8s-vllm-pd',
    mavenArtifactId: 'cdk8s-vllm-pd',
  },
  publishToNuget: { dotNetNamespace: 'Cdk8sVllmPd', packageId: 'Cdk8sVllmPd' },
  publishToGo: { moduleName: 'github.com/cdk8s-vllm-pd/cdk8s-vllm-pd-go', packageName: 'cdk8svllmpd' },
  // *.integ.ts would need a cluster (style-anchors pitfall 9).
  integrationTestAutoDiscover: false,
  docgen: true,

  // Release to npm: one manually dispatched GitHub workflow (release.yml) bumps the version from the
  // commits, builds, and publishes with the NPM_TOKEN secret (or npm trusted publishing once the package
  // exists). Nothing is published from here: this only generates the workflow and the release tasks.
  github: true,
  release: true,
  releaseTrigger: release.ReleaseTrigger.workflowDispatch(),
  releaseToNpm: true,
  npmAccess: javascript.NpmAccess.PUBLIC,
  // CI is `.ci/run` on a clean clone; no projen build, upgrade or PR-lint workflows.
  buildWorkflow: false,
  depsUpgradeOptions: { workflow: false },
  pullRequestTemplate: false,
  githubOptions: { pullRequestLint: false, mergify: false },
});

// Quiet jsii's Node 20 end-of-life banner (toolchain.md).
project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');

// Examples import `cdk8s-vllm-pd` exactly as users do; package self-reference resolves it to lib/.
project.package.addField('exports', {
  '.': { types: './lib/index.d.ts', default: './lib/index.js' },
  './package.json': './package.json',
  './.jsii': './.jsii',
});

// A local build packages only npm: the Java build alone takes minutes on 2 cores, and .NET has no
// SDK here. `npx projen package:python|java|go` package the others; conformance/bindings/run
// builds and runs them against each ecosystem's cdk8s.
project.tasks.tryFind('package-all')?.reset();
project.tasks.tryFind('package-all')?.spawn(project.tasks.tryFind('package:js')!);

// ts-jest only transpiles (isolatedModules); type-check tests, examples and scripts first so README
// and example code that does not compile fails the suite.
project.testTask.prependExec('tsc --noEmit -p test/tsconfig.json');

// Node prints an uncaught error's throw line (a file of this package) above its message unless the line is
// marked; the marker makes plain `node main.js` print the message first (scripts/mark-throw-sites.ts). Part
// of compile itself, so every lib/ (npm pack, npm run bench, the release) has it.
project.compileTask.exec('ts-node --transpile-only --project test/tsconfig.json scripts/mark-throw-sites.ts');

project.addTask('package:codegen', {
  description: 'Generate Python, Java, .NET and Go bindings (code only) to check the API works in every jsii language',
  steps: [
    { spawn: 'compile' },
    { exec: 'jsii-pacmak --code-only -t python -t java -t dotnet -t go -o dist/codegen' },
  ],
});

project.addTask('synth:examples', {
  description: 'Synthesize every app under examples/ into dist/examples/<name>/',
  steps: [
    { spawn: 'compile' },
    { exec: 'ts-node --project test/tsconfig.json scripts/synth-examples.ts' },
  ],
});

project.addTask('conformance', {
  description: 'The real vLLM and LMCache releases judge every rendered command line and config file (conformance/run)',
  exec: 'bash conformance/run',
});

project.addTask('bench', {
  description: 'Benchmark: synth time, ratio to a raw-ApiObject floor, peak RSS and output size for fleets of PdServices (docs/performance.md)',
  steps: [
    { spawn: 'compile' },
    { exec: 'ts-node --project test/tsconfig.json scripts/benchmark.ts' },
  ],
});

project.eslint?.addIgnorePattern('src/imports/');
// The benchmark and build scripts are linted like the sources (scripts/tsconfig.json puts them in a TypeScript
// project for eslint's project service); they are dev tooling, so they may import dev dependencies.
project.eslint?.addLintPattern('scripts');
project.eslint?.allowDevDeps('scripts/**');
// Scripts import the package by its published name, which only scripts/tsconfig.json maps (to src/; lib/ does not
// exist yet when `npm test` lints a fresh clone).
const eslintrc = project.tryFindObjectFile('.eslintrc.json');
eslintrc?.addOverride('settings.import/resolver.typescript.project', ['./tsconfig.json', './scripts/tsconfig.json']);
eslintrc?.addOverride('settings.import/resolver.typescript.noWarnOnMultipleProjects', true);
project.gitignore.exclude('/dist/', '__pycache__/');
project.npmignore?.exclude('/examples/', '/scripts/', '/docs/', '/.ci/', '/conformance/');

project.synth();
