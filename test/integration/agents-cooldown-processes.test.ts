import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccess } from '../../src/access/index.ts';
import { agentsServiceFor, type AgentsService } from '../../src/agents/index.ts';
import type { Kernel } from '../../src/kernel/index.ts';
import { createAgentsWorld, type AgentsWorld } from '../fixtures/llm-agents-world.ts';
import { startLlmServer, type LlmServer } from '../fixtures/llm-server.ts';
import { createTestKernel } from '../helpers/kernel.ts';
import { postgresStorage } from '../helpers/storage.ts';

/**
 * An endpoint's cooldown holds in every process: two kernels working tasks on one PostgreSQL
 * database (as two worker processes would), two agents on one endpoint, one in each.
 */
describe.skipIf(!postgresStorage)(
  'endpoint cooldowns across worker processes',
  { timeout: 90_000 },
  () => {
    let a: AgentsWorld;
    let b: { kernel: Kernel; agents: AgentsService };
    let llm: LlmServer;
    let drop: () => Promise<void>;

    beforeAll(async () => {
      llm = await startLlmServer();
      const created = await postgresStorage!.create();
      drop = created.drop;
      a = await createAgentsWorld(created.target);
      const kernel = await createTestKernel({
        target: created.target,
        workJobs: true,
        env: { IZA_OUTBOUND_ALLOW_PRIVATE: '127.0.0.1' },
      });
      const agents = agentsServiceFor(kernel, createAccess(kernel));
      await agents.start();
      b = { kernel, agents };
    });
    afterAll(async () => {
      await b?.agents.stop({ abort: true });
      await b?.kernel.close();
      await a?.close();
      await drop?.();
      await llm?.close();
    });

    it("holds another process's agent on the same endpoint until the cooldown ends", async () => {
      for (const botId of ['here', 'there']) {
        await a.agents.createAgent(a.orgId, {
          botId,
          name: botId,
          kind: 'llm',
          capabilities: [botId],
          retryPolicy: { maxAttempts: 1 },
          llm: { provider: 'openai-compatible', model: 'm', baseUrl: llm.url, stream: false },
        });
      }
      llm.script([
        { type: 'error', status: 429, headers: { 'retry-after': '2' } },
        { type: 'text', text: 'served' },
      ]);
      const first = await a.agents.dispatch(a.orgId, { agent: 'here', input: 'x' });
      while (llm.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 100));
      // The other process dispatches to the other agent on the same endpoint.
      const second = await b.agents.dispatch(a.orgId, { agent: 'there', input: 'y' });
      const done = [
        await a.waitFor(first.id, undefined, 15_000),
        await a.waitFor(second.id, undefined, 15_000),
      ];
      expect(done.map((t) => t.state)).toEqual(['succeeded', 'succeeded']);
      const limited = llm.requests[0]!.at;
      expect(llm.requests.slice(1).every((r) => r.at - limited >= 1900)).toBe(true);
    });
  },
);
