/* test.js: citybench's pages in Debian's Chromium, driven by playwright-core, checked by axe-core.
 *
 * Every page, with JavaScript on and off: one <h1>, a <main>, a skip link, a title, no console
 * errors, no failed requests, no inline script or style, zero axe violations (WCAG 2.0/2.1 A and
 * AA).  The forms work without JavaScript and land on the permalink.  The Toronto profile states the
 * reference figures, and its numbers are those of its .json twin.  Screenshots of the profile (plain,
 * 200% zoom, forced colours) go to build/screenshots/.
 *
 * BASE_URL names the portal.  Prints TAP lines; exits non-zero when a check failed.  A page whose
 * route is still pending (404 "no such page" from the route table) is skipped with "# skip". */
'use strict';

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { chromium } = require('playwright-core');

const BASE = (process.env.BASE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const ROOT = path.resolve(__dirname, '..', '..');
const SHOTS = path.join(ROOT, 'build', 'screenshots');
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

let passed = 0;
let failed = 0;
const skipped = [];
/* The map filtered by policy area and population band, Toronto highlighted (Visitor journey 4). */
const MAP_FILTERED = '/map?policy=health&population=1000000-4999999&city=toronto';

function ok(name) {
	passed++;
	console.log('ok - ' + name);
}

function notOk(name, why) {
	failed++;
	console.log('not ok - ' + name);
	for (const line of String(why || '').split('\n').slice(0, 60)) {
		console.log('#   ' + line);
	}
}

function skip(name, why) {
	skipped.push(name);
	console.log('ok - ' + name + ' # skip ' + why);
}

function check(name, cond, why) {
	if (cond) {
		ok(name);
	} else {
		notOk(name, why);
	}
	return cond;
}

/* Runs fn as one named test: an exception is a failure, not a crash. */
async function test(name, fn) {
	try {
		await fn();
	} catch (e) {
		notOk(name, e && e.stack ? e.stack : e);
	}
}

async function fetchText(url) {
	const res = await fetch(BASE + url, { redirect: 'manual' });
	return { status: res.status, headers: res.headers, text: await res.text() };
}

async function fetchJson(url) {
	const r = await fetchText(url);
	if (r.status !== 200) {
		throw new Error('GET ' + url + ': ' + r.status + ' ' + r.text.slice(0, 300));
	}
	return JSON.parse(r.text);
}

/* A 404 from the route table itself means the page's route is not there yet. */
function pending(r) {
	if (r.status !== 404) {
		return false;
	}
	return /no such page/.test(r.text);
}

function halfUp(n, d) {
	return d > 0 ? Math.floor((200 * n + d) / (2 * d)) : 0;
}

async function launch() {
	/* launch() gives every run a fresh, temporary user-data-dir of its own. */
	return chromium.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync',
			'--disable-dev-shm-usage'],
	});
}

/* Opens url in a new page of ctx and watches what goes wrong while it loads. */
async function open(ctx, url, expectStatus) {
	const page = await ctx.newPage();
	const problems = [];
	const target = BASE + url;
	page.setDefaultTimeout(30000);
	page.on('console', (msg) => {
		if (msg.type() !== 'error') {
			return;
		}
		/* The error page's own status is expected; Chrome logs it as a failed load. */
		if (expectStatus >= 400 && /Failed to load resource: the server responded with a status of/.test(msg.text()) &&
		    msg.location() && msg.location().url === target) {
			return;
		}
		problems.push('console error: ' + msg.text());
	});
	page.on('pageerror', (err) => problems.push('page error: ' + err.message));
	page.on('requestfailed', (req) => problems.push('request failed: ' + req.url() + ' ' +
		(req.failure() ? req.failure().errorText : '')));
	page.on('response', (res) => {
		if (res.status() >= 400 && !(res.url() === target && res.status() === expectStatus)) {
			problems.push('HTTP ' + res.status() + ': ' + res.url());
		}
	});
	const res = await page.goto(target, { waitUntil: 'load' });
	await page.waitForLoadState('networkidle').catch(() => {});
	return { page, res, problems };
}

async function runAxe(page) {
	/* Evaluated through the DevTools protocol: the page's CSP (script-src 'self') stays in force. */
	await page.evaluate(AXE);
	return page.evaluate(async (tags) => {
		const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
		return r.violations.map((v) => ({
			id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ' :: ' + n.failureSummary.replace(/\s+/g, ' ')),
		}));
	}, AXE_TAGS);
}

function describe(violations) {
	return violations.map((v) => v.id + ' (' + v.impact + '): ' + v.help + '\n' +
		v.nodes.map((n) => '    ' + n).join('\n')).join('\n');
}

/* axe needs scripts, timers included.  For a page loaded without JavaScript, its DOM as served goes
 * back through the same URL (same origin, same stylesheet, same headers) into a page that may run
 * scripts, with the page's own scripts taken out, and axe runs there. */
async function axeWithoutScripts(axeCtx, url, status, headers, html) {
	const page = await axeCtx.newPage();
	page.setDefaultTimeout(30000);
	try {
		await page.route(BASE + url, (route) => route.fulfill({
			status, headers, body: html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, ''),
		}));
		await page.goto(BASE + url, { waitUntil: 'load' });
		return await runAxe(page);
	} finally {
		await page.close();
	}
}

