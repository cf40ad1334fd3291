/**
 * Writes docs/reference.md: every name the package exports (src/index.ts and each subpath
 * in package.json "exports"), with its signature and doc comment, read from the sources
 * with the TypeScript compiler API. `npm run docs` regenerates it; `--check` exits 1 when
 * the file on disk is out of date (the test suite runs that).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'docs', 'reference.md');

interface Entry {
  /** Import specifier: 'p0f' or 'p0f/…'. */
  spec: string;
  file: string;
}

/** The TypeScript source behind a package.json "exports" target (built to dist/). */
export function sourceOf(target: string | { import: string }): string {
  const js = typeof target === 'string' ? target : target.import;
  return js.replace(/^\.\/dist\//, './src/').replace(/\.js$/, '.ts');
}

function entries(): Entry[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as
    { name: string; exports: Record<string, string | { import: string }> };
  return Object.entries(pkg.exports).map(([sub, target]) => ({
    spec: sub === '.' ? pkg.name : `${pkg.name}/${sub.replace(/^\.\//, '')}`,
    file: resolve(ROOT, sourceOf(target)),
  }));
}

function program(files: string[]): ts.Program {
  const cfgPath = join(ROOT, 'tsconfig.json');
  const cfg = ts.readConfigFile(cfgPath, (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(cfg.config, ts.sys, ROOT, undefined, cfgPath);
  return ts.createProgram({ rootNames: files, options: { ...parsed.options, noEmit: true } });
}

const TF = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope |
  ts.TypeFormatFlags.WriteArrowStyleSignature;
const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });

class Generator {
  private readonly checker: ts.TypeChecker;
  /** Declarations already documented (a name exported twice is described once, then linked). */
  private readonly seen = new Map<ts.Declaration, string>();

  constructor(private readonly prog: ts.Program) {
    this.checker = prog.getTypeChecker();
  }

  module(e: Entry): string {
    const sf = this.prog.getSourceFile(e.file);
    const head = `## \`${e.spec}\`\n\nSource: \`${relative(ROOT, e.file)}\`\n\n`;
    if (!sf) return `${head}_(module not found)_\n\n`;
    const msym = this.checker.getSymbolAtLocation(sf);
    if (!msym) return `${head}_(no exports)_\n\n`;
    const doc = moduleDoc(sf);
    const exports = this.checker.getExportsOfModule(msym)
      .filter((s) => s.getName() !== 'default')
      .sort((a, b) => a.getName().localeCompare(b.getName()));
    let out = head + (doc ? `${doc}\n\n` : '');
    const defaults = this.checker.getExportsOfModule(msym).find((s) => s.getName() === 'default');
    if (defaults) {
      const target = this.resolve(defaults);
      out += `Default export: \`${target.getName()}\`.\n\n`;
    }
    out += `Exports: ${exports.map((s) => `\`${s.getName()}\``).join(', ')}.\n\n`;
    for (const s of exports) out += this.symbol(s, e.spec);
    return out;
  }

  private resolve(s: ts.Symbol): ts.Symbol {
    return s.flags & ts.SymbolFlags.Alias ? this.checker.getAliasedSymbol(s) : s;
  }

  private symbol(exported: ts.Symbol, spec: string): string {
    const name = exported.getName();
    const s = this.resolve(exported);
    const decls = s.getDeclarations() ?? [];
    const decl = decls.find((d) => ts.isClassDeclaration(d)) ?? decls[0];
    if (!decl) return `### ${name}\n\n_(no declaration)_\n\n`;
    const anchor = `${spec}-${name}`.toLowerCase().replace(/[^a-z0-9_-]+/g, '-');
    const prior = this.seen.get(decl);
    if (prior) return `### ${name}\n\nSame as [\`${name}\`](#${prior}).\n\n`;
    this.seen.set(decl, anchor);
    const where = `\`${relative(ROOT, decl.getSourceFile().fileName)}\``;
    let body: string;
    let kind: string;
    if (ts.isFunctionDeclaration(decl)) {
      kind = 'function';
      body = this.signatures(name, this.checker.getTypeOfSymbolAtLocation(s, decl));
    } else if (ts.isClassDeclaration(decl)) {
      kind = 'class';
      body = this.klass(name, s, decl);
    } else if (ts.isInterfaceDeclaration(decl)) {
      kind = 'interface';
      body = this.iface(name, s, decls.filter(ts.isInterfaceDeclaration));
    } else if (ts.isTypeAliasDeclaration(decl)) {
      kind = 'type';
      body = code(print(decl).replace(/^export /, ''));
    } else if (ts.isVariableDeclaration(decl)) {
      const t = this.checker.getTypeOfSymbolAtLocation(s, decl);
      const callable = t.getCallSignatures().length > 0 && t.getProperties().length === 0;
      kind = callable ? 'function' : 'const';
      body = callable ? this.signatures(name, t) : code(`const ${name}: ${this.checker.typeToString(t, decl, TF)}`);
    } else if (ts.isEnumDeclaration(decl)) {
      kind = 'enum';
      body = code(print(decl).replace(/^export /, ''));
    } else {
      kind = ts.SyntaxKind[decl.kind];
      body = '';
    }
    const doc = this.docOf(s, decl);
    return `### ${name}\n\n<a id="${anchor}"></a>_${kind}_, ${where}\n\n${doc ? `${doc}\n\n` : ''}${body}`;
  }

  /** Doc comment of a symbol; for `export const f = obj.f` the doc of obj.f. */
  private docOf(s: ts.Symbol, decl?: ts.Declaration): string {
    let text = docText(s, this.checker);
    if (!text && decl && ts.isVariableDeclaration(decl) && decl.initializer &&
        ts.isPropertyAccessExpression(decl.initializer)) {
      const target = this.checker.getSymbolAtLocation(decl.initializer.name);
      if (target) text = docText(target, this.checker);
    }
    return text;
  }

  private signatures(name: string, t: ts.Type, construct = false): string {
    const sigs = construct ? t.getConstructSignatures() : t.getCallSignatures();
    const lines = sigs.map((sig) => {
      const str = this.checker.signatureToString(sig, undefined, TF & ~ts.TypeFormatFlags.WriteArrowStyleSignature);
      return `${construct ? 'new ' : ''}${name}${str}`;
    });
    return code(lines.join('\n'));
  }

  private klass(name: string, s: ts.Symbol, decl: ts.ClassDeclaration): string {
    const heritage = (decl.heritageClauses ?? []).map((h) => h.getText()).join(' ');
    const lines: string[] = [`class ${name}${decl.typeParameters ? `<${decl.typeParameters.map((p) => p.getText()).join(', ')}>` : ''}${heritage ? ` ${heritage}` : ''}`];
    const docs: string[] = [];
    const ctorType = this.checker.getTypeOfSymbolAtLocation(s, decl);
    for (const sig of ctorType.getConstructSignatures()) {
      if (sig.declaration && hasModifier(sig.declaration, ts.SyntaxKind.PrivateKeyword)) continue;
      lines.push(`  constructor${this.checker.signatureToString(sig, undefined, TF & ~ts.TypeFormatFlags.WriteArrowStyleSignature).replace(/: [^:]*$/, '')}`);
    }
    const members: [ts.Symbol, boolean][] = [];
    s.exports?.forEach((m) => {
      if (m.flags & (ts.SymbolFlags.Method | ts.SymbolFlags.Property | ts.SymbolFlags.Accessor)) members.push([m, true]);
    });
    s.members?.forEach((m) => members.push([m, false]));
    for (const [m, isStatic] of members) {
      const mdecls = m.getDeclarations() ?? [];
      const d = mdecls[0];
      if (!d || m.getName().startsWith('#') || m.getName() === '__constructor') continue;
      if (mdecls.some((x) => hasModifier(x, ts.SyntaxKind.PrivateKeyword) || hasModifier(x, ts.SyntaxKind.ProtectedKeyword))) continue;
      if (ts.isConstructorDeclaration(d) || (ts.isPropertyDeclaration(d) && ts.isPrivateIdentifier(d.name))) continue;
      const st = isStatic ? 'static ' : '';
      const mname = m.getName();
      const t = this.checker.getTypeOfSymbolAtLocation(m, d);
      if (m.flags & ts.SymbolFlags.Method) {
        for (const sig of t.getCallSignatures()) {
          lines.push(`  ${st}${mname}${this.checker.signatureToString(sig, d, TF & ~ts.TypeFormatFlags.WriteArrowStyleSignature)}`);
        }
      } else if (m.flags & ts.SymbolFlags.Accessor) {
        const ro = mdecls.some(ts.isSetAccessorDeclaration) ? '' : 'readonly ';
        lines.push(`  ${st}get ${ro === '' ? '/ set ' : ''}${mname}: ${this.checker.typeToString(t, d, TF)}`);
      } else {
        const ro = hasModifier(d, ts.SyntaxKind.ReadonlyKeyword) ? 'readonly ' : '';
        const callable = t.getCallSignatures().length > 0 && t.getProperties().length === 0;
        if (callable && ro) {
          for (const sig of t.getCallSignatures()) {
            lines.push(`  ${st}${mname}${this.checker.signatureToString(sig, d, TF & ~ts.TypeFormatFlags.WriteArrowStyleSignature)}`);
          }
        } else {
          lines.push(`  ${st}${ro}${mname}: ${this.checker.typeToString(t, d, TF)}`);
        }
      }
      const md = docText(m, this.checker);
      if (md && !docs.some((x) => x.startsWith(`- \`${mname}\``))) docs.push(`- \`${mname}\`: ${indentDoc(md)}`);
    }
    return `${code(lines.join('\n'))}${docs.length ? `${docs.join('\n')}\n\n` : ''}`;
  }

  private iface(name: string, s: ts.Symbol, decls: ts.InterfaceDeclaration[]): string {
    const d0 = decls[0]!;
    const tp = d0.typeParameters ? `<${d0.typeParameters.map((p) => p.getText()).join(', ')}>` : '';
    const ext = (d0.heritageClauses ?? []).map((h) => h.getText()).join(' ');
    const lines = [`interface ${name}${tp}${ext ? ` ${ext}` : ''} {`];
    const docs: string[] = [];
    for (const d of decls) {
      for (const m of d.members) {
        lines.push(`  ${print(m).replace(/\n\s*/g, ' ')}`);
        const ms = (m as { symbol?: ts.Symbol }).symbol ?? (m.name ? this.checker.getSymbolAtLocation(m.name) : undefined);
        const md = ms ? docText(ms, this.checker) : '';
        const mname = m.name ? m.name.getText() : print(m);
        if (md && !docs.some((x) => x.startsWith(`- \`${mname}\``))) docs.push(`- \`${mname}\`: ${indentDoc(md)}`);
      }
    }
    lines.push('}');
    void s;
    return `${code(lines.join('\n'))}${docs.length ? `${docs.join('\n')}\n\n` : ''}`;
  }
}

