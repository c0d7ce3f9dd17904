#!/usr/bin/env python3
"""simtop_wave.py GEN_DIR ROOT WAVE N: the first N cities of WAVE in `citybench gen`'s set GEN_DIR as
types.json and waveN.txt for tests/bench/simtop.c (the questions similar.c scores, in the survey's
order; answers encoded as Q_SIMILAR_ENCODED writes them)."""
import csv, json, sys
qs = json.load(open(sys.argv[2] + '/sql/surveys/' + sys.argv[3] + '.json'))['questions']
keep = [q for q in qs if q['type'] in ('bool','single','multi') or q['code']=='population']
types = {q['code']: q['type'] for q in keep}
cities = {}
names = {}
for r in csv.DictReader(open(sys.argv[1] + '/cities.csv')):
    names[r.get('slug') or r[list(r)[0]]] = r.get('name', 'x')
ans = {}
for r in csv.DictReader(open(sys.argv[1] + '/answers.csv')):
    if r['survey'] != sys.argv[3] or r['question'] not in types: continue
    d = ans.setdefault(r['city'], {})
    t = types[r['question']]
    v = r['value']
    if t == 'multi': d.setdefault(r['question'], []).append(v)
    elif t == 'bool': d[r['question']] = v == 'yes'
    elif r['question'] == 'population': d[r['question']] = int(v)
    else: d[r['question']] = v
def enc(v, item=False):
    if isinstance(v, bool): return 't' if v else 'f'
    if isinstance(v, str): return 's%d:%s' % (len(v.encode()), v)
    if isinstance(v, int): return 'n%d;' % v
    if isinstance(v, list): return 'a%d;' % len(v) + ''.join(enc(o, True) for o in v)
n = int(sys.argv[4])
with open('types.json','w') as f: json.dump(types, f)
with open('wave%d.txt' % n,'w') as f:
    for slug in sorted(ans)[:n]:
        d = ans[slug]
        f.write('%s\t%s\t%s\n' % (slug, names.get(slug, slug), ''.join('%d:%s%s' % (len(k), k, enc(v)) for k, v in d.items())))
