// Glob exclusion (secrets never recorded) and snippet catalog parsing + insertion matching.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LatentInputError } from '../../../src/core/errors';
import { DEFAULT_EXCLUDE, DEFAULT_NEVER_RECOMMEND } from '../../../src/config/schema';
import { ExclusionMatcher } from '../../../src/feedback/exclusion';
import { SnippetIndex, certainPrefix, loadSnippets, parseSnippetFile, snippetFilesIn } from '../../../src/feedback/snippets';

describe('feedback: exclusion', () => {
  const m = new ExclusionMatcher(DEFAULT_EXCLUDE, { '**/dist': true, '**/*.js': { when: '$(basename).ts' }, '**/out': false });

  it('secrets are excluded by default (.env at any depth and any case, keys, certificates, credentials)', () => {
    for (const p of ['.env', '.env.local', 'api/.env.production', 'config/.ENV', 'certs/server.pem', 'deploy/id_rsa', 'deploy/id_ed25519.pub', '.aws/credentials', 'home/.ssh/config', 'secrets.json', 'app/client_secret.txt', 'x/.npmrc', 'keystore.p12']) {
      assert.equal(m.isExcluded(p), true, p);
    }
  });

  it('ordinary source files are not excluded', () => {
    for (const p of ['src/extension.ts', 'README.md', 'src/environment.ts', 'docs/keys.md', 'test/envelope.test.ts']) {
      assert.equal(m.isExcluded(p), false, p);
    }
  });

  it('files.exclude entries set to true apply, including folders (everything inside them); false and conditional ones do not', () => {
    assert.equal(m.isExcluded('packages/web/dist/bundle.css'), true);
    assert.equal(m.isExcluded('out/a.txt'), false);
    assert.equal(m.isExcluded('src/a.js'), false);
    assert.equal(m.isExcluded('node_modules/x/index.ts'), true);
  });

  it('answers repeated queries from its cache with the same result', () => {
    const a = m.isExcluded('deep/a/b/c/.env');
    assert.equal(m.isExcluded('deep/a/b/c/.env'), a);
    assert.equal(a, true);
  });

  it('an empty pattern is a typed error', () => {
    assert.throws(() => new ExclusionMatcher(['  ']), LatentInputError);
  });

  it('a file item is matched on its path inside its folder: with several folders the folder name is not part of it', () => {
    const docs = new ExclusionMatcher(['docs/**', 'README.md'], {}, 'latent.neverRecommend');
    const two = [{ name: 'web' }, { name: 'api' }];
    assert.equal(docs.isExcludedFile('web/docs/guide.md', two), true);
    assert.equal(docs.isExcludedFile('api/README.md', two), true);
    assert.equal(docs.isExcludedFile('web/src/docs.ts', two), false);
    // One folder: the name is the path. A name that names no folder is matched as it is.
    assert.equal(docs.isExcludedFile('docs/guide.md', [{ name: 'web' }]), true);
    assert.equal(docs.isExcludedFile('docs/guide.md', two), true);
    assert.equal(docs.isExcludedFile('other/docs/guide.md', two), false);
  });

  it('no patterns: nothing excluded', () => {
    assert.equal(new ExclusionMatcher([]).isExcluded('.env'), false);
  });
});

