"""`vvai model` commands: thin wrappers over :mod:`vvai.models.lifecycle`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from rich.markup import escape as esc

from vvai.common.cliguard import guarded

app = typer.Typer(no_args_is_help=True)

RootOpt = typer.Option(None, "--root", help="Models root (env VVAI_MODELS_DIR, default "
                                            "/opt/vv-video-ai-system/models).")
JsonOpt = typer.Option(False, "--json", help="Print machine-readable JSON.")
LockOpt = typer.Option(600.0, "--lock-timeout", help="Seconds to wait for another vvai model command.")
PubKeyOpt = typer.Option(None, "--public-key", help="ed25519 public key (PEM): refuse unsigned manifests "
                                                    "(env VVAI_MODEL_PUBKEY).")


def _manager(root: str | None, *, json_out: bool = False, lock_timeout: float = 600.0,
             public_key: str | None = None, quiet: bool = False, **policy):
    from vvai.common.output import err_console
    from vvai.common.progress import RichProgress
    from vvai.models.lifecycle import ModelManager
    from vvai.models.transports import FetchPolicy

    show = not (json_out or quiet) and (sys.stderr.isatty() or os.environ.get("VVAI_PROGRESS") == "1")
    return ModelManager(
        root, policy=FetchPolicy.from_env(**policy), progress=RichProgress(enabled=show),
        public_key=public_key, lock_timeout=lock_timeout,
        on_lock_wait=lambda holder: err_console.print(f"waiting for another vvai model command{holder}...",
                                                     markup=False, highlight=False))


@app.command()
@guarded
def sync(
    manifest: str = typer.Option(..., "--manifest", "-m", help="model_manifest.json: a path or URL."),
    root: str = RootOpt,
    allow_downgrade: bool = typer.Option(False, "--allow-downgrade", help="Accept a version lower than the "
                                                                          "highest ever activated."),
    keep: int = typer.Option(3, "--keep", help="Installed versions to keep for instant rollback."),
    stall_timeout: float = typer.Option(None, "--stall-timeout", help="Seconds without data before retrying."),
    retries: int = typer.Option(None, "--retries", help="Attempts without progress before giving up."),
    public_key: str = PubKeyOpt,
    lock_timeout: float = LockOpt,
    json_out: bool = JsonOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    no_activate: bool = typer.Option(False, "--no-activate", help="Install only (a staging candidate for "
                                                                   "evaluate / A/B); the active model stays."),
) -> None:
    """Make the manifest's version active (download, verify, install, activate). Idempotent."""
    from vvai.common.output import console, print_json

    mgr = _manager(root, json_out=json_out, lock_timeout=lock_timeout, public_key=public_key, quiet=quiet,
                   stall_timeout=stall_timeout, max_attempts=retries)
    res = mgr.sync(manifest, allow_downgrade=allow_downgrade, keep=keep, activate=not no_activate)
    if json_out:
        print_json(res.to_dict())
        return
    verb = {"installed": "installed and activated", "activated": "activated (already installed)",
            "unchanged": "already active and verified; nothing downloaded",
            "staged": "installed, not activated (try 'vvai model evaluate')"}[res.action]
    console.print(f"[green]✓[/] {esc(res.model_name)} {res.version} {verb}")
    if res.downloaded_bytes:
        resumed = f", resumed at {res.resumed_bytes} bytes" if res.resumed_bytes else ""
        console.print(f"  downloaded {res.downloaded_bytes:,} bytes in {res.seconds:.2f} s{resumed}")
    if res.previous_version and res.previous_version != res.version and res.action != "staged":
        console.print(f"  previous version {res.previous_version} kept for 'vvai model rollback'")
    if res.removed_versions:
        console.print(f"  removed old versions: {', '.join(res.removed_versions)}")
    _print_status(mgr.status(compare_manifest=False))  # the sync just read that manifest


