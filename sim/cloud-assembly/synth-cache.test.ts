// When `npm start` synthesizes again, with a stand-in for the aws-cdk CLI that writes its context
// into the template, so that no test waits for a real synth.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { synthesizeIfChanged } from './synth-cache.js';

const STAND_IN_CDK = `
const args = process.argv.slice(2);
const outDir = args[args.indexOf('--output') + 1];
const context = args.flatMap((arg, index) => (args[index - 1] === '--context' ? [arg] : []));
require('node:fs').mkdirSync(outDir, { recursive: true });
require('node:fs').writeFileSync(outDir + '/manifest.json', '{}');
require('node:fs').writeFileSync(outDir + '/FaceAuthStack.template.json', JSON.stringify({ context }));
`;

const projects: string[] = [];
afterEach(() => {
  for (const project of projects.splice(0)) rmSync(project, { recursive: true, force: true });
});

function projectWithStandInCdk(): string {
  const project = mkdtempSync(join(tmpdir(), 'facekit-synth-'));
  projects.push(project);
  mkdirSync(join(project, 'stack'));
  writeFileSync(join(project, 'stack', 'app.ts'), 'new FaceAuthStack();');
  mkdirSync(join(project, 'node_modules', 'aws-cdk', 'bin'), { recursive: true });
  writeFileSync(join(project, 'node_modules', 'aws-cdk', 'bin', 'cdk'), STAND_IN_CDK);
  return project;
}

const KIT_CONTEXT = { emailSender: 'no-reply@facekit.local' };

describe('synthesizeIfChanged', () => {
  it('reuses the assembly it synthesized while the inputs are unchanged', async () => {
    const projectDir = projectWithStandInCdk();
    await synthesizeIfChanged({ projectDir, context: KIT_CONTEXT });

    const again = await synthesizeIfChanged({ projectDir, context: KIT_CONTEXT });

    expect(again.synthesized).toBe(false);
  });

  it('synthesizes again when `npm run synth` or `cdk deploy` rewrote the templates without the kit context', async () => {
    const projectDir = projectWithStandInCdk();
    await synthesizeIfChanged({ projectDir, context: KIT_CONTEXT });
    const template = join(projectDir, 'cdk.out', 'FaceAuthStack.template.json');
    writeFileSync(template, JSON.stringify({ context: [] }));

    const again = await synthesizeIfChanged({ projectDir, context: KIT_CONTEXT });

    expect(again.synthesized).toBe(true);
    expect(JSON.parse(readFileSync(template, 'utf8'))).toEqual({ context: ['emailSender=no-reply@facekit.local'] });
  });

  it('synthesizes again when a stack input changed', async () => {
    const projectDir = projectWithStandInCdk();
    await synthesizeIfChanged({ projectDir, context: KIT_CONTEXT });
    writeFileSync(join(projectDir, 'stack', 'app.ts'), 'new FaceAuthStack(); // edited');

    const again = await synthesizeIfChanged({ projectDir, context: KIT_CONTEXT });

    expect(again.synthesized).toBe(true);
  });
});
