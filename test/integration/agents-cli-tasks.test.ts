import { afterEach, describe, expect, it } from 'vitest';
import { startLlmServer } from '../fixtures/llm-server.ts';
import { tempDir } from '../helpers/kernel.ts';
import { runIza, spawnIza, trackProcesses, waitForServer } from '../helpers/process.ts';

describe(
  'iza agent: defining agents, dispatching and waiting, one task',
  { timeout: 240_000 },
  () => {
    const tracked = trackProcesses();
    afterEach(() => tracked.cleanup());

    it('creates, updates and removes agents; dispatch fails when nobody can take a task; --wait prints the answer and exits with its outcome', async () => {
      const llm = await startLlmServer();
      try {
        const d = tempDir('iza-agents-cli-tasks-');
        tracked.dir(d);
        const dir = ['--data-dir', d.path];
        const admin = await runIza(
          [
            'user',
            'create-admin',
            '--org',
            'Tau Studio',
            '--email',
            't@tau.test',
            '--name',
            'Tia',
            '--password-stdin',
            ...dir,
          ],
          {},
          'a long enough password\n',
        );
        expect(admin.code, admin.output).toBe(0);
        // The model server is on loopback: the outbound guard reaches it when allow-listed.
        const env = { IZA_OUTBOUND_ALLOW_PRIVATE: '127.0.0.1' };
        const server = tracked.process(spawnIza(['start', '--port', '0', ...dir], env));
        await waitForServer(d.path, server, 90_000);

        const created = await runIza(
          [
            'agent',
            'create',
            '--bot-id',
            'echoer',
            '--kind',
            'code',
            '--handler',
            'echo',
            '--capability',
            'echo',
            ...dir,
          ],
          env,
        );
        expect(created.code, created.output).toBe(0);
        expect(created.output).toMatch(/botId\s+echoer/);

        const nobody = await runIza(
          ['agent', 'dispatch', '--capability', 'translate', ...dir],
          env,
        );
        expect(nobody.code).not.toBe(0);
        expect(nobody.output).toMatch(
          /failed \(no_capable_agent\).*No enabled agent has every capability of the task \(translate\)/s,
        );

        const waited = await runIza(
          [
            'agent',
            'dispatch',
            '--capability',
            'echo',
            '--input',
            '"hello back"',
            '--wait',
            ...dir,
          ],
          env,
        );
        expect(waited.code, waited.output).toBe(0);
        expect(waited.output.trim()).toBe('hello back');

        const json = await runIza(
          [
            'agent',
            'dispatch',
            '--capability',
            'echo',
            '--input',
            '{"n":1}',
            '--wait',
            '--json',
            ...dir,
          ],
          env,
        );
        expect(json.code, json.output).toBe(0);
        const task = JSON.parse(json.output) as { id: string; state: string; output: unknown };
        expect(task).toMatchObject({ state: 'succeeded', output: { n: 1 } });

        // One task by the start of its id: state, answer, log and messages.
        const shown = await runIza(['agent', 'task', task.id.slice(0, 13), ...dir], env);
        expect(shown.code, shown.output).toBe(0);
        expect(shown.output).toContain(task.id);
        expect(shown.output).toMatch(/state\s+succeeded/);
        expect(shown.output).toMatch(/attempt 1 on echoer/);
        expect(shown.output).toMatch(/response.*echoer/);
        const byEnd = await runIza(['agent', 'task', task.id.slice(-8), '--json', ...dir], env);
        expect(byEnd.code, byEnd.output).toBe(0);
        expect(JSON.parse(byEnd.output)).toMatchObject({ id: task.id });
        // Tasks made together share the start of their ids (their creation time).
        const ambiguous = await runIza(['agent', 'task', task.id.slice(0, 6), ...dir], env);
        expect(ambiguous.code).not.toBe(0);
        expect(ambiguous.output).toMatch(/names several tasks/);

        // A model that refuses the call: the task fails, and so does the command.
        llm.script([{ type: 'error', status: 400 }]);
        const writer = await runIza(
          [
            'agent',
            'create',
            '--bot-id',
            'writer',
            '--kind',
            'llm',
            '--provider',
            'openai-compatible',
            '--model',
            'test-model',
            '--base-url',
            llm.url,
            '--capability',
            'write',
            ...dir,
          ],
          env,
        );
        expect(writer.code, writer.output).toBe(0);
        const refused = await runIza(
          ['agent', 'dispatch', '--capability', 'write', '--input', 'x', '--wait', ...dir],
          env,
        );
        expect(refused.code).not.toBe(0);
        expect(refused.output).toMatch(/failed \(provider_rejected\)/);

        const updated = await runIza(
          [
            'agent',
            'update',
            'writer',
            '--model',
            'test-model-2',
            '--slots',
            '3',
            '--json',
            ...dir,
          ],
          env,
        );
        expect(updated.code, updated.output).toBe(0);
        expect(JSON.parse(updated.output)).toMatchObject({
          maxConcurrentTasks: 3,
          llm: { provider: 'openai-compatible', model: 'test-model-2', baseUrl: llm.url },
        });

        const removed = await runIza(['agent', 'remove', 'echoer', ...dir], env);
        expect(removed.code, removed.output).toBe(0);
        const gone = await runIza(['agent', 'dispatch', '--capability', 'echo', ...dir], env);
        expect(gone.code).not.toBe(0);
      } finally {
        await llm.close();
      }
    });
  },
);
