#!/usr/bin/env python3
"""check_sample.py: the sample cohort (gen 99 cities, seed 2020, plus Toronto) against the
survey's published figures.

usage: tests/check_sample.py ANSWERS.csv TORONTO.json [--surveys DIR] [--print-only]

Reads the generator's long-form answers.csv and Toronto's JSON uploads, merges them, checks
every answer against the questionnaires (sql/surveys/{2018,2020}.json unless --surveys says
otherwise), and prints each published figure beside what the cohort gives. A share is the
contract's: cities with the answer / cities that answered the question, rounded half up.
Exit status: 0 every figure and every answer as expected, 1 otherwise, 2 usage.
"""
import csv
import json
import os
import sys

BOOL_WORDS = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}


def usage():
    sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
    sys.exit(2)


def share(count, answered):
    """Percentage rounded half up, in integers (no float rounding surprises)."""
    return (200 * count + answered) // (2 * answered) if answered else 0


def load_surveys(d):
    surveys = {}
    for wave in ("2018", "2020"):
        with open(os.path.join(d, wave + ".json"), encoding="utf-8") as f:
            doc = json.load(f)
        surveys[wave] = {q["code"]: q for q in doc["questions"]}
    return surveys


def check_value(q, v, where, problems):
    """v: the Python value (None = unanswered). Appends to problems when it breaks q."""
    if v is None:
        return
    t = q["type"]
    opts = {o["code"] for o in q.get("options", [])}
    if t == "bool":
        ok = isinstance(v, bool)
    elif t == "single":
        ok = isinstance(v, str) and v in opts
    elif t == "multi":
        ok = isinstance(v, list) and len(v) > 0 and all(o in opts for o in v) and len(set(v)) == len(v)
    elif t == "integer":
        ok = isinstance(v, int) and not isinstance(v, bool) and q["min"] <= v <= q["max"]
    elif t == "number":
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and q["min"] <= v <= q["max"]
    elif t == "text":
        ok = isinstance(v, str) and 0 < len(v) <= q["max_length"]
    elif t == "url":
        ok = isinstance(v, str) and len(v) <= 2000 and (v.startswith("https://") or v.startswith("http://"))
    else:
        ok = False
    if not ok:
        problems.append("%s: %s = %r breaks its %s question" % (where, q["code"], v, t))


def read_answers(path, surveys, problems):
    """{(city, wave): {code: value}} from the long-form CSV, values typed as in JSON."""
    out = {}
    with open(path, newline="", encoding="utf-8") as f:
        rd = csv.reader(f)
        header = next(rd, None)
        if header != ["city", "survey", "question", "value"]:
            problems.append("%s: header is %r" % (path, header))
            return out
        for n, rec in enumerate(rd, start=2):
            if len(rec) != 4:
                problems.append("%s row %d: %d fields" % (path, n, len(rec)))
                continue
            city, wave, code, raw = rec
            q = surveys.get(wave, {}).get(code)
            if q is None:
                problems.append("%s row %d: no question %s in wave %s" % (path, n, code, wave))
                continue
            ans = out.setdefault((city, wave), {})
            if raw == "":
                if code in ans:
                    problems.append("%s row %d: %s named twice" % (path, n, code))
                ans[code] = None
                continue
            t = q["type"]
            if t == "multi":
                if code in ans and ans[code] is None:
                    problems.append("%s row %d: %s both empty and answered" % (path, n, code))
                ans.setdefault(code, [])
                if ans[code] is None:
                    ans[code] = []
                ans[code].append(raw)
                continue
            if code in ans:
                problems.append("%s row %d: %s named twice" % (path, n, code))
            if t == "bool":
                v = BOOL_WORDS.get(raw.lower(), raw)
            elif t == "integer":
                try:
                    v = int(raw)
                except ValueError:
                    v = raw
            elif t == "number":
                try:
                    v = float(raw)
                except ValueError:
                    v = raw
            else:
                v = raw
            ans[code] = v
    for (city, wave), ans in out.items():
        for code, v in ans.items():
            check_value(surveys[wave][code], v, "%s %s" % (city, wave), problems)
    return out


def read_json_uploads(path, surveys, problems):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    out = {}
    for i, up in enumerate(doc if isinstance(doc, list) else [doc], start=1):
        wave, city = up.get("survey"), up.get("city")
        if wave not in surveys:
            problems.append("%s object %d: no wave %r" % (path, i, wave))
            continue
        ans = up.get("answers", {})
        for code, v in ans.items():
            q = surveys[wave].get(code)
            if q is None:
                problems.append("%s object %d: no question %s in wave %s" % (path, i, code, wave))
                continue
            check_value(q, v, "%s %s" % (city, wave), problems)
        missing = set(surveys[wave]) - set(ans)
        if missing:
            problems.append("%s object %d: questions not named: %s" % (path, i, sorted(missing)))
        out[(city, wave)] = dict(ans)
    return out


