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
      setupFilesAfterEnv: ['<rootDir>/test/setup-jest.ts'],
      testMatch: ['<rootDir>/test/**/*.test.ts'],
    },
  },
  tsconfigDev: {
    include: ['../examples/**/*.ts'],
    compilerOptions: {},
  },
});

// Node 20 is end-of-life for jsii's tooling but is this project's supported floor.
project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');
project.eslint?.addLintPattern('examples');
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

// ts-jest runs with isolatedModules (transpile only), so tests and examples are type-checked here.
const typecheck = project.addTask('typecheck', {
  description: 'Type-check tests and examples',
  exec: 'tsc -p test/tsconfig.json',
});
project.testTask.prependSpawn(typecheck);

project.synth();
