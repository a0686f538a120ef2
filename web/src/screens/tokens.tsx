import { useState } from 'preact/hooks';
import { api, type Json } from '../api/client';
import { config } from '../config';
import { useApp } from '../state';
import { ConfirmButton, CopyField, Empty, fmtTime, fromLocalInput, ListTable, Loading, Pager, ProblemView, useAction, usePaged } from '../ui';
import { groupPermissions } from './roles';

export function Tokens() {
  const app = useApp();
  const list = usePaged((cursor) => api('GET', '/v1/orgs/{orgId}/tokens', { path: { orgId: app.orgId }, query: { cursor, limit: 25 } }), [app.orgId]);
  const [name, setName] = useState('');
  const [readonly, setReadonly] = useState(true);
  const [narrow, setNarrow] = useState(false);
  const [perms, setPerms] = useState<string[]>([]);
  const [expires, setExpires] = useState('');
  const [created, setCreated] = useState<Json>(null);
  const act = useAction();
  const mine = [...app.perms].sort();
  const embed = created?.readonly ? `${config().apiUrl}/v1/orgs/${app.orgId}/resources?token=${encodeURIComponent(created.secret)}` : '';
  return (
    <section>
      <form
        class="panel"
        aria-label="Create an API token"
        onSubmit={(e) => {
          e.preventDefault();
          act.run(async () => {
            setCreated(null);
            const t = await api('POST', '/v1/orgs/{orgId}/tokens', {
              path: { orgId: app.orgId },
              body: { name, readonly, permissions: narrow ? perms : undefined, expiresAt: fromLocalInput(expires) ?? undefined },
            });
            setCreated(t);
            setName('');
            list.reload();
          });
        }}
      >
        <h2>Create an API token</h2>
        <div class="grid">
          <label>
            Name
            <input name="token-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <label>
            Expires (optional; at the latest when your membership does)
            <input type="datetime-local" value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />
          </label>
        </div>
        <label class="inline">
          <input type="checkbox" role="switch" name="readonly" checked={readonly} onChange={(e) => setReadonly(e.currentTarget.checked)} /> Read-only (for embedded views: may be
          passed as <code>?token=</code> on GET routes)
        </label>
        <label class="inline">
          <input type="checkbox" role="switch" checked={narrow} onChange={(e) => setNarrow(e.currentTarget.checked)} /> Only some of my permissions
        </label>
        {narrow && (
          <div class="perm-groups">
            {groupPermissions(mine).map(([obj, actions]) => (
              <fieldset>
                <legend>{obj}</legend>
                {actions.map((a) => {
                  const p = `${obj}:${a}`;
                  return (
                    <label class="inline">
                      <input type="checkbox" checked={perms.includes(p)} onChange={(e) => setPerms(e.currentTarget.checked ? [...perms, p] : perms.filter((x) => x !== p))} />
                      {a}
                    </label>
                  );
                })}
              </fieldset>
            ))}
          </div>
        )}
        <ProblemView error={act.error} />
        <button type="submit" aria-busy={act.busy}>
          Create token
        </button>
        {created && (
          <div role="status" class="notice secret">
            <p>
              <strong>Copy the secret now: it is shown only this once.</strong>
            </p>
            <CopyField label={`Secret of ${created.name}`} value={created.secret} testid="token-secret" />
            {embed && (
              <>
                <CopyField label="Embed URL (read-only)" value={embed} testid="embed-url" />
                <p>
                  <a href={embed} target="_blank" rel="noopener noreferrer">
                    Open the embed URL
                  </a>
                </p>
              </>
            )}
          </div>
        )}
      </form>
      <ProblemView error={list.error} />
      <ListTable label="API tokens" columns={['Name', 'Kind', 'Status', 'Expires', 'Created']} actions>
        {list.items.map((t) => (
          <tr>
            <td>
              {t.name}
              <br />
              <small class="muted">{t.id}</small>
            </td>
            <td>
              {t.readonly ? 'read-only' : 'read-write'}
              {t.permissions?.length ? <small class="muted"> · {t.permissions.length} permissions</small> : <small class="muted"> · all my permissions</small>}
            </td>
            <td>{t.status}</td>
            <td>{fmtTime(t.expiresAt)}</td>
            <td>{fmtTime(t.createdAt)}</td>
            <td>
              {t.status === 'active' && (
                <ConfirmButton
                  label="Revoke"
                  name={t.name}
                  confirm={[`Revoke the token ${t.name}?`, 'Anything using it stops working at once.', 'Revoke']}
                  run={() =>
                    act.run(async () => {
                    await api('DELETE', '/v1/orgs/{orgId}/tokens/{tokenId}', { path: { orgId: app.orgId, tokenId: t.id } });
                    list.reload();
                    })
                  }
                />
              )}
            </td>
          </tr>
        ))}
      </ListTable>
      {list.loading && <Loading what="tokens" />}
      {!list.loading && !list.error && list.items.length === 0 && <Empty>No API tokens.</Empty>}
      <Pager list={list} />
    </section>
  );
}
