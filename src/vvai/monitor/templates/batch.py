"""Give every text of a batch its final template, in time linear in the batch, with a cap.

What a detector needs (``vvai.monitor.detect.logs``: the error lines of one component): mine
all the texts, then name each by the template it belongs to *once all were mined* (templates
generalise as messages arrive, so the first answer for an early text is too specific).

Doing that with :meth:`TemplateMiner.match` for every text cost a scan of the text's whole
bucket per text: quadratic, 79 s for 10k distinct error lines and a hang for 50k. Here each
text keeps the id of the template it joined, and the final template is looked up by id at
the end (a template only changes when a text joins it, and the miner returns the updated
template then, so the last one returned for an id is final): one look-up per text. At most
``max_templates`` distinct templates are kept; texts that would start another one go to the
overflow bucket
(:data:`~vvai.monitor.templates.miner.OVERFLOW_TEMPLATE`), which is counted like any template.
"""

from __future__ import annotations

from collections.abc import Iterable

from vvai.monitor.templates.miner import OVERFLOW_TEMPLATE, TemplateMiner

#: Distinct templates kept per batch (per component in the log detector).
DEFAULT_MAX_TEMPLATES = 1000

__all__ = ["DEFAULT_MAX_TEMPLATES", "OVERFLOW_TEMPLATE", "final_templates"]


def final_templates(
    texts: Iterable[str], *, max_templates: int = DEFAULT_MAX_TEMPLATES, miner: TemplateMiner | None = None
) -> list[str]:
    """The final template of every text of ``texts``, in order (overflow: ``OVERFLOW_TEMPLATE``).

    ``miner`` (default: a new one with ``max_clusters=max_templates`` and ``on_full="overflow"``)
    is the miner used; pass one to choose masks or thresholds.
    """
    m = miner if miner is not None else TemplateMiner(max_clusters=max_templates, on_full="overflow")
    ids = []
    last: dict[int, str] = {}  # the last template returned for an id is its final one
    for text in texts:
        r = m.add_message(text)
        ids.append(r.template_id)
        last[r.template_id] = r.template
    return [last[i] for i in ids]
