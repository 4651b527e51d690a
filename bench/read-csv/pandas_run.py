"""One timed pandas run: read_csv + describe() with the same 5/25/50/75/95 % percentiles
keel's profile reports. Prints one JSON line like keel-run.mjs."""
import json
import resource
import sys
import time

import pandas as pd

path = sys.argv[1]
cpu_start = resource.getrusage(resource.RUSAGE_SELF)
started = time.perf_counter()
frame = pd.read_csv(path)
read = time.perf_counter()
summary = frame.describe(percentiles=[0.05, 0.25, 0.5, 0.75, 0.95])
done = time.perf_counter()
cpu_end = resource.getrusage(resource.RUSAGE_SELF)
print(
    json.dumps(
        {
            "readSeconds": read - started,
            "profileSeconds": done - read,
            "totalSeconds": done - started,
            "cpuSeconds": (cpu_end.ru_utime - cpu_start.ru_utime) + (cpu_end.ru_stime - cpu_start.ru_stime),
            "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            "frameBytes": int(frame.memory_usage(index=False, deep=True).sum()),
            "rows": len(frame),
            "columns": frame.shape[1],
            "meanOfX0": float(summary["x0"]["mean"]),
            "sumOfAll": float(sum(frame[c].sum() for c in frame.columns)),
            "pandas": pd.__version__,
        }
    )
)
