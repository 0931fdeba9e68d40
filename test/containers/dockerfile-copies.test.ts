// The image's build stages copy single files of sim/ (the synth cache, the page's build cache), so
// that editing the rest of sim/ rebuilds neither the stack nor the page. A file they copy that
// imports one they do not fails only inside `docker build`, late in CI (a shared helper imported
// by the synth cache did, 2026-12-03); this reads the Dockerfile and says so at once.
import { readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const projectDir = resolve(import.meta.dirname, '../..');
const dockerfile = readFileSync(join(projectDir, 'sim/Dockerfile'), 'utf8');

/** Each stage's name and the single .ts files of sim/ it copies from the build context. */
function stagesCopyingSimFiles(): Array<{ stage: string; files: string[] }> {
  return dockerfile.split(/^FROM /m).slice(1).map((stage) => ({
    stage: /^\S+(?: AS (\S+))?/.exec(stage)?.[1] ?? stage.split('\n')[0]!,
    files: [...stage.matchAll(/^COPY (?!--from)(sim\/\S+\.ts) /gm)].map((match) => match[1]!),
  })).filter(({ files }) => files.length > 0);
}

/** The project files a TypeScript file imports by a relative path (`./x.js` is `./x.ts`). */
function relativeImports(file: string): string[] {
  const source = readFileSync(join(projectDir, file), 'utf8');
  return [...source.matchAll(/\bfrom '(\.{1,2}\/[^']+)'/g)].map((match) =>
    normalize(relative(projectDir, resolve(projectDir, dirname(file), match[1]!.replace(/\.js$/, '.ts')))));
}

describe('sim/Dockerfile', () => {
  it('copies, beside each file of sim/ a stage copies alone, every file that one imports', () => {
    const stages = stagesCopyingSimFiles();
    expect(stages.map(({ stage }) => stage)).toEqual(['synth', 'web']);
    for (const { stage, files } of stages) {
      for (const file of files) {
        expect(relativeImports(file).filter((imported) => !files.includes(imported)), `${stage}: ${file}`).toEqual([]);
      }
    }
  });
});
