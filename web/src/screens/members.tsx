import { useState } from 'preact/hooks';
import { api, type Json } from '../api/client';
import { useApp } from '../state';
import { Chips, confirmAction, CopyField, Empty, fmtTime, fromLocalInput, limitText, ListTable, Loading, Pager, ProblemView, toLocalInput, useAction, usePaged } from '../ui';
import { InviteForm } from './invites';

/** The role ids a person may pick: built-in from the catalogue, custom from the org. */
export function useRoleChoices(): Json[] {
  const app = useApp();
  const list = usePaged(async () => {
    if (!app.can('roles:read')) return { items: app.catalogue.roles || [] };
    return api('GET', '/v1/orgs/{orgId}/roles', { path: { orgId: app.orgId } });
  }, [app.orgId]);
  return list.items.length ? list.items : app.catalogue.roles || [];
}

export function RolePicker({ roles, value, onChange, legend = 'Roles' }: { roles: Json[]; value: string[]; onChange: (v: string[]) => void; legend?: string }) {
  return (
    <fieldset class="role-picker">
      <legend>{legend}</legend>
      {roles.map((r) => (
        <label class="inline">
          <input
            type="checkbox"
            name={'role-' + r.id}
            checked={value.includes(r.id)}
            onChange={(e) => onChange(e.currentTarget.checked ? [...value, r.id] : value.filter((x) => x !== r.id))}
          />
          {r.name || r.id}
          {!r.builtIn && <small class="muted"> (custom)</small>}
        </label>
      ))}
    </fieldset>
  );
}

function statusText(m: Json): string {
  const s = m.status || '—';
  if (m.accountStatus && m.accountStatus !== 'active') return `${s} (account ${m.accountStatus})`;
  return s;
}

export function Members() {
  const app = useApp();
  const roles = useRoleChoices();
  const list = usePaged((cursor) => api('GET', '/v1/orgs/{orgId}/members', { path: { orgId: app.orgId }, query: { cursor, limit: 25 } }), [app.orgId]);
  const [selected, setSelected] = useState<string>('');
  const [adding, setAdding] = useState<'' | 'add' | 'invite'>('');
  const leave = useAction();
  const sel = list.items.find((m) => m.userId === selected);
  const byId = new Map<string, string>(list.items.map((m) => [m.userId, m.email]));
  return (
    <section>
      <div class="actions">
        {app.can('members:create') && (
          <button type="button" onClick={() => setAdding(adding === 'add' ? '' : 'add')} aria-expanded={adding === 'add'}>
            Add member
          </button>
        )}
        {app.can('members:invite') && (
          <button type="button" onClick={() => setAdding(adding === 'invite' ? '' : 'invite')} aria-expanded={adding === 'invite'}>
            Invite
          </button>
        )}
        <button
          type="button"
          class="secondary outline"
          onClick={async () => {
            if (!(await confirmAction(`Leave ${app.org?.name || 'this organization'}?`, 'You lose access to it until someone adds or invites you again.', 'Leave'))) return;
            await leave.run(async () => {
              await api('POST', '/v1/orgs/{orgId}/leave', { path: { orgId: app.orgId } });
              await app.reload();
            });
          }}
        >
          Leave organization
        </button>
      </div>
      <ProblemView error={leave.error} />
      {adding === 'add' && <AddMember roles={roles} onDone={() => list.reload()} />}
      {adding === 'invite' && <InviteForm roles={roles} onDone={() => list.reload()} />}
      <ProblemView error={list.error} />
      <ListTable label="Members" columns={['Member', 'Roles', 'Status', 'Expires', 'Limits', 'Managed by']} actions>
        {list.items.map((m) => (
          <tr data-user={m.email} aria-selected={m.userId === selected}>
            <td>
              <strong>{m.name || m.email}</strong>
              <br />
              <small class="muted">{m.email}</small>
              {m.readonly && <span class="chip warn">read-only</span>}
              {m.resourceReadonly && <span class="chip warn">resources read-only</span>}
            </td>
            <td>
              <Chips items={m.roles} />
              {m.groups?.length ? (
                <>
                  <br />
                  <small class="muted">groups: {m.groups.join(', ')}</small>
                </>
              ) : null}
            </td>
            <td>{statusText(m)}</td>
            <td>{fmtTime(m.expiresAt)}</td>
            <td>
              <small>
                users {m.managedCount ?? 0} of {limitText(m.userLimit)}
                <br />
                resources {m.resourceCount ?? 0} of {limitText(m.resourceLimit)}
              </small>
            </td>
            <td>{m.managedBy ? byId.get(m.managedBy) || <code>{m.managedBy}</code> : <span class="muted">—</span>}</td>
            <td>
              <button type="button" class="secondary outline small" onClick={() => setSelected(m.userId === selected ? '' : m.userId)} aria-expanded={m.userId === selected}>
                {m.userId === selected ? 'Close' : 'Manage'}
                <span class="visually-hidden"> {m.email}</span>
              </button>
            </td>
          </tr>
        ))}
      </ListTable>
      {list.loading && <Loading what="members" />}
      {!list.loading && !list.error && list.items.length === 0 && <Empty>No members to show.</Empty>}
      <Pager list={list} />
      {sel && <MemberEditor key={sel.userId} m={sel} roles={roles} onChanged={() => list.reload()} onClose={() => setSelected('')} />}
    </section>
  );
}