function hasModifier(d: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(d) && (ts.getModifiers(d) ?? []).some((m) => m.kind === kind);
}

function print(n: ts.Node): string {
  return printer.printNode(ts.EmitHint.Unspecified, n, n.getSourceFile()).trim();
}

function code(s: string): string {
  return `\`\`\`ts\n${s}\n\`\`\`\n\n`;
}

function docText(s: ts.Symbol, checker: ts.TypeChecker): string {
  const main = ts.displayPartsToString(s.getDocumentationComment(checker)).trim();
  const tags = s.getJsDocTags(checker)
    .filter((t) => t.name !== 'internal')
    .map((t) => `@${t.name}${t.text ? ` ${ts.displayPartsToString(t.text)}` : ''}`);
  return [main, ...tags].filter(Boolean).join('\n\n');
}

function indentDoc(s: string): string {
  return s.replace(/\n/g, '\n  ');
}

/** The file's leading /** ... *\/ comment, as markdown text. */
function moduleDoc(sf: ts.SourceFile): string {
  const m = /^\s*\/\*\*([^]*?)\*\//.exec(sf.getFullText());
  if (!m) return '';
  const lines = m[1]!.split('\n').map((l) => l.replace(/^\s*\* ?/, ''));
  // Paragraphs whose every line is indented are example code; the rest is text.
  return lines.join('\n').trim().split(/\n\s*\n/).map((para) => {
    const pl = para.split('\n');
    if (pl.every((l) => /^ {2,}\S/.test(l))) {
      const ind = Math.min(...pl.map((l) => /^ */.exec(l)![0].length));
      return `\`\`\`ts\n${pl.map((l) => l.slice(ind)).join('\n')}\n\`\`\``;
    }
    return para;
  }).join('\n\n');
}

