"""``/api/v1/incidents``: list (filters, pages), one incident, operator feedback."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from vvai.api import db, views
from vvai.api.masking import redacted_view
from vvai.api.routes.common import MAX_ID, MAX_TEXT, parse_since, state, who

router = APIRouter(prefix="/api/v1", tags=["incidents"])
Id = Path(..., ge=1, le=MAX_ID, description="incident id")


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdict: Literal["correct", "wrong", "partial", "noise"]
    note: str = Field("", max_length=MAX_TEXT)
    correct_category: str | None = Field(None, max_length=64, pattern=r"^[a-z_]+$")
    correct_component: str | None = Field(None, max_length=200)


@router.get("/incidents")
def list_incidents(request: Request,
                   status: Literal["open", "resolved"] | None = None,
                   category: str | None = Query(None, max_length=64),
                   component: str | None = Query(None, max_length=200),
                   since: str | None = Query(None, max_length=64, description="RFC 3339, epoch, or 15m/7d"),
                   limit: int = Query(50, ge=1, le=db.MAX_PAGE),
                   offset: int = Query(0, ge=0, le=10**9),
                   raw: bool = Query(False, description="verbatim text, secrets included (redacted by default)"),
                   ) -> dict:
    """Incidents, newest activity first. ``next_offset`` is null on the last page."""
    st = state(request)
    items, total = db.list_incidents(st.store, status=status, category=category, component=component,
                                     since=parse_since(since), limit=limit, offset=offset)
    nxt = offset + len(items)
    if not raw:
        items = redacted_view(items, st.config().redaction.redactor())
    return {"total": total, "offset": offset, "limit": limit, "items": items,
            "next_offset": nxt if nxt < total else None}


@router.get("/incidents/{incident_id}")
def get_incident(request: Request, incident_id: int = Id,
                 raw: bool = Query(False, description="verbatim evidence, secrets included (redacted by default)")
                 ) -> dict:
    """Root cause, evidence, timeline, alerts, actions and outcomes, feedback, similar past incidents."""
    st = state(request)
    view = views.incident_view(st.store, incident_id, with_chart=False, cfg=st.config())
    return view if raw else redacted_view(view, st.config().redaction.redactor())


@router.post("/incidents/{incident_id}/feedback", status_code=201)
def post_feedback(request: Request, body: FeedbackIn, incident_id: int = Id) -> dict:
    """An operator's verdict, in the same store as ``vvai monitor feedback``."""
    fid = db.add_incident_feedback(state(request).store, incident_id, body.verdict, body.note, who(request),
                                   body.correct_category, body.correct_component)
    return {"id": fid, "incident_id": incident_id, "verdict": body.verdict}
