/* citybench.js: progressive enhancement only.  Every page works without it.
 *
 * On /cities, typing in the name field filters the list as you type: it asks /cities.json with the
 * form's values, redraws the table, announces the count in the page's live status line and keeps
 * the address bar on the permalink of what is shown.  Submitting the form still loads the page. */
(function () {
	'use strict';

	var PAGE_SIZE = 50;

	function params(form) {
		var p = new URLSearchParams();
		var data = new FormData(form);
		data.forEach(function (value, key) {
			if (key !== 'page' && typeof value === 'string' && value !== '') {
				p.append(key, value);
			}
		});
		return p;
	}

	function el(tag, attrs, text) {
		var e = document.createElement(tag);
		Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
		if (text !== undefined && text !== null) {
			e.textContent = text;
		}
		return e;
	}

	function newTable() {
		var table = el('table', { 'class': 'data' });
		var caption = el('caption', { 'class': 'visually-hidden' }, 'Cities found');
		var head = el('thead');
		var row = el('tr');
		row.appendChild(el('th', { scope: 'col' }, 'City'));
		row.appendChild(el('th', { scope: 'col' }, 'Country'));
		row.appendChild(el('th', { scope: 'col' }, 'Region'));
		row.appendChild(el('th', { scope: 'col', 'class': 'num' }, 'Population'));
		head.appendChild(row);
		table.appendChild(caption);
		table.appendChild(head);
		table.appendChild(el('tbody'));
		return table;
	}

	function cityRow(c) {
		var tr = el('tr');
		var th = el('th', { scope: 'row' });
		th.appendChild(el('a', { href: '/cities/' + encodeURIComponent(c.slug) }, c.name));
		if (c.synthetic) {
			th.appendChild(document.createTextNode(' '));
			th.appendChild(el('span', { 'class': 'tag-synthetic' }, 'synthetic'));
		}
		tr.appendChild(th);
		tr.appendChild(el('td', null, c.country));
		tr.appendChild(el('td', null, c.region));
		tr.appendChild(el('td', { 'class': 'num' },
			typeof c.population === 'number' ? String(c.population) : '–'));
		return tr;
	}

	function enhanceCities(form) {
		var input = form.querySelector('input[name="q"]');
		var status = document.querySelector('p.count');
		var seq = 0;
		var timer = null;
		var controller = null;

		if (!input || !status || !window.fetch || !window.URLSearchParams || !window.FormData) {
			return;
		}

		function show(data, p) {
			var main = document.getElementById('main');
			var table = main.querySelector('table.data');
			var pages = main.querySelector('nav.pages');
			var total = data.total;
			var shown = data.cities.slice(0, PAGE_SIZE);
			var body;
			var link;
			var qs = p.toString();

			if (!table) {
				table = newTable();
				status.parentNode.insertBefore(table, status.nextSibling);
			}
			body = table.querySelector('tbody');
			while (body.firstChild) {
				body.removeChild(body.firstChild);
			}
			shown.forEach(function (c) { body.appendChild(cityRow(c)); });
			table.hidden = shown.length === 0;

			if (pages) {
				pages.parentNode.removeChild(pages);
			}
			if (total > PAGE_SIZE) {
				pages = el('nav', { 'class': 'pages', 'aria-label': 'Pages' });
				var ul = el('ul');
				var li = el('li');
				li.appendChild(el('a', { rel: 'next', href: '/cities?' + (qs ? qs + '&' : '') + 'page=2' },
					'Next page'));
				ul.appendChild(li);
				pages.appendChild(ul);
				table.parentNode.insertBefore(pages, table.nextSibling);
			}

			/* The status line is a live region: replacing its text announces the new count. */
			while (status.firstChild) {
				status.removeChild(status.firstChild);
			}
			status.appendChild(document.createTextNode(total + (total === 1 ? ' city' : ' cities') +
				' found' + (total > PAGE_SIZE ? ', page 1 of ' + Math.ceil(total / PAGE_SIZE) : '') + '. '));
			link = el('a', { href: '/cities.csv' + (qs ? '?' + qs : '') }, 'Download as CSV');
			status.appendChild(link);

			if (window.history && window.history.replaceState) {
				window.history.replaceState(null, '', '/cities' + (qs ? '?' + qs : ''));
			}
		}

		function update() {
			var p = params(form);
			var mine = ++seq;

			if (controller) {
				controller.abort();
			}
			controller = window.AbortController ? new AbortController() : null;
			fetch('/cities.json' + (p.toString() ? '?' + p.toString() : ''), {
				headers: { 'Accept': 'application/json' },
				signal: controller ? controller.signal : undefined
			}).then(function (res) {
				return res.ok ? res.json() : null;
			}).then(function (data) {
				if (data && mine === seq && Array.isArray(data.cities)) {
					show(data, p);
				}
			}).catch(function () {
				/* A cancelled or failed request leaves the list as it was; Search still works. */
			});
		}

		function later() {
			window.clearTimeout(timer);
			timer = window.setTimeout(update, 250);
		}

		input.addEventListener('input', later);
		Array.prototype.forEach.call(form.querySelectorAll('select'), function (s) {
			s.addEventListener('change', later);
		});
		status.setAttribute('aria-live', 'polite');
	}

	function init() {
		var form = document.querySelector('form.filters[action="/cities"]');
		if (form) {
			enhanceCities(form);
		}
	}

	if (document.readyState === 'loading') {
		document.addEventListener('DOMContentLoaded', init);
	} else {
		init();
	}
}());
