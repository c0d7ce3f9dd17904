"""runner.py: runs every test_* function of tests/integration/test_*.py, printing TAP lines."""
import glob
import importlib.util
import os
import sys
import time
import traceback

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
only = sys.argv[1:]
# Every JSON answer the tests see is recorded here (cb.record) and checked by test_zzz_openapi.py, last.
made_log = not os.environ.get("CB_JSON_LOG")
if made_log:
    import tempfile
    fd, os.environ["CB_JSON_LOG"] = tempfile.mkstemp(prefix="cb-answers.", suffix=".jsonl")
    os.close(fd)
passed = failed = 0
for path in sorted(glob.glob(os.path.join(here, "test_*.py"))):
    name = os.path.basename(path)[:-3]
    if only and name not in only and not any(o.startswith(name + ".") for o in only):
        continue
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
    except Exception as e:
        print("not ok - %s: cannot load: %s" % (name, e))
        failed += 1
        continue
    for fn in [getattr(mod, f) for f in dir(mod) if f.startswith("test_")]:
        full = "%s.%s" % (name, fn.__name__)
        if only and name not in only and full not in only:
            continue
        t0 = time.time()
        try:
            fn()
            passed += 1
            print("ok - %s (%.2fs)" % (full, time.time() - t0), flush=True)
        except Exception as e:
            failed += 1
            msg = "%s: %s" % (type(e).__name__, e)
            print("not ok - %s: %s" % (full, msg.replace("\n", " ")[:600]), flush=True)
            traceback.print_exc(limit=3, file=sys.stdout)
print("# %d passed, %d failed" % (passed, failed))
if made_log:
    os.unlink(os.environ["CB_JSON_LOG"])
sys.exit(1 if failed else 0)
