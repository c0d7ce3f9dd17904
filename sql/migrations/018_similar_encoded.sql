-- 018_similar_encoded.sql: city_facts.choices as flat text the similarity index reads without a JSON
-- parser (issue 18).  The worker built each wave's index (simindex.h) by parsing every city's choices
-- with jansson: at 10,000 cities 2.5 G instructions a build, once per data version, wave and worker.
-- `similar_encoded` is computed on write (a stored generated column: every writer of city_facts, the
-- triggers' city_facts_refresh, keeps it), so the read (Q_SIMILAR_ENCODED) costs what reading the JSON
-- text did and the worker only scans integers and length-prefixed strings.
--
-- The text: one entry per key of choices, in no order: KLEN ':' KEY, then the value's kind:
--   's' LEN ':' BYTES      a string (decoded: the bytes jansson would give; LEN counts bytes)
--   'n' TEXT ';'           a number as jsonb prints it (the worker reads it as jansson reads that text)
--   't' / 'f' / 'z' / 'o'  true, false, null, an object
--   'a' COUNT ';' ITEMS    a list: COUNT items, each 's' LEN ':' BYTES, 'n' TEXT ';' or 'x' (other)
-- NULL when jansson could not read the document choices::text (the JSON path then saw no answers): a
-- container inside a value (an object value, a list's item that is a list or object) holds a number
-- jansson rejects (an integer beyond 64 bits, a real beyond a double: |x| >= 2^1024 - 2^970) or nests
-- past jansson's 2048 levels (the root is level 1).  The numbers the entries give are checked by the
-- worker (simindex.c).  A choices that is not an object reads as no answers ('').  One jsonpath per
-- document skips those checks when no value is an object or a list holding one (the usual case).

create or replace function similar_encode(c jsonb) returns text
language sql immutable parallel safe as $$
	select case when c @? 'strict $.* ? (@.type() == "object" || (@.type() == "array" && exists (@[*] ? (@.type() == "object" || @.type() == "array"))))'
		and exists (select 1 from jsonb_each(case when jsonb_typeof(c) = 'object' then c else '{}' end) j(k, v) where case
		when jsonb_typeof(j.v) = 'object' then (jsonb_path_exists(j.v, 'strict $.**{2047 to last} ? (@.type() == "object" || @.type() == "array")')
			or exists (select 1 from jsonb_path_query(j.v, 'strict $.** ? (@.type() == "number")') m(v)
				where case when (m.v #>> '{}') ~ '[.eE]' then abs((m.v #>> '{}')::numeric) >= 179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792
				else (m.v #>> '{}')::numeric not between -9223372036854775808 and 9223372036854775807 end))
		when jsonb_typeof(j.v) = 'array' and j.v @? 'strict $[*] ? (@.type() == "object" || @.type() == "array")' then
			exists (select 1 from jsonb_array_elements(j.v) i(v) where jsonb_typeof(i.v) in ('object', 'array')
			and (jsonb_path_exists(i.v, 'strict $.**{2046 to last} ? (@.type() == "object" || @.type() == "array")')
			or exists (select 1 from jsonb_path_query(i.v, 'strict $.** ? (@.type() == "number")') m(v)
				where case when (m.v #>> '{}') ~ '[.eE]' then abs((m.v #>> '{}')::numeric) >= 179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792
				else (m.v #>> '{}')::numeric not between -9223372036854775808 and 9223372036854775807 end)))
		else false end) then null
	else (select coalesce(string_agg(octet_length(j.k) || ':' || j.k || case jsonb_typeof(j.v)
		when 'string' then 's' || octet_length(j.v #>> '{}') || ':' || (j.v #>> '{}')
		when 'number' then 'n' || (j.v #>> '{}') || ';'
		when 'boolean' then case when j.v = 'true'::jsonb then 't' else 'f' end
		when 'array' then 'a' || jsonb_array_length(j.v) || ';' || coalesce((select string_agg(case jsonb_typeof(i.v)
			when 'string' then 's' || octet_length(i.v #>> '{}') || ':' || (i.v #>> '{}')
			when 'number' then 'n' || (i.v #>> '{}') || ';' else 'x' end, '' order by i.n)
			from jsonb_array_elements(j.v) with ordinality i(v, n)), '')
		when 'object' then 'o' else 'z' end, ''), '')
	from jsonb_each(case when jsonb_typeof(c) = 'object' then c else '{}' end) j(k, v)) end
$$;

alter table city_facts add column if not exists similar_encoded text
	generated always as (similar_encode(choices)) stored;

-- A database upgraded from before 014/018 has fact rows whose text 014 added empty (014 runs first and
-- adds a plain column, which the statement above then keeps): encode them now.  A row whose document
-- does not read encodes to NULL again, which is what it would have been.
update city_facts set similar_encoded = similar_encode(choices) where similar_encoded is null;
