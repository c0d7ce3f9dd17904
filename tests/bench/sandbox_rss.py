#!/usr/bin/env python3
"""sandbox_rss.py --out FILE CMD...: runs CMD and, while it runs, samples every citybench-sandbox
process on the machine (every 2 ms) for its peak resident set (VmHWM in /proc/PID/status, a high-water
mark: a late sample still sees the peak, as long as the process has not exited).  Writes
"PEAK_KIB PROCESSES" to FILE (0 0 when none was seen) and exits with CMD's status.  The bench's row
"the sandbox process's RSS" (report.py) reads it."""
import os
import subprocess
import sys
import time

COMM = "citybench-sandb"	# /proc/PID/comm keeps 15 characters


def sample(peak, seen):
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/comm" % pid) as f:
                if f.read().strip() != COMM:
                    continue
            with open("/proc/%s/status" % pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        kib = int(line.split()[1])
                        seen.add(pid)
                        peak = max(peak, kib)
                        break
        except (OSError, ValueError):
            continue
    return peak


def main():
    args = sys.argv[1:]
    if len(args) < 3 or args[0] != "--out":
        sys.stderr.write("usage: sandbox_rss.py --out FILE CMD...\n")
        return 2
    out, cmd = args[1], args[2:]
    peak, seen = 0, set()
    p = subprocess.Popen(cmd)
    while p.poll() is None:
        peak = sample(peak, seen)
        time.sleep(0.002)
    with open(out, "w") as f:
        f.write("%d %d\n" % (peak, len(seen)))
    return p.returncode


if __name__ == "__main__":
    sys.exit(main())
