import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/agents/index.ts';
import { portfolioServiceFor } from '../../src/portfolio/index.ts';
import { createAgentsOrgs, type AgentsOrgs } from '../fixtures/llm-agents-orgs.ts';
import { startLlmServer, type LlmServer, type RecordedRequest } from '../fixtures/llm-server.ts';
import { storages } from '../helpers/storage.ts';

const OPERATOR_KEY = 'sk-operator-0123456789abcdef';
const OPERATOR_ANTHROPIC_KEY = 'sk-ant-operator-0123456789abcdef';
const ENV_ANTHROPIC_KEY = 'sk-ant-from-process-env-0123456789';
const KEY_A = 'sk-org-a-0123456789abcdef';
const KEY_B = 'sk-org-b-0123456789abcdef';
const EDITOR_KEY = 'sk-editor-0123456789abcdef';

/** Secrets an org A workflow holds in its HTTP Request nodes (see `secretWorkflow`). */
const WORKFLOW_SECRETS = [
  'wf-bearer-token-0123456789',
  'wf-api-key-0123456789',
  'wf-query-key-0123456789',
  'wf-url-token-0123456789',
  'wf-json-header-0123456789',
  'wf-password-0123456789',
];

/** A workflow whose HTTP Request nodes carry credentials in headers, query and URL. */
const secretWorkflow = {
  name: 'Weekly export',
  nodes: [
    {
      name: 'Start',
      type: 'n8n-nodes-base.manualTrigger',
      typeVersion: 1,
      position: [0, 0],
      parameters: {},
    },
    {
      name: 'Call CRM',
      type: 'n8n-nodes-base.httpRequest',
      typeVersion: 4.2,
      position: [200, 0],
      parameters: {
        url: 'https://crm.example.com/export?token=wf-url-token-0123456789&format=csv',
        sendHeaders: true,
        headerParameters: {
          parameters: [
            { name: 'Authorization', value: 'Bearer wf-bearer-token-0123456789' },
            { name: 'X-API-Key', value: 'wf-api-key-0123456789' },
            { name: 'Accept', value: 'text/csv' },
          ],
        },
        sendQuery: true,
        queryParameters: { parameters: [{ name: 'api_key', value: 'wf-query-key-0123456789' }] },
      },
    },
    {
      name: 'Call ERP',
      type: 'n8n-nodes-base.httpRequest',
      typeVersion: 4.2,
      position: [400, 0],
      parameters: {
        url: 'https://erp-user:wf-password-0123456789@erp.example.com/api',
        sendHeaders: true,
        specifyHeaders: 'json',
        jsonHeaders: '{"Authorization": "Token wf-json-header-0123456789"}',
      },
    },
  ],
  connections: {
    Start: { main: [[{ node: 'Call CRM', type: 'main', index: 0 }]] },
    'Call CRM': { main: [[{ node: 'Call ERP', type: 'main', index: 0 }]] },
  },
};

const credentialsIn = (requests: RecordedRequest[]) =>
  requests.map((r) => ({ authorization: r.headers.authorization, apiKey: r.headers['x-api-key'] }));

/**
 * The agents module attacked across organisations and roles (security issue: 4a provider keys,
 * 4b tool lists, 28 task references). Org A and org B share one server; the "operator" runs
 * the installation's provider (keys from the environment); each organisation also runs a
 * model server of its own. Every server is real (loopback) and records the credentials it
 * receives; tasks really run.
 */