/* The structural checks and axe on one page. */
async function checkPage(ctx, label, url, expectStatus, axeResults, axeCtx) {
	const { page, res, problems } = await open(ctx, url, expectStatus);
	try {
		const name = label + ' ' + url;
		check(name + ': status ' + expectStatus, res && res.status() === expectStatus,
			'got ' + (res ? res.status() : 'no response'));
		const csp = res ? (await res.allHeaders())['content-security-policy'] || '' : '';
		check(name + ': strict Content-Security-Policy', /script-src 'self'/.test(csp) && /style-src 'self'/.test(csp),
			'header: ' + csp);
		const facts = await page.evaluate(() => ({
			h1: document.querySelectorAll('h1').length,
			main: document.querySelectorAll('main').length,
			skip: (() => {
				const a = document.querySelector('a[href="#main"]');
				const first = document.querySelector('body a, body button, body input, body select');
				return !!a && a === first && !!document.getElementById('main');
			})(),
			title: document.title.trim(),
			inlineStyle: document.querySelectorAll('[style]').length + document.querySelectorAll('style').length,
			inlineScript: Array.from(document.querySelectorAll('script')).filter((s) => !s.src).length,
			handlers: Array.from(document.querySelectorAll('*')).filter((e) =>
				Array.from(e.attributes).some((a) => /^on/i.test(a.name))).length,
		}));
		check(name + ': exactly one <h1>', facts.h1 === 1, facts.h1 + ' h1 elements');
		check(name + ': one <main>', facts.main === 1, facts.main + ' main elements');
		check(name + ': skip link first, to #main', facts.skip, 'no skip link as the first focusable element');
		check(name + ': non-empty <title>', facts.title.length > 0 && !/^\s*·/.test(facts.title), 'title: ' + facts.title);
		check(name + ': no inline style or script', facts.inlineStyle === 0 && facts.inlineScript === 0 && facts.handlers === 0,
			JSON.stringify(facts));
		const violations = axeCtx ?
			await axeWithoutScripts(axeCtx, url, expectStatus, await res.allHeaders(), await page.content()) :
			await runAxe(page);
		axeResults.push({ url: label + ' ' + url, count: violations.length });
		check(name + ': axe (WCAG 2.1 A/AA) finds no violation', violations.length === 0, describe(violations));
		check(name + ': no console error, no failed request', problems.length === 0, problems.join('\n'));
	} finally {
		await page.close();
	}
}

/* ---- the partner's journey (issue 13) ----
 * A city of its own answering a wave of its own (1991, a copy of the 2020 questionnaire), so that the
 * reference cohorts the integration tests check first stay as they are. */
const os = require('os');

function cli(...args) {
	return execFileSync(process.env.CB_BIN ? path.join(process.env.CB_BIN, 'citybench') : path.join(ROOT, 'bin', 'citybench'),
		args, { encoding: 'utf8', env: process.env }).trim();
}

async function partnerJourney(browser) {
	const wave = '1991';
	const q = JSON.parse(fs.readFileSync(path.join(ROOT, 'sql', 'surveys', '2020.json'), 'utf8'));
	q.survey = { id: wave, title: 'Partner journey test wave' };
	const file = path.join(os.tmpdir(), 'cb-partner-' + process.pid + '.json');
	fs.writeFileSync(file, JSON.stringify(q));
	cli('survey', 'load', file);
	fs.unlinkSync(file);
	const slug = 'partner-' + process.pid;
	cli('city', 'add', slug, '--name', 'Partner Town', '--country', 'FR', '--region', 'Europe', '--population', '120000',
		'--synthetic');
	const token = cli('token', 'create', '--city', slug).split('\n').pop();
	const first = await fetch(BASE + '/api/submissions', {
		method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token },
		body: JSON.stringify({ city: slug, survey: wave, answers: { mayor: 'Ada Start', dedicated_funding: true,
			team1_staff: 4, funding_sources: ['municipal_budget', 'philanthropy'] } }),
	});
	if (first.status !== 201) {
		throw new Error('first upload: ' + first.status + ' ' + await first.text());
	}
	const passes = [
		{ js: true, width: 1280, label: '[js 1280]' },
		{ js: false, width: 390, label: '[no-js 390]' },
	];
	for (const [n, pass] of passes.entries()) {
		const ctx = await browser.newContext({ javaScriptEnabled: pass.js, viewport: { width: pass.width, height: 900 },
			acceptDownloads: true });
		const page = await ctx.newPage();
		page.setDefaultTimeout(30000);
		const L = 'partner ' + pass.label + ': ';
		/* from the profile to the upload page, which offers the current answers first */
		await page.goto(BASE + '/cities/' + slug + '?survey=' + wave);
		const offered = await page.$$eval('#downloads a', (as) => as.map((a) => a.getAttribute('href')));
		check(L + 'the profile offers the current answers first',
			offered[0] === '/cities/' + slug + '/answers.csv?survey=' + wave, JSON.stringify(offered.slice(0, 4)));
		await page.goto(BASE + '/upload?city=' + slug + '&survey=' + wave);
		const [download] = await Promise.all([page.waitForEvent('download'),
			page.click('text=Download your current answers (CSV)')]);
		const csv = fs.readFileSync(await download.path(), 'utf8');
		check(L + 'the download is the upload form with label and help',
			csv.startsWith('city,survey,question,value,label,help\r\n') && csv.includes(slug + ',' + wave + ',mayor,'),
			csv.slice(0, 300));
		/* change one row, as in a spreadsheet */
		const want = 'Ada Pass ' + n;
		const edited = csv.replace(/^(.*?,mayor,)[^,]*,/m, '$1' + want + ',');
		check(L + 'one row edited', edited !== csv, 'no mayor row');
		await page.fill('#token', token);
		await page.setInputFiles('#file', { name: 'answers.csv', mimeType: 'text/csv', buffer: Buffer.from(edited) });
		await Promise.all([page.waitForNavigation(), page.click('form.upload button[type="submit"]')]);
		const h1 = text(await page.textContent('h1'));
		const changed = await page.$eval('table.data tbody tr td:last-child', (td) => td.textContent).catch(() => '');
		check(L + 'the upload is stored, one answer changed', h1 === 'Upload stored' && changed === '1', h1 + ' / ' + changed);
		await page.goto(BASE + '/cities/' + slug + '?survey=' + wave);
		const body = text(await page.textContent('main'));
		check(L + 'the profile shows the change at once', body.includes(want) && !body.includes('Ada Start'), 'no ' + want);
		/* the empty template by mistake: nothing cleared, the list and the checkbox */
		const tpl = await fetchText('/surveys/' + wave + '/template.csv?city=' + slug);
		await page.goto(BASE + '/upload');
		await page.fill('#token', token);
		await page.setInputFiles('#file', { name: 'form.csv', mimeType: 'text/csv', buffer: Buffer.from(tpl.text) });
		const [res] = await Promise.all([page.waitForNavigation(), page.click('form.upload button[type="submit"]')]);
		const items = await page.$$eval('ul.problems li', (lis) => lis.map((li) => li.textContent));
		const answered = Object.values((await fetchJson('/cities/' + slug + '.json?survey=' + wave)).answers)
			.filter((v) => v !== null).length;
		check(L + 'the empty template is stopped: 409, one list item per answered question (' + answered + ')',
			res.status() === 409 && items.length === answered && items.some((t) => /mayor/.test(t)),
			res.status() + ' ' + JSON.stringify(items));
		const form = await page.evaluate(() => ({
			clear: !!document.querySelector('input#clear[type="checkbox"][name="clear"]') &&
				!!document.querySelector('label[for="clear"]'),
			token: document.querySelector('#token').value,
			nothing: Array.from(document.querySelectorAll('p')).some((p) => p.textContent === 'Nothing was stored.'),
			heading: Array.from(document.querySelectorAll('h2')).map((h) => h.textContent),
		}));
		check(L + 'the page offers the checkbox, keeps the token, says nothing was stored',
			form.clear && form.token === token && form.nothing &&
			form.heading.includes(answered + ' answers would be cleared'), JSON.stringify(form));
		const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
		check(L + 'no horizontal scrolling', wide <= 0, wide + 'px too wide');
		if (pass.js) {
			const v = await runAxe(page);
			check(L + 'axe finds no violation on the 409 page', v.length === 0, describe(v));
		}
		await page.screenshot({ path: path.join(SHOTS, 'partner-409-' + pass.width + '.png'), fullPage: true });
		const after = (await fetchJson('/cities/' + slug + '.json?survey=' + wave)).answers;
		check(L + 'nothing was cleared', after.mayor === want && after.dedicated_funding === true, JSON.stringify(after).slice(0, 200));
		await ctx.close();
	}
}

