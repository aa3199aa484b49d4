import { IzaError, OperationalError, UserError } from '../kernel/essentials.ts';

/**
 * A command's action whose errors keep their message and gain their code, e.g.
 * `iza: Entity ACME has an account 1100 (conflict)`, then exit with 1 (`main`). Light: it loads
 * no domain module, so every command group can use it.
 */
export function act<A extends unknown[]>(action: (...args: A) => Promise<void>) {
  return async (...args: A): Promise<void> => {
    try {
      await action(...args);
    } catch (error) {
      throw withCode(error);
    }
  };
}

function withCode(error: unknown): unknown {
  if (!(error instanceof IzaError) || error.message.endsWith(`(${error.code})`)) return error;
  const message = `${error.message} (${error.code})`;
  if (error instanceof UserError) {
    return new UserError(error.code, message, {
      status: error.status,
      details: error.details,
      cause: error,
    });
  }
  if (error instanceof OperationalError) {
    return new OperationalError(error.code, message, { details: error.details, cause: error });
  }
  return error;
}
