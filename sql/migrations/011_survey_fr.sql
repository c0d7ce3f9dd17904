-- 011_survey_fr.sql: the questionnaires in French beside English (issue 20, item 4).
--
-- * surveys.title_fr, survey_questions.text_fr, question_options.label_fr and help_fr: the French of
--   the wave's title, a question's text, an option's label and help, as the survey JSON gives them
--   (title_fr, text_fr, label_fr, help_fr).  Null when the questionnaire gives none: the pages then
--   fall back on the English.
-- Only `survey load` (the operator) writes them; the web role reads them with the tables' other
-- columns (its table-wide SELECT covers them) and is granted nothing more.
alter table surveys add column if not exists title_fr text
	check (title_fr is null or length(title_fr) between 1 and 500);
alter table survey_questions add column if not exists text_fr text
	check (text_fr is null or length(text_fr) between 1 and 2000);
alter table question_options add column if not exists label_fr text
	check (label_fr is null or length(label_fr) between 1 and 500);
alter table question_options add column if not exists help_fr text
	check (help_fr is null or length(help_fr) between 1 and 2000);

-- * cities.lang: the language the city writes its own free text in (its text answers: the spotlight
--   paragraph, its teams' names and places, notes).  Pages show that text as written, never
--   translated, marked with this language (<p lang="en">).  Until now the survey was answered in
--   English only, so every city's text is English: 'en' by default; the operator sets 'fr' for a city
--   that answers in French (`update cities set lang = 'fr' where slug = …`, as the schema owner).
alter table cities add column if not exists lang text not null default 'en' check (lang in ('en', 'fr'));
