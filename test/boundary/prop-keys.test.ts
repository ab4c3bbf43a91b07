/**
 * Every props struct of the public API has exactly one schema (src/private/*-keys.ts), and each schema lists
 * exactly the interface's properties, inherited ones included, so an unknown-prop check never drifts from
 * the API. Read from the TypeScript declarations (always current), and from the jsii assembly too when
 * `.jsii` is newer than the sources (after `npx projen compile`, as in `npx projen build`).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import '../../src';
import { registeredSchemas } from '../../src/private/boundary';

const root = path.join(__dirname, '..', '..');

/** Struct name -> property names, from the exported interfaces of src/index.ts (jsii structs: no `I` prefix). */
function structsFromSources(): Map<string, string[]> {
  const program = ts.createProgram([path.join(root, 'src', 'index.ts')], { strict: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const index = checker.getSymbolAtLocation(program.getSourceFile(path.join(root, 'src', 'index.ts'))!)!;
  const out = new Map<string, string[]>();
  for (let symbol of checker.getExportsOfModule(index)) {
    // eslint-disable-next-line no-bitwise
    if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    // eslint-disable-next-line no-bitwise
    if (!(symbol.flags & ts.SymbolFlags.Interface) || /^I[A-Z]/.test(symbol.name)) continue;
    const type = checker.getDeclaredTypeOfSymbol(symbol);
    out.set(symbol.name, checker.getPropertiesOfType(type).map(p => p.name).sort());
  }
  return out;
}

/** Struct name -> property names, from the jsii assembly, or undefined when `.jsii` is missing or stale. */
function structsFromAssembly(): Map<string, string[]> | undefined {
  const file = path.join(root, '.jsii');
  if (!fs.existsSync(file)) return undefined;
  const built = fs.statSync(file).mtimeMs;
  const sources = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
    .flatMap(e => e.isDirectory() ? sources(path.join(dir, e.name)) : [path.join(dir, e.name)]);
  if (sources(path.join(root, 'src')).some(f => fs.statSync(f).mtimeMs > built)) return undefined;
  const assembly = JSON.parse(fs.readFileSync(file, 'utf-8'));
  const types: Record<string, any> = { ...assembly.types };
  // Structs may extend a dependency's (FleetAppProps extends cdk8s's AppProps): read those assemblies too.
  for (const dep of Object.keys(assembly.dependencies ?? {})) {
    const depFile = path.join(path.dirname(require.resolve(`${dep}/package.json`, { paths: [root] })), '.jsii');
    if (fs.existsSync(depFile)) Object.assign(types, JSON.parse(fs.readFileSync(depFile, 'utf-8')).types);
  }
  const props = (fqn: string): string[] => {
    const t = types[fqn];
    if (!t) return [];
    return [...(t.properties ?? []).map((p: any) => p.name), ...(t.interfaces ?? []).flatMap(props)];
  };
  const out = new Map<string, string[]>();
  for (const [fqn, t] of Object.entries(assembly.types as Record<string, any>)) {
    if (t.kind === 'interface' && t.datatype) out.set(t.name, [...new Set(props(fqn))].sort());
  }
  return out;
}

const schemas = new Map(registeredSchemas().map(s => [s.name, Object.keys(s.fields).sort()]));

describe('prop key lists', () => {
  const sources = structsFromSources();

  test('every public struct has a schema, and every schema a public struct', () => {
    expect([...schemas.keys()].sort()).toEqual([...sources.keys()].sort());
  });

  test.each([...sources.keys()].sort())('%s: the schema lists exactly the interface properties', (name) => {
    expect(schemas.get(name)).toEqual(sources.get(name));
  });

  test('the jsii assembly agrees, when it is current', () => {
    const assembly = structsFromAssembly();
    if (assembly === undefined) return; // no current .jsii: the source comparison above still holds
    expect(new Map([...assembly].sort())).toEqual(new Map([...schemas].sort()));
  });
});
