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

function text(s) {
	return s.replace(/\s+/g, ' ');
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
			check('no-js: the city search lands on its permalink /cities?q=toro',
				u.pathname === '/cities' && u.searchParams.get('q') === 'toro', page.url());
			check('no-js: the search finds Toronto', /Toronto/.test(await page.textContent('main table')), 'no Toronto in the results');

			await page.goto(BASE + '/');
			await page.fill('#home-q', 'toronto');
			await Promise.all([page.waitForNavigation(), page.click('form.search button[type="submit"]')]);
			u = new URL(page.url());
			check('no-js: the home search lands on /cities?q=toronto', u.pathname === '/cities' && u.searchParams.get('q') === 'toronto', page.url());

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
			await page.waitForFunction(() => /^\/cities\?q=toron/.test(location.pathname + location.search), null, { timeout: 10000 });
			await page.waitForFunction(() => /\b1 city found/.test(document.querySelector('p.count').textContent), null, { timeout: 10000 });
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

main().catch((e) => {
	console.log('not ok - browser tests crashed: ' + (e && e.stack ? e.stack.split('\n')[0] : e));
	console.log(String(e && e.stack).split('\n').map((l) => '# ' + l).join('\n'));
	process.exit(1);
});
