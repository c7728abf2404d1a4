// The floor: node + cdktf + an empty stack, synthesized.
const { App, TerraformStack } = require('cdktf');
const { report } = require('./report');

const outdir = process.argv[2];
const app = new App({ outdir });
new TerraformStack(app, 'empty');
app.synth();
report(outdir);
