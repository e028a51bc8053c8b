import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { SystemInfo } from './types';

/**
 * `GET /systeminfo`. Under the `statistics` prefix: nothing in it changes with a push, but it is
 * cheap, and the key then follows the portal's rule that every query key has a live-event prefix.
 */
export const systemInfoKey = ['statistics', 'systeminfo'] as const;

export function useSystemInfo() {
  return useQuery({
    queryKey: systemInfoKey,
    queryFn: ({ signal }) => api.get<SystemInfo>('systeminfo', undefined, signal),
    staleTime: 60_000,
  });
}

/** The address people type in `docker login` and image names: the host this portal is served from. */
export function registryHost(): string {
  return window.location.host;
}
