"""The JSON API (``/api/v1``) and the console's pages, one module per area."""
