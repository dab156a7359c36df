"""Every `vvai model` command against hostile inputs, through the real CLI.

Each case runs on a fresh copy of a store holding 1.0.0 and 2.0.0 (2.0.0 active). After it:
no traceback, no hang, non-zero exit with exactly one ``error:`` line (or exit 0 where the input
is harmless), no secret echoed, and nothing lost: 2.0.0 still active, both versions still
verify, no staging folder left behind.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.hostile import corpus
from tests.hostile.conftest import can_chattr, can_mount, copy_tree, read_only
from tests.hostile.harness import Case, Ctx, lost, run
from tests.models.model_helpers import artifact_entry, make_model_tar, write_manifest
from vvai.models import trust
from vvai.models.lifecycle import ModelManager

SECRET_PW = "Sup3rS3cretPassw0rd"
AWS_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def _m(ctx: Ctx, name: str) -> str:
    return str(ctx.extra[name])


def _bad_manifest(name: str, builder):
    def setup(ctx: Ctx) -> None:
        ctx.extra[name] = builder(ctx.tmp / f"{name}.json")

    return setup


def _manifest_with(name: str, mutate):
    """A valid 3.0.0 manifest (its artifact beside it), then ``mutate(doc)``."""

    def setup(ctx: Ctx) -> None:
        rel = ctx.extra["releases"]
        doc = json.loads((rel / "manifest-3.0.0.json").read_text())
        doc["artifacts"][0]["url"] = str(rel / doc["artifacts"][0]["filename"])
        mutate(doc)
        p = ctx.tmp / f"{name}.json"
        p.write_text(json.dumps(doc))
        ctx.extra[name] = p

    return setup


def _set(path: list, value):
    def mutate(doc):
        d = doc
        for k in path[:-1]:
            d = d[k]
        d[path[-1]] = value

    return mutate


def _sync(name: str, *more: str):
    return lambda ctx: ["model", "sync", "-m", _m(ctx, name), "--root", str(ctx.root), "--retries", "1", *more]


CASES: list[Case] = []

# --- sync with every hostile manifest shape ---------------------------------------------------
for kind, builder in corpus.BAD_JSON.items():
    CASES.append(Case(f"sync_manifest_{kind}", _sync(kind), _bad_manifest(kind, builder)))
    CASES.append(Case(f"status_manifest_{kind}", lambda ctx, k=kind: ["model", "status", "--root", str(ctx.root),
                                                                      "-m", _m(ctx, k)],
                      _bad_manifest(kind, builder), expect="ok"))

CASES += [
    Case("sync_size_bytes_true", _sync("m"), _manifest_with("m", _set(["artifacts", 0, "size_bytes"], True)),
         exit_code=2),
    Case("sync_size_bytes_float", _sync("m"), _manifest_with("m", _set(["artifacts", 0, "size_bytes"], 1.5)),
         exit_code=2),
    Case("sync_gopher_url", _sync("m"), _manifest_with("m", _set(["artifacts", 0, "url"], "gopher://h/x.tgz")),
         exit_code=2),
    Case("sync_s3_no_key", _sync("m"), _manifest_with("m", _set(["artifacts", 0, "url"], "s3://bucket")),
         exit_code=2),
    Case("sync_s3_credentials_in_artifact_url", _sync("m"),
         _manifest_with("m", _set(["artifacts", 0, "url"], f"s3://{AWS_ID}:{AWS_SECRET}@host/bucket/k.tgz")),
         exit_code=2, secrets=(AWS_SECRET,)),
    Case("sync_http_password_in_artifact_url", _sync("m"),
         _manifest_with("m", _set(["artifacts", 0, "url"], f"https://u:{SECRET_PW}@127.0.0.1:9/k.tgz")),
         exit_code=2, secrets=(SECRET_PW,)),
    Case("sync_manifest_url_with_credentials",
         lambda ctx: ["model", "sync", "-m", f"s3://user:{SECRET_PW}@host/models/m.json", "--root", str(ctx.root),
                      "--retries", "1"], secrets=(SECRET_PW,)),
    Case("sync_manifest_s3_bucket_only",
         lambda ctx: ["model", "sync", "-m", "s3://bucket", "--root", str(ctx.root), "--retries", "1"]),
    Case("sync_manifest_gopher",
         lambda ctx: ["model", "sync", "-m", "gopher://host/m.json", "--root", str(ctx.root)], exit_code=2),
    Case("sync_manifest_refused_http",
         lambda ctx: ["model", "sync", "-m", "http://127.0.0.1:9/m.json?token=" + SECRET_PW, "--root",
                      str(ctx.root), "--retries", "1"], exit_code=4, secrets=(SECRET_PW,)),
    Case("sync_traversal_filename", _sync("m"), _manifest_with("m", _set(["artifacts", 0, "filename"], "../x.tgz")),
         exit_code=2),
    Case("sync_target_reserved", _sync("m"),
         _manifest_with("m", _set(["artifacts", 0, "target_path_in_container"], "/app/versions")), exit_code=2),
    Case("sync_version_not_semver", _sync("m"), _manifest_with("m", _set(["version"], "latest")), exit_code=2),
    Case("sync_version_markup", _sync("m"), _manifest_with("m", _set(["version"], "[bold]1.0.0[/bold]")),
         exit_code=2),
    Case("sync_model_name_markup", _sync("m"),
         _manifest_with("m", _set(["artifacts", 0, "sha256"], "[red]" + "a" * 59)), exit_code=2),
    Case("sync_wrong_sha", _sync("m"), _manifest_with("m", _set(["artifacts", 0, "sha256"], "0" * 64)),
         exit_code=3),
    Case("sync_too_small_size", _sync("m"), _manifest_with("m", _set(["artifacts", 0, "size_bytes"], 10)),
         exit_code=3),
    Case("sync_keep_minus_1", _sync("m", "--keep", "-1"), _manifest_with("m", lambda d: None), exit_code=2),
    Case("sync_keep_0", _sync("m", "--keep", "0"), _manifest_with("m", lambda d: None), exit_code=2),
    Case("sync_lock_timeout_negative", _sync("m", "--lock-timeout", "-5"), _manifest_with("m", lambda d: None),
         exit_code=2),
    Case("sync_lock_timeout_nan", _sync("m", "--lock-timeout", "nan"), _manifest_with("m", lambda d: None),
         exit_code=2),
]


# downgrade under another model name (the floor belongs to the store)
def _renamed_old(ctx: Ctx) -> None:
    rel = ctx.extra["releases"]
    doc = json.loads((rel / "manifest-1.0.0.json").read_text())
    doc["model_name"] = "bitnet_summarizer"
    doc["artifacts"][0]["url"] = str(rel / doc["artifacts"][0]["filename"])
    p = ctx.tmp / "renamed.json"
    p.write_text(json.dumps(doc))
    ctx.extra["m"] = p


CASES.append(Case("sync_downgrade_under_new_name", _sync("m"), _renamed_old, exit_code=3))


# --- trust ------------------------------------------------------------------------------------
def _signed(sig_builder=None):
    def setup(ctx: Ctx) -> None:
        trust.generate_keypair(ctx.tmp / "k.key", ctx.tmp / "k.pub")
        _manifest_with("m", lambda d: None)(ctx)
        m = ctx.extra["m"]
        sig = Path(str(m) + ".sig")
        if sig_builder is None:
            sig.write_bytes(trust.sign(m.read_bytes(), trust.load_private_key(ctx.tmp / "k.key")))
        else:
            sig_builder(sig)

    return setup


for kind in ("binary", "empty", "five_mb_line", "fifo", "folder", "symlink_to_shadow"):
    CASES.append(Case(f"sync_signature_{kind}", lambda ctx: _sync("m", "--public-key", str(ctx.tmp / "k.pub"))(ctx),
                      _signed(getattr(corpus, kind)), exit_code=3 if kind in ("binary", "empty") else None))
for kind in ("binary", "empty", "fifo", "folder", "deep_array"):
    CASES.append(Case(f"sync_public_key_{kind}",
                      lambda ctx, k=kind: _sync("m", "--public-key", _m(ctx, k))(ctx),
                      lambda ctx, k=kind: (_manifest_with("m", lambda d: None)(ctx),
                                           _bad_manifest(k, getattr(corpus, k))(ctx))))


# --- the store's own files corrupted ------------------------------------------------------------
def _corrupt(rel: str, builder):
    def setup(ctx: Ctx) -> None:
        p = ctx.root / rel
        p.unlink()
        builder(p)
        _manifest_with("m", lambda d: None)(ctx)

    return setup


for kind in ("deep_array", "binary", "fifo", "folder", "json_scalar", "empty"):
    CASES.append(Case(f"state_json_{kind}", _sync("m"), _corrupt(".vvai/state.json", getattr(corpus, kind)),
                      exit_code=2))
    CASES.append(Case(f"info_file_{kind}_status", lambda ctx: ["model", "status", "--root", str(ctx.root)],
                      _corrupt(".current_model_info.json", getattr(corpus, kind)), expect="ok"))

# --- roots that are not a store -----------------------------------------------------------------
for cmd in (["status"], ["list"], ["verify"], ["gc"], ["rollback"], ["activate", "1.0.0"], ["ab", "status"]):
    for kind in ("binary", "fifo", "symlink_loop"):
        CASES.append(Case(f"root_{kind}_{'_'.join(cmd)}",
                          lambda ctx, c=cmd, k=kind: ["model", *c, "--root", _m(ctx, k)],
                          lambda ctx, k=kind: _bad_manifest(k, getattr(corpus, k))(ctx), exit_code=2))

# --- local commands with bad arguments ------------------------------------------------------------
R = ["--root"]
CASES += [
    Case("activate_not_installed", lambda ctx: ["model", "activate", "9.9.9", *R, str(ctx.root)], exit_code=1),
    Case("activate_traversal", lambda ctx: ["model", "activate", "../../etc", *R, str(ctx.root)], exit_code=1),
    Case("activate_markup", lambda ctx: ["model", "activate", "[red]x[/", *R, str(ctx.root)], exit_code=1),
    Case("activate_invalid_utf8", lambda ctx: [b"model", b"activate", b"\xff\xfe", b"--root", bytes(ctx.root)]),
    Case("rollback_to_missing", lambda ctx: ["model", "rollback", "--to", "0.0.1", *R, str(ctx.root)]),
    Case("verify_version_missing", lambda ctx: ["model", "verify", "--version", "7.7.7", *R, str(ctx.root)]),
    Case("gc_keep_0", lambda ctx: ["model", "gc", "--keep", "0", *R, str(ctx.root)], exit_code=2),
    Case("gc_keep_negative", lambda ctx: ["model", "gc", "--keep", "-3", *R, str(ctx.root)], exit_code=2),
    Case("gc_lock_timeout_negative", lambda ctx: ["model", "gc", "--lock-timeout", "-1", *R, str(ctx.root)],
         exit_code=2),
    Case("ab_set_missing", lambda ctx: ["model", "ab", "set", "9.9.9", "--fraction", "0.5", *R, str(ctx.root)]),
    Case("ab_set_fraction_5", lambda ctx: ["model", "ab", "set", "1.0.0", "--fraction", "5", *R, str(ctx.root)],
         exit_code=2),
    Case("ab_set_fraction_nan", lambda ctx: ["model", "ab", "set", "1.0.0", "--fraction", "nan", *R,
                                             str(ctx.root)], exit_code=2),
    Case("promote_missing", lambda ctx: ["model", "promote", "9.9.9", *R, str(ctx.root)]),
    Case("evaluate_missing_dataset", lambda ctx: ["model", "evaluate", "--candidate", "1.0.0", "--dataset",
                                                  str(ctx.tmp / "nope"), *R, str(ctx.root)]),
    Case("evaluate_bad_gate", lambda ctx: ["model", "evaluate", "--candidate", "1.0.0", "--dataset",
                                           str(ctx.tmp), "--gate", "rouge_l:threshold=abc", *R, str(ctx.root)]),
]


# --- publish ------------------------------------------------------------------------------------
def _artifact(ctx: Ctx) -> str:
    p = ctx.tmp / "bitnet_summarizer_v4.0.0.tar.gz"
    if not p.exists():
        make_model_tar(p, "4.0.0", 20_000)
    return str(p)


def _publish(*more: str, manifest: str = "out.json"):
    return lambda ctx: ["model", "publish", _artifact(ctx), "--version", "4.0.0", "--url", "x.tgz", "--manifest",
                        str(ctx.tmp / manifest) if "/" not in manifest else manifest, *more]


def _signed_release(ctx: Ctx) -> None:
    trust.generate_keypair(ctx.tmp / "k.key", ctx.tmp / "k.pub")
    art = Path(_artifact(ctx))
    m = write_manifest(ctx.tmp / "signed.json", "4.0.0", [artifact_entry(art)])
    Path(str(m) + ".sig").write_bytes(trust.sign(m.read_bytes(), trust.load_private_key(ctx.tmp / "k.key")))
    ctx.extra["before"] = {p.name: p.read_bytes() for p in (m, Path(str(m) + ".sig"))}


def _pair_unchanged(ctx: Ctx, _p) -> None:
    now = {n: (ctx.tmp / n).read_bytes() for n in ctx.extra["before"]}
    lost("signed manifest rewritten by a failed publish", [n for n in now if now[n] != ctx.extra["before"][n]])


def _no_output(name: str):
    def check(ctx: Ctx, _p) -> None:
        assert not (ctx.tmp / name).exists(), f"{name} was written by a failed publish"

    return check


CASES += [
    Case("publish_sign_key_missing", _publish("--sign-key", "/nope.key", manifest="signed.json"), _signed_release,
         exit_code=2, check=_pair_unchanged),
    Case("publish_sign_key_binary", lambda ctx: _publish("--sign-key", _m(ctx, "binary"), manifest="signed.json")(ctx),
         lambda ctx: (_signed_release(ctx), _bad_manifest("binary", corpus.binary)(ctx)), exit_code=2,
         check=_pair_unchanged),
    Case("publish_sign_key_fifo", lambda ctx: _publish("--sign-key", _m(ctx, "fifo"), manifest="signed.json")(ctx),
         lambda ctx: (_signed_release(ctx), _bad_manifest("fifo", corpus.fifo)(ctx)), check=_pair_unchanged),
    Case("publish_gopher_url", lambda ctx: ["model", "publish", _artifact(ctx), "--version", "4.0.0", "--url",
                                            "gopher://h/x.tgz", "--manifest", str(ctx.tmp / "out.json")],
         exit_code=2, check=_no_output("out.json")),
    Case("publish_url_with_password", lambda ctx: ["model", "publish", _artifact(ctx), "--version", "4.0.0", "--url",
                                                   f"s3://u:{SECRET_PW}@h/b/x.tgz", "--manifest",
                                                   str(ctx.tmp / "out.json")],
         exit_code=2, secrets=(SECRET_PW,), check=_no_output("out.json")),
    Case("publish_version_not_semver", lambda ctx: ["model", "publish", _artifact(ctx), "--version", "v-latest",
                                                    "--url", "x.tgz", "--manifest", str(ctx.tmp / "out.json")],
         exit_code=2, check=_no_output("out.json")),
    Case("publish_target_relative", _publish("--target", "models/bitnet"), exit_code=2, check=_no_output("out.json")),
]
for kind in ("folder", "deep_array", "binary", "fifo", "invalid_utf8", "symlink_loop"):
    CASES.append(Case(f"publish_manifest_{kind}", lambda ctx, k=kind: _publish(manifest=_m(ctx, k))(ctx),
                      _bad_manifest(kind, getattr(corpus, kind)), exit_code=2))
for kind in ("folder", "fifo", "dangling"):
    CASES.append(Case(f"publish_artifact_{kind}",
                      lambda ctx, k=kind: ["model", "publish", _m(ctx, k), "--version", "4.0.0", "--url", "x",
                                           "--manifest", str(ctx.tmp / "out.json")],
                      _bad_manifest(kind, getattr(corpus, kind)), exit_code=2, check=_no_output("out.json")))
CASES += [
    Case("keygen_private_exists", lambda ctx: ["model", "keygen", "--private", _m(ctx, "binary"), "--public",
                                               str(ctx.tmp / "x.pub")], _bad_manifest("binary", corpus.binary),
         exit_code=2),
    Case("keygen_unwritable", lambda ctx: ["model", "keygen", "--private", "/proc/vvai.key", "--public",
                                           "/proc/vvai.pub"]),
]


# --- read-only and immutable stores -----------------------------------------------------------
def _ro_cases() -> list[Case]:
    out = []
    for name, cmd in (("sync", None), ("activate", ["activate", "1.0.0"]), ("rollback", ["rollback"]),
                      ("gc", ["gc", "--keep", "1"]), ("ab_set", ["ab", "set", "1.0.0", "--fraction", "0.5"])):
        argv = (_sync("m") if cmd is None else (lambda ctx, c=cmd: ["model", *c, "--root", str(ctx.root)]))
        out.append(Case(f"readonly_store_{name}", argv, lambda ctx: _manifest_with("m", lambda d: None)(ctx),
                        exit_code=None))
        out.append(Case(f"immutable_store_{name}", argv, lambda ctx: _manifest_with("m", lambda d: None)(ctx)))
    return out


CASES += _ro_cases()


def _store_facts(root: Path) -> dict:
    mgr = ModelManager(root)
    reports = mgr.verify(all_versions=True)
    act = mgr.store.active()
    staging = sorted(p.name for p in mgr.store.staging.iterdir()) if mgr.store.staging.is_dir() else []
    return {"active": act.version if act else None, "versions": sorted(r.version for r in reports),
            "bad": sorted(r.version for r in reports if not r.ok), "staging": staging}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_model_cli_hostile(case: Case, tmp_path: Path, store_template: Path, releases: Path) -> None:
    ctx = Ctx(tmp=tmp_path, root=copy_tree(store_template, tmp_path / "models"), extra={"releases": releases})
    if case.setup:
        case.setup(ctx)
    undo = None
    if case.name.startswith("readonly_store_"):
        if not can_mount(tmp_path):
            pytest.skip("cannot bind-mount read-only here (needs root and mount)")
        ro = read_only(ctx.root)
        ro.__enter__()
        undo = lambda: ro.__exit__(None, None, None)  # noqa: E731
    elif case.name.startswith("immutable_store_"):
        if not can_chattr(tmp_path):
            pytest.skip("chattr +i not supported on this file system")
        targets = [str(ctx.root), str(ctx.root / "versions"), str(ctx.root / ".vvai")]
        subprocess.run(["chattr", "+i", *targets], check=True)
        undo = lambda: subprocess.run(["chattr", "-i", *targets], check=False)  # noqa: E731
    try:
        p = run(case, ctx)
        if case.check:
            case.check(ctx, p)
    finally:
        if undo:
            undo()
    facts = _store_facts(ctx.root)
    lost("active version changed", [] if facts["active"] == "2.0.0" else [facts["active"]])
    lost("installed versions", sorted({"1.0.0", "2.0.0"} - set(facts["versions"])))
    lost("versions no longer verify", facts["bad"])
    assert facts["staging"] == [], f"staging left behind: {facts['staging']}"
