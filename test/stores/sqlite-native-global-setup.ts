/**
 * Vitest globalSetup: makes better-sqlite3 loadable by the Node.js running the tests. npm builds its
 * addon for the Node.js that ran `npm install`; CI runs the suites again on Node 22 and 24 with the
 * same node_modules, where that addon cannot load. Then an addon for this Node.js is built once into
 * .tmp/native/ (node-gyp, against the headers shipped beside the node binary) and handed to the
 * stores through SPEC2MCP_SQLITE_NATIVE_BINDING, which the test workers inherit.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { SQLITE_NATIVE_BINDING_ENV } from '../../runtime/stores/open-sqlite-database.js';

const require = createRequire(import.meta.url);

export default function setupSqliteNativeModule(): void {
  if (process.env[SQLITE_NATIVE_BINDING_ENV] || canLoadInstalledAddon()) return;
  process.env[SQLITE_NATIVE_BINDING_ENV] = buildAddonForThisNode();
}

// Kept reachable: see runtime/stores/open-sqlite-database.ts on Node.js 24 and better-sqlite3 objects.
let probe: Database.Database | undefined;

function canLoadInstalledAddon(): boolean {
  try {
    probe = new Database(':memory:');
    probe.close();
    return true;
  } catch {
    return false;
  }
}

function buildAddonForThisNode(): string {
  const packageDir = dirname(require.resolve('better-sqlite3/package.json'));
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const target = `better-sqlite3-${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}`;
  const outDir = resolve('.tmp', 'native', target);
  const addon = join(outDir, 'build', 'Release', 'better_sqlite3.node');
  if (existsSync(addon)) return addon;

  const nodeDir = dirname(dirname(process.execPath));
  if (!existsSync(join(nodeDir, 'include', 'node', 'node.h'))) {
    throw new Error(
      `Cannot build better-sqlite3 for Node.js ${process.version}: no headers in ${nodeDir}/include/node.`,
    );
  }
  const nodeGyp = findNodeGyp();
  const workDir = `${outDir}.building-${process.pid}`;
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  for (const entry of ['binding.gyp', 'package.json', 'src', 'deps']) {
    cpSync(join(packageDir, entry), join(workDir, entry), { recursive: true });
  }
  process.stderr.write(
    `better-sqlite3's addon does not load on Node.js ${process.version}; building one into ${outDir} (a few minutes)\n`,
  );
  const result = spawnSync(
    process.execPath,
    [nodeGyp, 'rebuild', '--release', `--nodedir=${nodeDir}`, '--jobs=2'],
    {
      cwd: workDir,
      env: { ...process.env, npm_config_nodedir: nodeDir },
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) {
    throw new Error(
      `node-gyp could not build better-sqlite3 for Node.js ${process.version}:\n${result.stderr}`,
    );
  }
  // Rename last, so a concurrent run never picks up a half-built addon.
  rmSync(outDir, { recursive: true, force: true });
  renameSync(workDir, outDir);
  return addon;
}

/** node-gyp ships inside npm; the npm on PATH is found even when another node binary runs the tests. */
function findNodeGyp(): string {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const npm = join(dir, 'npm');
    if (!existsSync(npm)) continue;
    const npmRoot = dirname(dirname(realpathSync(npm)));
    const candidate = join(npmRoot, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('node-gyp not found (it comes with npm); cannot build better-sqlite3 for this Node.js.');
}
