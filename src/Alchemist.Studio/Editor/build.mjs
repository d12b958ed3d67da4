// Bundles src/index.js into one minified IIFE (window.AlchemistEditor) and writes the third-party notices for exactly
// the packages whose code ends up in it, read from node_modules. Usage: node build.mjs OUT_JS OUT_NOTICES
// (scripts/build-editor passes ../Assets/editor.js and ../Assets/THIRD-PARTY-NOTICES.md).
import { build } from "esbuild";
import { readFileSync, writeFileSync, readdirSync, existsSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const [outJs, outNotices] = process.argv.slice(2).map(p => resolve(p));
if (!outJs || !outNotices) {
  console.error("usage: node build.mjs OUT_JS OUT_NOTICES");
  process.exit(2);
}

const result = await build({
  absWorkingDir: here,
  entryPoints: ["src/index.js"],
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  platform: "browser",
  charset: "utf8",
  // The licence texts are in THIRD-PARTY-NOTICES.md beside the bundle; no comment from a package is kept, so the
  // bundle does not depend on which packages happen to carry /*! or @license comments.
  legalComments: "none",
  banner: { js: "/* Alchemist studio program editor. Bundles CodeMirror 6 and its packages (MIT): see THIRD-PARTY-NOTICES.md. Built by scripts/build-editor. */" },
  outfile: outJs,
  metafile: true,
  logLevel: "warning",
});

// The packages with code in the bundle, from the inputs that contributed bytes to it.
const packages = new Map();
for (const output of Object.values(result.metafile.outputs))
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    if (bytesInOutput === 0) continue;
    const parts = input.split(/[\\/]/);
    const at = parts.lastIndexOf("node_modules");
    if (at < 0) continue;
    const name = parts[at + 1].startsWith("@") ? parts.slice(at + 1, at + 3).join("/") : parts[at + 1];
    const dir = join(here, ...parts.slice(0, at + 1), ...name.split("/"));
    packages.set(name, dir);
  }

const lines = [
  "# Third-party notices",
  "",
  "`editor.js` in this folder is built from `src/Alchemist.Studio/Editor` by `scripts/build-editor`, which also writes",
  "this file from the packages' own `package.json` and licence files. It bundles the following packages.",
  "",
  "| Package | Version | Licence |",
  "| --- | --- | --- |",
];
const texts = [];
for (const name of [...packages.keys()].sort()) {
  const dir = packages.get(name);
  const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const licence = typeof meta.license === "string" ? meta.license : JSON.stringify(meta.license);
  lines.push(`| ${name} | ${meta.version} | ${licence} |`);
  const file = readdirSync(dir).sort().find(f => /^licen[cs]e(\.(md|txt))?$/i.test(f));
  if (!file) throw new Error(`${name}: no licence file in ${relative(here, dir)}`);
  texts.push("", `## ${name} ${meta.version}`, "", "```", readFileSync(join(dir, file), "utf8").trimEnd(), "```");
}
writeFileSync(outNotices, [...lines, ...texts, ""].join("\n"));

const size = readFileSync(outJs).length;
console.log(`editor.js: ${size} bytes, ${packages.size} packages`);
