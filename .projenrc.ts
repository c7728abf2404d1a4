import { cdktf, javascript, JsonFile, release } from 'projen';

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
    // Bundles the operator program (lib/operator) into one file the stacks' assets carry: lib/scripts/operator/operator.js.
    'esbuild@^0.28.2',
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
  // Releases are cut by hand with `npx projen release` (steps in CHANGELOG.md, "How versions are made"): the version
  // comes from the conventional commits since the last `v*` tag (commit-and-tag-version), the full build packs
  // dist-packages/js/azure-golden-image@X.Y.Z.jsii.tgz, and `vX.Y.Z` is tagged locally; a CHANGELOG.md without an
  // `[X.Y.Z]` heading gets the generated notes prepended in a `chore(release): X.Y.Z` commit first. Nothing needs
  // GitHub, and nothing is pushed or published: `git push --follow-tags` and `npm publish` stay by hand.
  release: true,
  releaseTrigger: release.ReleaseTrigger.manual({ changelogPath: 'CHANGELOG.md', gitPushCommand: '' }),
  // A pre-1.0 library: releases stay 0.x. Before 1.0, commit-and-tag-version turns a breaking change into a minor
  // bump and anything else into a patch; with majorVersion 0 a bump to 1.0.0 fails instead of happening by accident.
  majorVersion: 0,
  // The first release (no `v*` tag yet) is 0.1.0 rather than projen's 0.0.0, so consumers' `^0.1.0` takes 0.1.x patches.
  nextVersionCommand: "git tag --list 'v*' | grep -q . || echo 0.1.0",
  // commit-and-tag-version 13 and its conventional-changelog packages declare node >= 22; 12 supports this project's
  // node 20 floor.
  bumpPackage: 'commit-and-tag-version@^12',
  buildWorkflow: false,
  depsUpgrade: false,
  pullRequestTemplate: false,

  jestOptions: {
    // The jest configuration lives in its own file, not in the package.json that ships to consumers (not packed).
    configFilePath: 'jest.config.json',
    // projen's default (`--updateSnapshot`) rewrites snapshots silently, so drift could never fail.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    passWithNoTests: false,
    junitReporting: false,
    jestConfig: {
      collectCoverage: false,
      // Many tests wait on subprocesses (the simulated az, terraform, npm): two workers overlap those waits on 2 cores.
      maxWorkers: 2,
      setupFilesAfterEnv: ['<rootDir>/test/setup-jest.ts'],
      // No test is timed: a loaded CI machine must pass what an idle one passes. This is only a net for a hung test
      // (child processes have their own, shorter one: test/util/hang-net.ts); speed lives in the benchmark.
      testTimeout: 1_800_000,
      // The examples' own tests too (examples/testing is a testing guide written as tests).
      testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/examples/**/*.test.ts'],
    },
  },
  // Lint checks, never edits (`npx projen eslint`, run by .ci/run): a clean clone would pass with fixes nobody
  // committed. `npx projen lint:fix` applies the fixable ones.
  eslintOptions: { dirs: ['lib'], devdirs: ['test', 'build-tools'], fileExtensions: ['.ts', '.tsx'], commandOptions: { fix: false } },
  tsconfigDev: {
    include: ['../examples/**/*.ts'],
    // A separate app's source, compiled against the packed library by test/consumer.integration.test.ts.
    exclude: ['consumer'],
    compilerOptions: {},
  },
});

// Every TypeScript snippet of the README and the doc comments compiles against the assembly (jsii-rosetta, strict:
// a snippet that does not compile fails the build); the tablet it writes gives the Python, Java, C# and Go
// translations that jsii-pacmak and Construct Hub show. test/consumer.integration.test.ts also runs the README's snippets.
project.postCompileTask.exec('jsii-rosetta extract --strict .jsii');
project.gitignore.exclude('/.jsii.tabl.json');

