import { useState } from 'preact/hooks';
import { api } from '../api/client';
import { useApp } from '../state';
import { Empty, fmtTime, fromLocalInput, ListTable, Loading, Pager, ProblemView, usePaged } from '../ui';

export function Audit() {
  const app = useApp();
  const [draft, setDraft] = useState({ actor: '', target: '', since: '' });
  const [f, setF] = useState(draft);
  const list = usePaged(
    (cursor) =>
      api('GET', '/v1/orgs/{orgId}/audit', {
        path: { orgId: app.orgId },
        query: { actor: f.actor.trim(), target: f.target.trim(), since: fromLocalInput(f.since) ?? undefined, cursor, limit: 25 },
      }),
    [app.orgId, f],
  );
  return (
    <section>
      <form
        class="inline-form"
        aria-label="Audit filters"
        onSubmit={(e) => {
          e.preventDefault();
          setF({ ...draft });
        }}
      >
        <input aria-label="Actor (user id)" placeholder="Actor user id" value={draft.actor} onInput={(e) => setDraft({ ...draft, actor: e.currentTarget.value })} />
        <input aria-label="Target" placeholder="Target, e.g. user:… or device:…" value={draft.target} onInput={(e) => setDraft({ ...draft, target: e.currentTarget.value })} />
        <input type="datetime-local" aria-label="Since" value={draft.since} onInput={(e) => setDraft({ ...draft, since: e.currentTarget.value })} />
        <button type="submit">Filter</button>
      </form>
      <ProblemView error={list.error} />
      <ListTable label="Audit log" columns={['Time', 'Actor', 'Action', 'Target', 'Change']}>
        {list.items.map((ev) => (
          <tr>
            <td>{fmtTime(ev.time)}</td>
            <td>
              <button type="button" class="link" title="Show only this actor" onClick={() => (setDraft({ ...draft, actor: ev.actor }), setF({ ...f, actor: ev.actor }))}>
                <code>{ev.actor}</code>
              </button>
            </td>
            <td>{ev.action}</td>
            <td>
              <code>{ev.target || '—'}</code>
            </td>
            <td>
              {(ev.before || ev.after) && (
                <details>
                  <summary>details</summary>
                  <pre>{JSON.stringify({ before: ev.before, after: ev.after }, null, 2)}</pre>
                </details>
              )}
            </td>
          </tr>
        ))}
      </ListTable>
      {list.loading && <Loading what="the audit log" />}
      {!list.loading && !list.error && list.items.length === 0 && <Empty>No events match.</Empty>}
      <Pager list={list} />
    </section>
  );
}
