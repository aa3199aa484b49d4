import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { Secret, TOTP } from 'otpauth';
import { createAccess, type Access } from '../../src/access/index.ts';
import { localDemoPorts, runDemo } from '../../src/flows/index.ts';
import type { Kernel } from '../../src/kernel/index.ts';
import { createLedgerService } from '../../src/ledger/index.ts';
import { portfolioServiceFor } from '../../src/portfolio/index.ts';
import { buildApp, DEFAULT_WEB_ROOT } from '../../src/server/index.ts';
import { createTestKernel } from './kernel.ts';

const BUILD_SCRIPT = fileURLToPath(new URL('../../scripts/build-web.mjs', import.meta.url));

/** Builds the dashboard into web/dist unless it is already up to date with web/. */
export function buildDashboard(): void {
  const result = spawnSync(process.execPath, [BUILD_SCRIPT, '--if-needed'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0) {
    throw new Error(`building the dashboard failed:\n${result.stdout}\n${result.stderr}`);
  }
}

export interface DashboardServer {
  /** `http://127.0.0.1:<port>`: a real listening server with the built dashboard. */
  url: string;
  app: FastifyInstance;
  kernel: Kernel;
  access: Access;
  orgId: string;
  email: string;
  password: string;
  /** The administrator's TOTP secret (base32) when MFA was enrolled. */
  totpSecret: string | undefined;
  /** An administrator API key, for writes made through the API while the browser watches. */
  apiKey: string;
  close(): Promise<void>;
}

/** The code an authenticator app shows for `secret`, `stepsAgo` periods ago. */
export function totpCode(secret: string, stepsAgo = 0): string {
  return TOTP.generate({
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    timestamp: Date.now() - stepsAgo * 30_000,
  });
}

/**
 * A real HTTP server on loopback serving the built dashboard over embedded PGlite, with one
 * administrator (optionally with MFA on), a seeded demo portfolio of `ventures` ventures (a
 * year of KPIs, ledger books) and an API key, for browser tests and the dashboard benchmark.
 */
export async function startDashboardServer(options: {
  ventures: number;
  mfa: boolean;
  seed?: number;
}): Promise<DashboardServer> {
  const kernel = await createTestKernel({
    target: { kind: 'memory' },
    // A whole server: agents' tasks and workflows run in it as they would in `iza start`.
    workJobs: true,
    env: { IZA_RATE_LIMIT_MAX: '100000', IZA_LOGIN_RATE_LIMIT_PER_MINUTE: '1000' },
  });
  try {
    const access = createAccess(kernel);
    const email = 'operator@studio.test';
    const password = 'correct horse battery staple';
    const { organisation, user } = await access.users.createAdmin({
      organisation: 'Northwind Studio',
      email,
      name: 'Olivia Operator',
      password,
    });
    let totpSecret: string | undefined;
    if (options.mfa) {
      totpSecret = (await access.mfa.enrol(user.id)).secret;
      // The previous period's code: the current one stays unused for the first sign-in.
      await access.mfa.activate(user.id, totpCode(totpSecret, 1));
    }
    const scope = { orgId: organisation.id, ventureIds: null };
    const ledger = createLedgerService({ db: kernel.db, clock: kernel.clock, audit: access.audit });
    await runDemo(localDemoPorts(portfolioServiceFor(kernel, access), ledger, scope), {
      seed: options.seed ?? 7,
      ventures: options.ventures,
      today: kernel.clock.now().toISOString().slice(0, 10),
    });
    const key = await access.apiKeys.create(
      organisation.id,
      { name: 'dashboard tests', role: 'admin' },
      { role: 'system', userId: null },
    );
    const app = await buildApp({ kernel, access, webRoot: DEFAULT_WEB_ROOT });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    return {
      url: address,
      app,
      kernel,
      access,
      orgId: organisation.id,
      email,
      password,
      totpSecret,
      apiKey: key.key,
      async close() {
        await app.close();
        await kernel.close();
      },
    };
  } catch (error) {
    await kernel.close();
    throw error;
  }
}
