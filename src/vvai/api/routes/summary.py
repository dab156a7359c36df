"""``/api/v1/summary`` (success metrics) and ``/api/v1/summaries`` (ratings of the model's summaries)."""

from __future__ import annotations

import time
from typing import Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from vvai.api import db, executor, metrics
from vvai.api.routes.common import MAX_TEXT, parse_since, state, who
from vvai.pipeline.feedback import list_summaries, summary_record

router = APIRouter(prefix="/api/v1", tags=["metrics"])


class SummaryFeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdict: Literal["good", "bad"]
    note: str = Field("", max_length=MAX_TEXT)
    corrected_summary: str | None = Field(None, max_length=100_000)


@router.get("/summary")
def summary(request: Request, since: str | None = Query("7d", max_length=64),
            until: str | None = Query(None, max_length=64)) -> dict:
    """Incidents by category, MTTD/MTTR, automatic effective share, accuracy, alerts, refusals, ratings."""
    st = state(request)
    try:
        journal = executor.list_actions(st.store, status=None)
    except executor.Unavailable:
        journal = None
    return metrics.summary(st.store, parse_since(since) or 0.0, parse_since(until) or time.time(), journal)


@router.get("/summaries")
def summaries(request: Request, limit: int = Query(100, ge=1, le=500)) -> dict:
    st = state(request)
    items = list_summaries(st.processed_dir(), limit)
    rated = {(r["video"], r["model_version"]): r for r in db.summary_feedback_rows(st.store)}
    for it in items:
        last = rated.get((it["video"], it["model_version"]))
        it["rating"] = last["verdict"] if last else None
        it.pop("path", None)
    return {"items": items, "rates": db.summary_rates(st.store)}


@router.post("/summaries/{video}/feedback", status_code=201)
def summary_feedback(request: Request, body: SummaryFeedbackIn,
                     video: str = Path(..., max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")) -> dict:
    """Rate one summary; kept with the model version that wrote it."""
    st = state(request)
    rec = summary_record(st.processed_dir(), video)
    fid = db.add_summary_feedback(st.store, rec, body.verdict, body.note, body.corrected_summary, who(request))
    return {"id": fid, "video": rec["video"], "model_version": rec["model_version"], "verdict": body.verdict}
