"""FastAPI app and the web page."""
