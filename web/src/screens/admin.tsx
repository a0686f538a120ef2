import { useState } from 'preact/hooks';
import { api, type Json } from '../api/client';
import { confirmAction, Empty, fmtTime, fromLocalInput, ListTable, Loading, Pager, ProblemView, toLocalInput, useAction, usePaged } from '../ui';

export function AdminAccounts() {
  const [q, setQ] = useState('');
  const [prefix, setPrefix] = useState('');
  const list = usePaged((cursor) => api('GET', '/v1/admin/users', { query: { email: prefix, cursor, limit: 25 } }), [prefix]);
  const [open, setOpen] = useState('');
  return (
    <section>
      <form
        class="inline-form"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setPrefix(q.trim());
        }}
      >
        <input type="search" aria-label="Email starts with" placeholder="Email starts with…" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        <button type="submit">Search</button>
      </form>
      <ProblemView error={list.error} />
      <ListTable label="Accounts" columns={['Account', 'Status', 'Expires', 'Resource limit']} actions>
        {list.items.map((u) => (
          <tr data-account={u.email}>
            <td>
              <strong>{u.name || u.email}</strong>
              {u.platformAdmin && <span class="chip">platform admin</span>}
              <br />
              <small class="muted">{u.email}</small>
            </td>
            <td>{u.status}</td>
            <td>{fmtTime(u.expiresAt)}</td>
            <td>{u.resourceLimit < 0 ? 'unlimited' : u.resourceLimit}</td>
            <td>
              <button type="button" class="secondary outline small" aria-expanded={open === u.id} onClick={() => setOpen(open === u.id ? '' : u.id)}>
                {open === u.id ? 'Close' : 'Manage'}
                <span class="visually-hidden"> {u.email}</span>
              </button>
            </td>
          </tr>
        ))}
      </ListTable>
      {list.loading && <Loading what="accounts" />}
      {!list.loading && !list.error && list.items.length === 0 && <Empty>No accounts match.</Empty>}
      <Pager list={list} />
      {open && <AccountEditor key={open} id={open} onChanged={() => list.reload()} onGone={() => (setOpen(''), list.reload())} />}
    </section>
  );
}

function AccountEditor({ id, onChanged, onGone }: { id: string; onChanged: () => void; onGone: () => void }) {
  const acct = usePaged(async () => ({ items: [await api('GET', '/v1/admin/users/{userId}', { path: { userId: id } })] }), [id]);
  const u: Json = acct.items[0];
  const act = useAction();
  const [expires, setExpires] = useState('');
  const [limit, setLimit] = useState('');
  const [mode, setMode] = useState<'retain' | 'transfer' | 'delete'>('retain');
  const [transferTo, setTransferTo] = useState('');
  const [msg, setMsg] = useState('');
  if (acct.loading && !u) return <Loading what="the account" />;
  if (!u) return <ProblemView error={acct.error} />;
  const patch = (body: Json, what: string) =>
    act.run(async () => {
      await api('PATCH', '/v1/admin/users/{userId}', { path: { userId: id }, body });
      setMsg(what);
      acct.reload();
      onChanged();
    });
  const disabled = u.status === 'disabled';
  return (
    <article class="panel" aria-label={`Account ${u.email}`}>
      <h2>
        {u.name || u.email} <small class="muted">{u.email}</small>
      </h2>
      {msg && (
        <p role="status" class="notice">
          {msg}
        </p>
      )}
      <ProblemView error={act.error} />
      <p>
        Status: <strong>{u.status}</strong> · expires {fmtTime(u.expiresAt)} · member of {(u.memberships || []).length} organizations
      </p>
      <ul>
        {(u.memberships || []).map((m: Json) => (
          <li>
            {m.orgName || m.orgId}: {(m.roles || []).join(', ')} ({m.status})
          </li>
        ))}
      </ul>
      <div class="actions">
        <button
          type="button"
          class={disabled ? '' : 'danger'}
          onClick={async () => {
            if (!disabled && !(await confirmAction(`Disable ${u.email}?`, 'They are cut off everywhere at their next request.', 'Disable account'))) return;
            patch({ enabled: disabled }, disabled ? 'Account enabled.' : 'Account disabled.');
          }}
        >
          {disabled ? 'Enable account' : 'Disable account'}
        </button>
      </div>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          patch({ expiresAt: fromLocalInput(expires) }, expires ? 'Expiry set.' : 'Expiry cleared.');
        }}
      >
        <label>
          Account expires
          <input type="datetime-local" value={expires || toLocalInput(u.expiresAt)} onInput={(e) => setExpires(e.currentTarget.value)} />
        </label>
        <button type="submit">Set expiry</button>
      </form>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          patch({ resourceLimit: Number(limit) }, 'Resource limit set.');
        }}
      >
        <label>
          Resource limit (-1: unlimited)
          <input type="number" min={-1} required value={limit} placeholder={String(u.resourceLimit)} onInput={(e) => setLimit(e.currentTarget.value)} />
        </label>
        <button type="submit">Set limit</button>
      </form>
      <form
        class="danger-zone"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!(await confirmAction(`Delete the account ${u.email}?`, `Its resources are ${mode === 'retain' ? 'kept without an owner' : mode === 'transfer' ? 'given to ' + transferTo : 'deleted'}. This cannot be undone.`, 'Delete account')))
            return;
          await act.run(async () => {
            await api('DELETE', '/v1/admin/users/{userId}', { path: { userId: id }, query: { resources: mode, transferTo: mode === 'transfer' ? transferTo : undefined } });
            onGone();
          });
        }}
      >
        <h3>Delete the account</h3>
        <fieldset>
          <legend>Its resources</legend>
          <label class="inline">
            <input type="radio" name="resmode" checked={mode === 'retain'} onChange={() => setMode('retain')} /> retain
          </label>
          <label class="inline">
            <input type="radio" name="resmode" checked={mode === 'transfer'} onChange={() => setMode('transfer')} /> transfer to
          </label>
          <label class="inline">
            <input type="radio" name="resmode" checked={mode === 'delete'} onChange={() => setMode('delete')} /> delete
          </label>
        </fieldset>
        {mode === 'transfer' && (
          <label>
            New owner (user id)
            <input required value={transferTo} onInput={(e) => setTransferTo(e.currentTarget.value)} />
          </label>
        )}
        <button type="submit" class="danger">
          Delete account
        </button>
      </form>
    </article>
  );
}

