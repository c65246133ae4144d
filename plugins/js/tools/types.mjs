// Writes the TypeScript declarations of the WIT contract (wit/migrate.wit)
// into OUT_DIR (default: plugins/js/types), as a JavaScript migration sees
// them: jco's `guest-types` (pinned in plugins/js/tools/package-lock.json)
// declares the modules `migrate:host/actions@0.1.0`, `.../types@0.1.0` and
// `.../migration@0.1.0`, and one rewrite makes them match componentize-qjs:
// it passes WIT's s64 and u64 as JavaScript numbers (a BigInt traps), where
// jco's own bindings use bigint.
//
//   node plugins/js/tools/types.mjs [OUT_DIR]
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../..");
const out = resolve(process.argv[2] ?? join(root, "plugins/js/types"));
const jco = join(here, "node_modules/.bin/jco");
const scratch = mkdtempSync(join(tmpdir(), "migrate-host-types-"));
try {
  execFileSync(jco, ["guest-types", "wit", "--world-name", "migration-component", "-o", scratch, "-q"], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".d.ts")) files.push(path);
    }
  };
  walk(scratch);
  if (files.length === 0) throw new Error(`jco guest-types wrote no declarations into ${scratch}`);
  for (const file of files) {
    const generated = readFileSync(file, "utf8");
    const text =
      "// Generated from wit/migrate.wit by plugins/js/tools/types.mjs (jco guest-types, s64/u64 as number).\n" +
      "// Do not edit: run plugins/js/build.sh after changing the WIT.\n" +
      generated.replace(/: bigint\b/g, ": number");
    const target = join(out, relative(scratch, file));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
