-- 017_fr_names.sql: the French of a metric's title and description (issue 20).
--
-- * metrics.title_fr, metrics.description_fr: the plugin's optional title_fr and description_fr, as
--   the serving version declared them (plugins reload writes them beside title and description, with
--   the version).  Null when the plugin gives none: the French pages then show the English, marked
--   lang="en".
-- Only the operator's commands write them; the web role reads them with the table's other columns
-- (its table-wide SELECT covers them) and is granted nothing more.
alter table metrics add column if not exists title_fr text
	check (title_fr is null or octet_length(title_fr) between 1 and 200);
alter table metrics add column if not exists description_fr text
	check (description_fr is null or octet_length(description_fr) between 1 and 2000);
