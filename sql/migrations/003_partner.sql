-- 003_partner.sql: partner cities (issue 13).
--
-- A question may take a web address: type `url`, an absolute http(s) URL of at most 2,000 characters
-- (checked by the upload's validation, cgi/weburl.c; stored as a JSON string like a text answer, so
-- the statistics count it as answered and nothing more).  The workers' grants do not change.
alter table questions drop constraint questions_type_check;
alter table questions add constraint questions_type_check
	check (type in ('bool', 'single', 'multi', 'integer', 'number', 'text', 'url'));
