// Turns the npm package `zipcodes` (BSD licence; ZIP, city, state, latitude, longitude) into the compact ZIP place
// table the address matcher embeds: src/VbiOrleans.Domain/Addresses/Data/zip-places.txt.
//
// Reproduce (the package version is pinned; the output is byte-for-byte the same for the same version):
//   tmp=$(mktemp -d) && npm install --prefix "$tmp" --no-save --ignore-scripts zipcodes@8.0.0
//   node infra/data/zip-places.mjs "$tmp/node_modules/zipcodes" > src/VbiOrleans.Domain/Addresses/Data/zip-places.txt
//
// Output: '#' comment lines (source, version, licence), then one line per place (a state and a city), sorted by state
// then city: STATE|CITY|ZIPS where ZIPS is the first 5-digit ZIP followed by the differences to the next ones (all
// ascending), space separated. City names are upper case with punctuation turned into spaces (Publication 28 last
// lines carry no punctuation). Coordinates are left out: matching needs none, and the rates' zone table has its own.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node infra/data/zip-places.mjs PATH/TO/node_modules/zipcodes');
  process.exit(2);
}
const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
if (pkg.name !== 'zipcodes') throw new Error(`${dir} is ${pkg.name}, not zipcodes`);
const require = createRequire(import.meta.url);
const { codes } = require(path.resolve(dir, 'lib', 'codes.js'));

const places = new Map();
for (const [zip, row] of Object.entries(codes)) {
  if (!/^\d{5}$/.test(zip) || row.zip !== zip) throw new Error(`unexpected ZIP ${zip}`);
  if (!/^[A-Z]{2}$/.test(row.state)) throw new Error(`unexpected state ${row.state} for ${zip}`);
  const city = row.city.toUpperCase().replace(/[^A-Z0-9& ]/g, ' ').replace(/\s+/g, ' ').trim();
  if (city.length === 0) throw new Error(`no city for ${zip}`);
  const key = `${row.state}|${city}`;
  if (!places.has(key)) places.set(key, []);
  places.get(key).push(Number(zip));
}

const out = [
  '# ZIP places: one line per state and city, STATE|CITY|first ZIP then differences to the next ZIPs.',
  `# Source: npm package ${pkg.name} ${pkg.version}, data file lib/codes.js.`,
  `# Licence: ${pkg.license} (Copyright (c) 2007, Dav Glass); see ZIP-PLACES-LICENSE.txt beside this file.`,
  '# Made by infra/data/zip-places.mjs; do not edit by hand.',
];
for (const key of [...places.keys()].sort()) {
  const zips = places.get(key).sort((a, b) => a - b);
  const parts = [String(zips[0]).padStart(5, '0')];
  for (let i = 1; i < zips.length; i++) parts.push(String(zips[i] - zips[i - 1]));
  out.push(`${key}|${parts.join(' ')}`);
}
process.stdout.write(out.join('\n') + '\n');