describe.each(storages)('agents across organisations on $name', { timeout: 120_000 }, (storage) => {
  let w: AgentsOrgs;
  let operator: LlmServer;
  let ownA: LlmServer;
  let ownB: LlmServer;
  let drop: () => Promise<void>;
  let n = 0;
  /** URLs each injected provider fetch was asked for. */
  const fetched: { operator: string[]; tenant: string[] } = { operator: [], tenant: [] };
  const recording =
    (into: string[]): typeof fetch =>
    (input, init) => {
      into.push(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      return fetch(input, init);
    };

  beforeAll(async () => {
    operator = await startLlmServer();
    ownA = await startLlmServer();
    ownB = await startLlmServer();
    const created = await storage.create();
    drop = created.drop;
    w = await createAgentsOrgs(created.target, {
      config: {
        openaiBaseUrl: operator.url,
        openaiApiKey: OPERATOR_KEY,
        anthropicBaseUrl: operator.url,
        anthropicApiKey: OPERATOR_ANTHROPIC_KEY,
      },
      providerFetch: { operator: recording(fetched.operator), tenant: recording(fetched.tenant) },
    });
    await portfolioServiceFor(w.kernel, w.access).createVenture(
      { orgId: w.orgA, ventureIds: null },
      { slug: 'alpha', name: 'Alpha Shop', category: 'ecommerce', stage: 'launched' },
    );
  }, 180_000);
  afterAll(async () => {
    await w?.close();
    await drop?.();
    await Promise.all([operator?.close(), ownA?.close(), ownB?.close()]);
  });
  beforeEach(() => {
    n += 1;
    fetched.operator.length = 0;
    fetched.tenant.length = 0;
    for (const server of [operator, ownA, ownB]) server.script([{ type: 'text', text: 'ok' }]);
  });

  const api = (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT',
    url: string,
    headers: Record<string, string>,
    payload?: unknown,
  ) =>
    w.app.inject({
      method,
      url,
      headers,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
  async function createAgent(headers: Record<string, string>, body: Record<string, unknown>) {
    const res = await api('POST', '/api/v1/agents', headers, {
      name: String(body.botId),
      kind: 'llm',
      capabilities: [`cap-${n}`],
      retryPolicy: { maxAttempts: 1, initialDelayMs: 10, maxDelayMs: 50 },
      timeout: 5000,
      ...body,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().data as { id: string; botId: string };
  }
  async function run(headers: Record<string, string>, orgId: string, agent: string) {
    const res = await api('POST', '/api/v1/agents/tasks', headers, { agent, input: 'Hello' });
    expect(res.statusCode, res.body).toBe(201);
    return w.waitFor(orgId, res.json().data.id as string);
  }
  async function createConnection(headers: Record<string, string>, body: Record<string, unknown>) {
    const res = await api('POST', '/api/v1/agents/connections', headers, body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json().data as { id: string; name: string; hasKey: boolean };
  }

  describe('4a: provider keys', () => {
    it("sends no key to a base URL an organisation sets: neither the operator's, the environment's nor another organisation's", async () => {
      const openai = await createAgent(w.as.adminB, {
        botId: `thief-${n}`,
        llm: {
          provider: 'openai-compatible',
          model: 'test-model',
          baseUrl: ownB.url,
          stream: false,
        },
      });
      const anthropic = await createAgent(w.as.adminB, {
        botId: `thief-claude-${n}`,
        llm: { provider: 'anthropic', model: 'claude-test', baseUrl: ownB.url, stream: false },
      });
      const runThieves = async () => {
        const saved = process.env.ANTHROPIC_API_KEY;
        process.env.ANTHROPIC_API_KEY = ENV_ANTHROPIC_KEY;
        try {
          expect((await run(w.as.adminB, w.orgB, openai.botId)).state).toBe('succeeded');
          expect((await run(w.as.adminB, w.orgB, anthropic.botId)).state).toBe('succeeded');
        } finally {
          if (saved === undefined) delete process.env.ANTHROPIC_API_KEY;
          else process.env.ANTHROPIC_API_KEY = saved;
        }
      };
      await runThieves();
      expect(ownB.requests.map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/messages']);
      expect(credentialsIn(ownB.requests)).toEqual([
        { authorization: undefined, apiKey: undefined },
        { authorization: undefined, apiKey: undefined },
      ]);
      // The organisation's URL went through the tenant fetch (the SSRF guard's seam).
      expect(fetched.tenant).toEqual([`${ownB.url}/chat/completions`, `${ownB.url}/messages`]);
      expect(fetched.operator).toEqual([]);

      // Org A's connection in use meanwhile: its key does not reach B's server either.
      await createConnection(w.as.adminA, {
        name: `house-${n}`,
        kind: 'openai-compatible',
        baseUrl: ownA.url,
        apiKey: KEY_A,
        models: [{ id: 'test-model' }],
      });
      const agentA = await createAgent(w.as.adminA, {
        botId: `house-agent-${n}`,
        llm: { connection: `house-${n}`, model: 'test-model', stream: false },
      });
      expect((await run(w.as.adminA, w.orgA, agentA.botId)).state).toBe('succeeded');
      await runThieves();
      expect(credentialsIn(ownA.requests)).toEqual([
        { authorization: `Bearer ${KEY_A}`, apiKey: undefined },
      ]);
      expect(ownB.requests).toHaveLength(4);
      const seen = JSON.stringify(ownB.requests);
      for (const key of [OPERATOR_KEY, OPERATOR_ANTHROPIC_KEY, ENV_ANTHROPIC_KEY, KEY_A]) {
        expect(seen).not.toContain(key);
      }
    });

    it("uses an organisation's connection key for its own agents only, at the connection's URL", async () => {
      const connection = await createConnection(w.as.adminA, {
        name: `house-${n}`,
        kind: 'openai-compatible',
        baseUrl: ownA.url,
        apiKey: KEY_A,
        models: [{ id: 'test-model', price: { input: 100, output: 400, currency: 'EUR' } }],
      });
      expect(connection.hasKey).toBe(true);
      const agentA = await createAgent(w.as.adminA, {
        botId: `house-agent-${n}`,
        llm: { provider: 'openai-compatible', connection: `house-${n}`, model: 'test-model' },
      });
      // Without a connection or a base URL: the installation's provider, as before.
      const installA = await createAgent(w.as.adminA, {
        botId: `install-a-${n}`,
        llm: { provider: 'openai-compatible', model: 'test-model', stream: false },
      });
      const installB = await createAgent(w.as.adminB, {
        botId: `install-b-${n}`,
        llm: { provider: 'openai-compatible', model: 'test-model', stream: false },
      });
      const task = await run(w.as.adminA, w.orgA, agentA.botId);
      expect(task.state, JSON.stringify(task)).toBe('succeeded');
      // 10 input tokens x 100 + 5 output x 400 (the fixture's usage), the connection's prices.
      expect(task.costMicro).toBe('3000');
      expect((await run(w.as.adminA, w.orgA, installA.botId)).state).toBe('succeeded');
      expect((await run(w.as.adminB, w.orgB, installB.botId)).state).toBe('succeeded');

      expect(credentialsIn(ownA.requests)).toEqual([
        { authorization: `Bearer ${KEY_A}`, apiKey: undefined },
      ]);
      expect(credentialsIn(operator.requests)).toEqual([
        { authorization: `Bearer ${OPERATOR_KEY}`, apiKey: undefined },
        { authorization: `Bearer ${OPERATOR_KEY}`, apiKey: undefined },
      ]);
      expect(JSON.stringify([operator.requests, ownB.requests])).not.toContain(KEY_A);
      expect(fetched.tenant).toEqual([`${ownA.url}/chat/completions`]);
      expect(fetched.operator).toEqual([
        `${operator.url}/chat/completions`,
        `${operator.url}/chat/completions`,
      ]);

      // The key never comes back: not in answers, the audit log or the connection's row.
      for (const headers of [w.as.adminA, w.as.viewerA]) {
        const list = await api('GET', '/api/v1/agents/connections', headers);
        const one = await api('GET', `/api/v1/agents/connections/${connection.id}`, headers);
        expect(list.statusCode).toBe(200);
        expect(one.statusCode).toBe(200);
        expect(list.body + one.body).not.toContain(KEY_A);
      }
      const stored = await rowsOf<Record<string, unknown>>(
        w.kernel.db,
        sql`select * from agents_connections`,
      );
      const audit = await rowsOf<Record<string, unknown>>(
        w.kernel.db,
        sql`select * from audit_log`,
      );
      const sealed = await rowsOf<Record<string, unknown>>(w.kernel.db, sql`select * from secrets`);
      expect(JSON.stringify([stored, audit, sealed])).not.toContain(KEY_A);
    });

    it("keeps an organisation's connections out of another's sight and reach", async () => {
      const name = `house-${n}`;
      const connection = await createConnection(w.as.adminA, {
        name,
        kind: 'openai-compatible',
        baseUrl: ownA.url,
        apiKey: KEY_A,
        models: [{ id: 'test-model' }],
      });
      const listB = await api('GET', '/api/v1/agents/connections', w.as.adminB);
      expect(listB.statusCode).toBe(200);
      expect(listB.json().data).toEqual([]);
      for (const ref of [connection.id, name]) {
        const url = `/api/v1/agents/connections/${ref}`;
        for (const [method, payload] of [
          ['GET', undefined],
          ['PATCH', { baseUrl: ownB.url }],
          ['DELETE', undefined],
        ] as const) {
          const res = await api(method, url, w.as.adminB, payload);
          expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(404);
          expect(res.json().error.code).toBe('not_found');
        }
      }
      // Naming A's connection in one of B's agents: refused as if it did not exist.
      for (const ref of [name, connection.id]) {
        const res = await api('POST', '/api/v1/agents', w.as.adminB, {
          botId: `borrower-${n}`,
          name: 'Borrower',
          kind: 'llm',
          capabilities: ['x'],
          llm: { provider: 'openai-compatible', connection: ref, model: 'test-model' },
        });
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json().error.message).toContain('llm.connection');
      }
      const after = await api('GET', `/api/v1/agents/connections/${connection.id}`, w.as.adminA);
      expect(after.json().data).toMatchObject({ name, baseUrl: ownA.url, hasKey: true });

      // B may have a connection of the same name: its own, with its own key.
      await createConnection(w.as.adminB, {
        name,
        kind: 'openai-compatible',
        baseUrl: ownB.url,
        apiKey: KEY_B,
        models: [{ id: 'test-model' }],
      });
      const agentB = await createAgent(w.as.adminB, {
        botId: `own-${n}`,
        llm: { provider: 'openai-compatible', connection: name, model: 'test-model' },
      });
      const agentA = await createAgent(w.as.adminA, {
        botId: `own-${n}`,
        llm: { provider: 'openai-compatible', connection: name, model: 'test-model' },
      });
      expect((await run(w.as.adminB, w.orgB, agentB.botId)).state).toBe('succeeded');
      expect((await run(w.as.adminA, w.orgA, agentA.botId)).state).toBe('succeeded');
      expect(credentialsIn(ownB.requests)).toEqual([
        { authorization: `Bearer ${KEY_B}`, apiKey: undefined },
      ]);
      expect(credentialsIn(ownA.requests)).toEqual([
        { authorization: `Bearer ${KEY_A}`, apiKey: undefined },
      ]);
    });

    it('lets only manage_bots change connections, and refuses a key replaced behind its back', async () => {
      const name = `house-${n}`;
      const connection = await createConnection(w.as.adminA, {
        name,
        kind: 'anthropic',
        baseUrl: ownA.url,
        apiKey: KEY_A,
        models: [{ id: 'claude-test' }],
      });
      const agent = await createAgent(w.as.adminA, {
        botId: `claude-${n}`,
        llm: { provider: 'anthropic', connection: name, model: 'claude-test', stream: false },
      });
      const url = `/api/v1/agents/connections/${connection.id}`;
      for (const [method, path, payload] of [
        [
          'POST',
          '/api/v1/agents/connections',
          { name: 'mine', kind: 'anthropic', baseUrl: ownB.url, models: [{ id: 'm' }] },
        ],
        ['PATCH', url, { baseUrl: ownB.url }],
        ['PATCH', url, { apiKey: EDITOR_KEY }],
        ['DELETE', url, undefined],
      ] as const) {
        const res = await api(method, path, w.as.editorA, payload);
        expect(res.statusCode, `${method} ${path}: ${res.body}`).toBe(403);
      }
      const task = await run(w.as.adminA, w.orgA, agent.botId);
      expect(task.state).toBe('succeeded');
      expect(credentialsIn(ownA.requests)).toEqual([{ authorization: undefined, apiKey: KEY_A }]);

      // An editor may write organisation secrets, but not a module's: the connection's sealed
      // key is neither listed nor reachable through the secrets API.
      const secrets = await api('GET', '/api/v1/secrets', w.as.editorA);
      expect(
        (secrets.json().data as { name: string }[]).filter((s) => s.name.includes(connection.id)),
      ).toEqual([]);
      const found = await w.kernel.db.execute(
        sql`select name from secrets where name like ${`internal.agents.connection.${connection.id}.%`}`,
      );
      const sealedName = (found as { rows: { name: string }[] }).rows[0]?.name;
      expect(sealedName).toBeDefined();
      for (const [method, payload] of [
        ['PUT', { value: EDITOR_KEY }],
        ['DELETE', undefined],
      ] as const) {
        const res = await api(method, `/api/v1/secrets/${sealedName}`, w.as.adminA, payload);
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json().error.message).toMatch(/belong to IZA OS's modules/);
      }
      // Replaced behind its back anyway (through the service, as a bug elsewhere could): the
      // connection refuses a key it did not set.
      await w.access.secrets.put(w.orgA, { name: sealedName!, value: EDITOR_KEY }, null);
      ownA.script([{ type: 'text', text: 'ok' }]);
      const refused = await run(w.as.adminA, w.orgA, agent.botId);
      expect(refused.state).toBe('failed');
      expect(refused.reason).toBe('connection_key_changed');
      expect(ownA.requests).toEqual([]);

      // Setting the key again through the connection (manage_bots) repairs it.
      const repaired = await api('PATCH', url, w.as.adminA, { apiKey: KEY_A });
      expect(repaired.statusCode, repaired.body).toBe(200);
      expect(repaired.body).not.toContain(KEY_A);
      expect((await run(w.as.adminA, w.orgA, agent.botId)).state).toBe('succeeded');
      expect(credentialsIn(ownA.requests)).toEqual([{ authorization: undefined, apiKey: KEY_A }]);
    });
    it('documents connections in OpenAPI: the key is in what goes in, never in what comes out', async () => {
      const doc = (await api('GET', '/docs/json', {})).json();
      const list = doc.paths['/api/v1/agents/connections'];
      const one = doc.paths['/api/v1/agents/connections/{ref}'];
      expect(Object.keys(list).sort()).toEqual(['get', 'post']);
      expect(Object.keys(one).sort()).toEqual(['delete', 'get', 'patch']);
      const body = (op: { requestBody: { content: Record<string, { schema: unknown }> } }) =>
        JSON.stringify(op.requestBody.content['application/json']!.schema);
      expect(body(list.post)).toContain('apiKey');
      expect(body(one.patch)).toContain('apiKey');
      for (const op of [list.get, list.post, one.get, one.patch, one.delete]) {
        expect(JSON.stringify(op.responses)).not.toContain('apiKey');
        expect(JSON.stringify(op.responses)).toContain('hasKey');
      }
    });

    it('refuses a key written into a base URL, where every reader would see it', async () => {
      for (const baseUrl of [
        `http://user:${KEY_A}@127.0.0.1:9/v1`,
        `http://127.0.0.1:9/v1?api-key=${KEY_A}`,
      ]) {
        const connection = await api('POST', '/api/v1/agents/connections', w.as.adminA, {
          name: `leaky-${n}`,
          kind: 'openai-compatible',
          baseUrl,
          models: [{ id: 'test-model' }],
        });
        expect(connection.statusCode, connection.body).toBe(400);
        expect(connection.json().error.message).toMatch(
          /baseUrl must (not hold credentials|have no query)/,
        );
        const agent = await api('POST', '/api/v1/agents', w.as.adminA, {
          botId: `leaky-${n}`,
          name: 'Leaky',
          kind: 'llm',
          capabilities: ['x'],
          llm: { provider: 'openai-compatible', model: 'test-model', baseUrl },
        });
        expect(agent.statusCode, agent.body).toBe(400);
        expect(agent.json().error.message).toContain('llm.baseUrl');
      }
      const listed = await api('GET', '/api/v1/agents', w.as.viewerA);
      expect(listed.body).not.toContain(KEY_A);
    });
  });

  describe('4b: tool lists', () => {
    const toolLines = (log: { kind: string; text: string }[]) =>
      log.filter((l) => l.kind === 'tool').map((l) => l.text);
    const toolResults = (request: RecordedRequest) =>
      (request.body.messages as { role: string; tool_call_id?: string; content?: unknown }[])
        .filter((m) => m.role === 'tool')
        .map((m) => ({ id: m.tool_call_id, content: String(m.content) }));

    it('never runs a tool the agent does not list: the model reads an error, the log says so', async () => {
      const workflow = await w.createWorkflow(w.orgA, secretWorkflow);
      for (const approveTools of [[], ['*']]) {
        const agent = await createAgent(w.as.adminA, {
          botId: `narrow-${n}-${approveTools.length}`,
          llm: {
            provider: 'openai-compatible',
            model: 'test-model',
            baseUrl: ownA.url,
            tools: ['list_ventures'],
            approveTools,
            // Both ways of calling the model: a whole answer, and a stream.
            stream: approveTools.length > 0,
          },
        });
        ownA.script([
          { type: 'tool', name: 'get_workflow', args: { id: workflow.id } },
          { type: 'text', text: 'done' },
        ]);
        const task = await run(w.as.adminA, w.orgA, agent.botId);
        expect(task.state, JSON.stringify(task)).toBe('succeeded');
        expect(ownA.requests).toHaveLength(2);
        const [result] = toolResults(ownA.requests[1]!);
        expect(result!.content).toContain('not available to this agent');
        expect(result!.content).not.toContain('Weekly export');
        for (const secret of WORKFLOW_SECRETS) {
          expect(JSON.stringify(ownA.requests[1]!.body)).not.toContain(secret);
        }
        expect(toolLines(task.log)).toEqual([
          expect.stringMatching(/^get_workflow\(.*\) refused: not among the agent's tools/),
        ]);
      }
    });

    it('does not run a waiting call once its tool has left the agent, even if a person approves it', async () => {
      const workflow = await w.createWorkflow(w.orgA, secretWorkflow);
      const agent = await createAgent(w.as.adminA, {
        botId: `shrinking-${n}`,
        llm: {
          provider: 'openai-compatible',
          model: 'test-model',
          baseUrl: ownA.url,
          tools: ['list_ventures', 'get_workflow'],
          approveTools: ['get_workflow'],
          stream: false,
        },
      });
      ownA.script([
        { type: 'tool', name: 'get_workflow', args: { id: workflow.id } },
        { type: 'text', text: 'done' },
      ]);
      const dispatched = await api('POST', '/api/v1/agents/tasks', w.as.adminA, {
        agent: agent.botId,
        input: 'Read the export workflow',
      });
      const id = dispatched.json().data.id as string;
      expect((await w.waitFor(w.orgA, id, ['waiting'])).reason).toBe('tool_approval');
      const patched = await api('PATCH', `/api/v1/agents/by/${agent.botId}`, w.as.adminA, {
        llm: {
          provider: 'openai-compatible',
          model: 'test-model',
          baseUrl: ownA.url,
          tools: ['list_ventures'],
          stream: false,
        },
      });
      expect(patched.statusCode, patched.body).toBe(200);
      const approved = await api('POST', `/api/v1/agents/tasks/${id}/approve`, w.as.adminA, {});
      expect(approved.statusCode, approved.body).toBe(200);
      const task = await w.waitFor(w.orgA, id);
      expect(task.state, JSON.stringify(task)).toBe('succeeded');
      const [result] = toolResults(ownA.requests[1]!);
      expect(result!.content).toContain('not available to this agent');
      expect(JSON.stringify(ownA.requests[1]!.body)).not.toContain('Weekly export');
      expect(toolLines(task.log)).toEqual([
        expect.stringMatching(/^get_workflow\(.*\) refused: not among the agent's tools/),
      ]);
    });

    it('gives each tool call id exactly one result: duplicates in an answer run once', async () => {
      const agent = await createAgent(w.as.adminA, {
        botId: `dup-${n}`,
        llm: {
          provider: 'openai-compatible',
          model: 'test-model',
          baseUrl: ownA.url,
          tools: ['list_ventures', 'get_workflow'],
          approveTools: ['get_workflow'],
          stream: false,
        },
      });
      ownA.script([
        {
          type: 'tools',
          calls: [
            { id: 'dup', name: 'list_ventures', args: { search: 'alpha' } },
            { id: 'dup', name: 'list_ventures', args: { search: 'beta' } },
            {
              id: 'dup',
              name: 'get_workflow',
              args: { id: '00000000-0000-7000-8000-000000000000' },
            },
            { id: 'other', name: 'list_ventures', args: {} },
          ],
        },
        { type: 'text', text: 'done' },
      ]);
      const task = await run(w.as.adminA, w.orgA, agent.botId);
      // The duplicate that needed approval is dropped, not paused for and not run later.
      expect(task.state, JSON.stringify(task)).toBe('succeeded');
      const lines = toolLines(task.log);
      expect(lines.filter((l) => !l.includes(' ignored: '))).toEqual([
        'list_ventures({"search":"alpha"})',
        'list_ventures({})',
      ]);
      expect(lines.filter((l) => l.includes(' ignored: tool call id dup repeated'))).toHaveLength(
        2,
      );
      expect(toolResults(ownA.requests[1]!).map((r) => r.id)).toEqual(['dup', 'other']);
    });

    it('never runs an approved call twice when the resumed execution is retried', async () => {
      const workflow = await w.createWorkflow(w.orgA, { ...secretWorkflow, name: `Flow ${n}` });
      const agent = await createAgent(w.as.adminA, {
        botId: `resume-${n}`,
        retryPolicy: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 20 },
        llm: {
          provider: 'openai-compatible',
          model: 'test-model',
          baseUrl: ownA.url,
          tools: ['get_workflow'],
          approveTools: ['get_workflow'],
          stream: false,
        },
      });
      ownA.script([
        { type: 'tool', name: 'get_workflow', args: { id: workflow.id } },
        { type: 'error', status: 500 },
        { type: 'text', text: 'done' },
      ]);
      const dispatched = await api('POST', '/api/v1/agents/tasks', w.as.adminA, {
        agent: agent.botId,
        input: 'Read it',
      });
      const id = dispatched.json().data.id as string;
      await w.waitFor(w.orgA, id, ['waiting']);
      await api('POST', `/api/v1/agents/tasks/${id}/approve`, w.as.adminA, {});
      const task = await w.waitFor(w.orgA, id);
      expect(task.state, JSON.stringify(task)).toBe('succeeded');
      expect(ownA.requests).toHaveLength(3);
      expect(toolLines(task.log)).toEqual([`get_workflow({"id":"${workflow.id}"})`]);
      expect(toolResults(ownA.requests[2]!).map((r) => r.id)).toEqual(['call_1']);
    });

    it('hands the model no credential a workflow definition holds', async () => {
      const workflow = await w.createWorkflow(w.orgA, secretWorkflow);
      const agent = await createAgent(w.as.adminA, {
        botId: `reader-${n}`,
        llm: {
          provider: 'openai-compatible',
          model: 'test-model',
          baseUrl: ownA.url,
          tools: ['get_workflow'],
          stream: false,
        },
      });
      ownA.script([
        { type: 'tool', name: 'get_workflow', args: { id: workflow.id } },
        { type: 'text', text: 'done' },
      ]);
      const task = await run(w.as.adminA, w.orgA, agent.botId);
      expect(task.state).toBe('succeeded');
      const sent = JSON.stringify(ownA.requests[1]!.body);
      expect(sent).toContain('Weekly export');
      expect(sent).toContain('X-API-Key');
      expect(sent).toContain('[redacted]');
      for (const secret of WORKFLOW_SECRETS) expect(sent).not.toContain(secret);
    });
  });

  describe('28: references to tasks and agents', () => {
    async function codeAgent(headers: Record<string, string>) {
      await createAgent(headers, {
        botId: `echo-${n}`,
        kind: 'code',
        handler: 'echo',
        capabilities: [`echo-${n}`],
      });
    }
    const dispatch = (headers: Record<string, string>, body: Record<string, unknown>) =>
      api('POST', '/api/v1/agents/tasks', headers, { capabilities: [`echo-${n}`], ...body });
    const countTasks = async (orgId: string) =>
      Number(
        (
          await rowsOf<{ n: number }>(
            w.kernel.db,
            sql`select count(*)::int as n from agents_tasks where org_id = ${orgId}`,
          )
        )[0]!.n,
      );

    it("refuses another organisation's task as a parent, as if it did not exist", async () => {
      await codeAgent(w.as.adminA);
      await codeAgent(w.as.adminB);
      const parent = (await dispatch(w.as.adminA, { input: 'parent' })).json().data;
      const before = await countTasks(w.orgB);
      for (const parentId of [parent.id, '00000000-0000-7000-8000-000000000000']) {
        const res = await dispatch(w.as.adminB, { input: 'child', parentId });
        expect(res.statusCode, res.body).toBe(404);
        expect(res.json().error).toMatchObject({ code: 'not_found' });
        expect(res.json().error.message).toContain('parentId');
      }
      expect(await countTasks(w.orgB)).toBe(before);
      const own = await dispatch(w.as.editorA, { input: 'child', parentId: parent.id });
      expect(own.statusCode, own.body).toBe(201);
      expect(own.json().data.parentId).toBe(parent.id);
    });

    it("resolves every other reference a request carries inside the caller's organisation", async () => {
      await codeAgent(w.as.adminA);
      const agentA = (await api('GET', `/api/v1/agents/by/echo-${n}`, w.as.adminA)).json().data;
      const taskA = (await dispatch(w.as.adminA, { input: 'a', correlationId: `conv-${n}` })).json()
        .data;
      await w.waitFor(w.orgA, taskA.id as string);
      const before = await countTasks(w.orgB);
      for (const agent of [agentA.id, agentA.botId]) {
        const res = await api('POST', '/api/v1/agents/tasks', w.as.adminB, { agent, input: 'x' });
        expect(res.statusCode, res.body).toBe(404);
      }
      for (const verb of ['approve', 'reject', 'cancel']) {
        const res = await api('POST', `/api/v1/agents/tasks/${taskA.id}/${verb}`, w.as.adminB, {});
        expect(res.statusCode, res.body).toBe(404);
      }
      expect((await api('GET', `/api/v1/agents/tasks/${taskA.id}`, w.as.adminB)).statusCode).toBe(
        404,
      );
      expect(await countTasks(w.orgB)).toBe(before);
      // A correlation id names a conversation within one organisation only.
      await codeAgent(w.as.adminB);
      const taskB = (await dispatch(w.as.adminB, { input: 'b', correlationId: `conv-${n}` })).json()
        .data;
      await w.waitFor(w.orgB, taskB.id as string);
      const traceB = (await api('GET', `/api/v1/agents/messages/conv-${n}`, w.as.adminB)).json()
        .data as { taskId: string }[];
      const traceA = (await api('GET', `/api/v1/agents/messages/conv-${n}`, w.as.adminA)).json()
        .data as { taskId: string }[];
      expect(new Set(traceB.map((m) => m.taskId))).toEqual(new Set([taskB.id]));
      expect(new Set(traceA.map((m) => m.taskId))).toEqual(new Set([taskA.id]));
    });
  });
});
