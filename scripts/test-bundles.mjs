// Builds every test file into a bundle of plain JavaScript before a run (scripts/run-tests.mjs).
//
// Why: a test file run through tsx pays for its TypeScript at every start, module by module, through
// the loader's hooks: about 1.5 s of CPU for a file that opens the platform, which is most of them,
// and the suite starts well over a hundred such processes per database. esbuild builds them all at
// once in a few seconds; the bundles share their common code in chunks and leave the npm packages
// to Node, so a run tests the same code. `import.meta.url` keeps the address of the source file it
// stands in (the demo data, fonts and fixtures are found beside the sources), and source maps make
// stack traces name the .ts lines. Processes the tests start themselves (`src/cli.ts start`, the
// kill tests' children) run on tsx as before, unless they ask for the bundle of their entry (testEntry()).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const CACHE = 'node_modules/.cache/panjareh-tests';
/** This run's own directory: several runs at once (two halves by hand, two people) must not remove each other's. */
export const BUNDLE_DIR = path.join(CACHE, `run-${process.pid}`);

/** The entries the tests start as processes of their own (the command line, the kill tests' children), built beside the test files. */
export const PROCESS_ENTRIES = ['src/cli.ts', ...fs.readdirSync('test').filter((f) => /-child\.ts$/.test(f)).map((f) => `test/${f}`)];

const keepSourceUrls = {
  name: 'keep-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const src = await fs.promises.readFile(args.path, 'utf8');
      return { contents: src.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
    });
  },
};

/** Removes the directories of runs that have ended (a run killed before its clean-up leaves its own). */
function removeStaleBundles() {
  const alive = (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return e.code === 'EPERM';
    }
  };
  for (const d of fs.existsSync(CACHE) ? fs.readdirSync(CACHE) : []) {
    const pid = Number(/^run-(\d+)$/.exec(d)?.[1]);
    if (!pid || pid === process.pid || !alive(pid)) fs.rmSync(path.join(CACHE, d), { recursive: true, force: true });
  }
}

/** Removes this run's bundles. */
export const removeTestBundles = () => fs.rmSync(BUNDLE_DIR, { recursive: true, force: true });

/** The bundle that stands for a source file (`test/a.e2e.test.ts` → `…/test/a.e2e.test.mjs`). */
export const bundleOf = (file) => path.join(BUNDLE_DIR, file.replace(/\.ts$/, '.mjs'));

/**
 * Builds the files (and the process entries) into BUNDLE_DIR, replacing what an earlier run left.
 * Returns null when it worked, or esbuild's message when a file does not build: the caller then runs
 * the sources on tsx, so that the file at fault fails by itself with its own error.
 */
export async function buildTestBundles(files) {
  removeStaleBundles();
  try {
    await build({
      entryPoints: [...new Set([...files, ...PROCESS_ENTRIES.filter((f) => fs.existsSync(f))])],
      outdir: BUNDLE_DIR,
      outbase: '.',
      outExtension: { '.js': '.mjs' },
      bundle: true,
      splitting: true,
      chunkNames: 'chunks/[name]-[hash]',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      sourcemap: 'linked',
      plugins: [keepSourceUrls],
      logLevel: 'silent',
    });
    return null;
  } catch (e) {
    fs.rmSync(BUNDLE_DIR, { recursive: true, force: true });
    return e instanceof Error ? e.message : String(e);
  }
}
