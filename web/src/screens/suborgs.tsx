import { useState } from 'preact/hooks';
import { api, type Json } from '../api/client';
import { useApp } from '../state';
import { Empty, limitText, Loading, Pager, ProblemView, useAction, usePaged } from '../ui';

function Bar({ label, used, max }: { label: string; used: number; max?: number }) {
  const unlimited = max === undefined || max === null || max < 0;
  return (
    <div class="bar">
      <span>
        {label}: {used} / {limitText(max)}
      </span>
      {unlimited ? <progress aria-label={`${label}: ${used}, unlimited`} /> : <meter aria-label={`${label}: ${used} of ${max}`} min={0} max={max || 1} low={(max || 1) * 0.7} high={(max || 1) * 0.9} optimum={0} value={used} />}
    </div>
  );
}

export function SubOrgs() {
  const app = useApp();
  const list = usePaged((cursor) => api('GET', '/v1/orgs/{orgId}/suborgs', { path: { orgId: app.orgId }, query: { cursor, limit: 25 } }), [app.orgId]);
  const [name, setName] = useState('');
  const [editing, setEditing] = useState('');
  const act = useAction();
  const types: string[] = app.catalogue.resourceTypes || [];
  return (
    <section>
      <p class="muted">Sub-orgs are your customers: each has its own members and resources, within the quotas you set.</p>
      {app.can('suborgs:create') && (
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            act.run(async () => {
              await api('POST', '/v1/orgs/{orgId}/suborgs', { path: { orgId: app.orgId }, body: { name } });
              setName('');
              list.reload();
            });
          }}
        >
          <input aria-label="Sub-org name" placeholder="Customer name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
          <button type="submit" aria-busy={act.busy}>
            Create sub-org
          </button>
        </form>
      )}
      <ProblemView error={list.error || act.error} />
      <div class="cards">
        {list.items.map((o) => (
          <article class="card">
            <header>
              <strong>{o.name}</strong> <small class="muted">{o.id}</small>
            </header>
            <Bar label="Members" used={o.usage?.members ?? 0} max={o.quotas?.maxMembers} />
            {types.map((t) => (
              <Bar label={t} used={o.usage?.resources?.[t] ?? 0} max={o.quotas?.maxResources?.[t] ?? -1} />
            ))}
            <small class="muted">
              {o.usage?.pendingInvites ?? 0} invites pending · {o.usage?.subOrgs ?? 0} sub-orgs
            </small>
            <footer>
              <button type="button" class="secondary outline small" aria-expanded={editing === o.id} onClick={() => setEditing(editing === o.id ? '' : o.id)}>
                Quotas<span class="visually-hidden"> of {o.name}</span>
              </button>
            </footer>
            {editing === o.id && <Quotas org={o} types={types} onDone={() => (setEditing(''), list.reload())} />}
          </article>
        ))}
      </div>
      {list.loading && <Loading what="sub-orgs" />}
      {!list.loading && !list.error && list.items.length === 0 && <Empty>No sub-orgs yet.</Empty>}
      <Pager list={list} />
    </section>
  );
}

function Quotas({ org, types, onDone }: { org: Json; types: string[]; onDone: () => void }) {
  const [members, setMembers] = useState(String(org.quotas?.maxMembers ?? -1));
  const [res, setRes] = useState<Record<string, string>>(Object.fromEntries(types.map((t) => [t, String(org.quotas?.maxResources?.[t] ?? -1)])));
  const act = useAction();
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        act.run(async () => {
          const maxResources: Record<string, number> = {};
          for (const t of types) maxResources[t] = Number(res[t]);
          await api('PUT', '/v1/orgs/{orgId}/limits', { path: { orgId: org.id }, body: { maxMembers: Number(members), maxResources } });
          onDone();
        });
      }}
    >
      <label>
        Members (-1: unlimited)
        <input type="number" min={-1} value={members} onInput={(e) => setMembers(e.currentTarget.value)} />
      </label>
      {types.map((t) => (
        <label>
          {t} (-1: unlimited)
          <input type="number" min={-1} value={res[t]} onInput={(e) => setRes({ ...res, [t]: e.currentTarget.value })} />
        </label>
      ))}
      <ProblemView error={act.error} />
      <button type="submit" aria-busy={act.busy}>
        Save quotas
      </button>
    </form>
  );
}
