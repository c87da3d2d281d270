"""The festival in the formats other programs read: an iCalendar feed (`calendar`) and the
frab / c3voc schedule as JSON and XML (`c3voc`). One read model (`festival`) is built per
request and each format is one small exporter class that declares its media type. The
media types are here so the app can name them without importing the exporters."""

CALENDAR = "text/calendar; charset=utf-8"
C3VOC_JSON = "application/json; charset=utf-8"
C3VOC_XML = "application/xml; charset=utf-8"
