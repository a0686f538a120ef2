import { useState } from 'preact/hooks';
import { api, type Json } from '../api/client';
import { useApp } from '../state';
import { Chips, ConfirmButton, Empty, ListTable, Loading, Pager, ProblemView, useAction, usePaged } from '../ui';
import { RolePicker, useRoleChoices } from './members';

export function Groups() {
  const app = useApp();
  const roles = useRoleChoices();
  const list = usePaged((cursor) => api('GET', '/v1/orgs/{orgId}/groups', { path: { orgId: app.orgId }, query: { cursor, limit: 25 } }), [app.orgId]);
  const members = usePaged((cursor) => api('GET', '/v1/orgs/{orgId}/members', { path: { orgId: app.orgId }, query: { cursor, limit: 100 } }), [app.orgId]);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [open, setOpen] = useState('');
  const act = useAction();
  const manage = app.can('groups:manage');
  return (
    <section>
      <p class="muted">The built-in group “All members” holds every member: roles given to it apply to everyone in the organization.</p>
      {manage && (
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            act.run(async () => {
              await api('POST', '/v1/orgs/{orgId}/groups', { path: { orgId: app.orgId }, body: { name, description } });
              setName('');
              setDescription('');
              list.reload();
            });
          }}
        >
          <input aria-label="Group name" placeholder="New group name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
          <input aria-label="Group description" placeholder="Description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
          <button type="submit" aria-busy={act.busy}>
            Create group
          </button>
        </form>
      )}
      <ProblemView error={list.error || act.error} />
      <ListTable label="Groups" columns={['Group', 'Roles', 'Members']} actions>
        {list.items.map((g) => (
          <tr>
            <td>
              <strong>{g.name}</strong> {g.builtIn && <span class="chip">built-in</span>}
              <br />
              <small class="muted">{g.description}</small>
            </td>
            <td>
              <Chips items={g.roles} />
            </td>
            <td>{g.memberCount}</td>
            <td class="row-actions">
              <button type="button" class="secondary outline small" aria-expanded={open === g.id} onClick={() => setOpen(open === g.id ? '' : g.id)}>
                {open === g.id ? 'Close' : 'Manage'}
                <span class="visually-hidden"> {g.name}</span>
              </button>
              {manage && !g.builtIn && (
                <ConfirmButton
                  label="Delete"
                  name={g.name}
                  confirm={[`Delete the group ${g.name}?`, 'Its members lose the roles and grants they had through it.', 'Delete group']}
                  run={() =>
                    act.run(async () => {
                    await api('DELETE', '/v1/orgs/{orgId}/groups/{groupId}', { path: { orgId: app.orgId, groupId: g.id } });
                    list.reload();
                    })
                  }
                />
              )}
            </td>
          </tr>
        ))}
      </ListTable>
      {list.loading && <Loading what="groups" />}
      {!list.loading && !list.error && list.items.length === 0 && <Empty>No groups.</Empty>}
      <Pager list={list} />
      {open && (
        <GroupEditor
          key={open}
          group={list.items.find((g) => g.id === open)}
          roles={roles}
          members={members.items}
          onChanged={() => (list.reload(), members.reload())}
        />
      )}
    </section>
  );
}

function GroupEditor({ group, roles, members, onChanged }: { group: Json; roles: Json[]; members: Json[]; onChanged: () => void }) {
  const app = useApp();
  const [picked, setPicked] = useState<string[]>(group?.roles || []);
  const [add, setAdd] = useState('');
  const act = useAction();
  if (!group) return null;
  const manage = app.can('groups:manage');
  const inGroup = group.builtIn ? members : members.filter((m) => (m.groups || []).includes(group.id));
  const notIn = members.filter((m) => !(m.groups || []).includes(group.id));
  return (
    <article class="panel" aria-label={`Group ${group.name}`}>
      <h2>{group.name}</h2>
      <ProblemView error={act.error} />
      {manage && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            act.run(async () => {
              await api('PUT', '/v1/orgs/{orgId}/groups/{groupId}/roles', { path: { orgId: app.orgId, groupId: group.id }, body: { roles: picked } });
              onChanged();
            });
          }}
        >
          <RolePicker roles={roles} value={picked} onChange={setPicked} legend="Roles every member of this group holds" />
          <button type="submit" aria-busy={act.busy}>
            Save group roles
          </button>
        </form>
      )}
      <h3>Members</h3>
      {inGroup.length === 0 ? (
        <Empty>Nobody is in this group.</Empty>
      ) : (
        <ul>
          {inGroup.map((m) => (
            <li>
              {m.name || m.email} <small class="muted">{m.email}</small>{' '}
              {manage && !group.builtIn && (
                <button
                  type="button"
                  class="secondary outline small"
                  onClick={() =>
                    act.run(async () => {
                      await api('DELETE', '/v1/orgs/{orgId}/groups/{groupId}/members/{userId}', { path: { orgId: app.orgId, groupId: group.id, userId: m.userId } });
                      onChanged();
                    })
                  }
                >
                  Remove<span class="visually-hidden"> {m.email} from {group.name}</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {manage && !group.builtIn && (
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (!add) return;
            act.run(async () => {
              await api('PUT', '/v1/orgs/{orgId}/groups/{groupId}/members/{userId}', { path: { orgId: app.orgId, groupId: group.id, userId: add } });
              setAdd('');
              onChanged();
            });
          }}
        >
          <select aria-label="Member to add" value={add} onChange={(e) => setAdd(e.currentTarget.value)}>
            <option value="">Choose a member…</option>
            {notIn.map((m) => (
              <option value={m.userId}>{m.email}</option>
            ))}
          </select>
          <button type="submit">Add to group</button>
        </form>
      )}
    </article>
  );
}
