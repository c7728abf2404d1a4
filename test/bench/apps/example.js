// The bundled example through this library, as compiled JavaScript (dist-bench/, built by the benchmark).
const path = require('path');
const { App } = require('cdktf');
const { report } = require('./report');

const [outdir, fleetCount] = process.argv.slice(2);
const { buildApp } = require(path.join(__dirname, '..', '..', '..', 'dist-bench', 'examples', 'golden-image', 'main.js'));
buildApp(new App({ outdir }), { fleetCount: Number(fleetCount ?? 3) }).synth();
report(outdir);