def _print_status(st: dict) -> None:
    from rich.table import Table

    from vvai.common.output import console
    from vvai.common.redact import redact

    act = st["active"]
    if act:
        console.print(f"[bold]active:[/] {esc(act['model_name'])} {esc(act['version'])}  "
                      + "  ".join(f"{esc(k)} -> {esc(v)}" for k, v in act["paths"].items()))
    else:
        console.print("[bold]active:[/] none")
    if st.get("manifest"):
        m = st["manifest"]
        if m.get("error"):
            console.print(f"[bold]manifest:[/] {esc(redact(m['source']))}: [yellow]{esc(m['error'])}[/]")
        else:
            ok = "[green]matches[/]" if m["active_matches"] else "[yellow]differs from active[/]"
            console.print(f"[bold]manifest:[/] {esc(m['version'])} ({esc(redact(m['source']))}) {ok}")
    if not st["info_consistent"]:
        console.print("[yellow].current_model_info.json is stale; the next sync/activate repairs it[/]")
    t = Table("", "version", "installed at", "size", "artifacts", box=None)
    for iv in st["installed"]:
        t.add_row("*" if iv["active"] else "", esc(iv["version"]), esc(iv["installed_at"]),
                  f"{iv['size_bytes']:,}", esc(", ".join(iv["artifacts"])))
    console.print(t)


@app.command()
@guarded
def status(
    root: str = RootOpt,
    manifest: str = typer.Option(None, "--manifest", "-m", help="Compare with this manifest (default: the "
                                                                "last one synced)."),
    json_out: bool = JsonOpt,
) -> None:
    """Active version and path, installed versions, whether the active one matches the manifest."""
    from vvai.common.output import print_json

    st = _manager(root, json_out=True).status(manifest)
    print_json(st) if json_out else _print_status(st)


@app.command("list")
@guarded
def list_(root: str = RootOpt, json_out: bool = JsonOpt) -> None:
    """Installed versions."""
    from vvai.common.output import print_json

    st = _manager(root, json_out=True).status(None, compare_manifest=False)
    print_json(st["installed"]) if json_out else _print_status(st)


