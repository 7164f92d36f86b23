/**
 * Reads the TSDoc a consumer of the package gets: the exports of a built `.d.ts` entry
 * (following `export … from` and `import … from` to the files that declare them), each with
 * its doc comments, and the members of classes and interfaces with theirs.
 *
 * TypeScript 7's `tsc` has no JavaScript API, so this is a small scanner of the declarations
 * `tsc` writes: statements split at `;` (or at the closing brace of a class, interface, enum
 * or namespace body) outside brackets, strings and comments; a statement's doc is the `/** … *\/`
 * comment right before it.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** One statement of a declaration file (or one member of a class or interface body). */
export interface Statement {
  /** The statement, comments removed except those inside `{ … }` of an export clause. */
  text: string;
  /** The `/** … *\/` comment right before it, if any. */
  doc: string | undefined;
  /** For a class, interface, enum or namespace: the text between its body's braces. */
  body: string | undefined;
}

/** A parsed doc comment. */
export interface Doc {
  /** The text before the first block tag (the first sentences). */
  summary: string;
  /** The block tags in order: `@throws`, `@example`, `@param`, … */
  tags: { tag: string; text: string }[];
}

/** A declaration: what a name refers to. */
export interface Declaration {
  kind: 'function' | 'class' | 'const' | 'interface' | 'type' | 'enum' | 'namespace';
  name: string;
  /** The declaration file, relative to the package root. */
  file: string;
  statement: Statement;
}

/** A member of a class or interface body. */
export interface Member {
  /** `name`, `[Symbol.asyncIterator]`, or `constructor` (also for a construct signature). */
  name: string;
  kind: 'constructor' | 'method' | 'getter' | 'setter' | 'property';
  /** A property whose type is a function type: `static from: <T>(…) => Channel<T>`. */
  callable: boolean;
  statement: Statement;
}

/** An exported name of an entry with what it resolves to. */
export interface Export {
  name: string;
  /** The declarations of the name (more than one when a value and a type share it, or for overloads). */
  declarations: Declaration[];
  /** A doc comment on the export specifier itself (`export type { /** … *\/ A as B }`), if any. */
  aliasDoc: string | undefined;
}

/** Skips a string, template or comment starting at `i`; returns the index after it, or `i` if none starts there. */
function skip(text: string, i: number): number {
  const c = text[i];
  if (c === '/' && text[i + 1] === '/') {
    const end = text.indexOf('\n', i);
    return end === -1 ? text.length : end;
  }
  if (c === '/' && text[i + 1] === '*') {
    const end = text.indexOf('*/', i + 2);
    if (end === -1) throw new Error('unterminated comment');
    return end + 2;
  }
  if (c === "'" || c === '"' || c === '`') {
    let j = i + 1;
    while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
    return j + 1;
  }
  return i;
}

const blockStart = /^(?:export\s+)?(?:declare\s+)?(?:abstract\s+)?(?:class|interface|enum|namespace|module)\b/;

/** Splits declarations (a file, or a class or interface body) into statements with their docs. */
export function statements(text: string): Statement[] {
  const result: Statement[] = [];
  let doc: string | undefined;
  let start = -1;
  let depth = 0;
  let angle = 0;
  let bodyStart = -1;
  let clean = '';
  const finish = (end: number, body: string | undefined) => {
    result.push({ text: clean.trim().replace(/;$/, ''), doc, body });
    doc = undefined;
    start = -1;
    depth = 0;
    angle = 0;
    bodyStart = -1;
    clean = '';
    return end;
  };
  for (let i = 0; i < text.length; ) {
    const after = skip(text, i);
    if (after !== i) {
      const piece = text.slice(i, after);
      if (start === -1 && piece.startsWith('/**')) doc = piece;
      else if (piece.startsWith("'") || piece.startsWith('"') || piece.startsWith('`')) clean += piece;
      else if (depth > 0 && piece.startsWith('/**')) clean += piece;
      i = after;
      continue;
    }
    const c = text[i]!;
    if (start === -1) {
      if (/\s/.test(c)) {
        i++;
        continue;
      }
      start = i;
    }
    clean += c;
    const isBlock = blockStart.test(clean.trimStart());
    if (c === '{' || c === '(' || c === '[') {
      if (isBlock && c === '{' && depth === 0 && angle === 0 && bodyStart === -1) bodyStart = i + 1;
      depth++;
    } else if (c === '}' || c === ')' || c === ']') {
      depth--;
      if (c === '}' && depth === 0 && bodyStart !== -1) {
        i = finish(i + 1, text.slice(bodyStart, i));
        continue;
      }
    } else if (isBlock && bodyStart === -1 && depth === 0 && c === '<') angle++;
    else if (isBlock && bodyStart === -1 && depth === 0 && c === '>' && text[i - 1] !== '=') angle--;
    else if (c === ';' && depth === 0) {
      i = finish(i + 1, undefined);
      continue;
    }
    i++;
  }
  if (clean.trim() !== '') result.push({ text: clean.trim(), doc, body: undefined });
  return result;
}

