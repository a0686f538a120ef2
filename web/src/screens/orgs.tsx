import { useState } from 'preact/hooks';
import { api, type Json } from '../api/client';
import { useApp } from '../state';
import { confirmAction, fmtTime, limitText, ProblemView, useAction } from '../ui';

/** The active org and "New organization". */
export function OrgSwitcher() {
  const app = useApp();
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const act = useAction();
  const ms: Json[] = app.me.memberships || [];
  return (
    <div class="org-switcher">
      <label class="inline">
        <span class="visually-hidden">Organization</span>
        <select aria-label="Organization" value={app.orgId} onChange={(e) => app.setOrg(e.currentTarget.value)}>
          {ms.length === 0 && <option value="">No organization</option>}
          {ms.map((m) => (
            <option value={m.orgId}>
              {m.orgName || m.orgId}
              {m.status !== 'active' ? ` (${m.status})` : ''}
            </option>
          ))}
        </select>
      </label>
      {!creating ? (
        <button type="button" class="secondary outline" onClick={() => setCreating(true)}>
          New organization
        </button>
      ) : (
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            act.run(async () => {
              const o = await api('POST', '/v1/orgs', { body: { name: name.trim() } });
              setCreating(false);
              setName('');
              await app.setOrg(o.id);
            });
          }}
        >
          <input aria-label="New organization name" placeholder="Organization name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
          <button type="submit" aria-busy={act.busy}>
            Create
          </button>
          <button type="button" class="secondary" onClick={() => setCreating(false)}>
            Cancel
          </button>
          <ProblemView error={act.error} />
        </form>
      )}
    </div>
  );
}

/** The active org: usage, quotas, settings, delete. */
export function OrgOverview() {
  const app = useApp();
  if (!app.org) return <p class="empty">This organization cannot be read with your roles.</p>;
  return <OrgDetails key={app.org.id + app.org.updatedAt} org={app.org} />;
}

function OrgDetails({ org }: { org: Json }) {
  const app = useApp();
  const [name, setName] = useState(org?.name || '');
  const [access, setAccess] = useState(org?.settings?.defaultResourceAccess || 'granted');
  const act = useAction();
  return (
    <section>
      <dl class="facts">
        <dt>Id</dt>
        <dd>
          <code>{org.id}</code>
        </dd>
        <dt>Kind</dt>
        <dd>{org.personal ? 'Personal organization' : org.parentId ? `Sub-org of ${org.parentId}` : 'Organization'}</dd>
        <dt>Members</dt>
        <dd>
          {org.usage?.members ?? '—'} of {limitText(org.quotas?.maxMembers)} ({org.usage?.pendingInvites ?? 0} invites pending, {org.usage?.owners ?? 0} owners)
        </dd>
        <dt>Sub-orgs</dt>
        <dd>{org.usage?.subOrgs ?? 0}</dd>
        <dt>Created</dt>
        <dd>{fmtTime(org.createdAt)}</dd>
      </dl>
      {app.can('org:update') && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            act.run(async () => {
              await api('PATCH', '/v1/orgs/{orgId}', { path: { orgId: org.id }, body: { name, settings: { defaultResourceAccess: access } } });
              await app.reload();
            });
          }}
        >
          <h2>Settings</h2>
          <div class="grid">
            <label>
              Name
              <input required value={name} onInput={(e) => setName(e.currentTarget.value)} />
            </label>
            <label>
              Resources without grants are visible to
              <select value={access} onChange={(e) => setAccess(e.currentTarget.value)}>
                <option value="granted">only their owners and those granted (granted)</option>
                <option value="all">every member whose roles allow it (all)</option>
              </select>
            </label>
          </div>
          <button type="submit" aria-busy={act.busy}>
            Save settings
          </button>
        </form>
      )}
      <ProblemView error={act.error} />
      {app.can('org:delete') && (
        <p>
          <button
            type="button"
            class="danger outline"
            onClick={async () => {
              if (!(await confirmAction(`Delete ${org.name}?`, 'Members lose access to it and its resources. This cannot be undone.', 'Delete organization'))) return;
              await act.run(async () => {
                await api('DELETE', '/v1/orgs/{orgId}', { path: { orgId: org.id } });
                await app.reload();
              });
            }}
          >
            Delete organization
          </button>
        </p>
      )}
    </section>
  );
}