project.addTask('lint:fix', {
  description: 'Apply eslint\'s fixes to the sources',
  env: { ESLINT_USE_FLAT_CONFIG: 'false', NODE_NO_WARNINGS: '1' },
  exec: 'eslint --ext .ts,.tsx --fix --no-error-on-unmatched-pattern lib test build-tools examples projenrc .projenrc.ts',
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
project.gitignore.exclude('/dist-packages/');

// The npm package is an allow-list: compiled code and typings (dist/**/*.js, *.d.ts), the jsii assembly, the operator
// and guest scripts the compiled code copies at synth (lib/scripts/operator, lib/scripts/guest), and the docs.
// Everything else at the top level (sources, tests, examples, benchmark builds, packages, caches) stays out, whatever
// new directory appears later. test/package.integration.test.ts asserts the packed file list.
// npm's ignore rules: the last matching line wins, `*` does not cross `/`, and a directory must be re-included itself
// (not only a file inside it) for npm to look into it, hence `/lib/*` + `!/lib/scripts/` rather than `/lib/`.
// projen excludes `dist` (its default artifacts directory) from the npm package; here `dist` is the compiled code.
project.npmignore?.removePatterns('dist', '/lib/', '/examples/', '/cdktf.json', '/.ci/', 'cdktf.out/');
// `/*` below leaves dist-packages out already, but jsii-pacmak appends this exact line to .npmignore when missing,
// which would leave the generated file modified after every `npx projen package` (and fail `npx projen release`).
project.npmignore?.exclude('dist-packages');
project.npmignore?.exclude('/*');
project.npmignore?.include('/dist/', '/lib/', '/.jsii', '/API.md', '/README.md', '/LICENSE', '/CHANGELOG.md');
// In dist/ only the JavaScript and its typings (no build info, maps or other leftovers).
project.npmignore?.exclude('/dist/**/*.*');
project.npmignore?.include('/dist/**/*.js', '/dist/**/*.d.ts');
// In lib/ only the scripts: no TypeScript sources.
project.npmignore?.exclude('/lib/*');
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

// The operator program (lib/operator, TypeScript) as one JavaScript file with no dependency beyond Node's own modules,
// in lib/scripts/operator beside the guest scripts: the stacks' scripts asset carries it, and the local-exec steps run
// it as `node <asset>/operator/operator.js <step>`. Committed, so that synthesizing from the sources (the examples, the
// tests) needs no build; test/operator/bundle.test.ts fails when it is not what the sources bundle to.
const bundleOperator = project.addTask('bundle:operator', {
  description: 'Bundle the operator program into lib/scripts/operator/operator.js',
  exec: 'tsx projenrc/bundle-operator.ts',
});
project.preCompileTask.spawn(bundleOperator);

project.addTask('bench', {
  description: 'Synthesis benchmark: floor, library, hand-written alternative, fleet scaling, app commands, test suite',
  exec: 'tsx test/bench/bench.ts',
});
project.gitignore.exclude('/dist-bench/');
project.addTask('bench:loaded-ci', {
  description: 'CI on a clean clone while other CPU-bound processes keep every core busy (default 4): no test is timed',
  exec: 'test/bench/loaded-ci.sh',
  receiveArgs: true,
});

// The bundled golden-image example (or `--app <module> --stacks <a,b>`) deployed to a local Azure on this machine,
// without a subscription: test/local-azure/deploy-local.ts. Ctrl-C destroys; `--once` deploys, checks and destroys.
project.addTask('deploy:local', {
  description: 'Deploy the golden-image example to a local Azure and print the fleet\'s URLs; Ctrl-C destroys (--once: deploy, check, destroy)',
  exec: 'tsx test/local-azure/deploy-local.ts',
  receiveArgs: true,
});

project.addTask('test:cdktn', {
  description: 'Run the construct tests against CDK Terrain (cdktn) through npm aliases',
  exec: 'test/compat/cdktn.sh',
});

// ts-jest runs with isolatedModules (transpile only), so tests and examples are type-checked here.
const typecheck = project.addTask('typecheck', {
  description: 'Type-check tests and examples',
  exec: 'tsc -p test/tsconfig.json',
});

// Two tiers. `npm test` (the README's test command) type-checks and runs the unit tier: constructs, synthesized JSON,
// the operator steps in-process on a simulated clock, a few process-level operator checks. `npm run test:integration`
// runs what starts real tools: Terraform and its providers, the Azure CLI's parser, PowerShell, npm pack and the
// packed-tarball consumer; those files are named *.integration.test.ts. `.ci/run` runs both, and lint (`npx projen
// eslint`) as its own step: no test task edits or lints the sources.
// Double quotes: the same task line works in sh and in Windows' cmd.
const INTEGRATION_TESTS = '\\.integration\\.test\\.ts$';
project.testTask.reset();
project.testTask.spawn(typecheck);
// `--ci` last: the arguments `npm test -- <pattern>` appends would otherwise be read as more patterns of the array
// option before it.
project.testTask.exec(`jest --testPathIgnorePatterns=/node_modules/ --testPathIgnorePatterns="${INTEGRATION_TESTS}" --ci`, { receiveArgs: true });
project.addTask('test:integration', {
  description: 'Run the integration tier: real Terraform, Azure CLI, PowerShell and npm packing',
  exec: 'jest --testMatch="<rootDir>/test/**/*.integration.test.ts" --ci',
  receiveArgs: true,
});

project.synth();
