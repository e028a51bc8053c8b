import type { Registry } from './types';

/** The endpoint dialog's form and the bodies of create, update and ping. */

export interface RegistryFormValues {
  type: string;
  name: string;
  description: string;
  url: string;
  accessKey: string;
  /** Empty on edit: keep the stored secret. */
  accessSecret: string;
  insecure: boolean;
  caCertificate: string;
  /** One per line in the form (registries without a catalogue). */
  repositories: string;
}

export const EMPTY_REGISTRY_FORM: RegistryFormValues = {
  type: 'harbor',
  name: '',
  description: '',
  url: '',
  accessKey: '',
  accessSecret: '',
  insecure: false,
  caCertificate: '',
  repositories: '',
};

/** Types without a catalogue to enumerate: the endpoint names its repositories. */
export function needsRepositories(type: string): boolean {
  return type === 'oci' || type === 'docker-hub';
}

/** A URL the way people paste it: `registry.example.com/` → `https://registry.example.com`. */
export function normalizeUrl(url: string): string {
  const trimmed = url.trim().replace(/\/+$/, '');
  if (trimmed === '') return '';
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
}

export function splitRepositories(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\n,]/)
        .map((r) => r.trim())
        .filter(Boolean),
    ),
  ];
}

export function fromRegistry(r: Registry): RegistryFormValues {
  return {
    type: r.type,
    name: r.name,
    description: r.description ?? '',
    url: r.url,
    accessKey: r.credential?.access_key ?? '',
    accessSecret: '',
    insecure: r.insecure,
    caCertificate: r.ca_certificate ?? '',
    repositories: (r.repositories ?? []).join('\n'),
  };
}

function common(v: RegistryFormValues) {
  return {
    name: v.name.trim(),
    description: v.description,
    url: normalizeUrl(v.url),
    insecure: v.insecure,
    ca_certificate: v.caCertificate.trim(),
    repositories: needsRepositories(v.type) ? splitRepositories(v.repositories) : [],
  };
}

/** POST /registries: Harbor's Registry with the secret in clear (it is sealed at rest). */
export function toCreateBody(v: RegistryFormValues) {
  const anonymous = v.accessKey.trim() === '' && v.accessSecret === '';
  return {
    ...common(v),
    type: v.type,
    credential: anonymous ? null : { type: 'basic', access_key: v.accessKey.trim(), access_secret: v.accessSecret },
  };
}

/** PUT /registries/{id}: Harbor's flat RegistryUpdate; no secret means "keep the stored one". */
export function toUpdateBody(v: RegistryFormValues) {
  return {
    ...common(v),
    credential_type: 'basic',
    access_key: v.accessKey.trim(),
    ...(v.accessSecret !== '' ? { access_secret: v.accessSecret } : {}),
  };
}

/**
 * POST /registries/ping: the form as it stands. For a saved endpoint its id goes along, so a
 * secret left empty is the stored one.
 */
export function toPingBody(v: RegistryFormValues, id?: number) {
  return {
    ...(id !== undefined ? { id } : {}),
    type: v.type,
    url: normalizeUrl(v.url),
    insecure: v.insecure,
    ca_certificate: v.caCertificate.trim(),
    credential_type: 'basic',
    access_key: v.accessKey.trim(),
    ...(v.accessSecret !== '' ? { access_secret: v.accessSecret } : {}),
  };
}
