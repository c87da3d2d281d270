// Reads an iCalendar feed on stdin and prints, as JSON, what two real clients make of
// each event: ical.js (the engine of Thunderbird and many web calendars), which uses
// the feed's own VTIMEZONE, and node-ical. Instants are printed in UTC, so the test
// compares them with the API's starts_at/ends_at whatever zone this machine is in.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import ICAL from 'ical.js';

const require = createRequire(import.meta.url);
const nodeIcal = require('node-ical');

const text = readFileSync(0, 'utf8');

function icalJs(feed) {
  const calendar = new ICAL.Component(ICAL.parse(feed));
  return calendar.getAllSubcomponents('vevent').map((component) => {
    const event = new ICAL.Event(component);
    return {
      uid: event.uid,
      summary: event.summary,
      status: component.getFirstPropertyValue('status'),
      url: component.getFirstPropertyValue('url'),
      tzid: component.getFirstProperty('dtstart').getParameter('tzid'),
      start: event.startDate.toJSDate().toISOString(),
      end: event.endDate.toJSDate().toISOString(),
    };
  });
}

function nodeIcalEvents(feed) {
  const parsed = nodeIcal.sync.parseICS(feed);
  return Object.values(parsed)
    .filter((item) => item.type === 'VEVENT')
    .map((event) => ({
      uid: event.uid,
      summary: typeof event.summary === 'string' ? event.summary : event.summary?.val,
      status: event.status,
      url: typeof event.url === 'string' ? event.url : event.url?.val,
      start: event.start.toISOString(),
      end: event.end.toISOString(),
    }));
}

function calendarName(feed) {
  const calendar = new ICAL.Component(ICAL.parse(feed));
  return {
    name: calendar.getFirstPropertyValue('name'),
    wrCalname: calendar.getFirstPropertyValue('x-wr-calname'),
    components: calendar.getAllSubcomponents().map((component) => component.name),
  };
}

process.stdout.write(JSON.stringify({
  icaljs: icalJs(text),
  nodeical: nodeIcalEvents(text),
  calendar: calendarName(text),
}));
