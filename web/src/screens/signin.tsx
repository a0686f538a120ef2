import { useState } from 'preact/hooks';
import { CognitoError, confirmSignUp, signIn, signUp } from '../auth';
import { config } from '../config';

export function SignIn({ notice }: { notice?: string }) {
  const [mode, setMode] = useState<'signin' | 'signup' | 'confirm'>('signin');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [info, setInfo] = useState('');

  const act = async (f: () => Promise<void>) => {
    setBusy(true);
    setError('');
    try {
      await f();
    } catch (e) {
      setError(e instanceof CognitoError ? `${e.message} (${e.type})` : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="container signin">
      <article>
        <header>
          <h1>Gatehouse console</h1>
          {notice && <p class="notice">{notice}</p>}
        </header>
        {mode === 'signin' && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              act(() => signIn(email.trim(), password));
            }}
          >
            <label>
              Email
              <input type="email" name="email" autoComplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
            </label>
            <label>
              Password
              <input type="password" name="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
            </label>
            {error && <p role="alert" class="problem">{error}</p>}
            <button type="submit" aria-busy={busy} disabled={busy}>
              Sign in
            </button>
            <p>
              No account?{' '}
              <a href="#" onClick={(e) => (e.preventDefault(), setMode('signup'), setError(''))}>
                Create one
              </a>
            </p>
            {config().local && <p class="muted small">Local stack: the platform admin's email and password are printed by make run and kept in .local/stack.json.</p>}
          </form>
        )}
        {mode === 'signup' && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              act(async () => {
                const r = await signUp(email.trim(), password, name.trim());
                if (r.confirmed) {
                  await signIn(email.trim(), password);
                } else {
                  setInfo(`A confirmation code was sent${r.destination ? ' to ' + r.destination : ''}.` + (config().local ? ' Locally, cognito-local prints it in .local/cognito-local.log.' : ''));
                  setMode('confirm');
                }
              });
            }}
          >
            <h2>Create an account</h2>
            <label>
              Email
              <input type="email" name="email" autoComplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
            </label>
            <label>
              Name
              <input name="name" autoComplete="name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
            </label>
            <label>
              Password
              <input type="password" name="password" autoComplete="new-password" required minLength={8} value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
              <small>At least 8 characters, with lower-case letters and digits.</small>
            </label>
            {error && <p role="alert" class="problem">{error}</p>}
            <button type="submit" aria-busy={busy} disabled={busy}>
              Create account
            </button>
            <p>
              <a href="#" onClick={(e) => (e.preventDefault(), setMode('signin'), setError(''))}>
                Back to sign in
              </a>
            </p>
          </form>
        )}
        {mode === 'confirm' && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              act(async () => {
                await confirmSignUp(email.trim(), code.trim());
                await signIn(email.trim(), password);
              });
            }}
          >
            <h2>Confirm your email</h2>
            {info && <p class="notice">{info}</p>}
            <label>
              Confirmation code
              <input name="code" inputMode="numeric" autoComplete="one-time-code" required value={code} onInput={(e) => setCode(e.currentTarget.value)} />
            </label>
            {error && <p role="alert" class="problem">{error}</p>}
            <button type="submit" aria-busy={busy} disabled={busy}>
              Confirm and sign in
            </button>
          </form>
        )}
      </article>
    </main>
  );
}
