import { describe, expect, it } from 'vitest';
import { assertPasswordPolicy, generatePassword, hashPassword, needsRehash, verifyPassword } from './password.js';

describe('password hashing', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('Correct-Horse1');
    expect(stored).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$/);
    expect(stored).not.toContain('Correct-Horse1');
    expect(await verifyPassword('Correct-Horse1', stored)).toBe(true);
    expect(await verifyPassword('correct-Horse1', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('Same-pass1')).not.toBe(await hashPassword('Same-pass1'));
  });

  it('refuses malformed or absurd stored hashes without throwing', async () => {
    expect(await verifyPassword('x', 'plain')).toBe(false);
    expect(await verifyPassword('x', '$scrypt$ln=40,r=8,p=1$AAAA$AAAA')).toBe(false);
    expect(needsRehash('$scrypt$ln=12,r=8,p=1$AAAA$AAAA')).toBe(true);
  });

  it('enforces the policy and generates passwords that satisfy it', () => {
    expect(() => assertPasswordPolicy('short1A')).toThrow(/8 to 128/);
    expect(() => assertPasswordPolicy('alllowercase1')).toThrow(/upper-case/);
    expect(() => assertPasswordPolicy('NoDigitsHere')).toThrow(/digit/);
    expect(() => assertPasswordPolicy('Harbor12345')).not.toThrow();
    for (let i = 0; i < 20; i++) expect(() => assertPasswordPolicy(generatePassword())).not.toThrow();
  });
});
