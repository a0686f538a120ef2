// Sign-in against Cognito. Tokens are kept as a careful SPA keeps them: the
// access and id tokens only in memory, the refresh token in sessionStorage
// (this tab only, gone when it closes) so that a reload does not sign the
// person out. Nothing goes to localStorage or cookies. Locally the console
// uses USER_PASSWORD_AUTH (cognito-local has no SRP); on AWS it uses SRP
// through amazon-cognito-identity-js, so the app client needs no
// USER_PASSWORD_AUTH.
import { config, cognitoURL } from './config';

export interface Session {
  accessToken: string;
  idToken: string;
  refreshToken?: string;
  /** epoch ms when the access token expires */
  expiresAt: number;
  email: string;
}

const REFRESH_KEY = 'gatehouse.console.refresh';
let session: Session | null = null;
const listeners = new Set<() => void>();

export function onSessionChange(f: () => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}
function changed() {
  listeners.forEach((f) => f());
}
export function currentSession(): Session | null {
  return session;
}

/** An error from Cognito, with its exception name and message. */
export class CognitoError extends Error {
  constructor(public type: string, message: string) {
    super(message);
  }
}

async function cognito(target: string, body: unknown): Promise<any> {
  let res: Response;
  try {
    res = await fetch(cognitoURL(), {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': 'AWSCognitoIdentityProviderService.' + target,
      },
      body: JSON.stringify(body),
    });
  } catch {
    throw new CognitoError('NetworkError', 'Cognito cannot be reached. Is the stack running?');
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const type = String(data.__type || data.code || 'Error').split('#').pop() || 'Error';
    throw new CognitoError(type, data.message || data.Message || `${target} failed (${res.status})`);
  }
  return data;
}

function expiry(token: string): number {
  try {
    const b = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(b));
    return claims.exp * 1000;
  } catch {
    return Date.now() + 5 * 60 * 1000;
  }
}

function keep(s: Session) {
  session = s;
  if (s.refreshToken) {
    sessionStorage.setItem(REFRESH_KEY, JSON.stringify({ email: s.email, refreshToken: s.refreshToken }));
  }
  changed();
}

function fromResult(email: string, r: any, refreshToken?: string): Session {
  return {
    accessToken: r.AccessToken,
    idToken: r.IdToken,
    refreshToken: r.RefreshToken || refreshToken,
    expiresAt: expiry(r.AccessToken),
    email,
  };
}

export async function signIn(email: string, password: string): Promise<void> {
  const c = config();
  if (c.authFlow === 'USER_SRP_AUTH') {
    keep(await srpSignIn(email, password));
    return;
  }
  const out = await cognito('InitiateAuth', {
    AuthFlow: 'USER_PASSWORD_AUTH',
    ClientId: c.clientId,
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  if (out.ChallengeName) {
    throw new CognitoError(out.ChallengeName, `Cognito asks for ${out.ChallengeName}, which this console does not handle; use the activation link to set a password.`);
  }
  keep(fromResult(email, out.AuthenticationResult));
}

/** SRP sign-in, loaded only when configured (the AWS deployment). */
async function srpSignIn(email: string, password: string): Promise<Session> {
  const c = config();
  const { CognitoUserPool, CognitoUser, AuthenticationDetails } = await import('amazon-cognito-identity-js');
  // The library's own storage stays in memory: the console keeps the tokens.
  const mem = new Map<string, string>();
  const storage = {
    setItem: (k: string, v: string) => void mem.set(k, v),
    getItem: (k: string) => mem.get(k) ?? null,
    removeItem: (k: string) => void mem.delete(k),
    clear: () => mem.clear(),
  };
  const pool = new CognitoUserPool({
    UserPoolId: c.userPoolId,
    ClientId: c.clientId,
    endpoint: c.cognitoEndpoint || undefined,
    Storage: storage,
  });
  const user = new CognitoUser({ Username: email, Pool: pool, Storage: storage });
  return new Promise<Session>((resolve, reject) => {
    user.authenticateUser(new AuthenticationDetails({ Username: email, Password: password }), {
      onSuccess: (s) =>
        resolve({
          accessToken: s.getAccessToken().getJwtToken(),
          idToken: s.getIdToken().getJwtToken(),
          refreshToken: s.getRefreshToken().getToken(),
          expiresAt: s.getAccessToken().getExpiration() * 1000,
          email,
        }),
      onFailure: (err: any) => reject(new CognitoError(err?.code || err?.name || 'Error', err?.message || String(err))),
      newPasswordRequired: () =>
        reject(new CognitoError('NEW_PASSWORD_REQUIRED', 'This account needs a new password: use its activation link.')),
    });
  });
}

let refreshing: Promise<boolean> | null = null;

/** Refreshes the access token with the refresh token; false when it cannot. */
export function refresh(): Promise<boolean> {
  if (refreshing) return refreshing;
  refreshing = (async () => {
    let saved: { email: string; refreshToken: string } | null = null;
    try {
      saved = session?.refreshToken
        ? { email: session.email, refreshToken: session.refreshToken }
        : JSON.parse(sessionStorage.getItem(REFRESH_KEY) || 'null');
    } catch {
      saved = null;
    }
    if (!saved?.refreshToken) return false;
    try {
      const out = await cognito('InitiateAuth', {
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        ClientId: config().clientId,
        AuthParameters: { REFRESH_TOKEN: saved.refreshToken },
      });
      keep(fromResult(saved.email, out.AuthenticationResult, saved.refreshToken));
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** The access token, refreshed first when it expires within a minute. */
export async function accessToken(): Promise<string | null> {
  if (session && session.expiresAt - Date.now() > 60_000) return session.accessToken;
  if (await refresh()) return session!.accessToken;
  return session?.accessToken ?? null;
}

/** Restores the session of this tab after a reload, if it has one. */
export async function resume(): Promise<boolean> {
  return refresh();
}

/** Why the last session ended, shown on the sign-in screen. */
export let endedBecause = '';

export function signOut(reason = ''): void {
  const s = session;
  session = null;
  endedBecause = reason;
  sessionStorage.removeItem(REFRESH_KEY);
  if (s?.refreshToken) {
    // Revoke the refresh token so a copy of it is useless; best effort.
    cognito('RevokeToken', { ClientId: config().clientId, Token: s.refreshToken }).catch(() => {});
  }
  changed();
}

export async function signUp(email: string, password: string, name: string): Promise<{ confirmed: boolean; destination?: string }> {
  const out = await cognito('SignUp', {
    ClientId: config().clientId,
    Username: email,
    Password: password,
    UserAttributes: [
      { Name: 'email', Value: email },
      ...(name ? [{ Name: 'name', Value: name }] : []),
    ],
  });
  return { confirmed: !!out.UserConfirmed, destination: out.CodeDeliveryDetails?.Destination };
}

export async function confirmSignUp(email: string, code: string): Promise<void> {
  await cognito('ConfirmSignUp', { ClientId: config().clientId, Username: email, ConfirmationCode: code });
}
