import { useState } from 'preact/hooks';
import { api, type Json } from '../api/client';
import { useApp } from '../state';
import { ConfirmButton, Empty, Loading, Pager, ProblemView, useAction, usePaged } from '../ui';

/** Permissions grouped by object ("members:invite" -> members / invite). */
export function groupPermissions(perms: string[]): [string, string[]][] {
  const by = new Map<string, string[]>();
  for (const p of perms) {
    const [obj, action] = p.split(':');
    if (!by.has(obj)) by.set(obj, []);
    by.get(obj)!.push(action);
  }
  return [...by.entries()];
}

export function Roles() {
  const app = useApp();
  const list = usePaged(() => api('GET', '/v1/orgs/{orgId}/roles', { path: { orgId: app.orgId } }), [app.orgId]);
  const [editing, setEditing] = useState<Json | 'new' | null>(null);
  const act = useAction();
  const groups = groupPermissions(app.catalogue.permissions || []);
  const roles = list.items;
  return (
    <section>
      <p class="muted">Each column is a role; each row a permission, grouped by the object it acts on. Built-in roles cannot change.</p>
      {app.can('roles:manage') && (
        <div class="actions">
          <button type="button" onClick={() => setEditing('new')}>
            New custom role
          </button>
        </div>
      )}
      {editing && <RoleEditor role={editing === 'new' ? null : editing} onDone={() => (setEditing(null), list.reload())} onCancel={() => setEditing(null)} />}
      <ProblemView error={list.error || act.error} />
      {list.loading && <Loading what="roles" />}
      {!list.loading && roles.length === 0 && <Empty>No roles.</Empty>}
      {roles.length > 0 && (
        <div class="table-wrap">
          <table class="matrix" aria-label="Permission matrix">
            <thead>
              <tr>
                <th scope="col">Permission</th>
                {roles.map((r) => (
                  <th scope="col">
                    {r.name}
                    <br />
                    <small class="muted">{r.builtIn ? 'built-in' : 'custom'}</small>
                    {!r.builtIn && app.can('roles:manage') && (
                      <div class="row-actions">
                        <button type="button" class="secondary outline small" onClick={() => setEditing(r)}>
                          Edit<span class="visually-hidden"> {r.name}</span>
                        </button>
                        <ConfirmButton
                          label="Delete"
                          name={r.name}
                          confirm={[`Delete the role ${r.name}?`, 'Members and groups holding it lose its permissions.', 'Delete role']}
                          run={() =>
                            act.run(async () => {
                            await api('DELETE', '/v1/orgs/{orgId}/roles/{roleId}', { path: { orgId: app.orgId, roleId: r.id } });
                            list.reload();
                            })
                          }
                        />
                      </div>
                    )}
                  </th>
                ))}
              </tr>
            </thead>
            {groups.map(([obj, actions]) => (
              <tbody>
                <tr class="group-row">
                  <th scope="rowgroup" colSpan={roles.length + 1}>
                    {obj}
                  </th>
                </tr>
                {actions.map((a) => (
                  <tr>
                    <th scope="row" class="perm">
                      {a}
                    </th>
                    {roles.map((r) => {
                      const has = (r.permissions || []).includes(`${obj}:${a}`);
                      return (
                        <td class={has ? 'yes' : 'no'} aria-label={`${r.name} ${has ? 'has' : 'lacks'} ${obj}:${a}`}>
                          {has ? '✓' : '·'}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            ))}
          </table>
        </div>
      )}
      <Pager list={list} />
    </section>
  );
}

function RoleEditor({ role, onDone, onCancel }: { role: Json | null; onDone: () => void; onCancel: () => void }) {
  const app = useApp();
  const [name, setName] = useState(role?.name || '');
  const [description, setDescription] = useState(role?.description || '');
  const [perms, setPerms] = useState<string[]>(role?.permissions || []);
  const act = useAction();
  const toggle = (p: string, on: boolean) => setPerms(on ? [...perms, p] : perms.filter((x) => x !== p));
  return (
    <form
      class="panel"
      aria-label={role ? `Edit role ${role.name}` : 'New custom role'}
      onSubmit={(e) => {
        e.preventDefault();
        act.run(async () => {
          const body = { name, description, permissions: perms };
          if (role) await api('PUT', '/v1/orgs/{orgId}/roles/{roleId}', { path: { orgId: app.orgId, roleId: role.id }, body });
          else await api('POST', '/v1/orgs/{orgId}/roles', { path: { orgId: app.orgId }, body });
          onDone();
        });
      }}
    >
      <h2>{role ? `Edit ${role.name}` : 'New custom role'}</h2>
      <div class="grid">
        <label>
          Name
          <input name="role-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Description
          <input value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </label>
      </div>
      <div class="perm-groups">
        {groupPermissions(app.catalogue.permissions || []).map(([obj, actions]) => (
          <fieldset>
            <legend>{obj}</legend>
            {actions.map((a) => (
              <label class="inline">
                <input type="checkbox" checked={perms.includes(`${obj}:${a}`)} onChange={(e) => toggle(`${obj}:${a}`, e.currentTarget.checked)} />
                {a}
              </label>
            ))}
          </fieldset>
        ))}
      </div>
      <ProblemView error={act.error} />
      <div class="actions">
        <button type="submit" aria-busy={act.busy}>
          Save role
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
