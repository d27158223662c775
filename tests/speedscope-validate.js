// Validate Speedscope files against the schema shipped in the npm package
// `speedscope`, with ajv, and check what the schema cannot say but the app
// needs: samples and weights of equal length, frame indexes in range,
// weights not negative.
// Usage: node speedscope-validate.js FILE...   (exit 1 on the first problem)
'use strict';
const fs = require('fs');
const path = require('path');
const modules = path.join(__dirname, 'node_modules');
const Ajv = require(path.join(modules, 'ajv'));
const addFormats = require(path.join(modules, 'ajv-formats'));
const schemaPath = path.join(modules, 'speedscope', 'dist', 'release',
                             'file-format-schema.json');
const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);

function problems(doc) {
  if (!validate(doc))
    return ajv.errorsText(validate.errors, { separator: '\n' });
  const nframes = doc.shared.frames.length;
  for (const [i, p] of doc.profiles.entries()) {
    if (p.type !== 'sampled')
      continue;
    if (p.samples.length !== p.weights.length)
      return `profile ${i}: ${p.samples.length} samples, ${p.weights.length} weights`;
    for (const s of p.samples)
      for (const f of s)
        if (!Number.isInteger(f) || f < 0 || f >= nframes)
          return `profile ${i}: frame index ${f} out of range`;
    for (const w of p.weights)
      if (w < 0)
        return `profile ${i}: negative weight ${w}`;
  }
  return null;
}

let status = 0;
for (const file of process.argv.slice(2)) {
  let why;
  try {
    why = problems(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (e) {
    why = e.message;
  }
  if (why) {
    console.log(`${file}: ${why}`);
    status = 1;
  }
}
process.exit(status);
