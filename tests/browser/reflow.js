/* reflow.js: WCAG 2.1 SC 1.4.10 (Reflow) for every page, which axe cannot see (issue 15).
 *
 * Each page at a 320 CSS px viewport (and 1280 px at 400 % zoom, the same layout width), with
 * JavaScript on and off: the page itself never scrolls sideways (documentElement.scrollWidth <=
 * innerWidth); only a data table may, inside its own container, which is then focusable, a region and
 * labelled.  No SVG text is drawn under 9 CSS px.  Screenshots at 390 px and 200 % of the profile,
 * compare, a metric page, the map and the upload page go to build/screenshots/.
 *
 * Called by test.js (`node test.js` runs it with the rest, `node test.js reflow` alone). */
'use strict';

const path = require('path');

module.exports = async function reflow(t) {
	const { BASE, browser, check, SHOTS, fetchJson } = t;
	const cities = (await fetchJson('/cities.json')).cities;
	const four = ['toronto'].concat(cities.map((c) => c.slug).filter((s) => s !== 'toronto').slice(0, 3));
	const metrics = (await fetchJson('/metrics.json')).metrics || [];
	const metric = metrics.length ? metrics[0].id : 'funding_share';
	const pages = [
		'/', '/cities', '/cities/toronto', '/cities/toronto?survey=2018',
		'/compare?cities=' + four.join(','), '/compare', '/metrics', '/metrics/' + metric + '?city=toronto',
		'/metrics/funding_share?city=toronto', '/data', '/upload', '/surveys/2020', '/map',
		'/cities/toronto/answers', '/signin', '/guide',
		/* a continuous metric: its histogram and its ranking chart; a peers list naming no city */
		'/metrics/innovation_staff_per_100k?city=toronto', '/metrics/innovation_staff?peers=toronto,no-such-peer',
		'/compare?cities=' + four.join(',') + '&questions=dedicated_funding,innovation_roles',
		/* the cities most like one, as a page and as a profile's peers */
		'/cities/toronto/similar', '/cities/toronto/similar?lang=fr', '/cities/toronto?peers=similar:toronto',
	];
	for (const js of [true, false]) {
		const label = js ? '[js 320px]' : '[no-js 320px]';
		const ctx = await browser.newContext({ javaScriptEnabled: js, viewport: { width: 320, height: 800 } });
		const page = await ctx.newPage();
		page.setDefaultTimeout(30000);
		for (const url of pages) {
			const res = await page.goto(BASE + url, { waitUntil: 'load' });
			if (res && res.status() === 404 && /no such page/.test(await res.text())) {
				continue;
			}
			/* the profile's collapsed tables, opened: a reader opens them too */
			await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
			const f = await page.evaluate(() => {
				const de = document.documentElement;
				const small = Array.from(document.querySelectorAll('svg text')).filter((e) => {
					const r = e.getBoundingClientRect();
					return r.width > 0 && r.height > 0 && r.height < 9;
				}).map((e) => e.textContent.slice(0, 20) + ' ' + e.getBoundingClientRect().height.toFixed(1));
				/* Anything wider than the screen must sit inside a scrolling container, which is then a
				 * labelled, focusable region. */
				const badScrollers = Array.from(document.querySelectorAll('main *')).filter((e) => {
					const s = getComputedStyle(e);
					return (s.overflowX === 'auto' || s.overflowX === 'scroll') && e.scrollWidth > e.clientWidth + 1 &&
						!(e.getAttribute('tabindex') === '0' && e.getAttribute('role') === 'region' &&
						  (e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')));
				}).map((e) => e.tagName + '.' + e.className);
				/* and no chart is read by scrolling it: the narrow layout fits (issue 15) */
				const scrolledCharts = Array.from(document.querySelectorAll('.chart-scroll, .chart-pair')).filter((e) =>
					e.scrollWidth > e.clientWidth + 1).map((e) => e.className + ' ' + e.scrollWidth + '>' + e.clientWidth);
				const shownCharts = Array.from(document.querySelectorAll('svg.chart')).filter((e) =>
					e.getBoundingClientRect().width > 0).length;
				return { scroll: de.scrollWidth, inner: window.innerWidth, small, badScrollers, scrolledCharts, shownCharts };
			});
			check(label + ' ' + url + ': the page does not scroll sideways (' + f.scroll + ' <= ' + f.inner + ')',
				f.scroll <= f.inner, 'scrollWidth ' + f.scroll + ', innerWidth ' + f.inner);
			check(label + ' ' + url + ': no chart text under 9 px', f.small.length === 0, f.small.slice(0, 10).join('\n'));
			check(label + ' ' + url + ': no chart needs sideways scrolling', f.scrolledCharts.length === 0,
				f.scrolledCharts.join('\n'));
			if (/^\/metrics\/innovation_staff_per_100k/.test(url)) {
				check(label + ' ' + url + ': the histogram and the ranking chart are shown', f.shownCharts >= 2, String(f.shownCharts));
			}
			check(label + ' ' + url + ': a table that scrolls does so in a labelled, focusable region',
				f.badScrollers.length === 0, f.badScrollers.join('\n'));
		}
		await ctx.close();
	}
	/* The standalone charts in a 320 px phone's column (issue 15): the metric page's embed snippets, as
	 * given (iframe and img), and the narrow map, put into a page 320 px wide with 16 px margins.  In a
	 * frame the text is measured; in an image, its font sizes times the image's scale. */
	for (const js of [true, false]) {
		const label = js ? '[js 320px]' : '[no-js 320px]';
		const ctx = await browser.newContext({ javaScriptEnabled: js, viewport: { width: 320, height: 800 } });
		const page = await ctx.newPage();
		page.setDefaultTimeout(30000);
		for (const url of ['/metrics/innovation_staff_per_100k?city=toronto', '/metrics/funding_share?peers=region:Europe&city=toronto']) {
			await page.goto(BASE + url, { waitUntil: 'load' });
			const snippets = await page.evaluate(() => ['embed-iframe', 'embed-img'].map((id) => {
				const e = document.getElementById(id);
				return e ? e.value : null;
			}));
			check(label + ' ' + url + ': the page offers the frame and the image snippets', snippets.every((x) => x && /layout=narrow/.test(x)),
				JSON.stringify(snippets));
			if (!snippets.every((x) => x)) {
				continue;
			}
			const abs = (x) => x.replace(/src="\//, 'src="' + BASE + '/');
			for (const [kind, snippet] of [['iframe', snippets[0]], ['img', snippets[1]]]) {
				await embedCheck(page, label + ' ' + url + ' ' + kind + ' snippet', abs(snippet), kind);
			}
		}
		for (const q of ['?layout=narrow', '?layout=narrow&metric=funding_share&city=toronto']) {
			const img = '<img src="' + BASE + '/map.svg' + q.replace(/&/g, '&amp;') + '" alt="map" width="100%">';
			await embedCheck(page, label + ' /map.svg' + q + ' as an image', img, 'img');
			const frame = '<iframe src="' + BASE + '/map.svg' + q.replace(/&/g, '&amp;') + '" title="map" width="100%" height="480"></iframe>';
			await embedCheck(page, label + ' /map.svg' + q + ' in a frame', frame, 'iframe');
		}
		/* the measure is not vacuous: the wide chart in the same column falls under 9 px */
		const wide = await page.request.get(BASE + '/metrics/innovation_staff_per_100k.svg?city=toronto');
		const wvb = /viewBox="0 0 ([\d.]+)/.exec(await wide.text());
		check(label + ' the wide chart would shrink under 9 px in a 288 px column (the check can fail)',
			wvb && 14 * 288 / Number(wvb[1]) < 9, wvb && wvb[1]);
		await ctx.close();
	}

	async function embedCheck(page, name, snippet, kind) {
		await page.setContent('<!doctype html><html><head><meta name="viewport" content="width=device-width">' +
			'</head><body style="margin:0 16px">' + snippet + '</body></html>', { waitUntil: 'load' });
		const el = await page.$(kind);
		const box = await el.boundingBox();
		check(name + ': fits the 320 px page', box && box.x + box.width <= 320, JSON.stringify(box));
		if (kind === 'iframe') {
			const frame = await el.contentFrame();
			await frame.waitForSelector('svg text', { state: 'attached' });
			const f = await frame.evaluate(() => {
				const texts = Array.from(document.querySelectorAll('svg text'));
				return {
					n: texts.length,
					small: texts.filter((e) => {
						const r = e.getBoundingClientRect();
						return r.width > 0 && r.height > 0 && r.height < 9;
					}).map((e) => e.textContent.slice(0, 20) + ' ' + e.getBoundingClientRect().height.toFixed(1)),
					wide: document.documentElement.getBoundingClientRect().width,
				};
			});
			check(name + ': no text under 9 px in the frame (' + f.n + ' texts)', f.n > 0 && f.small.length === 0,
				f.small.slice(0, 10).join('\n'));
		} else {
			const src = await el.getAttribute('src');
			const svg = await page.evaluate(async (u) => (await fetch(u)).text(), src).catch(() => null);
			const svgText = svg || await (await page.request.get(src)).text();
			const vb = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(svgText);
			const sizes = Array.from(svgText.matchAll(/font-size="([\d.]+)"/g)).map((m) => Number(m[1]));
			const scale = vb ? box.width / Number(vb[1]) : 0;
			const least = Math.min(...sizes) * scale;
			check(name + ': no text under 9 px in the image (smallest font ' + least.toFixed(1) + ' px)',
				vb && sizes.length && least >= 9, 'viewBox ' + (vb && vb[1]) + ', image ' + box.width + ' px');
		}
	}

	/* 1280 px at 400 % zoom is a 320 px layout; 200 % of 1280 is 640. */
	const shots = [
		['reflow-toronto-390.png', 390, 1, '/cities/toronto'],
		['reflow-toronto-zoom200.png', 640, 2, '/cities/toronto'],
		['reflow-compare-390.png', 390, 1, '/compare?cities=' + four.join(',')],
		['reflow-compare-zoom200.png', 640, 2, '/compare?cities=' + four.join(',')],
		['reflow-compare-answers-390.png', 390, 1, '/compare?cities=' + four.join(',') + '&questions=dedicated_funding,innovation_roles,population'],
		['reflow-compare-answers-zoom200.png', 640, 2, '/compare?cities=' + four.join(',') + '&questions=dedicated_funding,innovation_roles,population'],
		['reflow-metric-390.png', 390, 1, '/metrics/funding_share?city=toronto'],
		['reflow-metric-zoom200.png', 640, 2, '/metrics/funding_share?city=toronto'],
		['reflow-metric-continuous-390.png', 390, 1, '/metrics/innovation_staff_per_100k?city=toronto'],
		['reflow-map-390.png', 390, 1, '/map'],
		['reflow-map-zoom200.png', 640, 2, '/map'],
		['reflow-upload-390.png', 390, 1, '/upload'],
		['reflow-upload-zoom200.png', 640, 2, '/upload'],
	];
	for (const [file, width, scale, url] of shots) {
		const ctx = await browser.newContext({ viewport: { width, height: 900 }, deviceScaleFactor: scale });
		const page = await ctx.newPage();
		await page.goto(BASE + url);
		const f = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
		check(file + ': the page does not scroll sideways', f[0] <= f[1], JSON.stringify(f));
		/* every answer cell of compare lies inside the screen (issue 15: the third city's was cut) */
		const cut = await page.evaluate(() => Array.from(document.querySelectorAll('table.answers-compare td')).filter((e) => {
			const r = e.getBoundingClientRect();
			return r.right > window.innerWidth + 0.5 || r.left < -0.5;
		}).map((e) => e.dataset.city));
		check(file + ': no answer of compare is cut at the edge', cut.length === 0, cut.join(', '));
		/* nothing stays over the content: no fixed or sticky element but the skip link */
		const over = await page.evaluate(() => Array.from(document.querySelectorAll('body *')).filter((e) => {
			const p = getComputedStyle(e).position;
			return (p === 'fixed' || p === 'sticky') && !e.classList.contains('skip') && !e.closest('form.answers');
		}).map((e) => e.tagName + '.' + e.className));
		check(file + ': nothing is fixed or sticky over the content', over.length === 0, over.join(', '));
		await page.screenshot({ path: path.join(SHOTS, file), fullPage: true });
		await ctx.close();
	}
};
