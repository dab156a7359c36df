// Live updates of the incident list without a reload: poll the JSON API every 5 s (the session
// cookie authenticates GETs) and rebuild the table body with textContent only (no HTML injection).
"use strict";
(function () {
  const table = document.getElementById("incidents");
  if (!table) return;
  const status = document.getElementById("live-status");
  const body = table.tBodies[0];
  const age = (ts) => {
    const s = Math.max(0, Date.now() / 1000 - ts);
    for (const [u, n] of [["d", 86400], ["h", 3600], ["m", 60]]) if (s >= n) return Math.floor(s / n) + u;
    return Math.floor(s) + "s";
  };
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  };
  const link = (href, text) => { const a = el("a", text); a.href = href; return a; };
  function row(i) {
    const tr = el("tr", null, "sev-" + i.severity);
    const td = (child) => { const c = el("td"); if (child instanceof Node) c.appendChild(child); else c.textContent = child; tr.appendChild(c); return c; };
    td(link("/incidents/" + i.id, "#" + i.id));
    td(el("span", i.severity, "badge sev-" + i.severity));
    td(i.category);
    const culprit = td(i.component);
    if (i.file) { culprit.appendChild(el("br")); culprit.appendChild(el("small", i.file)); }
    td(link("/incidents/" + i.id, i.root_cause)).className = "cause";
    td(age(i.first_seen));
    td(age(i.last_seen) + " ago");
    td(el("span", i.status, "badge st-" + i.status));
    td(i.verdict || "");
    return tr;
  }
  // the server renders the rows' signature; parse and re-serialise it so numbers compare in JS's form
  let last = "";
  try { last = JSON.stringify(JSON.parse(table.dataset.sig || "")); } catch (e) { last = ""; }
  async function refresh() {
    if (document.hidden) return;
    const q = new URLSearchParams(table.dataset.query || "");
    q.set("offset", table.dataset.offset || "0");
    q.set("limit", table.dataset.limit || "50");
    try {
      const r = await fetch("/api/v1/incidents?" + q.toString(), { credentials: "same-origin", headers: { "Accept": "application/json" } });
      if (!r.ok) { status.textContent = "Live updates stopped (" + r.status + "): reload the page."; return; }
      const data = await r.json();
      const sig = JSON.stringify(data.items.map((i) => [i.id, i.status, i.severity, i.last_seen, i.verdict, i.root_cause]));
      if (sig !== last) {
        body.replaceChildren(...(data.items.length ? data.items.map(row) : [(() => { const tr = el("tr"); const c = el("td", "No incident matches."); c.colSpan = 9; tr.appendChild(c); return tr; })()]));
        last = sig;
      } else {
        for (const [k, tr] of Array.from(body.rows).entries()) {
          const i = data.items[k]; if (!i || tr.cells.length < 9) continue;
          tr.cells[5].textContent = age(i.first_seen); tr.cells[6].textContent = age(i.last_seen) + " ago";
        }
      }
      const h = document.querySelector("h1 small"); if (h) h.textContent = "(" + data.total + ")";
      const range = document.getElementById("page-range");
      if (range) range.textContent = (data.total ? data.offset + 1 : 0) + "\u2013" + (data.offset + data.items.length) + " of " + data.total;
      status.textContent = "Updated " + new Date().toLocaleTimeString() + " · " + data.total + " incidents.";
    } catch (e) {
      status.textContent = "Live updates paused: the server is not answering.";
    }
  }
  setInterval(refresh, 5000);
  document.addEventListener("visibilitychange", refresh);
})();
