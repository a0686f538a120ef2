import { useState } from 'preact/hooks';
import { api } from '../api/client';
import { clearPendingLink, pendingLink } from '../pending';
import { useApp } from '../state';
import { ProblemView, useAction } from '../ui';

/** Accepting an invitation from its link, signed in as the invitee. */
export function Accept() {
  const app = useApp();
  const link = pendingLink();
  const act = useAction();
  const [done, setDone] = useState<string>('');
  if (!link) return <p class="empty">No invitation to accept.</p>;
  return (
    <section>
      <p>
        You are signed in as <strong>{app.me.email}</strong>. Accepting makes you a member of the organization that invited this address.
      </p>
      <ProblemView error={act.error} />
      {done ? (
        <p class="notice" role="status">
          Invitation accepted: you are now a member of {done}.
        </p>
      ) : (
        <div class="actions">
          <button
            type="button"
            aria-busy={act.busy}
            onClick={() =>
              act.run(async () => {
                const m = await api('POST', '/v1/invites/accept', { body: { token: link.token } });
                clearPendingLink();
                setDone(m?.orgName || m?.orgId || 'the organization');
                location.hash = '#/members';
                await app.setOrg(m?.orgId || app.orgId);
              })
            }
          >
            Accept invitation
          </button>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              clearPendingLink();
              location.hash = '#/';
              location.reload();
            }}
          >
            Not now
          </button>
        </div>
      )}
    </section>
  );
}

/** Setting a password from an activation link (no sign-in needed). */
export function Activate({ token }: { token: string }) {
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const act = useAction();
  return (
    <main class="container signin">
      <article>
        <h1>Activate your account</h1>
        {done ? (
          <>
            <p role="status" class="notice">
              Your account is active. Sign in with your email and the new password.
            </p>
            <a href="#/" role="button" onClick={() => setTimeout(() => location.reload(), 0)}>
              Sign in
            </a>
          </>
        ) : (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              act.run(async () => {
                await api('POST', '/v1/activate', { body: { token, password } });
                clearPendingLink();
                setDone(true);
              });
            }}
          >
            <label>
              New password
              <input type="password" name="password" autoComplete="new-password" required minLength={8} value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
            </label>
            <ProblemView error={act.error} />
            <button type="submit" aria-busy={act.busy}>
              Set password
            </button>
          </form>
        )}
      </article>
    </main>
  );
}