/** Parses a `/** … *\/` comment into its summary and block tags. */
export function parseDoc(comment: string): Doc {
  const lines = comment
    .replace(/^\/\*\*/, '')
    .replace(/\*\/$/, '')
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''));
  const summary: string[] = [];
  const tags: Doc['tags'] = [];
  let inFence = false;
  for (const line of lines) {
    const tag = inFence ? null : line.match(/^\s*@(\w+)\s?(.*)$/);
    if (tag) tags.push({ tag: tag[1]!, text: tag[2]! });
    else if (tags.length > 0) tags[tags.length - 1]!.text += `\n${line}`;
    else summary.push(line);
    if (line.trim().startsWith('```')) inFence = !inFence;
  }
  return { summary: summary.join('\n').trim(), tags };
}

/**
 * The code of an `@example` tag: its ```ts (or unlabelled) fences, or, with no fence at all,
 * its whole text. Fences of other languages (```jsonc) are not code to compile.
 */
export function exampleCode(text: string): string[] {
  const fences = [...text.matchAll(/^\s*```(\w*)[^\n]*\n([\s\S]*?)^\s*```/gm)];
  if (fences.length === 0) return text.trim() === '' ? [] : [text.trim()];
  return fences.filter(([, lang]) => ['', 'ts', 'typescript'].includes(lang!)).map(([, , code]) => code!);
}

const modifiers = /^(?:(?:public|static|readonly|abstract|override|declare|accessor)\s+)*/;

