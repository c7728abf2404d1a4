// Shared by the benchmark's apps: prints what the parent cannot see from outside, as one JSON line.
const fs = require('fs');
const path = require('path');

exports.report = function report(outdir) {
  let bytes = 0;
  const stacks = path.join(outdir, 'stacks');
  if (fs.existsSync(stacks)) {
    for (const stack of fs.readdirSync(stacks)) {
      const file = path.join(stacks, stack, 'cdk.tf.json');
      if (fs.existsSync(file)) {
        bytes += fs.statSync(file).size;
      }
    }
  }
  process.stdout.write(`${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS, bytes })}\n`);
};
