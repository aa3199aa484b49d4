import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, newId, type Logger } from '../kernel/index.ts';
import { errorBody } from './envelope.ts';
import { HttpErrorCodes } from './errors.ts';
import { REQUIRED_SECURITY_HEADERS } from './headers.ts';

/**
 * Answers written before a route or any hook runs, in the `ApiResponse` envelope like every
 * other answer, with a request id and the security headers: the HTTP parser's refusals (400,
 * 408, 431), the router's (an undecodable path, a path parameter over the length limit) and
 * Node's own (an unknown `Expect` header).
 */

interface RawError {
  status: number;
  code: string;
  message: string;
}

/** Node's HTTP parser errors (`clientError`) -> the answer, by the parser's error code. */
function parserError(error: NodeJS.ErrnoException): RawError {
  switch (error.code ?? '') {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        code: HttpErrorCodes.headersTooLarge,
        message:
          'The request line and headers are larger than the server takes (16 KiB): shorten the URL or the headers',
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        code: HttpErrorCodes.requestTimeout,
        message: 'The request was not received in time',
      };
    default:
      return {
        status: 400,
        code: ErrorCodes.badRequest,
        message: `The request is not valid HTTP/1.1 (${error.code ?? 'parse error'})`,
      };
  }
}

/** The raw bytes of a complete answer that closes the connection. */
function rawResponse(error: RawError, requestId: string, at: Date): string {
  const body = JSON.stringify(
    errorBody({ code: error.code, message: error.message }, requestId, at),
  );
  const headers = {
    ...REQUIRED_SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'x-request-id': requestId,
    connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** Fastify's `clientErrorHandler`: a request Node's HTTP parser refused. */
export function clientErrorHandler(log: Logger, now: () => Date) {
  return (error: NodeJS.ErrnoException, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    // An answer already under way on this connection cannot be followed by another one.
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
    if (!socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const answer = parserError(error);
    const requestId = newId();
    log.debug({ err: error, status: answer.status, requestId }, 'request refused by the parser');
    socket.end(rawResponse(answer, requestId, now()), () => socket.destroy());
  };
}

/** Fastify's `frameworkErrors`: the router refused the path before any route matched. */
export function frameworkErrorHandler(options: { now: () => Date; maxParamLength: number }) {
  const { now, maxParamLength } = options;
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const answer: RawError =
      error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? {
            status: 414,
            code: HttpErrorCodes.uriTooLong,
            message: `A segment of the path is longer than the server takes (${maxParamLength} characters)`,
          }
        : error.code === 'FST_ERR_BAD_URL'
          ? {
              status: 400,
              code: HttpErrorCodes.badUrl,
              message: 'The path is not valid percent-encoded UTF-8',
            }
          : {
              status: 500,
              code: ErrorCodes.internal,
              message: 'An unexpected error occurred; quote the request id when reporting it',
            };
    void reply
      .status(answer.status)
      .headers({ ...REQUIRED_SECURITY_HEADERS, 'x-request-id': request.id })
      .type('application/json; charset=utf-8')
      .send(
        JSON.stringify(
          errorBody({ code: answer.code, message: answer.message }, request.id, now()),
        ),
      );
  };
}

/**
 * Node answers a request with an `Expect` header other than `100-continue` with a bare 417
 * unless the server handles `checkExpectation`: this answers it in the envelope.
 */
export function answerUnmetExpectations(server: Server, now: () => Date): void {
  server.on('checkExpectation', (_request: IncomingMessage, response: ServerResponse) => {
    const requestId = newId();
    const body = JSON.stringify(
      errorBody(
        {
          code: HttpErrorCodes.expectationFailed,
          message: 'The server meets no Expect header but "100-continue"',
        },
        requestId,
        now(),
      ),
    );
    response.writeHead(417, {
      ...REQUIRED_SECURITY_HEADERS,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'x-request-id': requestId,
      connection: 'close',
    });
    response.end(body);
  });
}
