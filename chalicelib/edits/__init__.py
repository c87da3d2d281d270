"""On-the-day edits: a set delayed, cancelled, restored or moved from the organiser's page,
written back into the set's own CSV file as its next version (see `service`)."""