function text(s) {
	return s.replace(/\s+/g, ' ');
}

/* ---- the partner's journey (`node test.js partner`: it writes, so it runs after the other tests) ----
 *
 * A city of its own and its token from the CLI; an upload makes version 1.  Then, in four browsers
 * (JavaScript on and off, 1280 and 390 px wide): sign in through the form, answer in the questionnaire
 * with one value out of range (the message next to the field, what was typed kept), fix it, save, and
 * see the profile show it.  Then restore the version before from the versions page, and sign out. */

function citybench(...args) {
	const bin = path.join(process.env.CB_BIN || path.join(ROOT, 'bin'), 'citybench');
	return execFileSync(bin, args, { encoding: 'utf8' });
}

async function signInThroughTheForm(page, token) {
	await page.goto(BASE + '/signin');
	await page.fill('#token', token);
	await Promise.all([page.waitForNavigation(), page.click('form.signin button[type="submit"]')]);
}

async function noPageScroll(page, label) {
	const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
	check(label + ': no horizontal scrolling of the page', wide <= 0, 'page is ' + wide + 'px too wide');
}

async function answerInTheForm(browser, slug, token, js, width, staff, axeResults) {
	const current = String((await fetchJson('/cities/' + slug + '.json')).answers.team1_staff);
	const label = '[partner ' + (js ? 'js' : 'no-js') + ' ' + width + 'px]';
	const ctx = await browser.newContext({ javaScriptEnabled: js, viewport: { width, height: 900 } });
	const axeCtx = js ? null : await browser.newContext({ viewport: { width, height: 900 } });
	const page = await ctx.newPage();
	const problems = [];
	page.on('pageerror', (err) => problems.push('page error: ' + err.message));
	page.on('console', (msg) => {
		if (msg.type() === 'error' && !/status of 422/.test(msg.text())) {
			problems.push('console error: ' + msg.text());
		}
	});
	try {
		await signInThroughTheForm(page, token);
		const u = new URL(page.url());
		check(label + ': signing in lands on the questionnaire', u.pathname === '/cities/' + slug + '/answers', page.url());
		const cookie = (await ctx.cookies()).find((c) => c.name === 'cb_session');
		check(label + ': the session cookie is HttpOnly and SameSite=Strict',
			cookie && cookie.httpOnly && cookie.sameSite === 'Strict', JSON.stringify(cookie));
		// A public page, signed in: its navigation says so (with or without scripts).
		await page.goto(BASE + '/cities/' + slug);
		const nav = (await page.textContent('header.site nav a[href="/signin"]')).trim();
		check(label + ': on a public page the navigation says "Signed in"', nav === 'Signed in', nav);
		await page.goto(BASE + '/cities/' + slug + '/answers');
		check(label + ': the form is pre-filled with the current answers',
			(await page.inputValue('#q-team1_staff')) === current && (await page.isChecked('#q-dedicated_funding')),
			await page.inputValue('#q-team1_staff'));
		const violations = axeCtx ?
			await axeWithoutScripts(axeCtx, '/cities/' + slug + '/answers', 200, {}, await page.content()) :
			await runAxe(page);
		axeResults.push({ url: label, count: violations.length });
		check(label + ': axe finds no violation on the questionnaire', violations.length === 0, describe(violations));
		await noPageScroll(page, label + ' questionnaire');

		const typed = 'Mayor typed ' + width + (js ? ' js' : ' no-js');
		await page.fill('#q-mayor', typed);
		await page.fill('#q-team1_staff', '20000');
		if (js) {
			await page.locator('#q-team1_staff').blur();
			const live = await page.evaluate(() => {
				const f = document.getElementById('q-team1_staff');
				const e = document.getElementById('err-team1_staff');
				return { invalid: f.getAttribute('aria-invalid'), described: f.getAttribute('aria-describedby'),
					text: e.textContent, hidden: e.hidden };
			});
			check(label + ': the field says at once that 20000 is out of range',
				live.invalid === 'true' && !live.hidden && /from 0 to 10000/.test(live.text) &&
				/err-team1_staff/.test(live.described), JSON.stringify(live));
			// no fixed pause (300 ms raced a loaded machine): wait for the focus to reach the field (bounded),
			// and note any POST the click let through (a submit the script failed to stop)
			const posts = [];
			const onRequest = (req) => { if (req.method() === 'POST') posts.push(req.url()); };
			page.on('request', onRequest);
			await page.click('form.answers button[type="submit"]');
			await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'q-team1_staff',
				null, { timeout: 30000 }).catch(() => {});
			page.off('request', onRequest);
			check(label + ': saving with a field in error sends nothing', posts.length === 0, JSON.stringify(posts));
			const still = await page.evaluate(() => [location.pathname, document.activeElement && document.activeElement.id]);
			check(label + ': saving with a field in error stays and moves the focus to it',
				still[0] === '/cities/' + slug + '/answers' && still[1] === 'q-team1_staff', JSON.stringify(still));
			await page.screenshot({ path: path.join(SHOTS, 'answers-error-js-' + width + '.png'), fullPage: false });
		} else {
			const [res] = await Promise.all([page.waitForNavigation(), page.click('form.answers button[type="submit"]')]);
			check(label + ': an out-of-range value is refused (422)', res && res.status() === 422, res && res.status());
			const err = await page.textContent('#err-team1_staff');
			check(label + ': the message is next to the field', /out of range \(0 to 10000\)/.test(err), err);
			const summary = await page.getAttribute('.error-summary a', 'href');
			check(label + ': the summary at the top links to the field', summary === '#q-team1_staff', summary);
			check(label + ': what was typed is kept',
				(await page.inputValue('#q-team1_staff')) === '20000' && (await page.inputValue('#q-mayor')) === typed,
				await page.inputValue('#q-mayor'));
			const vio = await axeWithoutScripts(axeCtx, '/cities/' + slug + '/answers', 422, {}, await page.content());
			axeResults.push({ url: label + ' refused', count: vio.length });
			check(label + ': axe finds no violation on the refused form', vio.length === 0, describe(vio));
			await noPageScroll(page, label + ' refused form');
			await page.screenshot({ path: path.join(SHOTS, 'answers-error-nojs-' + width + '.png'), fullPage: false });
		}
		await page.fill('#q-team1_staff', String(staff));
		if (js) {
			check(label + ': fixing the value clears the message', await page.isHidden('#err-team1_staff'), 'still shown');
		}
		const [saved] = await Promise.all([page.waitForNavigation(), page.click('form.answers button[type="submit"]')]);
		check(label + ': the fixed answers are stored (201)', saved && saved.status() === 201, saved && saved.status());
		const notice = await page.textContent('main p.notice');
		check(label + ': the page says which version was stored', /stored as version \d+/.test(notice), notice);
		await page.click('main p.notice a');
		await page.waitForLoadState('load');
		const body = text(await page.textContent('main'));
		check(label + ': the profile shows the new answers at once', body.includes(typed), 'mayor not on the profile');
		const model = await fetchJson('/cities/' + slug + '.json');
		check(label + ': the JSON twin has them too', model.answers.team1_staff === staff && model.answers.mayor === typed,
			JSON.stringify(model.answers));
		check(label + ': no console error', problems.length === 0, problems.join('\n'));
	} finally {
		await ctx.close();
		if (axeCtx) {
			await axeCtx.close();
		}
	}
}

