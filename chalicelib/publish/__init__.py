"""Each release as static files under the bucket's `public/` prefix (README, "The public
files"): what they are named and hold, and which a release writes, decided in pure code
(`files`); the ingest reads and writes them through `storage.public`."""
