// Browser tests of the console (make test): Debian's chromium driven by
// playwright-core against a fresh local stack (cmd/gatehouse-local on a
// random port, a temporary data dir, the built console from web/dist).
// Without chromium they say so loudly and pass, unless
// GATEHOUSE_REQUIRE_BROWSER=1 (CI), where a missing browser fails.
//
// The flows: sign in, create and switch orgs, invite and accept as the
// invitee (signing up in the console), change a role and see it take
// effect, a viewer seeing a refusal's reason, grant and deny a device,
// create a read-only token and open its embed URL, the platform admin
// disabling an account, signing out. Screenshots of the members screen and the grants
// editor go to docs/img/.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const web = path.resolve(here, '..');
const root = path.resolve(web, '..');
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';
const started = Date.now();

function loud(msg) {
  const line = '!'.repeat(78);
  console.error(`\n${line}\n!! ${msg}\n${line}\n`);
}

if (!existsSync(browserPath)) {
  loud(`BROWSER TESTS SKIPPED: no chromium at ${browserPath}. Install it with: apt-get update && apt-get install -y chromium (or set CHROMIUM=/path/to/chromium).`);
  process.exit(process.env.GATEHOUSE_REQUIRE_BROWSER === '1' ? 1 : 0);
}
if (!existsSync(path.join(web, 'dist', 'index.html'))) {
  console.error('web/dist is not built: run npm run build in web/ (make test does).');
  process.exit(1);
}

const tmp = mkdtempSync(path.join(tmpdir(), 'gatehouse-browser-'));
const dataDir = path.join(tmp, 'data');
const bin = path.join(tmp, 'gatehouse-local');
let stack;
let browser;

