import { useState } from 'preact/hooks';
import { api, type Json } from '../api/client';
import { useApp } from '../state';
import { ConfirmButton, Empty, fmtTime, fromLocalInput, ListTable, Loading, Pager, ProblemView, toLocalInput, useAction, usePaged } from '../ui';

const ACTIONS = ['read', 'update', 'delete', 'share'];

export function Resources() {
  const app = useApp();
  const types: string[] = app.catalogue.resourceTypes || [];
  const [type, setType] = useState('');
  const list = usePaged((cursor) => api('GET', '/v1/orgs/{orgId}/resources', { path: { orgId: app.orgId }, query: { type, cursor, limit: 25 } }), [app.orgId, type]);
  const [open, setOpen] = useState('');
  const act = useAction();
  const canCreate = types.some((t) => app.can(`${t}:create`));
  return (
    <section>
      <div class="actions">
        <label class="inline">
          Type{' '}
          <select aria-label="Resource type filter" value={type} onChange={(e) => setType(e.currentTarget.value)}>
            <option value="">all types</option>
            {types.map((t) => (
              <option value={t}>{t}</option>
            ))}
          </select>
        </label>
      </div>
      {canCreate && <Register types={types.filter((t) => app.can(`${t}:create`))} onDone={() => list.reload()} />}
      <ProblemView error={list.error || act.error} />
      <ListTable label="Resources" columns={['Resource', 'Type', 'Owner', 'Grants', 'Registered']} actions>
        {list.items.map((r) => {
          const key = `${r.type}/${r.id}`;
          return (
            <tr data-resource={r.id}>
              <td>
                <strong>{r.name || r.id}</strong>
                <br />
                <small class="muted">{r.id}</small>
              </td>
              <td>{r.type}</td>
              <td>
                <code>{r.ownerId || '—'}</code>
              </td>
              <td>{(r.grants || []).length}</td>
              <td>{fmtTime(r.createdAt)}</td>
              <td class="row-actions">
                {app.can(`${r.type}:share`) && (
                  <button type="button" class="secondary outline small" aria-expanded={open === key} onClick={() => setOpen(open === key ? '' : key)}>
                    Grants<span class="visually-hidden"> of {r.name || r.id}</span>
                  </button>
                )}
                {app.can(`${r.type}:delete`) && (
                  <ConfirmButton
                    label="Delete"
                    name={r.name || r.id}
                    confirm={[`Unregister ${r.name || r.id}?`, 'Its grants go with it.', 'Unregister']}
                    run={() =>
                      act.run(async () => {
                      await api('DELETE', '/v1/orgs/{orgId}/resources/{type}/{resourceId}', { path: { orgId: app.orgId, type: r.type, resourceId: r.id } });
                      list.reload();
                      })
                    }
                  />
                )}
              </td>
            </tr>
          );
        })}
      </ListTable>
      {list.loading && <Loading what="resources" />}
      {!list.loading && !list.error && list.items.length === 0 && <Empty>No resources you may see.</Empty>}
      <Pager list={list} />
      {open && <GrantsEditor key={open} resource={list.items.find((r) => `${r.type}/${r.id}` === open)} onSaved={() => list.reload()} />}
    </section>
  );
}

function Register({ types, onDone }: { types: string[]; onDone: () => void }) {
  const app = useApp();
  const [type, setType] = useState(types[0] || '');
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const act = useAction();
  return (
    <form
      class="inline-form"
      aria-label="Register a resource"
      onSubmit={(e) => {
        e.preventDefault();
        act.run(async () => {
          await api('POST', '/v1/orgs/{orgId}/resources', { path: { orgId: app.orgId }, body: { type, id: id.trim(), name: name.trim() } });
          setId('');
          setName('');
          onDone();
        });
      }}
    >
      <select aria-label="Type" value={type} onChange={(e) => setType(e.currentTarget.value)}>
        {types.map((t) => (
          <option value={t}>{t}</option>
        ))}
      </select>
      <input aria-label="Resource id" placeholder="id, e.g. sensor-42" required value={id} onInput={(e) => setId(e.currentTarget.value)} />
      <input aria-label="Resource name" placeholder="Name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      <button type="submit" aria-busy={act.busy}>
        Register
      </button>
      <ProblemView error={act.error} />
    </form>
  );
}

interface Row {
  principal: string;
  allow: string[];
  deny: string[];
  expires: string;
}

