import { cdktf, javascript, JsonFile } from 'projen';

const project = new cdktf.ConstructLibraryCdktf({
  name: 'azure-golden-image',
  description: 'CDK for Terraform constructs that bake an Azure golden VM image (build VM, Sysprep, managed image, copy) and deploy a fleet from it.',
  author: 'azure-golden-image authors',
  authorAddress: 'maintainers@azure-golden-image.invalid',
  repositoryUrl: 'https://github.com/azure-golden-image/azure-golden-image.git',
  license: 'Apache-2.0',
  defaultReleaseBranch: 'main',
  projenrcTs: true,
  packageManager: javascript.NodePackageManager.NPM,

  // The toolchain is pinned: typescript 7 is `latest` on the registry and breaks ts-node, ts-jest and jsii.
  cdktfVersion: '0.21.0',
  constructsVersion: '^10.4.2',
  jsiiVersion: '~5.9.50',
  typescriptVersion: '~5.9.3',
  minNodeVersion: '20.0.0',
  peerDeps: ['@cdktf/provider-azurerm@^14.23.1', '@cdktf/provider-random@^12.0.1'],
  devDeps: [
    '@cdktf/provider-azurerm@^14.23.1',
    '@cdktf/provider-random@^12.0.1',
    'cdktf-cli@0.21.0',
    'tsx@^4.20.0',
    '@types/node@^20',
  ],

  // Other jsii languages. Their packages need PyPI, Maven and NuGet toolchains; CI generates the Python sources only.
  publishToPypi: {
    distName: 'azure-golden-image',
    module: 'azure_golden_image',
  },
  publishToMaven: {
    javaPackage: 'io.github.azuregoldenimage',
    mavenGroupId: 'io.github.azure-golden-image',
    mavenArtifactId: 'azure-golden-image',
  },
  publishToNuget: {
    dotNetNamespace: 'AzureGoldenImage',
    packageId: 'AzureGoldenImage',
  },
  publishToGo: {
    moduleName: 'github.com/azure-golden-image/azure-golden-image-go',
  },

  srcdir: 'lib',
  libdir: 'dist',
  entrypoint: 'dist/index.js',
  // projen's default artifacts directory is also `dist`, which would make npm ignore the compiled code.
  artifactsDirectory: 'dist-packages',
  testdir: 'test',
  sampleCode: false,

  // No GitHub here: CI is .ci/run.
  github: false,
  release: false,
  buildWorkflow: false,
  depsUpgrade: false,
  pullRequestTemplate: false,

  jestOptions: {
    // projen's default (`--updateSnapshot`) rewrites snapshots silently, so drift could never fail.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    passWithNoTests: false,
    junitReporting: false,
    jestConfig: {
      collectCoverage: false,
      // Many tests wait on subprocesses (the simulated az, terraform, npm): two workers overlap those waits on 2 cores.
      maxWorkers: 2,
      setupFilesAfterEnv: ['<rootDir>/test/setup-jest.ts'],
      testMatch: ['<rootDir>/test/**/*.test.ts'],
    },
  },
  tsconfigDev: {
    include: ['../examples/**/*.ts'],
    // A separate app's source, compiled against the packed library by test/consumer.test.ts.
    exclude: ['consumer'],
    compilerOptions: {},
  },
});

// Node 20 is end-of-life for jsii's tooling but is this project's supported floor.
project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');
project.eslint?.addLintPattern('examples');
project.eslint?.addIgnorePattern('test/consumer/');
// The examples are apps, type-checked and linted with the tests' settings.
new JsonFile(project, 'examples/tsconfig.json', {
  obj: {
    extends: '../test/tsconfig.json',
    include: ['**/*.ts'],
  },
});

project.gitignore.exclude('cdktf.out/', '.terraform/', '*.tfstate', '*.tfstate.*', '.gen/', 'terraform.*.tfstate*');
project.npmignore?.exclude('/examples/', '/cdktf.json', '/.ci/', 'cdktf.out/');
// projen excludes `dist` (its default artifacts directory) from the npm package; here `dist` is the compiled code.
project.npmignore?.removePatterns('dist');
project.npmignore?.exclude('dist-packages');
project.gitignore.exclude('/dist-packages/');
// The operator and guest scripts ship in the package beside the compiled code.
project.npmignore?.include('/lib/scripts/');

// Full Python, Java, .NET and Go packages need their registries, which this machine cannot reach: generate their
// sources (jsii-pacmak --code-only) and byte-compile the Python, so a jsii incompatibility still fails the build.
const codeOnly = project.addTask('package:code-only', {
  description: 'Generate the Python, Java, .NET and Go sources of the jsii bindings (no registry needed)',
  steps: [
    { exec: 'rm -rf dist-packages/code' },
    { exec: 'jsii-pacmak --target python --target java --target dotnet --target go --code-only -o dist-packages/code' },
    { exec: 'python3 -m compileall -q dist-packages/code/python/src' },
  ],
});
project.packageTask.reset();
project.packageTask.spawn(project.tasks.tryFind('package:js')!);
project.packageTask.spawn(codeOnly);

project.addTask('bench', {
  description: 'Synthesis benchmark: floor, library, hand-written alternative, fleet scaling, app commands, test suite',
  exec: 'tsx test/bench/bench.ts',
});
project.gitignore.exclude('/dist-bench/');

project.addTask('test:cdktn', {
  description: 'Run the construct tests against CDK Terrain (cdktn) through npm aliases',
  exec: 'test/compat/cdktn.sh',
});

// ts-jest runs with isolatedModules (transpile only), so tests and examples are type-checked here.
const typecheck = project.addTask('typecheck', {
  description: 'Type-check tests and examples',
  exec: 'tsc -p test/tsconfig.json',
});
project.testTask.prependSpawn(typecheck);

project.synth();
