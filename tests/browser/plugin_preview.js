/* plugin_preview.js: /plugins/preview in Chromium with JavaScript on and off (issue 17): a researcher
 * signs in through the form, pastes a plugin, sees its ranking, a city's value, its distribution
 * chart and its log; uploads a broken one and sees the error with its line marked; axe finds no
 * WCAG A/AA violation on either page (run in the [js] pass: axe needs scripts); no inline script or style.  Run by test.js, or alone with
 * `node test.js plugins`. */
'use strict';

const GOOD = `-- browser_metric.lua
return {
  id = "browser_metric", title = "Strategy (browser)", description = "1 with an explicit strategy.",
  unit = "share", higher_is_better = true, version = "0.1", inputs = { "explicit_strategy" },
  compute = function(city)
    local v = city.answers.explicit_strategy
    if city.slug == "toronto" then print("toronto", city.survey, v) end
    if v == nil then return nil end
    return v and 1 or 0
  end,
}
`;

module.exports = async function ({ BASE, browser, check, citybench, runAxe, describe }) {
	const token = citybench('token', 'create', '--researcher', 'Browser Researcher').trim().split('\n').pop();
	for (const js of [true, false]) {
		const label = js ? '[js] /plugins/preview' : '[no-js] /plugins/preview';
		const ctx = await browser.newContext({ javaScriptEnabled: js, viewport: { width: 1280, height: 900 } });
		const page = await ctx.newPage();
		page.setDefaultTimeout(30000);
		const errors = [];
		page.on('console', (m) => { if (m.type() === 'error' && !/status of 422/.test(m.text())) errors.push(m.text()); });
		try {
			await page.goto(BASE + '/signin?next=/plugins/preview');
			await page.fill('#token', token);
			await Promise.all([page.waitForNavigation(), page.click('form.signin button[type="submit"]')]);
			check(label + ': sign-in lands on the preview page', page.url().endsWith('/plugins/preview'), page.url());
			await page.fill('#source', GOOD);
			await page.fill('#city', 'toronto');
			await Promise.all([page.waitForNavigation(), page.click('form.preview button[type="submit"]')]);
			const body = await page.textContent('main');
			check(label + ': the ranking per wave', /Wave 2018/.test(body) && /Wave 2020/.test(body) &&
				/First in the ranking/.test(body), body.slice(0, 300));
			check(label + ': the value of the city asked for', /toronto: /.test(body), body.slice(0, 300));
			check(label + ': a distribution chart', (await page.locator('main figure svg').count()) > 0, 'no svg');
			check(label + ': the log', /toronto\s+2020/.test(await page.textContent('pre.log')), 'no log');
			check(label + ': the source is kept in the form', (await page.inputValue('#source')) === GOOD, 'source lost');
			check(label + ': no inline script or style', (await page.locator('script:not([src]), style, [style]').count()) === 0,
				'inline script or style');
			/* axe runs scripts: with JavaScript off the same server-rendered page is checked in the
			 * [js] pass */
			let v = js ? await runAxe(page) : [];
			if (js)
				check(label + ': no axe violation (results)', v.length === 0, describe(v));
			/* an upload that fails: the error with its line marked */
			await page.setInputFiles('#file', { name: 'broken_upload.lua', mimeType: 'text/plain',
				buffer: Buffer.from(GOOD.replace('return v and 1 or 0', 'return v +')) });
			await page.fill('#source', '');
			await Promise.all([page.waitForNavigation(), page.click('form.preview button[type="submit"]')]);
			const err = await page.textContent('main');
			check(label + ': the error names the uploaded file', /broken_upload\.lua:\d+/.test(err), err.slice(0, 300));
			check(label + ': the offending line is marked', (await page.locator('pre.source mark').count()) === 1, 'no mark');
			v = js ? await runAxe(page) : [];
			if (js)
				check(label + ': no axe violation (error, status 422)', v.length === 0, describe(v));
			check(label + ': no console errors', errors.length === 0, errors.join('; '));
		} finally {
			await ctx.close();
		}
	}
};
