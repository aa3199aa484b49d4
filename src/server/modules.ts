import type { FastifyInstance } from 'fastify';
import type { Kernel } from '../kernel/index.ts';

/**
 * The domain modules this build serves. Each contributes HTTP routes and background job
 * queues; `iza start` mounts both, `iza worker` only the queues.
 */
export interface ModuleDefinition {
  name: string;
  routes?: (app: FastifyInstance, kernel: Kernel) => void | Promise<void>;
  queues?: (kernel: Kernel) => Promise<void>;
}

export const MODULES: readonly ModuleDefinition[] = [];

export async function defineModuleQueues(kernel: Kernel): Promise<void> {
  for (const module of MODULES) await module.queues?.(kernel);
}

export async function registerModuleRoutes(app: FastifyInstance, kernel: Kernel): Promise<void> {
  for (const module of MODULES) await module.routes?.(app, kernel);
}
