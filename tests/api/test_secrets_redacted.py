"""Secrets the box read are shown redacted by the API and the console unless asked (``raw=true``);
the history keeps the verbatim text (issue 8, secrets). The whole secret corpus, through the real app."""

from __future__ import annotations

import time

from tests.api.conftest import add_incidents
from tests.common.secret_corpus import SHAPES


def test_no_corpus_secret_in_an_api_response_unless_asked(site) -> None:
    store = site.store()
    specs = [("crash_loop", f"worker{k}", None, shape.line) for k, shape in enumerate(SHAPES)]
    ids = add_incidents(store, specs, time.time() - 60)
    store.close()
    page = site.client.get("/api/v1/incidents", params={"limit": 200}).text
    for k, shape in enumerate(SHAPES):
        one = site.client.get(f"/api/v1/incidents/{ids[k]}")
        assert one.status_code == 200
        assert shape.secret not in one.text and shape.secret not in page, shape.name
    raw = site.client.get(f"/api/v1/incidents/{ids[0]}", params={"raw": "true"}).json()
    assert raw["evidence"][0]["text"] == SHAPES[0].line  # verbatim when asked: checkable on the box
