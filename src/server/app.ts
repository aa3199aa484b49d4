import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import compress from '@fastify/compress';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import {
  ErrorCodes,
  OperationalError,
  UserError,
  VERSION,
  newId,
  runWithContext,
  type Kernel,
} from '../kernel/index.ts';
import { createAccess, registerAccessRoutes, type Access } from '../access/index.ts';
import { registerAccessControl, type RegisteredRoute } from './access.ts';
import { registerBodyParsers } from './body-types.ts';
import { isEnveloped, successBody } from './envelope.ts';
import { registerErrorHandling, registerNotFound } from './errors.ts';
import { HELMET_OPTIONS } from './headers.ts';
import { registerHealth } from './health.ts';
import { registerInputGuard } from './input.ts';
import { registerMetrics } from './metrics.ts';
import { registerRateLimit } from './rate-limit.ts';
import { createModules, registerModuleRoutes, type ModuleInstance } from './modules.ts';
import { registerRoot } from './root.ts';
import { DEFAULT_WEB_ROOT, registerWeb } from './web.ts';
import { registerSystemRoutes } from './system.routes.ts';
import {
  answerUnmetExpectations,
  clientErrorHandler,
  frameworkErrorHandler,
} from './raw-answers.ts';
import { registerStreamSlots } from './streams.ts';

export { CONTENT_SECURITY_POLICY } from './headers.ts';

/** The longest path segment a route parameter takes (Fastify's default); longer is a 414. */
const MAX_PARAM_LENGTH = 100;

const DOCS_LOGO = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="32" viewBox="0 0 120 32"><text x="0" y="24" font-family="system-ui, sans-serif" font-size="22" font-weight="700" fill="#ffffff">IZA OS</text></svg>`;

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route with its declared access (see server/access.ts). */
    registeredRoutes: RegisteredRoute[];
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface BuildAppOptions {
  kernel: Kernel;
  /** The access module; built from the kernel when not given. */
  access?: Access;
  /** The domain modules whose routes to serve; all of `MODULES` when not given. */
  modules?: ModuleInstance[];
  /** The token the local CLI presents for `system` routes. */
  localAdminToken?: string;
  /** The built dashboard to serve at `/` (default `web/dist`); absent, `/` is a status page. */
  webRoot?: string;
  /** Registers extra routes (module routes, or test routes) before the app is ready. */
  register?: (app: FastifyInstance) => void | Promise<void>;
}

/**
 * The HTTP application: every JSON answer in the `ApiResponse` envelope, security headers,
 * rate limits, request ids carried into every log line, OpenAPI at `/docs`.
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { kernel } = options;
  const { config } = kernel;
  const log = kernel.log.child({ module: 'http' });
  const fastifyLog: FastifyBaseLogger = log;
  const now = () => kernel.clock.now();

  const app = Fastify({
    loggerInstance: fastifyLog,
    // Request logs get the correlation id from the async context (one key, every line).
    childLoggerFactory: (logger) => logger,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : newId();
    },
    requestIdHeader: false,
    trustProxy: config.trustProxy,
    bodyLimit: config.bodyLimitBytes,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Every answer in the envelope: the parser's and the router's refusals too (raw-answers.ts),
    // the 503 while closing (below), a request without Host (below).
    clientErrorHandler: clientErrorHandler(log, now),
    frameworkErrors: frameworkErrorHandler({ now, maxParamLength: MAX_PARAM_LENGTH }),
    return503OnClosing: false,
    http: { requireHostHeader: false },
    forceCloseConnections: 'idle',
  });
  answerUnmetExpectations(app.server, now);

  // First of all: everything that runs for this request sees its correlation id.
  app.addHook('onRequest', (request, _reply, done) => {
    runWithContext({ correlationId: request.id }, done);
  });
  // While shutting down, answers to requests in flight close their connection: a client's idle
  // keep-alive connection would otherwise hold the server open until the shutdown timeout.
  // Requests that arrive meanwhile get a 503 (in the envelope, unlike Fastify's own).
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // The server's own time (handler and serialization, before compression and the network),
    // which browsers' developer tools show beside the request's.
    reply.header('server-timing', `app;dur=${reply.elapsedTime.toFixed(1)}`);
    if (closing) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (request, reply) => {
    const line = {
      method: request.method,
      url: request.url,
      route: request.routeOptions.url,
      statusCode: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (request.routeOptions.config.rateLimit === false) log.debug(line, 'request');
    else log.info(line, 'request');
  });

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app, log, now);

  await app.register(helmet, HELMET_OPTIONS);
  // After the security headers are set, so these refusals carry them too.
  app.addHook('onRequest', async (request) => {
    if (closing) {
      throw new OperationalError(ErrorCodes.serviceUnavailable, 'The server is shutting down', {
        retryAfterSeconds: 5,
      });
    }
    // Node would answer this itself, without a body (its requireHostHeader, turned off above).
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw new UserError(ErrorCodes.badRequest, 'An HTTP/1.1 request needs a Host header');
    }
  });

  // Answers of 1 KiB or more (the dashboard's files, long JSON lists) go out compressed when
  // the client accepts it; streams the handlers write themselves (SSE, MCP) are untouched.
  await app.register(compress, { threshold: 1024 });
  await app.register(cookie);
  // JSON everywhere; forms and plain text only where a route needs them (body-types.ts). Then
  // hostile input (too deep, NUL, lone surrogates) is refused before any route sees it.
  registerBodyParsers(app);
  registerInputGuard(app, { maxDepth: config.jsonMaxDepth });
  registerStreamSlots(app, config.streamsPerClient);

  const access = options.access ?? createAccess(kernel);
  const routes = registerAccessControl(app, {
    localAdminToken: options.localAdminToken,
    authenticator: access.authenticator,
  });
  app.decorate('registeredRoutes', routes);
  app.decorate('now', now);

  // After authentication: the limits depend on who calls (rate-limit.ts).
  await registerRateLimit(app, config.rateLimit);

  registerNotFound(app, now);

  app.addHook('preSerialization', async (request, _reply, payload) => {
    if (request.routeOptions.config.envelope === false || isEnveloped(payload)) return payload;
    return successBody(payload, request.id, now());
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'IZA OS API',
        version: VERSION,
        description:
          'Every JSON answer is an ApiResponse envelope: `{ success, data | error, metadata: { timestamp, requestId, version } }`.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    logo: { type: 'image/svg+xml', content: Buffer.from(DOCS_LOGO), href: '/', target: '_self' },
    theme: { title: 'IZA OS API' },
  });

  registerMetrics(app, { token: config.metricsToken, localAdminToken: options.localAdminToken });
  registerHealth(app, kernel);
  registerSystemRoutes(app, kernel);
  registerAccessRoutes(app, access, {
    secureCookies: config.auth.secureCookies,
    accessTtlSeconds: config.auth.accessTokenTtlSeconds,
    refreshTtlSeconds: config.auth.refreshTokenTtlSeconds,
    loginRateLimitPerMinute: config.auth.loginRateLimitPerMinute,
  });
  registerRoot(app, access, await registerWeb(app, options.webRoot ?? DEFAULT_WEB_ROOT));
  await registerModuleRoutes(app, options.modules ?? createModules({ kernel, access }));
  if (options.register) await options.register(app);

  await app.ready();
  return app;
}
