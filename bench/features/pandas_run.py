"""One timed pandas point-in-time join: read both CSVs, merge_asof backward by entity with the
TTL as tolerance (inclusive, as keel's rule), rows back in entity order. Prints one JSON line."""
import json
import resource
import sys
import time

import pandas as pd

entities_path, features_path, ttl_seconds = sys.argv[1], sys.argv[2], int(sys.argv[3])
started = time.perf_counter()
cpu = resource.getrusage(resource.RUSAGE_SELF)
entities = pd.read_csv(entities_path)
features = pd.read_csv(features_path)
entities["event_timestamp"] = pd.to_datetime(entities["event_timestamp"], format="%Y-%m-%d %H:%M:%S")
features["ts"] = pd.to_datetime(features["ts"], format="%Y-%m-%d %H:%M:%S")
entities["row"] = range(len(entities))
joined = pd.merge_asof(
    entities.sort_values("event_timestamp"),
    features.sort_values("ts"),
    left_on="event_timestamp",
    right_on="ts",
    by="entity_id",
    direction="backward",
    tolerance=pd.Timedelta(seconds=ttl_seconds),
).sort_values("row")
done = time.perf_counter()
end = resource.getrusage(resource.RUSAGE_SELF)
print(
    json.dumps(
        {
            "seconds": done - started,
            "cpuSeconds": (end.ru_utime - cpu.ru_utime) + (end.ru_stime - cpu.ru_stime),
            "peakRssBytes": end.ru_maxrss * 1024,
            "rows": len(joined),
            "f0Sum": float(joined["f0"].sum()),
            "f0Missing": int(joined["f0"].isna().sum()),
            "pandas": pd.__version__,
        }
    )
)
