"""Reference mock server for the Impilo v3 Orders API."""
