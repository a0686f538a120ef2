import { useState } from 'preact/hooks';
import { api, type Json } from '../api/client';
import { useApp } from '../state';
import { Chips, fmtTime, ProblemView, useAction } from '../ui';

export function Profile() {
  const app = useApp();
  const me = app.me;
  const [v, setV] = useState({ name: me.name || '', phone: me.phone || '', timeZone: me.timeZone || '', language: me.language || '' });
  const [saved, setSaved] = useState(false);
  const act = useAction();
  return (
    <section>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          act.run(async () => {
            setSaved(false);
            await api('PATCH', '/v1/me', { body: v });
            await app.reload();
            setSaved(true);
          });
        }}
      >
        <div class="grid">
          <label>
            Name
            <input name="name" autoComplete="name" value={v.name} onInput={(e) => setV({ ...v, name: e.currentTarget.value })} />
          </label>
          <label>
            Phone
            <input name="phone" type="tel" autoComplete="tel" placeholder="+15551234567" value={v.phone} onInput={(e) => setV({ ...v, phone: e.currentTarget.value })} />
          </label>
        </div>
        <div class="grid">
          <label>
            Time zone
            <input name="timeZone" placeholder="Europe/Berlin" value={v.timeZone} onInput={(e) => setV({ ...v, timeZone: e.currentTarget.value })} />
          </label>
          <label>
            Language
            <input name="language" placeholder="en" value={v.language} onInput={(e) => setV({ ...v, language: e.currentTarget.value })} />
          </label>
        </div>
        <ProblemView error={act.error} />
        {saved && (
          <p role="status" class="notice">
            Profile saved.
          </p>
        )}
        <button type="submit" aria-busy={act.busy}>
          Save profile
        </button>
      </form>
      <h2>Account</h2>
      <dl class="facts">
        <dt>Email</dt>
        <dd>{me.email}</dd>
        <dt>Status</dt>
        <dd>{me.status}</dd>
        <dt>Expires</dt>
        <dd>{fmtTime(me.expiresAt)}</dd>
        <dt>User id</dt>
        <dd>
          <code>{me.id}</code>
        </dd>
      </dl>
      <h2>Memberships</h2>
      <ul>
        {(me.memberships || []).map((m: Json) => (
          <li>
            <a href="#/members" onClick={() => app.setOrg(m.orgId)}>
              {m.orgName || m.orgId}
            </a>{' '}
            <Chips items={m.roles} /> <small class="muted">{m.status}</small>
          </li>
        ))}
      </ul>
    </section>
  );
}
