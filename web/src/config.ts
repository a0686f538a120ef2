// The console's runtime configuration, config.json next to index.html:
// written by the local stack (localstack/webconsole.go) or deployed with the
// console by the CDK stack (infra/console.go). Nothing is baked into the
// build, so one build runs anywhere.
export interface ConsoleConfig {
  apiUrl: string;
  region: string;
  userPoolId: string;
  clientId: string;
  /** cognito-local's URL; empty means Cognito in region. */
  cognitoEndpoint?: string;
  /** USER_PASSWORD_AUTH (cognito-local) or USER_SRP_AUTH (AWS). */
  authFlow: 'USER_PASSWORD_AUTH' | 'USER_SRP_AUTH';
  local?: boolean;
}

let current: ConsoleConfig | null = null;

export async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch(new URL(import.meta.env.BASE_URL + 'config.json', location.origin), { cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json: ${res.status}`);
  const c = (await res.json()) as ConsoleConfig;
  if (!c.apiUrl || !c.userPoolId || !c.clientId) throw new Error('config.json lacks apiUrl, userPoolId or clientId');
  c.apiUrl = c.apiUrl.replace(/\/$/, '');
  current = c;
  return c;
}

export function config(): ConsoleConfig {
  if (!current) throw new Error('configuration not loaded');
  return current;
}

export function cognitoURL(): string {
  const c = config();
  return (c.cognitoEndpoint || `https://cognito-idp.${c.region}.amazonaws.com`).replace(/\/$/, '') + '/';
}
