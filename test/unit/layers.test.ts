// The import graph of src/: no cycle, and no import from a lower layer up to a higher one.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');

/**
 * The layers, lowest first: a file may import its own layer and the layers below it. `only` narrows what a layer may
 * import to those files (as paths relative to src/), whatever their layer.
 */
const LAYERS: { name: string; files: RegExp; only?: RegExp }[] = [
  { name: 'model', files: /^(model\.ts|util\/|inputs-types\.ts)/ },
  { name: 'sources', files: /^sources\// },
  { name: 'connectors', files: /^connectors\//, only: /^(model\.ts|util\/|inputs-types\.ts|connectors\/)/ },
  // Steps talk to connectors through their interfaces and the few modules a connector offers as its public API.
  {
    name: 'steps',
    files: /^steps\//,
    only: /^(model\.ts|util\/|inputs-types\.ts|connectors\/(types\.ts|ldap\/dn\.ts|powershell\/errors\.ts)|steps\/)/,
  },
  // Reading the inputs needs the step list: the known names, the defaults, which steps need Exchange.
  { name: 'inputs', files: /^(inputs\.ts|inputs\/)/ },
  { name: 'resolve', files: /^resolve\// },
  { name: 'engine', files: /^(engine|breakers|cut-off)\.ts$/ },
  { name: 'notify', files: /^notify\// },
  { name: 'report', files: /^report\// },
  // An undo turns an earlier run's record into this run's selection, steps and guards.
  { name: 'undo', files: /^undo\// },
  { name: 'preflight', files: /^(preflight\/|permissions\.ts$)/ },
  { name: 'main', files: /^(main|index)\.ts$/ },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(path.join(dir, entry.name)) : entry.name.endsWith('.ts') ? [path.join(dir, entry.name)] : [],
  );
}

/** Every file of src/ (relative to src/) with the files of src/ it imports, types and dynamic imports included. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map((imported) => imported.fileName)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts')))
      .map((target) => {
        if (!existsSync(target)) throw new Error(`${path.relative(SRC, file)} imports ${target}, which does not exist`);
        return path.relative(SRC, target).split(path.sep).join('/');
      });
    graph.set(path.relative(SRC, file).split(path.sep).join('/'), [...new Set(targets)]);
  }
  return graph;
}

const layerOf = (file: string): number => LAYERS.findIndex((layer) => layer.files.test(file));

/** The cycles a depth-first walk meets (at least one per cycle), each from its first file in sort order. */
function cycles(graph: Map<string, string[]>): string[] {
  const found = new Set<string>();
  const finished = new Set<string>();
  const visit = (file: string, trail: string[]): void => {
    if (finished.has(file)) return;
    const at = trail.indexOf(file);
    if (at >= 0) {
      const cycle = trail.slice(at);
      const start = cycle.indexOf([...cycle].sort()[0]);
      found.add([...cycle.slice(start), ...cycle.slice(0, start), cycle[start]].join(' -> '));
      return;
    }
    for (const target of graph.get(file) ?? []) visit(target, [...trail, file]);
    finished.add(file);
  };
  for (const file of [...graph.keys()].sort()) visit(file, []);
  return [...found].sort();
}

function layerViolations(graph: Map<string, string[]>): string[] {
  const violations: string[] = [];
  for (const [file, targets] of graph) {
    const layer = LAYERS[layerOf(file)];
    for (const target of targets) {
      const up = layerOf(target) > layerOf(file);
      const outside = layer.only !== undefined && !layer.only.test(target);
      if (up || outside) violations.push(`${file} -> ${target}`);
    }
  }
  return violations.sort();
}

describe('the import graph of src/', () => {
  const graph = importGraph();

  it('puts every file in a layer', () => {
    expect([...graph.keys()].filter((file) => layerOf(file) < 0)).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('imports only from the same layer or a lower one', () => {
    expect(layerViolations(graph)).toEqual([]);
  });

  it('finds a cycle and an import up when there is one', () => {
    const bad = new Map([
      ['model.ts', ['engine.ts']],
      ['engine.ts', ['model.ts']],
      ['connectors/ldap.ts', ['inputs.ts']],
    ]);
    expect(cycles(bad)).toEqual(['engine.ts -> model.ts -> engine.ts']);
    expect(layerViolations(bad)).toEqual(['connectors/ldap.ts -> inputs.ts', 'model.ts -> engine.ts']);
  });
});
