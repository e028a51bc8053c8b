import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBerth, TEST_ADMIN, type RegistryUnderTest } from '../../../../test/helpers/berth';
import { passwordProblem } from './password-policy';

/**
 * The create-user form checks passwords before sending them; its verdict must be the server's, or
 * people are either stopped for nothing or sent into a refusal the form did not explain.
 */

let berth: RegistryUnderTest;

beforeAll(async () => {
  berth = await startBerth();
});

afterAll(async () => {
  await berth?.stop();
});

const CASES = [
  'Short1a',
  'Abcdefg1',
  'abcdefg1',
  'ABCDEFG1',
  'Abcdefgh',
  `Aa1${'x'.repeat(125)}`,
  `Aa1${'x'.repeat(126)}`,
  'Ünïcödé9a',
  '        Aa1',
];

describe('password policy in the browser', () => {
  it.each(CASES.map((p, i) => [i, p] as const))('case %i agrees with the server', async (i, password) => {
    const res = await fetch(`${berth.url}/api/v2.0/users`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${btoa(`${TEST_ADMIN.username}:${TEST_ADMIN.password}`)}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ username: `policy${i}`, email: `policy${i}@example.com`, realname: 'P', password }),
    });
    expect(res.status === 201, `server said ${res.status}: ${await res.text()}`).toBe(
      passwordProblem(password) === undefined,
    );
  });
});
