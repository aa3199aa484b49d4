import { createAccess, type Access } from '../access/index.ts';
import { ManualClock, type Kernel, type StorageTarget } from '../kernel/index.ts';
import { createTestKernel } from '../../test/helpers/kernel.ts';
import { portfolioServiceFor } from './portfolio.module.ts';
import type { PortfolioService } from './portfolio.service.ts';
import type { Scope } from './portfolio.types.ts';

/** What the portfolio tests share: a kernel on one storage, a manual clock, an organisation. */
export interface PortfolioWorld {
  kernel: Kernel;
  access: Access;
  clock: ManualClock;
  portfolio: PortfolioService;
  scope: Scope;
  ownerId: string;
  close(): Promise<void>;
}

export const NOW = '2026-03-15T10:00:00.000Z';

export async function createPortfolioWorld(target: StorageTarget): Promise<PortfolioWorld> {
  const clock = new ManualClock(NOW);
  const kernel = await createTestKernel({ target, clock, workJobs: false });
  const access = createAccess(kernel);
  const { organisation, user } = await access.users.createAdmin({
    organisation: 'Gamma Studio',
    email: 'admin@gamma.test',
    name: 'Gia Admin',
    password: 'correct horse battery staple',
  });
  return {
    kernel,
    access,
    clock,
    portfolio: portfolioServiceFor(kernel, access),
    scope: { orgId: organisation.id, ventureIds: null },
    ownerId: user.id,
    close: () => kernel.close(),
  };
}
