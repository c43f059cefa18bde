// Shared by the benchmarks under bench/: their command-line flags and medians.

const args = process.argv.slice(2);

/** The value after `--name` on the command line, else `fallback`. */
export function option(name, fallback) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
}

/** The median of the numbers in `xs` (null and undefined left out); null if there are none. */
export function median(xs) {
  const s = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
