"""Runners for `bench/compare.py`: each one drives another scanner through its own Python API.

This file is executed by the interpreter of the scanner's own virtual environment (never the project's), so it
imports only the standard library at the top and the scanner inside its runner:

    <venv>/bin/python bench/compare_runners.py RUNNER --input FILE --out FILE

`--input` is the JSON manifest that compare.py wrote: {"root": DIR, "texts": [{"file": ...}],
"user_data": [{"key": ..., "check": ..., "raw": BASE64}]}.  The output is {"versions": {...}, "notes": [...],
"findings": [{"file" | "key", "match", "rule", ["score"]}]}: the raw value each scanner reported, unscored;
compare.py maps rules to categories and scores them.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import os
import sys
import tempfile
import zlib
from collections.abc import Callable
from importlib import metadata
from typing import Any

Output = dict[str, Any]


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


# --- detect-secrets, as shipped ------------------------------------------------------------


def detect_secrets(inp: dict[str, Any]) -> Output:
    """All default plugins and default filters (`default_settings()`), like `detect-secrets scan --all-files`,
    through the API because the CLI's baseline keeps only a hash of each secret."""
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import default_settings

    root = inp["root"]
    paths = [os.path.join(root, t["file"]) for t in inp["texts"]]
    secrets = SecretsCollection()
    with default_settings():
        secrets.scan_files(*paths)
    findings = [
        {"file": os.path.relpath(os.path.abspath(name), root), "match": s.secret_value, "rule": s.type}
        for name, s in secrets
        if s.secret_value
    ]
    return {"versions": {"detect-secrets": _version("detect-secrets")}, "notes": [], "findings": findings}


# --- Prowler's two user-data checks -------------------------------------------------------------------------
#
# Both checks (ec2_launch_template_no_secrets, autoscaling_find_secrets_ec2_launch_configuration) decode every
# UserData value the same way: base64 (not validated; a value that fails makes the whole check raise), gunzip
# when the bytes start with the gzip magic, UTF-8.  No MIME parsing, no cloud-config write_files decoding.
# A value that does not decode is reported MANUAL and not scanned.  Only user data is scanned.


def _prowler_payloads(inp: dict[str, Any]) -> tuple[dict[str, list[tuple[str, str]]], list[str]]:
    """Per check: the (key, text) pairs Prowler scans; and notes on what it could not scan."""
    by_check: dict[str, list[tuple[str, str]]] = {}
    notes: list[str] = []
    broken: set[str] = set()
    manual = 0
    for item in inp["user_data"]:
        check = item["check"]
        by_check.setdefault(check, [])
        try:
            data = base64.b64decode(item["raw"])
        except (binascii.Error, ValueError):
            broken.add(check)
            continue
        try:
            if data[:2] == b"\x1f\x8b":
                text = zlib.decompress(data, zlib.MAX_WBITS | 32).decode("utf-8")
            else:
                text = data.decode("utf-8")
        except Exception:  # what Prowler catches: the value is MANUAL, not scanned
            manual += 1
            continue
        by_check[check].append((item["key"], text))
    for check in sorted(broken):
        notes.append(
            f"{check}: a UserData value is not valid base64, so the check raises and reports nothing"
        )
        by_check[check] = []
    if manual:
        notes.append(f"{manual} UserData values did not decode as UTF-8 (gzip): MANUAL, not scanned")
    return by_check, notes


def prowler_kingfisher(inp: dict[str, Any]) -> Output:
    """Prowler >= 5.32: its own batch helper, which runs the Kingfisher binary offline (--no-validate,
    --no-update-check, confidence low, Prowler's rule overrides).  Prowler's report keeps only the rule name,
    line and a SHA-1 of the matched text; the matched text itself (Kingfisher's `snippet`, the value Prowler
    hashes) is captured by wrapping the helper's conversion function, so the scan itself is untouched."""
    from prowler.lib.utils import utils

    convert: Callable[[dict[str, Any], str], dict[str, Any]] = utils._finding_to_dict

    def keep_snippet(entry: dict[str, Any], fallback: str) -> dict[str, Any]:
        out = convert(entry, fallback)
        out["snippet"] = entry.get("finding", {}).get("snippet")
        return out

    utils._finding_to_dict = keep_snippet
    by_check, notes = _prowler_payloads(inp)
    findings = []
    for payloads in by_check.values():
        results = utils.detect_secrets_scan_batch(payloads) if payloads else {}
        for key, secrets in results.items():
            findings += [
                {"key": key, "match": s["snippet"], "rule": s["type"]} for s in secrets if s["snippet"]
            ]
    versions = {"prowler": _version("prowler"), "kingfisher-bin": _version("kingfisher-bin")}
    return {"versions": versions, "notes": notes, "findings": findings}


# Prowler 5.31 and earlier (config/config.yaml `detect_secrets_plugins`, lib/utils/utils.py): detect-secrets
# 1.5.0 with these plugins (Base64HighEntropyString at limit 6.0, which base64 text can never exceed; no
# IPPublicDetector or TelegramBotTokenDetector) and only these four filters, one temporary file per value.
_PROWLER_PLUGINS = [
    *(
        {"name": name}
        for name in (
            "ArtifactoryDetector AWSKeyDetector AzureStorageKeyDetector BasicAuthDetector CloudantDetector "
            "DiscordBotTokenDetector GitHubTokenDetector GitLabTokenDetector IbmCloudIamDetector "
            "IbmCosHmacDetector JwtTokenDetector KeywordDetector MailchimpDetector NpmDetector "
            "OpenAIDetector PrivateKeyDetector PypiTokenDetector SendGridDetector SlackDetector "
            "SoftlayerDetector SquareOAuthDetector StripeDetector TwilioKeyDetector"
        ).split()
    ),
    {"name": "Base64HighEntropyString", "limit": 6.0},
    {"name": "HexHighEntropyString", "limit": 3.0},
]
_PROWLER_FILTERS = [
    {"path": f"detect_secrets.filters.{name}"}
    for name in (
        "common.is_invalid_file",
        "common.is_known_false_positive",
        "heuristic.is_likely_id_string",
        "heuristic.is_potential_secret",
    )
]


