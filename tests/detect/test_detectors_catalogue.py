"""The vendor catalogue (patterns/vendors_*.toml) on labelled fixtures of its own, through the whole rule set:
user-data scripts, an Ignition-style percent-encoded line, JSON-escaped environment, cloud-config, tags.

Every planted value is synthetic and of its vendor's documented shape.  Each case lists the credential
findings it must produce, exactly (rule id and secret), and decoys that no rule may report: digests and UUIDs
beside vendor names, commit ids, the vendors' documented examples, identifiers that share a prefix, and the
context-only formats without their vendor named.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pytest

from metascan.detect.engine import Engine
from metascan.detect.rules import load_rules
from metascan.detect.validators import grafana_api_key
from metascan.model import Category, FieldKind

RULES = load_rules()
ENGINE = Engine(RULES)

# --- planted values (synthetic, documented shapes) ---
OPENAI = (
    "sk-proj-eEZ5u8slrimF3Cv3diMiMfecAa-uskZ1FWIcq-loCMUIV2h9zgKb1iT72YOJ88ap4nfKFpuLY0T3BlbkFJEf1vYUayhcnBQc1a3x"
    "OXqzNecM11dgoMNeTf0g_gKFYvaQAnIU-9toVQjhVvnrG_tUXMG8Ymsb"
)
ANTHROPIC = (
    "sk-ant-api03-Uo_CAGfj8DiPbpFYxQTUXP_sNOLacNiRVW_e0v2FVgB0wV0KLPoiWAtoRA4coT7K0ICUuORKr8f1"
    "pdCtr0gXSZQzJ9S_7AA"
)
HF = "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"
GROQ = "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"
XAI = "xai-enAuSYnzOp7W3khUur8E5OCdTP0SJxlWwhfYH1QPoQ0u5KCE1jvQcFvIZYRsXdYP4vcal5Wswm3EVQij"
GLSA = "glsa_AgRKHXCsKZ2Gje8goakyAYSq6VLQKyUu_4a1f1b6c"
GLC = (
    "glc_eyJvIjoiNDUxNTgwIiwibiI6InN0YWNrLWd5a2Jodi1ib290IiwiayI6IktTVHVJc2tCbFFJQ2tXc01JRG5mWnhCOCIsIm0iOnsiciI6In"
    "Byb2QtZXUtd2VzdC0yIn19"
)
DYNATRACE = "dt0c01.MCOHG6OM3F3U512EKQ9SIZIT.F7TI5GZQITC4E3M3948YJ4MXIPCF2Z1T7SXAX57Z9887ATAUGHO5ESS2CCL2YX0J"
SENTRY = "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"
BUILDKITE = "bkua_5e2ebf13697327493610055d2543a13811d12bf1"
CIRCLECI = "CCIPAT_m1ejYDBvPTEv5Jxag3rVKt_6080f1e3495dcd6807b7962da9850b246c3c2d2c"
TERRAFORM = "2GOAdzd88WHLqI.atlasv1.EvMQYItwDSVwQopLUJDDJjd7NGMrqX3i9MTJpRPcUNzcsgmbsxJdnBclV4004BOIjWa"
PULUMI = "pul-161e211c138a17e3e0366cb0ae1238aecdc59b42"
RUBYGEMS = "rubygems_ccc949ff294fe2b2cb515cef587269439170bd4d0c0955d0"
NUGET = "oy2ugbk5k46cehtrty962qgpvlq5f4q1tjaqqe3pw5310b"
CRATES = "ciol7HCYiENtHSIH4DRrkIpu2qQNZr6aejv"
ARTIFACTORY = "AKCpTZSBTLn4PDifqKer3rdyajg0QfW32OIFWs08JGFS1JAu9qiey0sBHQFtfooYV1h0FMfnZ"
DOPPLER = "dp.st.prd.kZIuaTYTH75phvQzC95AAMep27C1daDYzFn4mjUGDnO"
OKTA = "00AFdckb3YPvlGkb0OZ7EX7uMvyBlkMcQaP1prbquy"
BITBUCKET = "ATBB5udT0gObVj5dIgxc9hqbD0YXVu32eJn6"
OP_SECRET_KEY = "A3-REZ5TQ-B5QZYV-G99LA-NFBH1-KWJT2-SILME"
WANDB = "980c9f687c3581246f0fd06d5f9b065b4a2d10d1"
SPLUNK_HEC = "bb02bf3a-e934-4024-bd69-25e57b14e9c8"

# --- decoys ---
SHA1 = "7d2f1c0b9e8a6f5d4c3b2a1908f7e6d5c4b3a291"
SHA256 = "5f0e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170"
UUID = "0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a"
OKTA_DOC = "00QCjAl4MlV-WPXMabcdefghijkl0HmjFx-vbGua12"  # Okta's documented example, completed


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    kind: FieldKind
    expected: tuple[tuple[str, str], ...]  # (rule id, secret)
    decoys: tuple[str, ...] = ()
    key: str | None = None


AI_WORKER = f"""#!/bin/bash
set -euo pipefail
# inference worker -- pinned model weights
echo "{SHA256}  /models/llama-3-8b.gguf" | sha256sum -c -
export OPENAI_API_KEY={OPENAI}
export ANTHROPIC_API_KEY="{ANTHROPIC}"
huggingface-cli login --token {HF}
GROQ_API_KEY={GROQ} XAI_API_KEY={XAI} python3 /opt/worker/main.py &
wandb login {WANDB}
export WANDB_RUN_ID={SHA1}
export MISTRAL_AGENT_ID=Q7bXk2mN9pR4sT6vW8yZ1aC3dE5fG7hJ
"""

OBSERVABILITY = f"""#cloud-config
write_files:
  - path: /etc/alloy/config.env
    content: |
      GRAFANA_CLOUD_TOKEN={GLC}
      GRAFANA_SA_TOKEN={GLSA}
