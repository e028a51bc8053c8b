import { describe, expect, it } from 'vitest';
import { parseChallenge } from './auth.js';

describe('parseChallenge', () => {
  it('reads a Bearer challenge with a quoted scope holding commas', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://h.example/service/token",service="harbor-registry",scope="repository:a/b:pull,push"',
      ),
    ).toEqual({
      scheme: 'bearer',
      realm: 'https://h.example/service/token',
      service: 'harbor-registry',
      scope: 'repository:a/b:pull,push',
    });
  });

  it('prefers Bearer over Basic when both are offered, in either order', () => {
    expect(parseChallenge('Basic realm="r", Bearer realm="https://t/token",service="s"')?.scheme).toBe('bearer');
    expect(parseChallenge('Bearer realm="https://t/token", Basic realm="My Registry"')?.realm).toBe('https://t/token');
  });

  it('reads Basic alone, with a realm holding spaces, and ignores other schemes', () => {
    expect(parseChallenge('Basic realm="My Registry"')).toEqual({ scheme: 'basic', realm: 'My Registry' });
    expect(parseChallenge('Negotiate abc')).toBeUndefined();
    expect(parseChallenge(undefined)).toBeUndefined();
  });
});