def prowler_detect_secrets(inp: dict[str, Any]) -> Output:
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import transient_settings

    by_check, notes = _prowler_payloads(inp)
    settings = {"plugins_used": _PROWLER_PLUGINS, "filters_used": _PROWLER_FILTERS}
    findings = []
    for payloads in by_check.values():
        for key, text in payloads:
            with tempfile.NamedTemporaryFile(delete=False) as f:  # no suffix, as Prowler writes it
                f.write(bytes(text, encoding="raw_unicode_escape"))
            try:
                secrets = SecretsCollection()
                with transient_settings(settings):
                    secrets.scan_file(f.name)
            finally:
                os.remove(f.name)
            findings += [
                {"key": key, "match": s.secret_value, "rule": s.type} for _, s in secrets if s.secret_value
            ]
    return {"versions": {"detect-secrets": _version("detect-secrets")}, "notes": notes, "findings": findings}


# --- Presidio analyzer, pattern recognizers only --------------------------------------------------


def presidio(inp: dict[str, Any]) -> Output:
    """The predefined recognizers of AnalyzerEngine with a blank spaCy English pipeline (no spaCy model is on
    PyPI): tokens, stop words and punctuation come from spaCy's English defaults, lemmas are the lower-cased
    tokens (so context words still count), and there is no NER (PERSON, LOCATION, NRP find nothing).
    tldextract is pointed at its bundled suffix list so that the email recognizer fetches nothing."""
    import spacy
    import tldextract.tldextract as tld
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from spacy.language import Language

    tld.TLD_EXTRACTOR = tld.TLDExtract(suffix_list_urls=(), cache_dir=None)

    if "compare_lower_lemmas" not in Language.factories:

        @Language.component("compare_lower_lemmas")
        def lower_lemmas(doc: Any) -> Any:
            for token in doc:
                token.lemma_ = token.lower_
            return doc

    class BlankEnglish(SpacyNlpEngine):  # type: ignore[misc]
        def load(self) -> None:
            nlp = spacy.blank("en")
            nlp.add_pipe("compare_lower_lemmas")
            self.nlp = {"en": nlp}

    engine = BlankEnglish(models=[{"lang_code": "en", "model_name": "blank:en"}])
    engine.load()
    analyzer = AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])
    findings = []
    for t in inp["texts"]:
        with open(os.path.join(inp["root"], t["file"]), encoding="utf-8") as f:
            text = f.read()
        for r in analyzer.analyze(text, language="en"):
            findings.append(
                {"file": t["file"], "match": text[r.start : r.end], "rule": r.entity_type, "score": r.score}
            )
    recognizers = sorted(r.name for r in analyzer.get_recognizers("en"))
    notes = [
        f"score threshold {analyzer.default_score_threshold} (the default)",
        f"recognizers: {', '.join(recognizers)}",
    ]
    versions = {"presidio-analyzer": _version("presidio-analyzer"), "spacy": _version("spacy")}
    return {"versions": versions, "notes": notes, "findings": findings}


# --- trufflehog v3 detectors --------------------------------------------------------------------------------


def trufflehog_v3(inp: dict[str, Any]) -> Output:
    """trufflehog v3's detectors as compiled into litellm-trufflehog's shared library: profile "all" (every
    detector but the opt-in catch-alls), verification off.  The match is the detector's raw value (what the
    CLI prints as the raw result), or, when it located several parts in the text (an AWS key id and its
    secret), each part."""
    import litellm_trufflehog as th

    scanner = th.Scanner(profile="all", include_raw=True)
    findings = []
    problems = 0
    for t in inp["texts"]:
        with open(os.path.join(inp["root"], t["file"]), encoding="utf-8") as f:
            text = f.read()
        data = text.encode("utf-8")
        report = scanner.scan(text)
        problems += bool(report.errors or report.truncated)
        for finding in report:
            rule = finding.detector_name or finding.detector_type
            parts = {data[s.start : s.end].decode("utf-8", "replace") for s in finding.spans}
            if len(parts) < 2:
                parts = {finding.raw}
            findings += [{"file": t["file"], "match": m, "rule": rule} for m in sorted(parts) if m]
    native = th.native_version()
    notes = [f"{scanner.detector_count} detectors, profile all, verification off"]
    if problems:
        notes.append(f"{problems} texts had detector errors or were truncated")
    versions = {
        "trufflehog": native.get("trufflehog", "?"),
        "litellm-trufflehog": _version("litellm-trufflehog"),
    }
    return {"versions": versions, "notes": notes, "findings": findings}


RUNNERS: dict[str, Callable[[dict[str, Any]], Output]] = {
    "trufflehog-v3": trufflehog_v3,
    "detect-secrets": detect_secrets,
    "prowler-kingfisher": prowler_kingfisher,
    "prowler-detect-secrets": prowler_detect_secrets,
    "presidio": presidio,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("runner", choices=sorted(RUNNERS))
    parser.add_argument("--input", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    with open(args.input, encoding="utf-8") as f:
        inp = json.load(f)
    out = RUNNERS[args.runner](inp)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
