// The signed-in person's view of the world: their account, the permission
// catalogue, the active org and what they may do in it.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { api, ApiError, type Json } from './api/client';

export interface Ctx {
  me: Json;
  catalogue: Json;
  orgId: string;
  org: Json | null;
  /** The caller's effective permissions in the active org. */
  perms: Set<string>;
  /** Where perms came from: the org's /me route or the membership's roles. */
  permsFrom: 'org-me' | 'roles';
  roles: string[];
  can: (p: string) => boolean;
  /** Makes an org active, reading the account again (new memberships). */
  setOrg: (id: string) => Promise<void>;
  reload: () => Promise<void>;
}

export const AppCtx = createContext<Ctx>(null as unknown as Ctx);
export const useApp = () => useContext(AppCtx);

/**
 * Effective permissions in an org: GET /v1/orgs/{orgId}/me when the API has
 * it (after token narrowing and flags), or else the permissions of the
 * membership's roles (built-in from the catalogue, custom from the org's
 * roles when readable). The API stays the judge: this only hides what would
 * be refused.
 */
export async function effectivePermissions(me: Json, catalogue: Json, orgId: string): Promise<{ perms: Set<string>; roles: string[]; from: 'org-me' | 'roles' }> {
  try {
    const r = await api('GET', '/v1/orgs/{orgId}/me', { path: { orgId } });
    if (r && Array.isArray(r.permissions)) return { perms: new Set(r.permissions), roles: r.roles || [], from: 'org-me' };
  } catch (e) {
    if (!(e instanceof ApiError) || (e.status !== 404 && e.status !== 405)) throw e;
  }
  const m = (me.memberships || []).find((x: Json) => x.orgId === orgId);
  const roles: string[] = m?.roles || [];
  const perms = new Set<string>();
  const byId = new Map<string, string[]>();
  for (const r of catalogue.roles || []) byId.set(r.id, r.permissions || []);
  if (roles.some((r) => !byId.has(r))) {
    try {
      const list = await api('GET', '/v1/orgs/{orgId}/roles', { path: { orgId } });
      for (const r of list.items || []) byId.set(r.id, r.permissions || []);
    } catch {
      /* not readable: custom roles count for nothing here */
    }
  }
  for (const r of roles) for (const p of byId.get(r) || []) perms.add(p);
  if (m?.readonly) {
    for (const p of [...perms]) if (!/:read$/.test(p)) perms.delete(p);
  }
  return { perms, roles, from: 'roles' };
}
