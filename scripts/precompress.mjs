// Trunk's post-build hook (ui/Trunk.toml): in a release build, writes beside each of the UI's
// scripts, styles and wasm a brotli (quality 11) and a gzip (level 9) copy, which the server
// sends to a browser that accepts them (`ServeDir::precompressed_br`): the best compression,
// paid once at build time instead of on every load. Debug builds are left alone (the server
// compresses their files as it sends them).

import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) throw new Error('TRUNK_STAGING_DIR is not set: this runs as trunk\'s post_build hook');
if (process.env.TRUNK_PROFILE !== 'release') process.exit(0);

const COMPRESSED = /\.(wasm|m?js|css)$/;

function* files(folder) {
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (COMPRESSED.test(name)) yield path;
  }
}

let before = 0;
let after = 0;
for (const path of files(dir)) {
  const data = readFileSync(path);
  const br = brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
  writeFileSync(`${path}.br`, br);
  writeFileSync(`${path}.gz`, gzipSync(data, { level: 9 }));
  before += data.length;
  after += br.length;
}
console.log(`precompressed the UI: ${(before / 1e6).toFixed(1)} MB, ${(after / 1e6).toFixed(1)} MB as brotli`);
