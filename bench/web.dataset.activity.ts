// The activity part of the dashboard benchmark's data set (web.dataset.ts), made over HTTP on a
// running server as people and programs make it: workflow executions, agents and their tasks.
import { signIn, type IzaProcess } from './web.server.ts';

/**
 * Over HTTP, on a running server: executions of the sample workflows (manual runs of the
 * scheduled one, calls of the webhook ones) and agents with tasks, a few waiting for approval.
 */
export async function addActivity(
  server: IzaProcess,
  admin: { email: string; password: string },
): Promise<{ executions: number; agents: number; tasks: number }> {
  const session = await signIn(server.url, admin.email, admin.password);
  const { workflows } = await session.get<{
    workflows: { id: string; name: string; active: boolean }[];
  }>('/api/v1/workflows?limit=100');
  const { slug } = (await session.get<{ organisation: { slug: string } }>('/api/v1/auth/me'))
    .organisation;
  let executions = 0;
  for (const workflow of workflows) {
    const { definition } = await session.get<{
      definition: { nodes: { type: string; parameters: { path?: string } }[] };
    }>(`/api/v1/workflows/${workflow.id}`);
    const hook = definition.nodes.find((n) => n.type === 'n8n-nodes-base.webhook');
    for (let i = 0; i < 100; i++) {
      if (hook?.parameters.path && workflow.active) {
        const res = await fetch(`${server.url}/o/${slug}/webhook/${hook.parameters.path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            venture: `demo-${i}`,
            amount: i * 10,
            status: i % 7 ? 'ok' : 'failed',
          }),
        });
        await res.arrayBuffer();
      } else {
        await session.post(`/api/v1/workflows/${workflow.id}/run`, {});
      }
      executions++;
    }
  }
  const agents = [
    {
      botId: 'echo-1',
      name: 'Echo one',
      kind: 'code',
      handler: 'echo',
      capabilities: ['echo', 'summarise'],
    },
    { botId: 'echo-2', name: 'Echo two', kind: 'code', handler: 'echo', capabilities: ['echo'] },
    {
      botId: 'noop-1',
      name: 'Quiet worker',
      kind: 'code',
      handler: 'noop',
      capabilities: ['noop'],
    },
    {
      botId: 'analyst',
      name: 'Portfolio analyst',
      kind: 'llm',
      capabilities: ['summarise', 'analyse'],
      llm: { provider: 'builtin', model: 'builtin' },
    },
    {
      botId: 'gatekeeper',
      name: 'Payments gatekeeper',
      kind: 'code',
      handler: 'echo',
      capabilities: ['payments'],
      requiresApproval: true,
    },
  ];
  for (const agent of agents) await session.post('/api/v1/agents', agent);
  let tasks = 0;
  for (let i = 0; i < 300; i++) {
    const capability = ['echo', 'summarise', 'noop', 'analyse'][i % 4]!;
    await session.post('/api/v1/agents/tasks', {
      capabilities: [capability],
      input: { prompt: `Task ${i}: ${capability} the week`, n: i },
      correlationId: `bench-${i}`,
    });
    tasks++;
  }
  for (let i = 0; i < 5; i++) {
    await session.post('/api/v1/agents/tasks', {
      capabilities: ['payments'],
      input: { payout: i },
    });
    tasks++;
  }
  // Until the queue has run everything that is not waiting for a person.
  for (let i = 0; i < 600; i++) {
    const open = await session.get<{ state: string }[]>(
      '/api/v1/agents/tasks?state=queued&limit=100',
    );
    const running = await session.get<{ state: string }[]>(
      '/api/v1/agents/tasks?state=running&limit=100',
    );
    if (open.length === 0 && running.length === 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  return { executions, agents: agents.length, tasks };
}