async function restoreTheVersionBefore(browser, slug, token, js, width) {
	const label = '[partner restore ' + (js ? 'js' : 'no-js') + ' ' + width + 'px]';
	const ctx = await browser.newContext({ javaScriptEnabled: js, viewport: { width, height: 900 } });
	const page = await ctx.newPage();
	try {
		const before = (await fetchJson('/cities/' + slug + '/submissions.json?survey=2020')).submissions;
		const prev = before[before.length - 2];
		const prevAnswers = (await fetchJson('/submissions/' + prev.id + '.json')).answers;
		await page.goto(BASE + '/cities/' + slug + '/submissions?survey=2020');
		check(label + ': signed out, the versions page has no restore button',
			(await page.locator('form.restore').count()) === 0, 'a button for a visitor');
		await signInThroughTheForm(page, token);
		await page.goto(BASE + '/cities/' + slug + '/submissions?survey=2020');
		const buttons = await page.locator('form.restore').count();
		check(label + ': a button for every version but the current one', buttons === before.length - 1,
			buttons + ' buttons, ' + before.length + ' versions');
		await noPageScroll(page, label + ' versions page');
		await page.screenshot({ path: path.join(SHOTS, 'versions-signed-in-' + width + '.png'), fullPage: false });
		const form = page.locator('form.restore[action="/submissions/' + prev.id + '/restore"]');
		const [res] = await Promise.all([page.waitForNavigation(), form.locator('button').click()]);
		check(label + ': restoring the version before makes a new version (201)', res && res.status() === 201,
			res && res.status());
		const h1 = await page.textContent('h1');
		check(label + ': the page says which version was restored', h1 === 'Version ' + prev.version + ' restored', h1);
		const after = (await fetchJson('/cities/' + slug + '/submissions.json?survey=2020')).submissions;
		const now = await fetchJson('/cities/' + slug + '.json?survey=2020');
		check(label + ': the current answers are those of the version before',
			after.length === before.length + 1 && now.answers.mayor === prevAnswers.mayor &&
			now.answers.team1_staff === prevAnswers.team1_staff, JSON.stringify([prevAnswers.mayor, now.answers.mayor]));
		await page.goto(BASE + '/signin');
		await Promise.all([page.waitForNavigation(), page.click('form.signout button')]);
		check(label + ': signing out', /signed out/.test(await page.textContent('main')), 'no confirmation');
		await page.goto(BASE + '/cities/' + slug);
		const navOut = (await page.textContent('header.site nav a[href="/signin"]')).trim();
		check(label + ': signed out, the navigation says "Sign in" again', navOut === 'Sign in', navOut);
		await page.goto(BASE + '/cities/' + slug + '/answers');
		check(label + ': after signing out the questionnaire asks to sign in',
			(await page.locator('input[name^="a."]').count()) === 0 && (await page.locator('a[href^="/signin?next="]').count()) === 1,
			'form fields shown');
	} finally {
		await ctx.close();
	}
}

