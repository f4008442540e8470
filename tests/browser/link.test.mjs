// Browser test: Debian's Chromium, driven by playwright-core, opens a
// generateJWT URL, links X and Reddit by clicking through the sandbox's
// consent pages, unlinks X, and checks the page and GET /api/user.
// Run by scripts/test.sh after `npm ci --prefix tests/browser`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { Server, secrets } from '../integration/lib/harness.mjs';
import { Sandbox } from '../integration/lib/sandbox.mjs';

const CHROMIUM = process.env.SOCIALD_CHROMIUM || '/usr/bin/chromium';

let sb, srv, browser, acct, prof;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (scripts/setup.sh installs it)`);
  sb = await new Sandbox().start();
  srv = await new Server({ args: ['--sandbox', sb.url] }).start();
  acct = srv.account('business');
  const p = await srv.api('/api/profiles', { method: 'POST', key: acct.apiKey, body: { title: 'Browser user', subHeader: 'Connect your accounts to Acme' } });
  assert.equal(p.status, 200, p.text);
  prof = p.json;
  secrets.add(prof.profileKey);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  await sb?.stop();
});

test('link two networks by clicking, unlink one, see it in GET /api/user', async () => {
  const j = await srv.api('/api/profiles/generateJWT', { method: 'POST', key: acct.apiKey, profileKey: prof.profileKey, body: { domain: 'acme' } });
  assert.equal(j.status, 200, j.text);
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('response', (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`); });

  await page.goto(j.json.url);
  assert.match(page.url(), /\/link\/s\/[A-Za-z0-9_-]{43}$/);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Link your social accounts');
  assert.ok(await page.getByText('Connect your accounts to Acme').isVisible());

  for (const [label, login] of [['X', 'alice'], ['Reddit', 'bob']]) {
    await page.getByRole('link', { name: `Link ${label}` }).click();
    await page.waitForURL(new RegExp(`^${sb.url}`));
    assert.match(await page.title(), /authorize/i);
    await page.getByLabel('Login').fill(login);
    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.waitForURL(/\/link\/s\/.*m=linked/);
    assert.equal((await page.getByRole('status').textContent()).trim(), `${label} is linked.`);
  }
  // Linked cards show the account's name and an Unlink button.
  const x = page.locator('#card-twitter');
  assert.match(await x.textContent(), /Alice/);
  assert.ok(await x.getByRole('button', { name: 'Unlink X' }).isVisible());
  assert.equal(await x.locator('img').count(), 1);

  await x.getByRole('button', { name: 'Unlink X' }).click();
  await page.waitForURL(/m=unlinked/);
  assert.equal((await page.getByRole('status').textContent()).trim(), 'X was unlinked.');
  assert.ok(await page.getByRole('link', { name: 'Link X' }).isVisible());
  assert.ok(await page.locator('#card-reddit').getByRole('button', { name: 'Unlink Reddit' }).isVisible());

  const u = await srv.api('/api/user', { key: acct.apiKey, profileKey: prof.profileKey });
  assert.deepEqual(u.json.activeSocialAccounts, ['reddit']);
  assert.equal(u.json.displayNames[0].username, 'bob');
  assert.deepEqual(errors, [], 'no console errors or CSP violations');
  await page.close();
});