@app.command()
@guarded
def activate(
    version: str = typer.Argument(..., help="An installed version."),
    root: str = RootOpt,
    full_verify: bool = typer.Option(False, "--full-verify", help="Re-hash every file before switching."),
    lock_timeout: float = LockOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Switch the active model to an installed version (local, atomic)."""
    _switch("activate", version, root, full_verify, lock_timeout, json_out)


@app.command()
@guarded
def rollback(
    to: str = typer.Option(None, "--to", help="Version to go back to (default: the previous one)."),
    root: str = RootOpt,
    full_verify: bool = typer.Option(False, "--full-verify", help="Re-hash every file before switching."),
    lock_timeout: float = LockOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Go back to the previous (or a given) installed version: local, no network, instant."""
    _switch("rollback", to, root, full_verify, lock_timeout, json_out)


def _switch(kind: str, version: str | None, root: str | None, full_verify: bool, lock_timeout: float,
            json_out: bool) -> None:
    from vvai.common.output import console, print_json

    mgr = _manager(root, json_out=json_out, lock_timeout=lock_timeout)
    if kind == "rollback":
        iv, prev = mgr.rollback(version, full_verify=full_verify)
    else:
        iv, prev = mgr.activate(version or "", full_verify=full_verify)
    if json_out:
        print_json({"action": kind, "version": iv.version, "previous_version": prev, "folder": str(iv.folder)})
    else:
        console.print(f"[green]✓[/] {esc(iv.model_name)} {iv.version} active (was {prev or 'none'})")


@app.command()
@guarded
def verify(
    root: str = RootOpt,
    all_versions: bool = typer.Option(False, "--all", help="Verify every installed version, not only the active."),
    version: str = typer.Option(None, "--version", help="Verify this installed version."),
    json_out: bool = JsonOpt,
) -> None:
    """Re-hash installed files; exit 1 when any differs from what was installed."""
    from vvai.common.output import console, print_json

    reports = _manager(root, json_out=True).verify(all_versions, version)
    bad = [r for r in reports if not r.ok]
    if json_out:
        print_json({"ok": not bad, "versions": [r.__dict__ for r in reports]})
    else:
        for r in reports:
            mark = "[green]✓[/]" if r.ok else "[red]✗[/]"
            console.print(f"{mark} {esc(r.version)} ({esc(r.folder)}): {r.files} files"
                          + ("" if r.ok else f", {len(r.problems)} problem(s)"))
            for p in r.problems[:20]:
                console.print(f"    {p}", markup=False, highlight=False)
    if bad:
        raise typer.Exit(1)


@app.command()
@guarded
def gc(
    keep: int = typer.Option(3, "--keep", help="Installed versions to keep (the active one always is)."),
    root: str = RootOpt,
    lock_timeout: float = LockOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Remove old versions, unreferenced blobs and abandoned partial downloads."""
    from vvai.common.output import console, print_json

    res = _manager(root, json_out=json_out, lock_timeout=lock_timeout).gc(keep)
    if json_out:
        print_json(res)
        return
    console.print(f"kept {', '.join(res['kept_versions']) or 'nothing'}; removed versions: "
                  f"{', '.join(res['removed_versions']) or 'none'}; blobs: {len(res['removed_blobs'])}; "
                  f"partials: {len(res['removed_partials'])}; freed {res['freed_bytes']:,} bytes")


@app.command()
@guarded
def publish(
    artifact: Path = typer.Argument(..., help="The artifact file (.tar.gz, .zip, .gguf, ...)."),
    version: str = typer.Option(..., "--version", help="Semantic version of this release."),
    url: str = typer.Option(..., "--url", help="Where edge boxes download it (relative to the manifest, file://, "
                                               "http(s)://, s3://)."),
    manifest: Path = typer.Option(Path("model_manifest.json"), "--manifest", help="Manifest to write or update."),
    model_name: str = typer.Option(None, "--model-name"),
    target: str = typer.Option(None, "--target", help="target_path_in_container (default: the manifest's, "
                                                      "else /app/models/bitnet)."),
    description: str = typer.Option(None, "--description"),
    notes: str = typer.Option(None, "--notes"),
    sign_key: Path = typer.Option(None, "--sign-key", help="ed25519 private key: also write <manifest>.sig."),
    json_out: bool = JsonOpt,
) -> None:
    """Compute sha256 and size of an artifact and write or update the manifest."""
    from vvai.common.output import console, print_json
    from vvai.common.progress import RichProgress
    from vvai.models.publish import publish as do_publish

    show = not json_out and sys.stderr.isatty()
    m = do_publish(artifact, version=version, url=url, manifest_out=manifest, model_name=model_name,
                   target_path=target, description=description, notes=notes, sign_key=sign_key,
                   progress=RichProgress(enabled=show))
    if json_out:
        print_json(m.to_json_dict())
    else:
        a = next(a for a in m.artifacts if a.filename == artifact.name)
        console.print(f"[green]✓[/] {esc(str(manifest))}: {esc(m.model_name)} {m.version}, {esc(a.filename)} "
                      f"sha256={a.sha256} size={a.size_bytes:,}" + (" (signed)" if sign_key else ""))


@app.command()
@guarded
def keygen(
    private: Path = typer.Option(Path("model-signing.key"), "--private", help="Private key file to write."),
    public: Path = typer.Option(Path("model-signing.pub"), "--public", help="Public key file to write."),
) -> None:
    """Create an ed25519 key pair for signing manifests."""
    from vvai.common.errors import ConfigError
    from vvai.common.output import console
    from vvai.models.trust import generate_keypair

    if private.exists():
        raise ConfigError(f"{private} exists; refusing to overwrite a private key")
    generate_keypair(private, public)
    console.print(f"wrote {private} (keep it secret) and {public} (give it to edge boxes)", markup=False)


@app.command()
@guarded
def evaluate(
    candidate: str = typer.Option(..., "--candidate", help="Installed version to evaluate."),
    dataset: Path = typer.Option(..., "--dataset", help="Folder of <name>.analytic.json + <name>.reference.txt."),
    baseline: str = typer.Option("active", "--baseline", help="Version to compare with."),
    gate: list[str] = typer.Option(None, "--gate", help="METRIC:threshold=X,min_absolute_change=Y,"
                                                        "min_relative_change=Z,greater_is_better=B (repeatable)."),
    no_default_gates: bool = typer.Option(False, "--no-default-gates", help="Only the --gate options apply."),
    root: str = RootOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Run candidate and baseline on a held-out set; report quality, latency, memory and the gates."""
    from rich.table import Table

    from vvai.common.output import console, print_json
    from vvai.models import evaluate as ev

    gates = {} if no_default_gates else ev.default_gates()
    for g in gate or []:
        ev.parse_gate(g, gates)
    rep = ev.evaluate(root, candidate, dataset, baseline=baseline, gates=gates)
    if json_out:
        rep = {k: v for k, v in rep.items() if k != "outputs"}
        print_json(rep)
    else:
        b, c = rep["metrics"]["baseline"], rep["metrics"]["candidate"]
        t = Table("metric", f"baseline {rep['baseline']['version']}", f"candidate {rep['candidate']['version']}",
                  "change", title=f"evaluation on {rep['dataset']['samples']} samples")
        fmt = {"rouge_l": ("{:.3f}", 1), "latency_p50_s": ("{:.3f} ms", 1e3), "latency_p95_s": ("{:.3f} ms", 1e3),
               "peak_rss_bytes": ("{:.1f} MiB", 1 / 2**20), "errors": ("{:.0f}", 1)}
        for k, (f, scale) in fmt.items():
            change = f"{(c[k] - b[k]) / b[k]:+.1%}" if b[k] else ""
            t.add_row(k, f.format(b[k] * scale), f.format(c[k] * scale), change)
        console.print(t)
        if rep["passed"]:
            console.print(f"[green]gates passed[/]: 'vvai model promote {candidate}' will activate it")
        else:
            console.print("[red]gates failed[/]:")
            for f in rep["failures"]:
                console.print(f"  - {f}", markup=False, highlight=False)
    if not rep["passed"]:
        raise typer.Exit(1)


@app.command()
@guarded
def promote(
    version: str = typer.Argument(..., help="An evaluated, installed version."),
    force: bool = typer.Option(False, "--force", help="Promote without a passing evaluation (recorded)."),
    root: str = RootOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Activate a version whose evaluation passed its gates against the active one."""
    from vvai.common.output import console, err_console, print_json
    from vvai.models.evaluate import promote as do_promote

    iv, prev, forced_reason = do_promote(root, version, force=force)
    if json_out:
        print_json({"action": "promote", "version": iv.version, "previous_version": prev,
                    "forced": bool(forced_reason), "forced_reason": forced_reason})
        return
    if forced_reason:
        err_console.print(f"[yellow]forced[/] ({esc(str(forced_reason))}); recorded in the model history")
    console.print(f"[green]✓[/] promoted {iv.version} (was {prev or 'none'})")


ab_app = typer.Typer(no_args_is_help=True, help="A/B split between the active version and a candidate.")
app.add_typer(ab_app, name="ab")


@ab_app.command("set")
@guarded
def ab_set(
    candidate: str = typer.Argument(..., help="Installed version to send a share of inputs to."),
    fraction: float = typer.Option(..., "--fraction", help="Share of inputs for the candidate (0..1)."),
    root: str = RootOpt,
) -> None:
    """Send a fraction of inputs to a candidate version (consumers pick it up on their next signal)."""
    from vvai.common.output import console
    from vvai.models.abtest import set_split

    cfg = set_split(root, candidate, fraction)
    console.print(f"A/B: {cfg.fraction:.0%} of inputs to {cfg.candidate}; outputs record their version and arm",
                  markup=False, highlight=False)


@ab_app.command("clear")
@guarded
def ab_clear(root: str = RootOpt) -> None:
    """Stop the A/B split: every input goes to the active version."""
    from vvai.common.output import console
    from vvai.models.abtest import clear

    cfg = clear(root)
    console.print("A/B split cleared" if cfg else "no A/B split was set")


@ab_app.command("status")
@guarded
def ab_status(root: str = RootOpt, json_out: bool = JsonOpt) -> None:
    """Show the A/B split."""
    from vvai.common.output import console, print_json
    from vvai.models.abtest import load
    from vvai.models.store import Store

    store = Store(root)
    store.check_root()
    cfg = load(store)
    if json_out:
        print_json(None if cfg is None else {"candidate": cfg.candidate, "fraction": cfg.fraction})
    else:
        console.print("no A/B split" if cfg is None else f"{cfg.fraction:.0%} of inputs to {cfg.candidate}",
                      markup=False, highlight=False)