export function generate(): string {
  const es = entries();
  const prog = program(es.map((e) => e.file));
  const g = new Generator(prog);
  let out = '# API reference\n\n' +
    '<!-- Generated by scripts/gen-reference.ts from the TypeScript sources (npm run docs). Do not edit. -->\n\n' +
    'Every name the package exports, by import path. Signatures are as TypeScript sees them; ' +
    'the text under each is the doc comment in the source. Guides: [control](control.md), ' +
    '[p0fmod](p0fmod.md), [in-process middleware](middleware-inprocess.md).\n\n';
  out += es.map((e) => `- [\`${e.spec}\`](#${e.spec.toLowerCase().replace(/[^a-z0-9_-]+/g, '')})`).join('\n') + '\n\n';
  for (const e of es) out += g.module(e);
  return out.replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = generate();
  if (process.argv.includes('--check')) {
    let cur = '';
    try {
      cur = readFileSync(OUT, 'utf8');
    } catch { /* missing */ }
    if (cur !== text) {
      process.stderr.write('docs/reference.md is out of date: run npm run docs\n');
      process.exit(1);
    }
  } else {
    writeFileSync(OUT, text);
    process.stdout.write(`wrote ${relative(ROOT, OUT)} (${text.length} bytes)\n`);
  }
}
