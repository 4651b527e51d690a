#!/usr/bin/env node
// Writes the example feature repository's data (small, seeded, committed): daily customer
// statistics, daily activity, and churn labels whose event times fall between feature rows,
// so point-in-time correctness matters. Run: node examples/features/generate-data.mjs
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = join(import.meta.dirname, "data");
mkdirSync(dir, { recursive: true });
let state = 20260301;
const random = () => {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  return state / 2 ** 32;
};
const DAY = 86_400_000;
const START = Date.UTC(2026, 2, 1);
const iso = (ms) => new Date(ms).toISOString().replace(".000Z", "Z");
const CUSTOMERS = 50;
const DAYS = 14;

const stats = ["customer_id,event_timestamp,created,tenure,recency,frequency,monetary,plan"];
const activity = ["customer_id,event_timestamp,page_views,support_tickets,logins_7d"];
const labels = ["customer_id,event_timestamp,churned"];
for (let c = 1; c <= CUSTOMERS; c++) {
  const id = 1000 + c;
  const plan = ["basic", "pro", "team"][Math.floor(random() * 3)];
  let tenure = Math.floor(random() * 60);
  for (let d = 0; d < DAYS; d++) {
    const ts = START + d * DAY;
    if (random() < 0.15) continue; // some days have no statistics
    tenure += 1;
    const monetary = (20 + random() * 80).toFixed(2);
    stats.push(
      `${id},${iso(ts)},${iso(ts + 3_600_000)},${tenure},${Math.floor(random() * 30)},${Math.floor(random() * 20)},${monetary},${plan}`,
    );
    // Now and then a late correction: same event time, later created time, new value.
    if (random() < 0.05)
      stats.push(
        `${id},${iso(ts)},${iso(ts + 7_200_000)},${tenure},${Math.floor(random() * 30)},${Math.floor(random() * 20)},${(Number(monetary) + 5).toFixed(2)},${plan}`,
      );
    activity.push(
      `${id},${iso(ts + 12 * 3_600_000)},${Math.floor(random() * 200)},${Math.floor(random() * 3)},${Math.floor(random() * 10)}`,
    );
  }
  for (let k = 0; k < 3; k++) {
    const ts = START + Math.floor(random() * (DAYS + 2) * DAY);
    labels.push(`${id},${iso(ts)},${random() < 0.25 ? 1 : 0}`);
  }
}
writeFileSync(join(dir, "customer_stats.csv"), `${stats.join("\n")}\n`);
writeFileSync(join(dir, "activity.csv"), `${activity.join("\n")}\n`);
writeFileSync(join(dir, "labels.csv"), `${labels.join("\n")}\n`);
console.log(
  `wrote ${stats.length - 1} stats rows, ${activity.length - 1} activity rows, ${labels.length - 1} labels to ${dir}`,
);