describe('feedback: snippets', () => {
  const file = `{
    // comments and trailing commas are allowed in snippet files
    "Log": { "prefix": "log", "body": ["console.log('\${1:value}', $1);", "$0"], "description": "Log a value", },
    "For": { "prefix": ["for", "fori"], "body": "for (let \${1:i} = 0; $1 < \${2:n}; $1++) {\\n\\t$0\\n}", "scope": "typescript,javascript" },
    "Header": { "prefix": "hdr", "body": "// File: $TM_FILENAME" },
    "Tiny": { "prefix": "t", "body": "ab$0" },
    "Choice": { "prefix": "ch", "body": "\${1|alpha,beta|} mode" },
    "NoBody": { "prefix": "x" },
  }`;
  const defs = parseSnippetFile(file, 'workspace');

  it('parses JSON with comments; items are snippet:<source>/<name>; scope and description kept', () => {
    assert.deepEqual(defs.map((d) => d.item), ['snippet:workspace/Log', 'snippet:workspace/For', 'snippet:workspace/Header', 'snippet:workspace/Tiny', 'snippet:workspace/Choice']);
    assert.deepEqual(defs[1].languages, ['typescript', 'javascript']);
    assert.deepEqual(defs[1].prefix, ['for', 'fori']);
    assert.equal(defs[0].description, 'Log a value');
    assert.equal(defs[0].body, "console.log('${1:value}', $1);\n$0");
  });

  it('certainPrefix expands placeholders and choices and stops at variables', () => {
    assert.equal(certainPrefix("console.log('${1:value}', $1);\n$0"), "console.log('value', value);\n", 'mirror');
    assert.equal(certainPrefix('$1 = ${1:x}'), 'x = x', 'mirror before its placeholder');
    assert.equal(certainPrefix('${1:outer ${2:inner}} end'), 'outer inner end');
    assert.equal(certainPrefix('// File: $TM_FILENAME'), '// File: ');
    assert.equal(certainPrefix('${1|alpha,beta|} mode'), 'alpha mode');
    assert.equal(certainPrefix('cost \\$5'), 'cost $5');
  });

  it('matches the text VS Code inserts for a snippet, with any indentation, and not ordinary edits', () => {
    const idx = new SnippetIndex(defs);
    assert.equal(idx.match("    console.log('value', value);\n    ")?.item, 'snippet:workspace/Log');
    assert.equal(idx.match('for (let i = 0; i < n; i++) {\n\t\n}', 'typescript')?.item, 'snippet:workspace/For');
    assert.equal(idx.match('for (let i = 0; i < n; i++) {\n\t\n}', 'python'), undefined, 'scoped to ts/js');
    assert.equal(idx.match('// File: main.ts')?.item, 'snippet:workspace/Header');
    assert.equal(idx.match('alpha mode')?.item, 'snippet:workspace/Choice');
    assert.equal(idx.match("console.log('value', value);"), undefined, 'multi-line body needs the line break');
    assert.equal(idx.match('ab'), undefined, 'too short to tell from typing');
    assert.equal(idx.match('const x = 1;\n'), undefined);
    assert.equal(idx.match('c'), undefined);
  });

  it('loads user (<language>.json) and workspace (.code-snippets) files; a broken file is skipped and reported', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latent-snip-'));
    try {
      fs.writeFileSync(path.join(dir, 'python.json'), '{ "Main": { "prefix": "main", "body": "if __name__ == \\"__main__\\":\\n\\tmain()" } }');
      fs.writeFileSync(path.join(dir, 'all.code-snippets'), '{ "Todo": { "prefix": "todo", "body": "// TODO(me): $0" } }');
      fs.writeFileSync(path.join(dir, 'broken.code-snippets'), '{ "x": ');
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
      const files = await snippetFilesIn(dir, 'user', true);
      assert.deepEqual(files.map((f) => [path.basename(f.path), f.language]), [['all.code-snippets', undefined], ['broken.code-snippets', undefined], ['python.json', 'python']]);
      const problems: string[] = [];
      const loaded = await loadSnippets(files, (m) => problems.push(m));
      assert.deepEqual(loaded.map((d) => d.item), ['snippet:user/Todo', 'snippet:user/Main']);
      assert.deepEqual(loaded[1].languages, ['python']);
      assert.equal(problems.length, 1);
      assert.match(problems[0], /broken\.code-snippets/);
      assert.deepEqual(await snippetFilesIn(path.join(dir, 'missing'), 'user', true), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('feedback: latent.exclude default', () => {
  it('package.json declares the same default as DEFAULT_EXCLUDE (what the tracker falls back to)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
    };
    assert.deepEqual(pkg.contributes.configuration.properties['latent.exclude'].default, [...DEFAULT_EXCLUDE]);
  });
});

describe('latent.neverRecommend defaults', () => {
  it('match lockfiles, minified files and build output in any folder, and not ordinary sources or manifests', () => {
    const m = new ExclusionMatcher(DEFAULT_NEVER_RECOMMEND, {}, 'latent.neverRecommend');
    for (const p of ['package-lock.json', 'web/yarn.lock', 'Cargo.lock', 'dist/extension.js', 'packages/a/build/x.js', 'lib/jquery.min.js', 'out/a.js.map']) {
      assert.equal(m.isExcluded(p), true, p);
    }
    for (const p of ['package.json', 'src/index.ts', 'README.md', 'src/distance.ts', 'docs/build.md']) assert.equal(m.isExcluded(p), false, p);
  });
});