async function partner() {
	fs.mkdirSync(SHOTS, { recursive: true });
	const slug = 'browser-partner-' + process.pid;
	citybench('city', 'add', slug, '--name', 'Browser Partner ' + process.pid, '--country', 'FR', '--region', 'Europe',
		'--population', '120000', '--synthetic');
	const token = citybench('token', 'create', '--city', slug).trim().split('\n').pop();
	const res = await fetch(BASE + '/api/submissions', {
		method: 'POST', headers: { 'Authorization': 'Bearer ' + token, 'Content-Type': 'application/json' },
		body: JSON.stringify({ city: slug, survey: '2020', answers: { mayor: 'First mayor', team1_staff: 5, dedicated_funding: true } }),
	});
	check('partner: the first upload is stored', res.status === 201, res.status);
	const browser = await launch();
	const axeResults = [];
	try {
		let staff = 10;
		for (const [js, width] of [[false, 1280], [true, 1280], [false, 390], [true, 390]]) {
			await test('partner answers ' + js + ' ' + width, () => answerInTheForm(browser, slug, token, js, width, staff++, axeResults));
		}
		await test('partner restores (no-js)', () => restoreTheVersionBefore(browser, slug, token, false, 1280));
		await test('partner restores (js)', () => restoreTheVersionBefore(browser, slug, token, true, 390));
	} finally {
		await browser.close();
	}
	console.log(passed + ' passed, ' + failed + ' failed');
	process.exit(failed ? 1 : 0);
}

