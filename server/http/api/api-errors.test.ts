import { describe, expect, it } from 'vitest';
import { RangeNotSatisfiable, TooLarge, Unsupported, DomainError } from '../../core/errors.js';
import { ApiError, codeForStatus, preconditionFailed, toApiError, unprocessable } from './api-errors.js';

describe('toApiError', () => {
  it('maps the remaining domain kinds', () => {
    expect(toApiError(new Unsupported('nope'), 'r1')).toEqual({
      status: 405,
      body: { errors: [{ code: 'METHOD_NOT_ALLOWED', message: 'nope' }] },
      internal: false,
    });
    expect(toApiError(new TooLarge('SIZE_INVALID', 'big'), 'r1').status).toBe(413);
    expect(toApiError(new RangeNotSatisfiable('RANGE_INVALID', 'r'), 'r1').status).toBe(416);
    expect(toApiError(new DomainError('denied', 'TOOMANYREQUESTS', 'slow down'), 'r1')).toMatchObject({
      status: 429,
      body: { errors: [{ code: 'TOO_MANY_REQUESTS' }] },
    });
  });

  it('maps fastify client errors by status and hides everything else', () => {
    const ctp = Object.assign(new Error('Request body is too large'), {
      statusCode: 413,
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    });
    expect(toApiError(ctp, 'r1').body).toEqual({
      errors: [{ code: 'REQUEST_ENTITY_TOO_LARGE', message: 'Request body is too large' }],
    });
    const teapot = Object.assign(new Error(''), { statusCode: 418 });
    expect(toApiError(teapot, 'r1').body.errors[0]?.code).toBe('I_M_A_TEAPOT');
    const fastify5xx = Object.assign(new Error('plugin timeout'), { statusCode: 500 });
    expect(toApiError(fastify5xx, 'r9')).toEqual({
      status: 500,
      body: { errors: [{ code: 'UNKNOWN', message: 'internal error, request id r9' }] },
      internal: true,
    });
    expect(toApiError('a string', 'r2').status).toBe(500);
    expect(toApiError(null, 'r3').status).toBe(500);
  });

  it('offers the statuses no domain kind expresses', () => {
    expect(toApiError(preconditionFailed('in use'), 'r').status).toBe(412);
    expect(toApiError(unprocessable('bad'), 'r')).toMatchObject({
      status: 422,
      body: { errors: [{ code: 'UNPROCESSABLE_ENTITY', message: 'bad' }] },
    });
    expect(new ApiError(409, 'CONFLICT', 'x')).toBeInstanceOf(Error);
    expect(codeForStatus(404)).toBe('NOT_FOUND');
    expect(codeForStatus(413)).toBe('REQUEST_ENTITY_TOO_LARGE');
    expect(codeForStatus(431)).toBe('REQUEST_HEADER_FIELDS_TOO_LARGE');
  });
});
