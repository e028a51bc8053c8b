import type { FastifyInstance } from 'fastify';
import { toHttpError, type HttpError } from '../error-table.js';

/**
 * What the endpoints that take sign-in forms (`/c/login`, `/service/token`) share: reading
 * urlencoded forms, and answering errors in the `{ errors: [{ code, message }] }` envelope.
 */

/** The largest form (or JSON) body these endpoints read, in bytes. */
export const FORM_BODY_LIMIT = 16_384;

/**
 * Lets the routes of `app` (this plugin's scope) read `application/x-www-form-urlencoded` bodies,
 * up to `FORM_BODY_LIMIT` bytes, as a plain object of strings (the last value of a repeated field).
 */
export function acceptUrlencodedForms(app: FastifyInstance): void {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT },
    (_r, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );
}

/**
 * Answers the errors of `app` (this plugin's scope) with the status `toHttpError` maps them to and
 * `{ errors: [describe(error)] }`, plus `headers`; server errors are logged as `<what> request failed`.
 */
export function answerErrorsInEnvelope(
  app: FastifyInstance,
  what: string,
  describe: (error: HttpError) => { code: string; message: string },
  headers: Record<string, string> = {},
): void {
  app.setErrorHandler((err, req, reply) => {
    const e = toHttpError(err);
    if (e.status >= 500) req.log.error({ err }, `${what} request failed`);
    return reply
      .code(e.status)
      .headers(headers)
      .send({ errors: [describe(e)] });
  });
}
