// Copies the files the bundle needs at run time next to dist/index.js: the PowerShell worker script.
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const assets = [['src/connectors/powershell/worker.ps1', 'dist/worker.ps1']];

mkdirSync(path.join(root, 'dist'), { recursive: true });
for (const [from, to] of assets) {
  copyFileSync(path.join(root, from), path.join(root, to));
  console.log(`copied ${from} -> ${to}`);
}