def main(argv):
    args, surveys_dir, expect = [], None, True
    it = iter(argv)
    for a in it:
        if a == "--surveys":
            surveys_dir = next(it, None)
            if surveys_dir is None:
                usage()
        elif a == "--print-only":
            expect = False
        elif a.startswith("-"):
            usage()
        else:
            args.append(a)
    if len(args) != 2:
        usage()
    if surveys_dir is None:
        surveys_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sql", "surveys")

    problems = []
    surveys = load_surveys(surveys_dir)
    cohort = read_answers(args[0], surveys, problems)
    toronto = read_json_uploads(args[1], surveys, problems)
    for key in toronto:
        if key in cohort:
            problems.append("%s %s is in both files" % key)
    cohort.update(toronto)

    def wave_cities(wave):
        return [a for (c, w), a in cohort.items() if w == wave]

    def figure(label, wave, code, pred, want_count=None, want_of=None, want=None):
        """Counts cities whose answer satisfies pred among those that answered code."""
        cities = wave_cities(wave)
        answered = [a[code] for a in cities if a.get(code) is not None]
        count = sum(1 for v in answered if pred(v))
        pct = share(count, len(answered))
        line = "%s %-50s %3d of %3d answered (%3d%%), %d cities in the wave" % (
            wave, label, count, len(answered), pct, len(cities))
        ok = True
        if expect:
            if want_count is not None and count != want_count:
                ok = False
            if want_of is not None and len(cities) != want_of:
                ok = False
            if want is not None and not want(count, len(answered), pct):
                ok = False
            line += "   " + ("ok" if ok else "MISMATCH")
        print(line)
        return ok

    def has(opt):
        return lambda v: opt in v

    good = True
    print("cities: 2018 %d, 2020 %d" % (len(wave_cities("2018")), len(wave_cities("2020"))))
    good &= figure("dedicated_funding = yes (81%, 81 of 100)", "2020", "dedicated_funding",
                   lambda v: v is True, 81, 100, lambda c, n, p: n == 100 and p == 81)
    good &= figure("explicit_strategy = no (50%)", "2020", "explicit_strategy",
                   lambda v: v is False, 50, 100, lambda c, n, p: n == 100 and p == 50)
    good &= figure("explicit_strategy = yes", "2020", "explicit_strategy",
                   lambda v: v is True, 50, 100)
    good &= figure("funded_activities has training_capacity (61%)", "2020", "funded_activities",
                   has("training_capacity"), 61, 100, lambda c, n, p: n == 100 and p == 61)
    good &= figure("approach = both (more than half)", "2020", "approach",
                   lambda v: v == "both", None, 100, lambda c, n, p: 2 * c > n)
    # 2018: 89 cities answered the funding questions, all synthetic (Toronto's 2018 page does not give
    # its funding: not answered); with Toronto, 90 cities answered the wave, and the other shares are
    # over 90.
    good &= figure("explicit_strategy = yes (44%)", "2018", "explicit_strategy",
                   lambda v: v is True, 40, 90, lambda c, n, p: n == 90 and p == 44)
    good &= figure("approach = policy_areas (over one-third)", "2018", "approach",
                   lambda v: v == "policy_areas", None, 90, lambda c, n, p: 3 * c > n)
    good &= figure("funding_sources has municipal_budget (79%, 70 of 89)", "2018", "funding_sources",
                   has("municipal_budget"), 70, 90, lambda c, n, p: n == 89 and p == 79)
    good &= figure("external_funding = yes (30, among the cities with funding)", "2018", "external_funding",
                   lambda v: v is True, 30, 90)
    good &= figure("funding_sources has philanthropy or private (30)", "2018", "funding_sources",
                   lambda v: "philanthropy" in v or "private_sector" in v, 30, 90)
    good &= figure("innovation_roles has project_manager (82%)", "2018", "innovation_roles",
                   has("project_manager"), 74, 90, lambda c, n, p: n == 90 and p == 82)
    good &= figure("innovation_roles has community_engagement (60%)", "2018", "innovation_roles",
                   has("community_engagement"), 54, 90, lambda c, n, p: n == 90 and p == 60)
    good &= figure("innovation_roles has data_scientist (56%)", "2018", "innovation_roles",
                   has("data_scientist"), 50, 90, lambda c, n, p: n == 90 and p == 56)

    # Activities funded, over every city surveyed, each at its latest answer to the question.
    latest = {}
    for (c, w), a in sorted(cohort.items(), key=lambda kv: kv[0][1]):
        if a.get("funded_activities") is not None:
            latest[c] = a["funded_activities"]
    for opt, want in (("launching_projects", 47), ("idea_generation", 79), ("digital_systems", 51),
                      ("physical_infrastructure", 36), ("paying_for_services", 30)):
        n = sum(1 for v in latest.values() if opt in v)
        ok = not expect or n == want
        print("latest funded_activities has %-30s %3d of %3d cities%s" % (opt, n, len(latest),
              ("   " + ("ok" if ok else "MISMATCH")) if expect else ""))
        good &= ok

    for p in problems[:50]:
        print("problem: " + p)
    if len(problems) > 50:
        print("problem: ... %d more" % (len(problems) - 50))
    print("answers checked against the questionnaires: %d problems" % len(problems))
    return 0 if (good or not expect) and not problems else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