/** Allow and deny grants for users and groups; deny always wins. */
function GrantsEditor({ resource, onSaved }: { resource: Json; onSaved: () => void }) {
  const app = useApp();
  const [rows, setRows] = useState<Row[]>(
    (resource?.grants || []).map((g: Json) => ({ principal: g.principal, allow: g.allow || [], deny: g.deny || [], expires: toLocalInput(g.expiresAt) })),
  );
  const members = usePaged((cursor) => api('GET', '/v1/orgs/{orgId}/members', { path: { orgId: app.orgId }, query: { cursor, limit: 100 } }), [app.orgId]);
  const groups = usePaged((cursor) => api('GET', '/v1/orgs/{orgId}/groups', { path: { orgId: app.orgId }, query: { cursor, limit: 100 } }), [app.orgId]);
  const act = useAction();
  const [saved, setSaved] = useState(false);
  if (!resource) return null;
  const label = (p: string) => {
    const [kind, id] = p.split(':');
    if (kind === 'user') return 'user ' + (members.items.find((m) => m.userId === id)?.email || id);
    if (kind === 'group') return 'group ' + (groups.items.find((g) => g.id === id)?.name || id);
    return p;
  };
  const set = (i: number, r: Partial<Row>) => setRows(rows.map((x, j) => (j === i ? { ...x, ...r } : x)));
  const used = new Set(rows.map((r) => r.principal));
  return (
    <article class="panel grants" aria-label={`Grants of ${resource.name || resource.id}`}>
      <h2>
        Grants of {resource.name || resource.id} <small class="muted">{resource.type}</small>
      </h2>
      <p class="deny-wins" role="note">
        <strong>Deny wins.</strong> If any grant that applies to a person (to them, or to a group they are in) denies an action, they cannot do it, whatever other grants or their roles allow.
        Allow only adds to what roles already give.
      </p>
      <div class="table-wrap">
        <table aria-label="Grants">
          <thead>
            <tr>
              <th scope="col">Who</th>
              {ACTIONS.map((a) => (
                <th scope="col">{a}</th>
              ))}
              <th scope="col">Until</th>
              <th scope="col">
                <span class="visually-hidden">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr data-principal={r.principal}>
                <th scope="row">{label(r.principal)}</th>
                {ACTIONS.map((a) => {
                  const v = r.deny.includes(a) ? 'deny' : r.allow.includes(a) ? 'allow' : '';
                  return (
                    <td class={'grant-' + (v || 'none')}>
                      <select
                        aria-label={`${a} for ${label(r.principal)}`}
                        value={v}
                        onChange={(e) => {
                          const nv = e.currentTarget.value;
                          const allow = r.allow.filter((x) => x !== a);
                          const deny = r.deny.filter((x) => x !== a);
                          if (nv === 'allow') allow.push(a);
                          if (nv === 'deny') deny.push(a);
                          set(i, { allow, deny });
                        }}
                      >
                        <option value="">—</option>
                        <option value="allow">allow</option>
                        <option value="deny">deny</option>
                      </select>
                    </td>
                  );
                })}
                <td>
                  <input type="datetime-local" aria-label={`Grant to ${label(r.principal)} expires`} value={r.expires} onInput={(e) => set(i, { expires: e.currentTarget.value })} />
                </td>
                <td>
                  <button type="button" class="secondary outline small" onClick={() => setRows(rows.filter((_, j) => j !== i))}>
                    Remove<span class="visually-hidden"> grant of {label(r.principal)}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows.length === 0 && <Empty>No grants: only roles decide.</Empty>}
      <div class="inline-form">
        <select
          aria-label="Add a grant for"
          value=""
          onChange={(e) => {
            const p = e.currentTarget.value;
            if (p) setRows([...rows, { principal: p, allow: ['read'], deny: [], expires: '' }]);
          }}
        >
          <option value="">Add a grant for…</option>
          <optgroup label="Groups">
            {groups.items
              .filter((g) => !used.has('group:' + g.id))
              .map((g) => (
                <option value={'group:' + g.id}>{g.name}</option>
              ))}
          </optgroup>
          <optgroup label="Members">
            {members.items
              .filter((m) => !used.has('user:' + m.userId))
              .map((m) => (
                <option value={'user:' + m.userId}>{m.email}</option>
              ))}
          </optgroup>
        </select>
      </div>
      <ProblemView error={act.error} />
      {saved && (
        <p role="status" class="notice">
          Grants saved.
        </p>
      )}
      <button
        type="button"
        aria-busy={act.busy}
        onClick={() =>
          act.run(async () => {
            setSaved(false);
            const grants = rows
              .filter((r) => r.allow.length || r.deny.length)
              .map((r) => ({ principal: r.principal, allow: r.allow.length ? r.allow : undefined, deny: r.deny.length ? r.deny : undefined, expiresAt: fromLocalInput(r.expires) ?? undefined }));
            await api('PUT', '/v1/orgs/{orgId}/resources/{type}/{resourceId}/grants', { path: { orgId: app.orgId, type: resource.type, resourceId: resource.id }, body: { grants } });
            setSaved(true);
            onSaved();
          })
        }
      >
        Save grants
      </button>
    </article>
  );
}
