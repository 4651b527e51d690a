// One timed keel run in a fresh process, so its peak RSS is its own: readFrame + profileFrame.
// Prints one JSON line: seconds for each step, peak RSS and the Frame's bytes.
import { profileFrame, readFrame } from "../../dist/data/index.js";

const path = process.argv[2];
const cpuStart = process.cpuUsage();
const started = performance.now();
const frame = await readFrame(path);
const read = performance.now();
const profile = profileFrame(frame);
const done = performance.now();
console.log(
  JSON.stringify({
    readSeconds: (read - started) / 1000,
    profileSeconds: (done - read) / 1000,
    totalSeconds: (done - started) / 1000,
    // User + system time of every thread (DuckDB's included): the work done, whatever the load.
    cpuSeconds: (({ user, system }) => (user + system) / 1e6)(process.cpuUsage(cpuStart)),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    frameBytes: frame.byteSize(),
    rows: profile.rows,
    columns: profile.columns.length,
    meanOfX0: profile.columns[0]?.mean,
    // The sum of every value read, to compare with pandas': a rounded value changes it.
    sumOfAll: frame.columnNames.reduce((total, name) => {
      let sum = 0;
      for (const v of frame.numeric(name)) if (!Number.isNaN(v)) sum += v;
      return total + sum;
    }, 0),
  }),
);
