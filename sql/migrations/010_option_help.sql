-- 010_option_help.sql: an option's help text, and a question asked only of some cities.
--
-- * question_options.help: what an option covers, in the survey's own words ("e.g. data
--   storage/analytics; open data; big data"); null when the questionnaire gives none.
-- * survey_questions.asked_if_code / asked_if_option: a question the wave asks only of the cities
--   whose answer to another question includes an option (yes/no for a bool), so that its shares are
--   over those cities: "30 of the 75 cities with dedicated funding".  Null = asked of every city.
-- Only `survey load` (the operator) writes these; the workers read them with the tables' other columns.
alter table question_options add column if not exists help text
	check (help is null or length(help) between 1 and 2000);
alter table survey_questions add column if not exists asked_if_code text
	check (asked_if_code is null or asked_if_code ~ '^[a-z0-9_]{1,64}$');
alter table survey_questions add column if not exists asked_if_option text
	check ((asked_if_code is null) = (asked_if_option is null));