export function SignupPolicy() {
  const pol = usePaged(async () => ({ items: [await api('GET', '/v1/admin/signup-policy')] }), []);
  // "Saved" lives here: the reload after a save gives the form a new key,
  // and a state of the form would be lost with it.
  const [saved, setSaved] = useState(false);
  const p: Json = pol.items[0];
  if (pol.loading && !p) return <Loading what="the sign-up policy" />;
  if (!p) return <ProblemView error={pol.error} />;
  return (
    <PolicyForm
      key={p.updatedAt || 'p'}
      p={p}
      saved={saved}
      onSaving={() => setSaved(false)}
      onSaved={() => {
        setSaved(true);
        pol.reload();
      }}
    />
  );
}

function PolicyForm({ p, saved, onSaving, onSaved }: { p: Json; saved: boolean; onSaving: () => void; onSaved: () => void }) {
  const [mode, setMode] = useState(p.mode || 'open');
  const [emails, setEmails] = useState((p.allowedEmails || []).join('\n'));
  const [domains, setDomains] = useState((p.allowedDomains || []).join('\n'));
  const [limit, setLimit] = useState(String(p.defaultResourceLimit ?? -1));
  const [personal, setPersonal] = useState(!!p.personalOrg);
  const act = useAction();
  const lines = (s: string) => s.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        act.run(async () => {
          onSaving();
          await api('PUT', '/v1/admin/signup-policy', {
            body: { mode, allowedEmails: lines(emails), allowedDomains: lines(domains), defaultResourceLimit: Number(limit), personalOrg: personal },
          });
          onSaved();
        });
      }}
    >
      <fieldset>
        <legend>Who may sign up</legend>
        {[
          ['open', 'Anyone'],
          ['allowlist', 'Only the emails and domains below'],
          ['invite_only', 'Nobody: invitations and admins only'],
        ].map(([v, l]) => (
          <label class="inline">
            <input type="radio" name="mode" checked={mode === v} onChange={() => setMode(v)} /> {l}
          </label>
        ))}
      </fieldset>
      {mode === 'allowlist' && (
        <div class="grid">
          <label>
            Allowed emails (one a line)
            <textarea rows={4} value={emails} onInput={(e) => setEmails(e.currentTarget.value)} />
          </label>
          <label>
            Allowed domains (one a line)
            <textarea rows={4} value={domains} onInput={(e) => setDomains(e.currentTarget.value)} />
          </label>
        </div>
      )}
      <label>
        Resource limit of new accounts (-1: unlimited)
        <input type="number" min={-1} value={limit} onInput={(e) => setLimit(e.currentTarget.value)} />
      </label>
      <label class="inline">
        <input type="checkbox" role="switch" checked={personal} onChange={(e) => setPersonal(e.currentTarget.checked)} /> Give each new account a personal organization
      </label>
      <ProblemView error={act.error} />
      {saved && (
        <p role="status" class="notice">
          Sign-up policy saved.
        </p>
      )}
      <button type="submit" aria-busy={act.busy}>
        Save policy
      </button>
    </form>
  );
}