/** The public members of a class or interface body (private, protected and `#private` left out). */
export function members(body: string): Member[] {
  const result: Member[] = [];
  for (const statement of statements(body)) {
    const text = statement.text;
    if (/^(?:private|protected)\b/.test(text) || text.startsWith('#')) continue;
    const rest = text.replace(modifiers, '');
    const accessor = rest.match(/^(get|set)\s+([\w$]+|\[[^\]]+\])/);
    if (accessor) {
      result.push({
        name: accessor[2]!,
        kind: accessor[1] === 'get' ? 'getter' : 'setter',
        callable: false,
        statement,
      });
      continue;
    }
    // A class's constructor, or an interface's construct signature (`new (…): Instance`).
    if (/^constructor\s*\(/.test(rest) || /^new\s*[(<]/.test(rest)) {
      result.push({ name: 'constructor', kind: 'constructor', callable: false, statement });
      continue;
    }
    const named = rest.match(/^([\w$]+|\[[^\]]+\])\??\s*([(<:])/);
    if (!named) {
      // An index or call signature: no name to document.
      continue;
    }
    const isMethod = named[2] !== ':';
    const type = rest.slice(named[0].length).trim();
    const callable = !isMethod && /^(?:<[^=]*>\s*)?\(/.test(type) && type.includes('=>');
    result.push({ name: named[1]!, kind: isMethod ? 'method' : 'property', callable, statement });
  }
  return result;
}

/** One element of an export or import clause: `type A as B`, with a doc comment if it has one. */
function specifiers(clause: string): { local: string; exported: string; doc: string | undefined }[] {
  return clause
    .split(/,(?![^/]*\*\/)/)
    .map((part) => {
      const doc = part.match(/\/\*\*[\s\S]*?\*\//)?.[0];
      const words = part
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/);
      return { local: words[0]!.trim(), exported: (words[1] ?? words[0]!).trim(), doc };
    })
    .filter((spec) => spec.local !== '');
}

const declaration =
  /^(export\s+)?(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?(function|class|const|let|var|interface|type|enum|namespace)\s+([\w$]+)/;

interface FileInfo {
  /** Local declarations by name. */
  locals: Map<string, Declaration[]>;
  /** Imported names: local name → module and imported name. */
  imports: Map<string, { from: string; name: string }>;
  /** Exported names: exported name → how to find it. */
  exports: Map<string, { local: string; from: string | undefined; doc: string | undefined }>;
  /** `export * from` modules. */
  stars: string[];
}

/** Reads declaration files of one package root, resolving exports across files. */
export class DeclarationReader {
  readonly #root: string;
  readonly #files = new Map<string, FileInfo>();

  constructor(root: string) {
    this.#root = root;
  }

  /** Every exported name of the declaration file `file` (relative to the root), resolved. */
  exportsOf(file: string): Export[] {
    const info = this.#read(file);
    const names = [...info.exports.keys()];
    for (const star of info.stars) {
      for (const exported of this.exportsOf(star)) if (!names.includes(exported.name)) names.push(exported.name);
    }
    return names.map((name) => {
      const entry = info.exports.get(name);
      return { name, declarations: this.#resolve(file, name, new Set()), aliasDoc: entry?.doc };
    });
  }

  /** The declarations that `name`, as exported by `file`, refers to. */
  #resolve(file: string, name: string, seen: Set<string>): Declaration[] {
    const key = `${file}#${name}`;
    if (seen.has(key)) throw new Error(`export cycle at ${key}`);
    seen.add(key);
    const info = this.#read(file);
    const entry = info.exports.get(name);
    if (entry === undefined) {
      for (const star of info.stars) {
        if (this.#read(star).exports.has(name)) return this.#resolve(star, name, seen);
      }
      throw new Error(`${file} does not export ${name}`);
    }
    if (entry.from !== undefined) return this.#resolve(entry.from, entry.local, seen);
    return this.#local(file, entry.local, seen);
  }

  #local(file: string, name: string, seen: Set<string>): Declaration[] {
    const info = this.#read(file);
    const imported = info.imports.get(name);
    if (imported !== undefined) return this.#resolve(imported.from, imported.name, seen);
    const found = info.locals.get(name);
    if (found === undefined) throw new Error(`${file}: no declaration of ${name}`);
    return found;
  }

  #read(file: string): FileInfo {
    const cached = this.#files.get(file);
    if (cached !== undefined) return cached;
    const info: FileInfo = { locals: new Map(), imports: new Map(), exports: new Map(), stars: [] };
    this.#files.set(file, info);
    const target = (specifier: string) => {
      const path = join(dirname(file), specifier.replace(/\.js$/, '.d.ts'));
      return path;
    };
    for (const statement of statements(readFileSync(join(this.#root, file), 'utf8'))) {
      const text = statement.text;
      const reexport = text.match(/^export\s+(?:type\s+)?\{([\s\S]*)\}\s*(?:from\s+['"]([^'"]+)['"])?$/);
      if (reexport) {
        for (const spec of specifiers(reexport[1]!)) {
          info.exports.set(spec.exported, {
            local: spec.local,
            from: reexport[2] === undefined ? undefined : target(reexport[2]),
            doc: spec.doc,
          });
        }
        continue;
      }
      const star = text.match(/^export\s+\*\s+from\s+['"]([^'"]+)['"]$/);
      if (star) {
        info.stars.push(target(star[1]!));
        continue;
      }
      const imported = text.match(/^import\s+(?:type\s+)?\{([\s\S]*)\}\s*from\s+['"]([^'"]+)['"]$/);
      if (imported) {
        // Bare specifiers (`cloudflare:workers`) are the platform's, not the package's.
        if (!imported[2]!.startsWith('.')) continue;
        for (const spec of specifiers(imported[1]!)) {
          info.imports.set(spec.exported, { from: target(imported[2]!), name: spec.local });
        }
        continue;
      }
      const declared = text.match(declaration);
      if (declared) {
        const kind = declared[2] === 'let' || declared[2] === 'var' ? 'const' : (declared[2] as Declaration['kind']);
        const name = declared[3]!;
        const list = info.locals.get(name) ?? [];
        list.push({ kind, name, file, statement });
        info.locals.set(name, list);
        if (declared[1] !== undefined) info.exports.set(name, { local: name, from: undefined, doc: undefined });
      }
    }
    return info;
  }
}
