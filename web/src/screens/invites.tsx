import { useState } from 'preact/hooks';
import { api, type Json } from '../api/client';
import { useApp } from '../state';
import { Chips, confirmAction, CopyField, Empty, fmtTime, fromLocalInput, ListTable, Loading, Pager, ProblemView, useAction, usePaged } from '../ui';
import { RolePicker, useRoleChoices } from './members';

/** What create and resend answer: "emailed", or the link to pass on. */
function Delivery({ sent }: { sent: Json }) {
  if (!sent) return null;
  return (
    <div role="status" class="notice">
      {sent.delivery === 'email' ? (
        <span data-testid="invite-delivery">Invitation emailed to {sent.invite?.email}.</span>
      ) : (
        <>
          <span data-testid="invite-delivery">Not emailed: pass this link on to {sent.invite?.email}.</span>
          <CopyField label="Accept link" value={sent.acceptUrl} testid="accept-url" />
        </>
      )}
    </div>
  );
}

export function InviteForm({ roles, onDone }: { roles: Json[]; onDone: () => void }) {
  const app = useApp();
  const [email, setEmail] = useState('');
  const [picked, setPicked] = useState<string[]>(['viewer']);
  const [message, setMessage] = useState('');
  const [expires, setExpires] = useState('');
  const [memberExpires, setMemberExpires] = useState('');
  const [sent, setSent] = useState<Json>(null);
  const act = useAction();
  return (
    <form
      class="panel"
      aria-label="Invite"
      onSubmit={(e) => {
        e.preventDefault();
        act.run(async () => {
          setSent(
            await api('POST', '/v1/orgs/{orgId}/invites', {
              path: { orgId: app.orgId },
              body: {
                email: email.trim(),
                roles: picked,
                message: message || undefined,
                expiresAt: fromLocalInput(expires) ?? undefined,
                memberExpiresAt: fromLocalInput(memberExpires) ?? undefined,
              },
            }),
          );
          onDone();
        });
      }}
    >
      <h2>Invite someone</h2>
      <label>
        Email
        <input type="email" name="invite-email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      </label>
      <RolePicker roles={roles} value={picked} onChange={setPicked} />
      <label>
        Message (optional)
        <textarea name="message" rows={2} value={message} onInput={(e) => setMessage(e.currentTarget.value)} />
      </label>
      <div class="grid">
        <label>
          Invitation valid until (optional)
          <input type="datetime-local" value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />
        </label>
        <label>
          Membership expires (optional)
          <input type="datetime-local" value={memberExpires} onInput={(e) => setMemberExpires(e.currentTarget.value)} />
        </label>
      </div>
      <ProblemView error={act.error} />
      <button type="submit" aria-busy={act.busy}>
        Send invitation
      </button>
      <Delivery sent={sent} />
    </form>
  );
}

export function Invites() {
  const app = useApp();
  const roles = useRoleChoices();
  const list = usePaged((cursor) => api('GET', '/v1/orgs/{orgId}/invites', { path: { orgId: app.orgId }, query: { cursor, limit: 25 } }), [app.orgId]);
  const [inviting, setInviting] = useState(false);
  const [sent, setSent] = useState<Json>(null);
  const act = useAction();
  return (
    <section>
      {app.can('members:invite') && (
        <div class="actions">
          <button type="button" aria-expanded={inviting} onClick={() => setInviting(!inviting)}>
            Invite
          </button>
        </div>
      )}
      {inviting && <InviteForm roles={roles} onDone={() => list.reload()} />}
      <ProblemView error={list.error || act.error} />
      <Delivery sent={sent} />
      <ListTable label="Invites" columns={['Email', 'Roles', 'Status', 'Valid until', 'Invited by']} actions>
        {list.items.map((i) => (
          <tr>
            <td>{i.email}</td>
            <td>
              <Chips items={i.roles} />
            </td>
            <td>{i.status}</td>
            <td>{fmtTime(i.expiresAt)}</td>
            <td>
              <code>{i.invitedBy || i.createdBy || '—'}</code>
            </td>
            <td class="row-actions">
              {app.can('members:invite') && (i.status === 'pending' || i.status === 'expired') && (
                <>
                  <button
                    type="button"
                    class="secondary outline small"
                    onClick={() =>
                      act.run(async () => {
                        setSent(await api('POST', '/v1/orgs/{orgId}/invites/{inviteId}/resend', { path: { orgId: app.orgId, inviteId: i.id } }));
                        list.reload();
                      })
                    }
                  >
                    Resend<span class="visually-hidden"> to {i.email}</span>
                  </button>
                  <button
                    type="button"
                    class="danger outline small"
                    onClick={async () => {
                      if (!(await confirmAction(`Revoke the invitation to ${i.email}?`, 'Its link stops working.', 'Revoke'))) return;
                      await act.run(async () => {
                        await api('DELETE', '/v1/orgs/{orgId}/invites/{inviteId}', { path: { orgId: app.orgId, inviteId: i.id } });
                        list.reload();
                      });
                    }}
                  >
                    Revoke<span class="visually-hidden"> invitation to {i.email}</span>
                  </button>
                </>
              )}
            </td>
          </tr>
        ))}
      </ListTable>
      {list.loading && <Loading what="invites" />}
      {!list.loading && !list.error && list.items.length === 0 && <Empty>No invitations.</Empty>}
      <Pager list={list} />
    </section>
  );
}