function AddMember({ roles, onDone }: { roles: Json[]; onDone: () => void }) {
  const app = useApp();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [picked, setPicked] = useState<string[]>(['viewer']);
  const [how, setHow] = useState<'password' | 'display' | 'email'>('display');
  const [password, setPassword] = useState('');
  const [expires, setExpires] = useState('');
  const [result, setResult] = useState<Json>(null);
  const act = useAction();
  return (
    <form
      class="panel"
      aria-label="Add member"
      onSubmit={(e) => {
        e.preventDefault();
        act.run(async () => {
          const body: Json = { email: email.trim(), name: name.trim(), roles: picked, expiresAt: fromLocalInput(expires) ?? undefined };
          if (how === 'password') body.password = password;
          else body.activation = how;
          setResult(await api('POST', '/v1/orgs/{orgId}/members', { path: { orgId: app.orgId }, body }));
          onDone();
        });
      }}
    >
      <h2>Add a member directly</h2>
      <div class="grid">
        <label>
          Email
          <input type="email" name="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label>
          Name
          <input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
      </div>
      <RolePicker roles={roles} value={picked} onChange={setPicked} />
      <fieldset>
        <legend>First sign-in</legend>
        <label class="inline">
          <input type="radio" name="how" checked={how === 'display'} onChange={() => setHow('display')} /> Show an activation link to pass on
        </label>
        <label class="inline">
          <input type="radio" name="how" checked={how === 'email'} onChange={() => setHow('email')} /> Email the activation link
        </label>
        <label class="inline">
          <input type="radio" name="how" checked={how === 'password'} onChange={() => setHow('password')} /> Set a password now
        </label>
      </fieldset>
      {how === 'password' && (
        <label>
          Password
          <input type="password" name="new-password" autoComplete="new-password" required minLength={8} value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
      )}
      <label>
        Membership expires (optional)
        <input type="datetime-local" value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />
      </label>
      <ProblemView error={act.error} />
      <button type="submit" aria-busy={act.busy}>
        Add member
      </button>
      {result && (
        <div role="status" class="notice">
          {result.accountCreated
            ? 'Account created and added.'
            : 'This email already has an account: it joins by accepting an invitation, which was made instead.'}
          {result.activationSent && ' The activation link was emailed.'}
          {result.activationUrl && <CopyField label="Activation link (pass it on; it works once)" value={result.activationUrl} testid="activation-url" />}
          {result.invite?.delivery === 'email' && ' The invitation was emailed.'}
          {result.invite?.acceptUrl && <CopyField label="Accept link (pass it on)" value={result.invite.acceptUrl} testid="accept-url" />}
        </div>
      )}
    </form>
  );
}