async function main() {
	fs.mkdirSync(SHOTS, { recursive: true });

	/* What the pages need from the data: a synthetic city, a version, a query with two pages. */
	const cities = await fetchJson('/cities.json');
	const synthetic = cities.cities.find((c) => c.synthetic);
	const versions = await fetchJson('/cities/toronto/submissions.json').catch(() => ({ submissions: [] }));
	const version = versions.submissions.length ? versions.submissions[versions.submissions.length - 1].id : null;

	const pages = [
		['/', 200],
		['/cities', 200],
		['/cities?q=a&page=2', 200],
		['/cities/toronto', 200],
		['/cities/toronto?survey=2018', 200],
		[synthetic ? '/cities/' + synthetic.slug : null, 200],
		['/cities/toronto/submissions', 200],
		[version ? '/submissions/' + version : null, 200],
		['/compare', 200],
		['/compare?cities=toronto,' + (synthetic ? synthetic.slug : 'toronto'), 200],
		['/metrics', 200],
		['/metrics/funding_share?city=toronto', 200],
		['/surveys/2020', 200],
		['/data', 200],
		['/upload', 200],
		['/signin', 200],
		['/cities/toronto/answers', 200],
		['/guide', 200],
		['/map', 200],
		[MAP_FILTERED, 200],
		['/cities/no-such-city', 404],
	];

	const browser = await launch();
	const axeResults = [];
	try {
		for (const js of [true, false]) {
			const label = js ? '[js]' : '[no-js]';
			const ctx = await browser.newContext({ javaScriptEnabled: js, viewport: { width: 1280, height: 900 } });
			const axeCtx = js ? null : await browser.newContext({ viewport: { width: 1280, height: 900 } });
			for (const [url, status] of pages) {
				if (url === null) {
					notOk(label + ' a page needs data the portal lacks', 'no synthetic city or no version');
					continue;
				}
				const pre = await fetchText(url);
				if (pending(pre)) {
					skip(label + ' ' + url, 'route pending (404 from the route table)');
					continue;
				}
				await test(label + ' ' + url, () => checkPage(ctx, label, url, status, axeResults, axeCtx));
			}
			await ctx.close();
			if (axeCtx) {
				await axeCtx.close();
			}
		}

		/* Issue 20: the main pages in French (lang=fr, JavaScript on and off): the same checks and axe,
		 * <html lang="fr">, the switch back to English; a French browser (Accept-Language) gets French. */
		await test('pages in French', async () => {
			const fr = ['/', '/cities', '/cities/toronto', '/cities/toronto?survey=2018', '/compare',
				'/compare?cities=toronto,' + (synthetic ? synthetic.slug : 'toronto'), '/metrics', '/data', '/upload',
				'/signin', '/guide', '/map', '/surveys/2020', '/cities/toronto/submissions'];
			for (const js of [true, false]) {
				const label = js ? '[fr js]' : '[fr no-js]';
				const ctx = await browser.newContext({ javaScriptEnabled: js, viewport: { width: 1280, height: 900 } });
				const axeCtx = js ? null : await browser.newContext({ viewport: { width: 1280, height: 900 } });
				for (const base of fr.concat(['/cities/no-such-city'])) {
					const url = base + (base.includes('?') ? '&' : '?') + 'lang=fr';
					const status = base === '/cities/no-such-city' ? 404 : 200;
					if (pending(await fetchText(url))) {
						skip(label + ' ' + url, 'route pending (404 from the route table)');
						continue;
					}
					await test(label + ' ' + url, () => checkPage(ctx, label, url, status, axeResults, axeCtx));
					const page = await ctx.newPage();
					await page.goto(BASE + url);
					const facts = await page.evaluate(() => ({
						lang: document.documentElement.lang,
						en: !!document.querySelector('nav.lang-switch a[hreflang="en"]'),
						kept: Array.from(document.querySelectorAll('a[href^="/"]')).filter((a) =>
							!a.getAttribute('href').startsWith('/static/') && !/lang=/.test(a.getAttribute('href'))).length,
					}));
					check(label + ' ' + url + ': <html lang="fr">, a switch to English, links keep the language',
						facts.lang === 'fr' && facts.en && facts.kept === 0, JSON.stringify(facts));
					await page.close();
				}
				await ctx.close();
				if (axeCtx) {
					await axeCtx.close();
				}
			}
			const ctx = await browser.newContext({ locale: 'fr-CA', viewport: { width: 1280, height: 900 } });
			const page = await ctx.newPage();
			await page.goto(BASE + '/cities/toronto');
			const lang = await page.evaluate(() => document.documentElement.lang);
			check('a French browser (Accept-Language fr-CA) gets the French profile', lang === 'fr', 'lang=' + lang);
			await page.close();
			await ctx.close();
		});

		await test('/map at 320 px, with and without JavaScript', async () => {
			for (const js of [true, false]) {
				const label = js ? '[js 320px]' : '[no-js 320px]';
				const opts = { viewport: { width: 320, height: 800 } };
				const ctx = await browser.newContext(Object.assign({ javaScriptEnabled: js }, opts));
				const axeCtx = js ? null : await browser.newContext(opts);
				await checkPage(ctx, label, MAP_FILTERED, 200, axeResults, axeCtx);
				const page = await ctx.newPage();
				await page.goto(BASE + MAP_FILTERED);
				const facts = await page.evaluate(() => ({
					wide: document.documentElement.scrollWidth - document.documentElement.clientWidth,
					svgWidth: document.querySelector('svg.map').getBoundingClientRect().width,
					rows: document.querySelectorAll('.map-table tbody tr').length,
					circles: document.querySelectorAll('svg.map g > title').length,
					svgText: Array.from(document.querySelectorAll('svg.map text'))
						.filter((t) => t.getBoundingClientRect().height < 9).length,
				}));
				check(label + ' /map: no horizontal scrolling of the page', facts.wide <= 0, 'page is ' + facts.wide + 'px too wide');
				check(label + ' /map: the map fits the screen', facts.svgWidth > 250 && facts.svgWidth <= 320, 'width ' + facts.svgWidth);
				check(label + ' /map: the table lists the cities the map draws', facts.rows > 0 && facts.rows === facts.circles,
					facts.rows + ' rows, ' + facts.circles + ' circles');
				check(label + ' /map: no text in the image under 9 px', facts.svgText === 0, facts.svgText + ' small texts');
				await page.screenshot({ path: path.join(SHOTS, 'map-320' + (js ? '' : '-nojs') + '.png'), fullPage: true });
				await page.close();
				await ctx.close();
				if (axeCtx) {
					await axeCtx.close();
				}
			}
		});

		await test('keyboard: the skip link shows when focused', async () => {
			const ctx = await browser.newContext();
			const page = await ctx.newPage();
			await page.goto(BASE + '/cities/toronto');
			await page.keyboard.press('Tab');
			const r = await page.evaluate(() => {
				const a = document.activeElement;
				const box = a.getBoundingClientRect();
				const style = getComputedStyle(a);
				return { href: a.getAttribute('href'), top: box.top, bottom: box.bottom, outline: style.outlineStyle,
					width: box.width };
			});
			check('keyboard: Tab reaches the skip link first, on screen, with an outline',
				r.href === '#main' && r.top >= 0 && r.bottom > 0 && r.width > 0 && r.outline !== 'none', JSON.stringify(r));
			await page.keyboard.press('Enter');
			const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
			check('keyboard: the skip link moves focus to <main>', focused === 'main', 'focused: ' + focused);
			await ctx.close();
		});

		await test('forms without JavaScript', async () => {
			const ctx = await browser.newContext({ javaScriptEnabled: false });
			const page = await ctx.newPage();
			await page.goto(BASE + '/cities');
			await page.fill('#q', 'toro');
			await Promise.all([page.waitForNavigation(), page.click('form.filters button[type="submit"]')]);
			let u = new URL(page.url());
			/* one city found goes to its profile (issue 15); several: the permalink of the list */
			check('no-js: the city search lands on its permalink /cities?q=toro, or on the one city found',
				(u.pathname === '/cities' && u.searchParams.get('q') === 'toro') || u.pathname === '/cities/toronto', page.url());
			check('no-js: the search finds Toronto', /Toronto/.test(await page.textContent('main')), 'no Toronto in the results');
			await page.goto(BASE + '/cities');
			await page.fill('#q', 'canada');
			await Promise.all([page.waitForNavigation(), page.click('form.filters button[type="submit"]')]);
			u = new URL(page.url());
			check('no-js: a search finding several cities lands on its permalink /cities?q=canada',
				u.pathname === '/cities' && u.searchParams.get('q') === 'canada', page.url());
			check('no-js: a country name finds its cities, named beside their codes',
				/Canada \(CA\)/.test(await page.textContent('main table')), 'no Canada (CA) in the results');

			await page.goto(BASE + '/');
			await page.fill('#home-q', 'toronto');
			await Promise.all([page.waitForNavigation(), page.click('form.search button[type="submit"]')]);
			u = new URL(page.url());
			check('no-js: the home search for toronto lands on its profile (one hit)', u.pathname === '/cities/toronto', page.url());

			await page.goto(BASE + '/cities/toronto');
			await page.selectOption('#survey', '2018');
			await page.fill('#peers', 'country:CA');
			await Promise.all([page.waitForNavigation(), page.click('form.peers button[type="submit"]')]);
			u = new URL(page.url());
			check('no-js: the peers form lands on /cities/toronto?survey=2018&peers=country:CA',
				u.pathname === '/cities/toronto' && u.searchParams.get('survey') === '2018' &&
				u.searchParams.get('peers') === 'country:CA', page.url());
			const h1 = text(await page.textContent('h1'));
			check('no-js: the heading names the peer group', /2018 wave/.test(h1) && /peer group country:CA/.test(h1), h1);
			await ctx.close();
		});

		await test('live filtering with JavaScript', async () => {
			const ctx = await browser.newContext();
			const page = await ctx.newPage();
			await page.goto(BASE + '/cities');
			await page.fill('#q', 'toron');
			await page.waitForFunction(() => /^\/cities\?q=toron/.test(location.pathname + location.search), null, { timeout: 30000 });
			await page.waitForFunction(() => /\b1 city found/.test(document.querySelector('p.count').textContent), null, { timeout: 30000 });
			const rows = await page.$$eval('main table.data tbody tr', (trs) => trs.map((t) => t.textContent));
			check('js: typing filters the list to Toronto and keeps the permalink',
				rows.length === 1 && /Toronto/.test(rows[0]), JSON.stringify(rows));
			const live = await page.$eval('p.count', (p) => p.getAttribute('role') === 'status' || p.getAttribute('aria-live') === 'polite');
			check('js: the count is announced in a live region', live, 'p.count is not live');
			await ctx.close();
		});

		await test('Toronto: the reference statements and the JSON twin', async () => {
			const ctx = await browser.newContext({ javaScriptEnabled: false });
			const page = await ctx.newPage();
			await page.goto(BASE + '/cities/toronto');
			const body = text(await page.textContent('main'));
			const model = await fetchJson('/cities/toronto.json');
			const c = model.cohort;
			const f = c.dedicated_funding, s = c.explicit_strategy, t = c.funded_activities;
			const want = [
				'Like ' + halfUp(f.counts.yes, f.answered) + '% of cities surveyed (' + f.counts.yes + ' of ' + f.answered + '), Toronto has dedicated funding',
				'Along with ' + halfUp(s.counts.no, s.answered) + '% of cities surveyed (' + s.counts.no + ' of ' + s.answered + '), Toronto does not have an explicit innovation strategy',
				'Similar to ' + halfUp(t.counts.training_capacity, t.answered) + '% of participating cities (' + t.counts.training_capacity + ' of ' + t.answered + "), Toronto's funding for innovation capacity is also directed towards training staff and building capacity",
			];
			check('toronto 2020: the twin has the reference counts (81, 50, 61 of 100)',
				f.counts.yes === 81 && f.answered === 100 && s.counts.no === 50 && s.answered === 100 &&
				t.counts.training_capacity === 61 && t.answered === 100, JSON.stringify({ f, s, t }));
			for (const w of want) {
				check('toronto 2020 says: ' + w, body.includes(w), 'not on the page');
			}
			for (const w of ['81%', '81 of 100', '50%', '50 of 100', '61%', '61 of 100']) {
				check('toronto 2020 states ' + w, body.includes(w), 'missing');
			}
			/* Every "P% of ... (n of d)" on the page is the contract's share of its own counts. */
			const shares = [...body.matchAll(/(\d+)% of [^()]*?\((\d+) of (\d+)\)/g)];
			const wrong = shares.filter((m) => halfUp(+m[2], +m[3]) !== +m[1]).map((m) => m[0]);
			check('toronto 2020: every share is count ÷ answered, rounded half up (' + shares.length + ' of them)',
				shares.length > 20 && wrong.length === 0, wrong.join('\n'));

			/* The metrics table against the twin. */
			const rows = await page.$$eval('table.metrics tbody tr', (trs) => trs.map((tr) => {
				const a = tr.querySelector('th a');
				const data = Array.from(tr.querySelectorAll('data')).map((d) => d.getAttribute('value'));
				return { href: a.getAttribute('href'), data, text: tr.textContent };
			}));
			check('toronto 2020: one metrics row per metric of the twin', rows.length === model.metrics.length,
				rows.length + ' rows, ' + model.metrics.length + ' metrics');
			for (const m of model.metrics) {
				const row = rows.find((r) => r.href.startsWith('/metrics/' + m.id + '?'));
				if (!row) {
					notOk('toronto 2020: metric ' + m.id + ' on the page', 'no row');
					continue;
				}
				const u = new URL(row.href, BASE);
				const same = m.value === null ? row.data.length === 0 :
					Math.abs(+row.data[0] - m.value) < 1e-9 && +row.data[1] === m.rank &&
					row.text.includes(' of ' + m.of) && Math.abs(+row.data[2] - m.percentile) < 1e-9;
				check('toronto 2020: metric ' + m.id + ' equals the twin (value, rank of N, percentile) and links to its page',
					same && u.searchParams.get('city') === 'toronto' && u.searchParams.get('survey') === '2020',
					JSON.stringify({ m, row }));
			}
			/* "Policy areas by number of cities": every option with the twin's count. */
			const areas = await page.$$eval('table.by-cities', (tables) => {
				const t = tables.find((x) => /^Policy areas by number of cities/.test(x.caption.textContent));
				return t ? Array.from(t.tBodies[0].rows).map((r) => [r.cells[0].textContent, r.cells[1].textContent,
					r.className]) : null;
			});
			const pq = model.questions.find((q) => q.code === 'policy_areas');
			const areasOk = areas && areas.length === pq.options.length && pq.options.every((o, i) =>
				areas[i][0] === o.label && +areas[i][1] === (c.policy_areas.counts[o.code] || 0) &&
				(areas[i][2] === 'mine') === model.answers.policy_areas.includes(o.code));
			check('toronto 2020: policy areas by number of cities list every option, counts of the twin, its own marked',
				areasOk, JSON.stringify(areas));
			const acts = await page.$$eval('#activities ol.chosen > li', (lis) => lis.map((li) => li.firstChild.textContent.trim()));
			check('toronto 2020: the activities are an ordered list in rank order',
				acts.length === 7 && acts[0] === 'Taking risks or testing new ideas' && acts[2] === 'Engaging residents in new ways',
				JSON.stringify(acts));
			for (const w of ['John Tory', '2,800,000 (2016)', 'Alice Xu', 'Toronto utilizes 3 different innovation skills or roles',
				"Situated in the Chief Technology Officer's Technology Services Division, Toronto's Smart City team consists of 6 staff.",
				"Toronto's Transformation and Innovation team, made up of 6 staff, is also working on innovation in the city.",
				'Toronto has developed partnerships to promote innovation capacity with other public agencies, private firms, not-for-profit organizations, and city residents / resident associations.',
				'data partnerships with the private sector, academia and think tanks, and other cities',
				'Spotlight on innovation in Toronto', 'Human-centered design']) {
				check('toronto 2020 says: ' + w, body.includes(w), 'not on the page');
			}
			const data = await page.$$eval('#data-availability h3', (hs) => hs.map((h) => [h.textContent,
				h.nextElementSibling.querySelectorAll('li').length]));
			check('toronto 2020: data availability lists 5 sufficient and 7 insufficient areas',
				JSON.stringify(data) === JSON.stringify([['Sufficient data', 5], ['Insufficient data', 7]]), JSON.stringify(data));
			/* The waves side by side keep "not asked", "(no answer)" and "No" apart, in words. */
			const waves = await page.$$eval('table.waves tbody tr', (trs) => trs.map((tr) =>
				[tr.cells[0].textContent, tr.cells[1].textContent, tr.cells[2].textContent]));
			const row = (q) => waves.find((w) => w[0].startsWith(q)) || [];
			const codes = new Set(model.questions.map((q) => q.code));
			for (const w of model.waves) {
				(model.other_questions[w] || []).forEach((q) => codes.add(q.code));
			}
			const heads = await page.$$eval('table.waves thead th', (ths) => ths.map((th) => th.textContent));
			check('toronto: waves table has every question (' + codes.size + ') by 2018 and 2020',
				waves.length === codes.size && JSON.stringify(heads) === JSON.stringify(['Question', '2018', '2020']),
				waves.length + ' rows, heads ' + JSON.stringify(heads));
			check('toronto: spotlight "— not asked" in 2018', /— not asked/.test(row('Spotlight')[1] || ''), JSON.stringify(row('Spotlight')));
			check('toronto: dedicated funding "(no answer)" in 2018, "Yes" in 2020, marked changed',
				/\(no answer\)/.test(row('Does your city have dedicated funding')[1] || '') &&
				/Yes/.test(row('Does your city have dedicated funding')[2] || '') &&
				/changed/.test(row('Does your city have dedicated funding')[2] || ''), JSON.stringify(row('Does your city have dedicated funding')));
			check('toronto: explicit strategy "Yes" then "No", marked changed in words',
				/Yes/.test(row('Does your city have an explicit')[1] || '') && /^No\b/.test(row('Does your city have an explicit')[2] || '') &&
				/changed/.test(row('Does your city have an explicit')[2] || ''), JSON.stringify(row('Does your city have an explicit')));
			check('toronto: mayor unchanged between waves, not marked', !/changed/.test(row('Mayor')[2] || 'changed'), JSON.stringify(row('Mayor')));

			await page.goto(BASE + '/cities/toronto?survey=2018');
			const b18 = text(await page.textContent('main'));
			const m18 = await fetchJson('/cities/toronto.json?survey=2018');
			const s18 = m18.cohort.explicit_strategy;
			const w18 = 'Like ' + halfUp(s18.counts.yes, s18.answered) + '% of cities surveyed (' + s18.counts.yes + ' of ' +
				s18.answered + '), Toronto has an explicit innovation strategy';
			check('toronto 2018 says: ' + w18, b18.includes(w18) && b18.includes('44%'), 'not on the page');
			check('toronto 2018: data availability was not asked', /Data availability by policy area — not asked in the 2018 wave/.test(b18), 'missing');
			await ctx.close();
		});

		await test('a synthetic city says so', async () => {
			const r = await fetchText('/cities/' + synthetic.slug);
			check('synthetic city ' + synthetic.slug + ' shows the synthetic demonstration notice',
				/Synthetic demonstration city/.test(r.text), 'no notice');
			const t = await fetchText('/cities/toronto');
			check('Toronto shows no synthetic notice', !/Synthetic demonstration city/.test(t.text), 'notice on a real city');
		});

		await test('screenshots', async () => {
			const shots = [
				['toronto-2020.png', { viewport: { width: 1280, height: 900 } }, null],
				['toronto-zoom200.png', { viewport: { width: 640, height: 900 }, deviceScaleFactor: 2 }, null],
				['toronto-forced-colors.png', { viewport: { width: 1280, height: 900 } }, 'active'],
				['home.png', { viewport: { width: 1280, height: 900 } }, null, '/'],
				['map-filtered.png', { viewport: { width: 1280, height: 900 } }, null, MAP_FILTERED],
				['toronto-fr.png', { viewport: { width: 1280, height: 900 } }, null, '/cities/toronto?lang=fr'],
				['toronto-fr-390.png', { viewport: { width: 390, height: 844 } }, null, '/cities/toronto?lang=fr'],
				['toronto-en-390.png', { viewport: { width: 390, height: 844 } }, null, '/cities/toronto?lang=en'],
				['compare-fr-390.png', { viewport: { width: 390, height: 844 } }, null,
					'/compare?lang=fr&cities=toronto,' + (synthetic ? synthetic.slug : 'toronto')],
			];
			for (const [file, opts, forced, url] of shots) {
				const ctx = await browser.newContext(opts);
				const page = await ctx.newPage();
				if (forced) {
					await page.emulateMedia({ forcedColors: forced });
				}
				await page.goto(BASE + (url || '/cities/toronto'));
				const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
				check(file + ': no horizontal scrolling of the page', wide <= 0, 'page is ' + wide + 'px too wide');
				await page.screenshot({ path: path.join(SHOTS, file), fullPage: true });
				ok('screenshot ' + path.join('build', 'screenshots', file));
				await ctx.close();
			}
		});
		await test('reflow at 320 px (WCAG 1.4.10)', () => require('./reflow.js')({ BASE, browser, check, SHOTS, fetchJson }));
		await test('plugin preview page, with and without JavaScript', () => require('./plugin_preview.js')({
			BASE, browser, check, citybench, runAxe, describe }));
		await test('partner: current answers round trip, and the empty template stopped by the 409 list', async () => {
			await partnerJourney(browser);
		});
	} finally {
		await browser.close();
	}

	const total = axeResults.reduce((n, r) => n + r.count, 0);
	console.log('# axe: ' + axeResults.length + ' page loads checked, ' + total + ' violations');
	if (skipped.length) {
		console.log('# skipped (route pending): ' + skipped.join(', '));
	}
	console.log(passed + ' passed, ' + failed + ' failed' + (skipped.length ? ', ' + skipped.length + ' skipped' : ''));
	process.exit(failed ? 1 : 0);
}

async function pluginsOnly() {
	const browser = await launch();
	try {
		await test('plugin preview page, with and without JavaScript', () => require('./plugin_preview.js')({
			BASE, browser, check, citybench, runAxe, describe }));
	} finally {
		await browser.close();
	}
	console.log(passed + ' passed, ' + failed + ' failed');
	process.exit(failed ? 1 : 0);
}

async function reflowOnly() {
	fs.mkdirSync(SHOTS, { recursive: true });
	const browser = await launch();
	try {
		await test('reflow at 320 px (WCAG 1.4.10)', () => require('./reflow.js')({ BASE, browser, check, SHOTS, fetchJson }));
	} finally {
		await browser.close();
	}
	console.log(passed + ' passed, ' + failed + ' failed');
	process.exit(failed ? 1 : 0);
}

(process.argv[2] === 'partner' ? partner() : process.argv[2] === 'reflow' ? reflowOnly() :
	process.argv[2] === 'plugins' ? pluginsOnly() : main()).catch((e) => {
	console.log('not ok - browser tests crashed: ' + (e && e.stack ? e.stack.split('\n')[0] : e));
	console.log(String(e && e.stack).split('\n').map((l) => '# ' + l).join('\n'));
	process.exit(1);
});