runcmd:
  - wget -O /tmp/oneagent.sh "https://abc12345.live.dynatrace.com/api/v1/deployment/installer/agent/unix/default/latest?Api-Token={DYNATRACE}"
  - sentry-cli --auth-token {SENTRY} releases finalize "$(cat /opt/app/VERSION)"
  - 'curl -k https://hec.acme.io:8088/services/collector -H "Authorization: Splunk {SPLUNK_HEC}" -d @b.json'
  - echo "instance {UUID} registered with splunk index main"
"""

# An Ignition config's file contents are percent-encoded data: URLs; a token after %3D ('=') is still found.
IGNITION_LINE = (
    f"data:,BUILDKITE_API_TOKEN%3D{BUILDKITE}%0ACIRCLE_TOKEN%3D{CIRCLECI}%0ATF_TOKEN%3D{TERRAFORM}%0A"
)

# Environment serialised into JSON: tokens after \n and \u0022 escapes.
JSON_ENV = (
    '{"env": "PULUMI_ACCESS_TOKEN=' + PULUMI + "\\nGEM_HOST_API_KEY=" + RUBYGEMS + '\\n", '
    '"nuget": "\\u0022' + NUGET + '\\u0022", "cargo": "' + CRATES + '", "commit": "' + SHA1 + '"}'
)

PACKAGES = f"""<powershell>
$env:JFROG_API_KEY = '{ARTIFACTORY}'
$env:DOPPLER_TOKEN = '{DOPPLER}'
Invoke-RestMethod -Uri https://acme.okta.com/api/v1/users/me -Headers @{{Authorization = "SSWS {OKTA}"}}
# from Okta's guide: Authorization: SSWS {OKTA_DOC}
git clone https://deploy:{BITBUCKET}@bitbucket.org/acme/ops.git C:\\ops
$env:OKTA_CLIENT_ID = '{OKTA}'
</powershell>
"""

CASES = [
    Case(
        "ai-worker-script",
        AI_WORKER,
        FieldKind.SCRIPT,
        expected=(
            ("openai-api-key", OPENAI),
            ("anthropic-api-key", ANTHROPIC),
            ("huggingface-access-token", HF),
            ("groq-api-key", GROQ),
            ("xai-api-key", XAI),
            ("wandb-api-key", WANDB),
        ),
        decoys=(SHA256, SHA1, "Q7bXk2mN9pR4sT6vW8yZ1aC3dE5fG7hJ"),
    ),
    Case(
        "observability-cloud-config",
        OBSERVABILITY,
        FieldKind.SCRIPT,
        expected=(
            ("grafana-cloud-token", GLC),
            ("grafana-service-account-token", GLSA),
            ("dynatrace-token", DYNATRACE),
            ("sentry-auth-token", SENTRY),
            ("splunk-hec-token", SPLUNK_HEC),
        ),
        decoys=(UUID,),
    ),
    Case(
        "ignition-percent-encoded",
        IGNITION_LINE,
        FieldKind.SCRIPT,
        expected=(
            ("buildkite-token", BUILDKITE),
            ("circleci-token", CIRCLECI),
            ("terraform-cloud-token", TERRAFORM),
        ),
    ),
    Case(
        "json-escaped-env",
        JSON_ENV,
        FieldKind.TEXT,
        expected=(
            ("pulumi-access-token", PULUMI),
            ("rubygems-api-key", RUBYGEMS),
            ("nuget-api-key", NUGET),
            ("crates-io-token", CRATES),
        ),
        decoys=(SHA1,),
    ),
    Case(
        "windows-user-data",
        PACKAGES,
        FieldKind.SCRIPT,
        expected=(
            ("artifactory-api-key", ARTIFACTORY),
            ("doppler-token", DOPPLER),
            ("okta-api-token", OKTA),
            ("bitbucket-app-password", BITBUCKET),
        ),
        decoys=(OKTA_DOC,),
    ),
    Case(
        "tag-value",
        OP_SECRET_KEY,
        FieldKind.TAG_VALUE,
        expected=(("1password-secret-key", OP_SECRET_KEY),),
        key="op-secret-key",
    ),
    Case("tag-digest-under-a-vendor-key", SHA1, FieldKind.TAG_VALUE, (), decoys=(SHA1,), key="wandb-commit"),
]


def _credentials(case: Case) -> set[tuple[str, str]]:
    result = ENGINE.scan(case.text, case.kind, case.key)
    return {(h.rule.id, h.secret) for h in result.hits if h.rule.category is Category.CREDENTIAL}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_planted_tokens_are_found_exactly(case: Case) -> None:
    assert _credentials(case) == set(case.expected)


@pytest.mark.parametrize("case", [c for c in CASES if c.decoys], ids=lambda c: c.name)
def test_decoys_are_not_reported(case: Case) -> None:
    secrets = {s for _, s in _credentials(case)}
    for decoy in case.decoys:
        assert not any(decoy in s for s in secrets), decoy


def test_the_same_token_is_found_after_every_encoding_layer() -> None:
    """One token, many wrappers: a separator, percent-encoding, a JSON escape, a quote, a URL userinfo."""
    for text in (
        f"TOKEN={GROQ}",
        f"data:,GROQ_API_KEY%3D{GROQ}%0A",
        f'{{"env": "A=1\\nGROQ_API_KEY={GROQ}\\n"}}',
        f'{{"k": "\\u0022{GROQ}\\u0022"}}',
        f"https://user:{GROQ}@proxy.acme.io/",
    ):
        found = {h.secret for h in ENGINE.scan(text, FieldKind.SCRIPT).hits}
        assert GROQ in found, text


def test_a_prefix_inside_a_longer_word_is_not_a_token() -> None:
    for text in (f"x{GROQ}", f"{GROQ}Q", f"{GROQ}-suffix", f"key_{PULUMI}"):
        assert not ENGINE.scan(text, FieldKind.SCRIPT).hits, text


def test_grafana_api_key_needs_the_name_and_org_of_a_grafana_key() -> None:
    grafana = base64.b64encode(b'{"k":"q2Wv7Rk9Lm3Xb8Tn","n":"deploy","id":1}').decode()
    power_bi = base64.b64encode(b'{"k":"a9b3c2d1-1111-2222-3333-444455556666","t":"72f988bf","c":5}').decode()
    assert grafana_api_key(grafana) and grafana_api_key(grafana.rstrip("="))
    assert not grafana_api_key(power_bi)
    assert not grafana_api_key("eyJrIjoi!!!")


def test_every_vendor_rule_says_whose_format_it_is() -> None:
    """Rules in the vendor catalogue files name their vendor: the README's table of covered formats is built
    from it."""
    catalogue = [r for r in RULES if r.file.startswith("patterns/vendors_")]
    assert len(catalogue) >= 70
    assert all(r.vendor for r in catalogue), [r.id for r in catalogue if not r.vendor]