function MemberEditor({ m, roles, onChanged, onClose }: { m: Json; roles: Json[]; onChanged: () => void; onClose: () => void }) {
  const app = useApp();
  const [picked, setPicked] = useState<string[]>(m.roles || []);
  const [expires, setExpires] = useState(toLocalInput(m.expiresAt));
  const [readonly, setReadonly] = useState(!!m.readonly);
  const [resReadonly, setResReadonly] = useState(!!m.resourceReadonly);
  const [userLimit, setUserLimit] = useState(String(m.userLimit ?? -1));
  const [resourceLimit, setResourceLimit] = useState(String(m.resourceLimit ?? -1));
  const act = useAction();
  const [saved, setSaved] = useState('');
  const path = { orgId: app.orgId, userId: m.userId };
  const done = (what: string) => {
    setSaved(what);
    onChanged();
  };
  const disabled = m.status === 'disabled';
  return (
    <article class="panel" aria-label={`Manage ${m.email}`}>
      <header>
        <h2>
          {m.name || m.email} <small class="muted">{m.email}</small>
        </h2>
      </header>
      {saved && (
        <p role="status" class="notice">
          {saved}
        </p>
      )}
      <ProblemView error={act.error} />
      {app.can('members:roles') && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            act.run(async () => {
              await api('PUT', '/v1/orgs/{orgId}/members/{userId}/roles', { path, body: { roles: picked } });
              done('Roles saved.');
            });
          }}
        >
          <RolePicker roles={roles} value={picked} onChange={setPicked} legend="Roles" />
          <button type="submit" aria-busy={act.busy}>
            Save roles
          </button>
        </form>
      )}
      {app.can('members:update') && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            act.run(async () => {
              await api('PATCH', '/v1/orgs/{orgId}/members/{userId}', {
                path,
                body: { expiresAt: fromLocalInput(expires), readonly, resourceReadonly: resReadonly },
              });
              done('Expiry and flags saved.');
            });
          }}
        >
          <h3>Expiry and flags</h3>
          <label>
            Membership expires
            <input type="datetime-local" name="expires" value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />
            <small>Empty: never.</small>
          </label>
          <label class="inline">
            <input type="checkbox" role="switch" checked={readonly} onChange={(e) => setReadonly(e.currentTarget.checked)} /> Read-only member
          </label>
          <label class="inline">
            <input type="checkbox" role="switch" checked={resReadonly} onChange={(e) => setResReadonly(e.currentTarget.checked)} /> Resources read-only
          </label>
          <button type="submit" aria-busy={act.busy}>
            Save expiry and flags
          </button>
        </form>
      )}
      {app.can('members:limits') && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            act.run(async () => {
              await api('PUT', '/v1/orgs/{orgId}/members/{userId}/limits', {
                path,
                body: { userLimit: Number(userLimit), resourceLimit: Number(resourceLimit) },
              });
              done('Limits saved.');
            });
          }}
        >
          <h3>Limits</h3>
          <div class="grid">
            <label>
              Users this member may add (-1: unlimited)
              <input type="number" min={-1} value={userLimit} onInput={(e) => setUserLimit(e.currentTarget.value)} />
            </label>
            <label>
              Resources this member may register (-1: unlimited)
              <input type="number" min={-1} value={resourceLimit} onInput={(e) => setResourceLimit(e.currentTarget.value)} />
            </label>
          </div>
          <button type="submit" aria-busy={act.busy}>
            Save limits
          </button>
        </form>
      )}
      <footer class="actions">
        {app.can('members:update') && (
          <button
            type="button"
            class="secondary"
            onClick={async () => {
              if (!disabled && !(await confirmAction(`Disable ${m.email}?`, 'They are cut off from this organization at their next request.', 'Disable'))) return;
              await act.run(async () => {
                await api('PATCH', '/v1/orgs/{orgId}/members/{userId}', { path, body: { enabled: disabled } });
                done(disabled ? 'Member enabled.' : 'Member disabled.');
              });
            }}
          >
            {disabled ? 'Enable member' : 'Disable member'}
          </button>
        )}
        {app.can('members:remove') && (
          <button
            type="button"
            class="danger"
            onClick={async () => {
              if (!(await confirmAction(`Remove ${m.email}?`, 'They lose access to this organization and its resources.', 'Remove member'))) return;
              await act.run(async () => {
                await api('DELETE', '/v1/orgs/{orgId}/members/{userId}', { path });
                onClose();
                onChanged();
              });
            }}
          >
            Remove member
          </button>
        )}
        <button type="button" class="secondary outline" onClick={onClose}>
          Close
        </button>
      </footer>
    </article>
  );
}
