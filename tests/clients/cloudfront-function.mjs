// Runs a CloudFront Function's code (cloudfront-js-2.0 keeps to what node also runs) on
// viewer-request events. Reads {"code": "...", "events": [...]} on stdin; prints the
// request each event leaves the function with.
import { readFileSync } from 'node:fs';

const { code, events } = JSON.parse(readFileSync(0, 'utf8'));
const handler = new Function(`${code}\nreturn handler;`)();
process.stdout.write(JSON.stringify(events.map((event) => handler(event))));