async function startStack() {
  if (!existsSync(bin)) execFileSync(process.env.GO || 'go', ['build', '-o', bin, './cmd/gatehouse-local'], { cwd: root, stdio: 'inherit' });
  stack = spawn(bin, [], {
    cwd: root,
    env: {
      ...process.env,
      GATEHOUSE_API_ADDR: '127.0.0.1:0',
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_CONSOLE_DIR: path.join(web, 'dist'),
      // A fresh temporary data dir, kept across the restart of the last flow
      // as make run keeps .local/.
      GATEHOUSE_PERSIST: '1',
      GATEHOUSE_SWEEP_INTERVAL: '-1s',
      // Role changes reach the authorizer at once.
      GATEHOUSE_AUTHZ_CACHE_TTL: '0s',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  stack.stderr.on('data', (b) => (log += b));
  const file = path.join(dataDir, 'stack.json');
  for (let i = 0; i < 600; i++) {
    if (stack.exitCode !== null) throw new Error(`gatehouse-local exited: ${log}`);
    if (log.includes('Press Ctrl-C') && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`gatehouse-local did not start within 120 s: ${log}`);
}

// cleanup stops the stack, waits for it to exit (it writes its data dump on
// the way out), then removes the temporary directory; a leftover file is
// worth a warning, not a failed suite.
async function cleanup() {
  if (stack && stack.exitCode === null) {
    const exited = new Promise((r) => stack.once('exit', r));
    stack.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15000))]);
  }
  try {
    rmSync(tmp, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  } catch (err) {
    console.warn(`could not remove ${tmp}: ${err.message}`);
  }
}

const steps = [];
const pages = {};
async function step(name, f) {
  const t = Date.now();
  try {
    await f();
    steps.push(name);
    console.log(`ok   ${name} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  } catch (e) {
    console.log(`FAIL ${name}: ${e.stack || e}`);
    const dir = path.join(web, 'test-results');
    mkdirSync(dir, { recursive: true });
    for (const [who, p] of Object.entries(pages)) {
      await p.screenshot({ path: path.join(dir, `${who}.png`), fullPage: true }).catch(() => {});
    }
    console.log(`screenshots of the failure: ${dir}`);
    throw e;
  }
}

/** Stops the stack as Ctrl-C does and waits for it to exit. */
async function stopStack() {
  if (!stack || stack.exitCode !== null) return;
  const exited = new Promise((r) => stack.once('exit', r));
  stack.kill('SIGINT');
  await exited;
}

/** The last sign-up confirmation code cognito-local printed. */
async function confirmationCode() {
  for (let i = 0; i < 100; i++) {
    const log = existsSync(path.join(dataDir, 'cognito-local.log')) ? readFileSync(path.join(dataDir, 'cognito-local.log'), 'utf8') : '';
    const codes = [...log.matchAll(/Code:\s+(\d+)/g)];
    if (codes.length) return codes[codes.length - 1][1];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no confirmation code in cognito-local.log');
}

async function signIn(page, console, email, password) {
  await page.goto(console);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

async function go(page, screen) {
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: screen, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: screen }).waitFor();
}

let failed = false;
try {
  const info = await startStack();
  const consoleURL = `${info.apiUrl}/console/`;
  browser = await chromium.launch({ executablePath: browserPath, headless: true, args: ['--no-sandbox'] });
  const adminCtx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const admin = await adminCtx.newPage();
  const bobCtx = await browser.newContext({ viewport: { width: 420, height: 860 } }); // a phone
  adminCtx.setDefaultTimeout(15000);
  bobCtx.setDefaultTimeout(15000);
  const bob = await bobCtx.newPage();
  Object.assign(pages, { admin, bob });
  const bobEmail = 'bob@example.com';
  const bobPassword = 'bobsecret42';
  let acceptURL = '';

  await step('the platform admin signs in', async () => {
    await signIn(admin, consoleURL, info.adminEmail, info.adminPassword);
    await admin.getByRole('heading', { level: 1, name: 'Organization' }).waitFor();
  });

  await step('create an organization and switch between orgs', async () => {
    await admin.getByRole('button', { name: 'New organization' }).click();
    await admin.getByLabel('New organization name').fill('Acme Devices');
    await admin.getByRole('button', { name: 'Create', exact: true }).click();
    const sw = admin.getByRole('combobox', { name: 'Organization', exact: true });
    await admin.waitForFunction(() => [...document.querySelectorAll('select[aria-label=Organization] option:checked')].some((o) => o.textContent.includes('Acme Devices')));
    const options = await sw.locator('option').allTextContents();
    assert.equal(options.length, 2, `two orgs in the switcher, got ${options}`);
    await sw.selectOption({ label: options.find((o) => !o.includes('Acme')) });
    // The personal org is active after switching: its settings show its name.
    await admin.waitForFunction(() => /Platform admin/.test(document.querySelector('main input')?.value || ''));
    await sw.selectOption({ label: 'Acme Devices' });
    await admin.waitForFunction(() => document.querySelector('main input')?.value === 'Acme Devices');
  });

  await step('invite someone: the link to pass on is shown', async () => {
    await go(admin, 'Members');
    await admin.getByRole('button', { name: 'Invite', exact: true }).click();
    const form = admin.getByRole('form', { name: 'Invite' });
    await form.getByLabel('Email').fill(bobEmail);
    await form.getByLabel('Viewer').uncheck();
    await form.getByLabel('Developer').check();
    await form.getByRole('button', { name: 'Send invitation' }).click();
    await admin.getByTestId('invite-delivery').waitFor();
    assert.match(await admin.getByTestId('invite-delivery').textContent(), /pass this link on/);
    acceptURL = await admin.getByTestId('accept-url').inputValue();
    assert.match(acceptURL, /\/invites\/accept\?token=/);
  });

  await step('the invitee signs up in the console and accepts', async () => {
    await bob.goto(acceptURL);
    await bob.getByText('with the email address the invitation was sent to').waitFor();
    assert.ok(!bob.url().includes('token='), `the token left the address bar, got ${bob.url()}`);
    await bob.getByRole('link', { name: 'Create one' }).click();
    await bob.getByLabel('Email').fill(bobEmail);
    await bob.getByLabel('Name').fill('Bob Builder');
    await bob.getByLabel('Password').fill(bobPassword);
    await bob.getByRole('button', { name: 'Create account' }).click();
    await bob.getByLabel('Confirmation code').fill(await confirmationCode());
    await bob.getByRole('button', { name: 'Confirm and sign in' }).click();
    await bob.getByRole('button', { name: 'Accept invitation' }).click();
    await bob.getByRole('heading', { level: 1, name: 'Members' }).waitFor();
    await bob.getByRole('combobox', { name: 'Organization', exact: true }).locator('option:checked', { hasText: 'Acme Devices' }).waitFor({ state: 'attached' });
  });

  await step('the admin sees the new member and takes the members screenshot', async () => {
    await admin.reload();
    await go(admin, 'Members');
    const row = admin.locator(`tr[data-user="${bobEmail}"]`);
    await row.waitFor();
    assert.match(await row.textContent(), /developer/);
    mkdirSync(path.join(root, 'docs', 'img'), { recursive: true });
    await admin.screenshot({ path: path.join(root, 'docs', 'img', 'console-members.png'), fullPage: true });
  });

  await step('change a role and see it take effect; the viewer sees the reason of a refusal', async () => {
    // Bob, a developer, has the resources screen open with the register form.
    await bob.getByRole('button', { name: 'Menu' }).click();
    await go(bob, 'Resources');
    await bob.getByRole('form', { name: 'Register a resource' }).waitFor();
    // The admin makes Bob a viewer.
    await admin.locator(`tr[data-user="${bobEmail}"]`).getByRole('button', { name: /Manage/ }).click();
    const editor = admin.getByRole('article', { name: `Manage ${bobEmail}` });
    await editor.getByLabel('Developer').uncheck();
    await editor.getByLabel('Viewer').check();
    await editor.getByRole('button', { name: 'Save roles' }).click();
    await editor.getByText('Roles saved.').waitFor();
    await admin.locator(`tr[data-user="${bobEmail}"]`).getByText('viewer').waitFor();
    // Bob's open page still shows the form; the API refuses, with its reason.
    const form = bob.getByRole('form', { name: 'Register a resource' });
    await form.getByLabel('Resource id').fill('bobs-device');
    await form.getByRole('button', { name: 'Register' }).click();
    const alert = form.getByRole('alert');
    await alert.waitFor();
    const text = await alert.textContent();
    assert.match(text, /Reason:/, `the refusal shows its reason, got ${text}`);
    assert.doesNotMatch(text, /^Error 403$/);
    // After a reload the console follows the new role: no register form, no members screen.
    await bob.reload();
    await bob.getByRole('button', { name: 'Sign out' }).waitFor();
    await bob.getByRole('button', { name: 'Menu' }).click();
    await go(bob, 'Resources');
    assert.equal(await bob.getByRole('form', { name: 'Register a resource' }).count(), 0, 'a viewer gets no register form');
    assert.equal(await bob.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Members' }).count(), 0, 'a viewer gets no members screen');
  });

  await step('grant and deny a device', async () => {
    await go(admin, 'Resources');
    const reg = admin.getByRole('form', { name: 'Register a resource' });
    await reg.getByLabel('Resource id').fill('sensor-1');
    await reg.getByLabel('Resource name').fill('Boiler sensor');
    await reg.getByRole('button', { name: 'Register' }).click();
    const row = admin.locator('tr[data-resource="sensor-1"]');
    await row.waitFor();
    await row.getByRole('button', { name: /Grants/ }).click();
    const editor = admin.getByRole('article', { name: 'Grants of Boiler sensor' });
    await editor.getByText('Deny wins.').waitFor();
    await editor.getByLabel('Add a grant for').selectOption({ label: bobEmail });
    await editor.getByRole('button', { name: 'Save grants' }).click();
    await editor.getByText('Grants saved.').waitFor();
    // Bob sees the device he was granted.
    await bob.reload();
    await bob.getByRole('button', { name: 'Sign out' }).waitFor();
    await bob.getByRole('button', { name: 'Menu' }).click();
    await go(bob, 'Resources');
    await bob.locator('tr[data-resource="sensor-1"]').waitFor();
    // The admin denies read to the built-in All group: deny wins over Bob's allow.
    await editor.getByLabel('Add a grant for').selectOption({ label: 'All members' });
    const allRow = editor.locator('tr[data-principal="group:all"]');
    await allRow.getByLabel(/^read for/).selectOption('deny');
    await editor.getByRole('button', { name: 'Save grants' }).click();
    await editor.getByText('Grants saved.').waitFor();
    await admin.screenshot({ path: path.join(root, 'docs', 'img', 'console-grants.png'), fullPage: true });
    await bob.reload();
    await bob.getByRole('button', { name: 'Sign out' }).waitFor();
    await bob.getByRole('button', { name: 'Menu' }).click();
    await go(bob, 'Resources');
    await bob.getByText('No resources you may see.').waitFor();
  });

  await step('create a read-only token and open its embed URL', async () => {
    await go(admin, 'API tokens');
    const form = admin.getByRole('form', { name: 'Create an API token' });
    await form.getByLabel('Name').fill('wall display');
    await form.getByRole('button', { name: 'Create token' }).click();
    const secret = await admin.getByTestId('token-secret').inputValue();
    assert.match(secret, /^gha_/);
    const embed = await admin.getByTestId('embed-url').inputValue();
    const [tab] = await Promise.all([adminCtx.waitForEvent('page'), admin.getByRole('link', { name: 'Open the embed URL' }).click()]);
    await tab.waitForLoadState();
    const body = await tab.evaluate(() => document.body.innerText);
    assert.ok(tab.url().startsWith(embed.split('?')[0]), `the embed URL opened, got ${tab.url()}`);
    assert.match(body, /sensor-1/, `the embedded view lists the device, got ${body.slice(0, 200)}`);
    await tab.close();
    await admin.getByRole('button', { name: 'Revoke wall display' }).waitFor();
  });

  await step('groups, custom roles, sub-orgs, invites, audit, profile and sign-up policy screens act through the API', async () => {
    await go(admin, 'Groups');
    await admin.getByRole('button', { name: 'Manage All members' }).waitFor();
    await admin.getByLabel('Group name').fill('Field team');
    await admin.getByRole('button', { name: 'Create group' }).click();
    await admin.getByRole('button', { name: 'Manage Field team' }).click();
    const group = admin.getByRole('article', { name: 'Group Field team' });
    await group.getByLabel('Member to add').selectOption({ label: bobEmail });
    await group.getByRole('button', { name: 'Add to group' }).click();
    await group.getByText('Bob Builder').waitFor();

    await go(admin, 'Roles');
    await admin.getByRole('button', { name: 'New custom role' }).click();
    const role = admin.getByRole('form', { name: 'New custom role' });
    await role.getByLabel('Name').fill('Auditor');
    await role.getByRole('group', { name: 'audit' }).getByLabel('read').check();
    await role.getByRole('button', { name: 'Save role' }).click();
    await admin.getByRole('cell', { name: 'Auditor has audit:read' }).waitFor();

    await go(admin, 'Sub-orgs');
    await admin.getByLabel('Sub-org name').fill('Customer One');
    await admin.getByRole('button', { name: 'Create sub-org' }).click();
    await admin.getByRole('button', { name: 'Quotas of Customer One' }).click();
    await admin.getByLabel('Members (-1: unlimited)').fill('5');
    await admin.getByRole('button', { name: 'Save quotas' }).click();
    await admin.getByText(/Members: \d+ \/ 5/).waitFor();

    await go(admin, 'Invites');
    await admin.getByRole('button', { name: 'Invite', exact: true }).click();
    await admin.getByRole('form', { name: 'Invite' }).getByLabel('Email').fill('carol@example.net');
    await admin.getByRole('button', { name: 'Send invitation' }).click();
    await admin.getByRole('button', { name: 'Revoke invitation to carol@example.net' }).click();
    await admin.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await admin.getByRole('row', { name: /carol@example.net.*revoked/ }).waitFor();

    await go(admin, 'Audit log');
    await admin.getByRole('cell', { name: /invite/ }).first().waitFor();
    await admin.getByLabel('Target').fill('nothing-matches-this');
    await admin.getByRole('button', { name: 'Filter' }).click();
    await admin.getByText('No events match.').waitFor();

    await go(admin, 'Profile');
    await admin.getByLabel('Phone').fill('not a phone');
    await admin.getByRole('button', { name: 'Save profile' }).click();
    assert.match(await admin.getByRole('alert').textContent(), /phone/, 'a validation refusal names the field');
    await admin.getByLabel('Phone').fill('+34600123456');
    await admin.getByLabel('Time zone').fill('Europe/Madrid');
    await admin.getByRole('button', { name: 'Save profile' }).click();
    await admin.getByText('Profile saved.').waitFor();

    await go(admin, 'Sign-up policy');
    await admin.getByLabel('Nobody: invitations and admins only').check();
    await admin.getByRole('button', { name: 'Save policy' }).click();
    await admin.getByText('Sign-up policy saved.').waitFor();
  });

  await step('the platform admin disables an account', async () => {
    await go(admin, 'Accounts');
    await admin.getByLabel('Email starts with').fill('bob');
    await admin.getByRole('button', { name: 'Search' }).click();
    await admin.locator(`tr[data-account="${bobEmail}"]`).getByRole('button', { name: /Manage/ }).click();
    const panel = admin.getByRole('article', { name: `Account ${bobEmail}` });
    await panel.getByRole('button', { name: 'Disable account' }).click();
    await admin.getByRole('dialog').getByRole('button', { name: 'Disable account' }).click();
    await panel.getByText('Account disabled.').waitFor();
    await admin.locator(`tr[data-account="${bobEmail}"]`).getByText('disabled').waitFor();
    // Bob is cut off at his next request.
    await bob.reload();
    await bob.getByRole('alert').or(bob.getByRole('button', { name: 'Sign in' })).first().waitFor();
    assert.equal(await bob.getByRole('table', { name: 'Resources' }).count(), 0, 'a disabled account sees no data');
  });

  await step('after Ctrl-C and a restart the orgs are still there', async () => {
    await stopStack();
    const again = await startStack();
    assert.equal(again.userPoolId, info.userPoolId, 'the same user pool after a restart');
    assert.equal(again.clientId, info.clientId, 'the same app client after a restart');
    await signIn(admin, `${again.apiUrl}/console/`, info.adminEmail, info.adminPassword);
    const sw = admin.getByRole('combobox', { name: 'Organization', exact: true });
    await sw.locator('option', { hasText: 'Acme Devices' }).waitFor({ state: 'attached' });
    await sw.selectOption({ label: 'Acme Devices' });
    await go(admin, 'Members');
    await admin.locator(`tr[data-user="${bobEmail}"]`).waitFor();
  });

  await step('sign out ends the session, and a reload does not bring it back', async () => {
    await admin.getByRole('button', { name: 'Sign out' }).click();
    await admin.getByRole('button', { name: 'Sign in' }).waitFor();
    await admin.reload();
    await admin.getByRole('button', { name: 'Sign in' }).waitFor();
  });
} catch (e) {
  failed = true;
} finally {
  if (browser) await browser.close();
  await cleanup();
}
const secs = ((Date.now() - started) / 1000).toFixed(1);
if (failed) {
  console.log(`browser tests FAILED after ${steps.length} steps (${secs} s)`);
  process.exit(1);
}
console.log(`browser tests passed: ${steps.length} flows in ${secs} s`);
