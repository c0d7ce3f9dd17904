/* answers.js: the partner's questionnaire (/cities/{slug}/answers) checks its fields as they are typed.
 *
 * Progressive enhancement only: the form works without it, and the server checks everything again.
 * A number field says at once when what was typed is not a number, not a whole number, or out of its
 * range; a URL field, when it is not an http(s) address; a text, when it is over its limit.  The
 * message goes into the field's own error line (the one the server fills after a refused POST), which
 * the field names in aria-describedby.  Saving with a field in error moves the focus to it instead. */
(function () {
	'use strict';

	var form = document.querySelector('form.answers');
	if (!form) {
		return;
	}

	function codeOf(field) {
		return field.id.replace(/^q-/, '');
	}

	function problem(field) {
		var v = field.value.trim();
		if (field.type === 'number') {
			if (field.validity && field.validity.badInput) {
				return field.step === '1' ? 'Enter a whole number.' : 'Enter a number.';
			}
			if (v === '') {
				return '';
			}
			var n = Number(v);
			if (!isFinite(n)) {
				return 'Enter a number.';
			}
			if (field.step === '1' && Math.floor(n) !== n) {
				return 'Enter a whole number.';
			}
			var min = field.getAttribute('min'), max = field.getAttribute('max');
			if ((min !== null && n < Number(min)) || (max !== null && n > Number(max))) {
				return 'Enter a ' + (field.step === '1' ? 'whole number' : 'number') +
					(min !== null && max !== null ? ' from ' + min + ' to ' + max :
						min !== null ? ' of at least ' + min : ' of at most ' + max) + '.';
			}
			return '';
		}
		if (field.type === 'url' && v !== '' && !/^https?:\/\/[^\s]+$/i.test(v)) {
			return 'Enter an address starting with http:// or https://.';
		}
		var limit = field.getAttribute('maxlength');
		if (limit !== null && Array.from(field.value).length > Number(limit)) {
			return 'At most ' + limit + ' characters.';
		}
		return '';
	}

	function show(field, message) {
		var err = document.getElementById('err-' + codeOf(field));
		if (!err) {
			return;
		}
		var ids = (field.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
		var box = field.closest('.question');
		if (message) {
			err.textContent = message;
			err.hidden = false;
			field.setAttribute('aria-invalid', 'true');
			if (ids.indexOf(err.id) < 0) {
				ids.push(err.id);
				field.setAttribute('aria-describedby', ids.join(' '));
			}
			if (box) {
				box.classList.add('has-error');
			}
		} else {
			err.textContent = '';
			err.hidden = true;
			field.removeAttribute('aria-invalid');
			if (box) {
				box.classList.remove('has-error');
			}
		}
	}

	function check(field) {
		var message = problem(field);
		show(field, message);
		return message === '';
	}

	var fields = Array.from(form.querySelectorAll('input[type="number"], input[type="url"], textarea'));
	fields.forEach(function (field) {
		field.addEventListener('input', function () { check(field); });
		field.addEventListener('blur', function () { check(field); });
	});

	form.addEventListener('submit', function (event) {
		var first = null;
		fields.forEach(function (field) {
			if (!check(field) && !first) {
				first = field;
			}
		});
		if (first) {
			event.preventDefault();
			first.focus();
		}
	});

	/* After a refused POST the summary of problems comes first. */
	var summary = document.getElementById('errors');
	if (summary) {
		summary.focus();
	}
}());
