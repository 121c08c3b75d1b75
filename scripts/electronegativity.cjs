// Runs electronegativity through its programmatic API and prints its findings as JSON lines
// ({id, severity, confidence, file, location, description}). Its CLI's CSV writer races (the
// header write can overwrite the first row), so the lint reads these instead.
// Usage: node scripts/electronegativity.cjs DIR ELECTRON_VERSION
const run = require('@doyensec/electronegativity/dist/runner.js');

const [input, version] = process.argv.slice(2);
run({ input, electronVersionOverride: version, isRelative: true, parserPlugins: [] })
  .then((r) => {
    for (const e of r.errors ?? []) process.stderr.write(`electronegativity: ${JSON.stringify(e).slice(0, 300)}\n`);
    for (const i of r.issues) {
      process.stdout.write(
        JSON.stringify({
          id: i.id,
          severity: i.severity.name,
          confidence: i.confidence.name,
          file: i.file,
          location: `${i.location?.line}:${i.location?.column}`,
          description: i.description,
        }) + '\n',
      );
    }
    process.stdout.write(`# ${r.globalChecks} global and ${r.atomicChecks} atomic checks ran\n`);
  })
  .catch((e) => {
    process.stderr.write(`electronegativity failed: ${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  });
