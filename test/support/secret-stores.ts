/**
 * VS Code's SecretStorage and Memento, in memory, for tests of the security profiles and the CURVE
 * key store (which take them as interfaces).
 */
import type { StateStore } from '../../extension/curve-key-store';
import type { SecretStore } from '../../extension/security-profiles';

/** SecretStorage in memory. */
export function memorySecrets(): SecretStore & { readonly map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    get: async (id) => map.get(id),
    store: async (id, value) => void map.set(id, value),
    delete: async (id) => void map.delete(id),
  };
}

/** globalState in memory. */
export function memoryState(): StateStore & { readonly map: Map<string, unknown> } {
  const map = new Map<string, unknown>();
  return { map, get: (key) => map.get(key), update: async (key, value) => void map.set(key, value) };
}

