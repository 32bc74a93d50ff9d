"""The rows `Tools/bench` gathers into one table.

Each benchmark script, when $BENCH_RESULTS names a file, appends one JSON
line per comparison it makes: what was measured, our median, the baseline's
median and name, and the goal. Times are in seconds; `unit` says otherwise
(for example "MB" for memory).
"""
import json
import os


def record(what, ours, baseline=None, baseline_name="", goal="", unit="s"):
    path = os.environ.get("BENCH_RESULTS")
    if not path:
        return
    row = {"what": what, "ours": ours, "baseline": baseline, "baseline_name": baseline_name,
           "goal": goal, "unit": unit}
    with open(path, "a") as out:
        out.write(json.dumps(row) + "\n")
