// keel-run.mjs for any keel build: `node keel-run-dist.mjs <dist folder> <csv>`. Prints one
// JSON line: wall and CPU seconds (every thread's) of readFrame and of profileFrame.
const [dist, path] = process.argv.slice(2);
const { readFrame, profileFrame } = await import(`${dist}/data/index.js`);
const cpu = (u) => (u.user + u.system) / 1e6;
const c0 = process.cpuUsage();
const w0 = performance.now();
const frame = await readFrame(path);
const c1 = process.cpuUsage(c0);
const w1 = performance.now();
profileFrame(frame);
const c2 = process.cpuUsage(c0);
const w2 = performance.now();
console.log(
  JSON.stringify({
    readWall: (w1 - w0) / 1000,
    readCpu: cpu(c1),
    profileWall: (w2 - w1) / 1000,
    profileCpu: cpu(c2) - cpu(c1),
  }),
);
