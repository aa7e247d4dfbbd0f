"""Labelled user data of every boot agent AWS supports, scanned end to end: each planted value is found with
its decoding chain, each decoy is not.

The documents follow the agents' own documentation: Ignition configuration specs 2.x and 3.x
(coreos.github.io/ignition), cloud-init's user data formats, EC2Launch v2 task configuration, EC2Launch v1
tags, Bottlerocket settings (bottlerocket.dev), EKS nodeadm's NodeConfig.  The planted values are this
suite's own random strings in the vendors' formats.
"""

from __future__ import annotations

import base64
import gzip
import json
import urllib.parse
from functools import cache
from typing import Any

import pytest

import metascan
from metascan.api import make_scanner
from metascan.detect.rules import Rule, load_rules
from metascan.report.formats.options import RenderOptions
from metascan.report.render import Format, renderer

GH_TOKEN = "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"  # a valid checksum, a made-up token
AWS_KEY_ID = "AKIAAYBHPIP5AX2FQ2H6"
AWS_SECRET = "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"
STRIPE_KEY = "sk_live_v7eMZMZtjV3X2OkPbVEvZeZ2"
SLACK_TOKEN = "xoxb-279247963975-2102673625043-GpH9RJedfSeaTjGCRCyT1OYP"
PASSWORD = "X4ORxsMbcJnP!wcl"
PASSWORD_2 = "aCMjhcASKb#GGR"
EMAIL = "ana.souza@northwind-logistics.com"
API_KEY = "Qb7rT2mW9xK4vN8pL3zH6cJ1fD5sG0aY"

# Decoys: values in these documents that are not secrets.
PASSWORD_HASH = "$y$j9T$3bT0mDq1kZ5e/Yx4QvJxK.$Gz9WmQk1yJ2tRr8sPq7LwV3nB6cX0aZ5dF4hE2uI8oO"
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk3mPq8Vx2Lr7Tz9Wb4Nc6Yd1Fe5Gh0Ju3Ki8Lm2Op core@fcos"
CERT = (
    "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUFakeCertificateForTestsOnly0wCgYIKoZIzj0EAwIw\n"
    "-----END CERTIFICATE-----\n"
)


def b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def gz(text: str) -> bytes:
    return gzip.compress(text.encode(), mtime=0)


def pct(text: str) -> str:
    return urllib.parse.quote(text, safe="")


@cache
def bundled_rules() -> tuple[Rule, ...]:
    """The bundled rules, loaded once for this module: loading them takes seconds, and every scan here makes
    its own scanner."""
    return tuple(load_rules())


def scan(user_data: str) -> metascan.Report:
    """Scan one launch template version whose user data is `user_data` (base64-encoded here, as EC2 returns
    it)."""
    doc = {
        "LaunchTemplateVersions": [
            {
                "LaunchTemplateId": "lt-0a1b2c3d4e5f60718",
                "VersionNumber": 1,
                "LaunchTemplateData": {"UserData": b64(user_data)},
            }
        ]
    }
    # A region and account, as `--region`/`--account` give saved files: every format can then render it
    # (Security Hub's needs both).
    scanner = make_scanner(
        fingerprint_key=b"formats-test-key-0123456789",
        rules=bundled_rules(),
        region="us-east-1",
        account="123456789012",
    )
    return metascan.scan_responses([("lt.json", doc)], scanner=scanner)


def found(report: metascan.Report) -> dict[str, str]:
    """Each value found, with its decoding chain."""
    return {f.match or "": " > ".join(f.location.decoding) for f in report.findings}


def check(report: metascan.Report, expect: dict[str, str], decoys: tuple[str, ...] = ()) -> None:
    got = found(report)
    for value, chain in expect.items():
        assert got.get(value) == chain, (value, got)
    for decoy in decoys:
        assert not [v for v in got if decoy in v or v in decoy], (decoy, got)


# --- Ignition ----------------------------------------------------------------------------------------


def ignition_3() -> str:
    """A Fedora CoreOS config as Butane writes it (spec 3.4.0)."""
    config: dict[str, Any] = {
        "ignition": {"version": "3.4.0"},
        "passwd": {
            "users": [{"name": "core", "passwordHash": PASSWORD_HASH, "sshAuthorizedKeys": [SSH_KEY]}]
        },
        "storage": {
            "files": [
                {
                    "path": "/etc/grafana/env",
                    "mode": 384,
                    "contents": {
                        "source": "data:,"
                        + pct(f"GF_SECURITY_ADMIN_PASSWORD={PASSWORD}\nAWS_ACCESS_KEY_ID={AWS_KEY_ID}\n")
                    },
                },
                {
                    "path": "/etc/app/token",
                    "mode": 384,
                    "contents": {
                        "compression": "gzip",
                        "source": "data:;base64," + b64(gz(f"GITHUB_TOKEN={GH_TOKEN}\n")),
                    },
                },
                {
                    "path": "/etc/motd",
                    "append": [{"source": "data:," + pct(f"Support: {EMAIL}\n")}],
                },
                {
                    "path": "/etc/app/config.json",
                    "contents": {
                        "source": "https://config.northwind.example/app.json",
                        "httpHeaders": [{"name": "Authorization", "value": f"Bearer {API_KEY}"}],
                    },
                },
            ]
        },
        "systemd": {
            "units": [
                {
                    "name": "app.service",
                    "enabled": True,
                    "contents": "[Unit]\nDescription=app\n[Service]\nExecStart=/usr/bin/app\n"
                    "[Install]\nWantedBy=multi-user.target\n",
                    "dropins": [
                        {
                            "name": "env.conf",
                            "contents": f'[Service]\nEnvironment="STRIPE_KEY={STRIPE_KEY}"\n',
                        }
                    ],
                }
            ]
        },
    }
    return json.dumps(config)


def test_ignition_3_files_append_units_and_headers() -> None:
    check(
        scan(ignition_3()),
        {
            PASSWORD: "base64 > ignition:storage.files[0] > data-url > percent",
            AWS_KEY_ID: "base64 > ignition:storage.files[0] > data-url > percent",
            GH_TOKEN: "base64 > ignition:storage.files[1] > data-url > base64 > gzip",
            EMAIL: "base64 > ignition:storage.files[2].append[0] > data-url > percent",
            API_KEY: "base64 > ignition:storage.files[3].httpHeaders[0]",
            STRIPE_KEY: "base64 > ignition:systemd.units[0].dropins[0]",  # also in the JSON as it is
        },
        decoys=(PASSWORD_HASH, SSH_KEY),
    )


def test_ignition_2_appended_config_and_networkd() -> None:
    """Spec 2.x (Flatcar): a whole config appended from a data URL, a file appended to (`append: true`)."""
    inner = {
        "ignition": {"version": "2.3.0"},
        "storage": {
            "files": [
                {
                    "filesystem": "root",
                    "path": "/etc/db.env",
                    "contents": {"source": "data:," + pct(f"PGPASSWORD={PASSWORD_2}\n")},
                }
            ]
        },
    }
    outer = {
        "ignition": {
            "version": "2.3.0",
            "config": {"append": [{"source": "data:;base64," + b64(json.dumps(inner))}]},
        },
        "storage": {
            "files": [
                {
                    "filesystem": "root",
                    "path": "/home/core/.bashrc",
                    "append": True,
                    "contents": {"source": "data:," + pct(f"export SLACK_BOT_TOKEN={SLACK_TOKEN}\n")},
                }
            ]
        },
        "networkd": {
            "units": [{"name": "00-eth0.network", "contents": "[Match]\nName=eth0\n[Network]\nDHCP=yes\n"}]
        },
    }
    check(
        scan(json.dumps(outer, indent=2)),
        {
            PASSWORD_2: "base64 > ignition:ignition.config.append[0] > data-url > base64"
            " > ignition:storage.files[0] > data-url > percent",
            SLACK_TOKEN: "base64 > ignition:storage.files[0] > data-url > percent",
        },
    )


def test_ignition_found_once_although_the_raw_json_and_its_layers_hold_it_too() -> None:
    report = scan(ignition_3())
    matches = [f.match for f in report.findings]
    assert len(matches) == len(set(matches))


def test_a_malformed_ignition_config_is_reported() -> None:
    report = scan('{"ignition": {"version": "3.4.0"}, "storage": {"files": [}')
    assert [s.reason for s in report.skipped] == ["Ignition config is not valid JSON; not decoded (base64)"]


# --- cloud-init --------------------------------------------------------------------------------------


def test_cloud_config_write_files_escapes_binary_and_inline_base64() -> None:
    aws = b64(f"[default]\naws_access_key_id = {AWS_KEY_ID}\naws_secret_access_key = {AWS_SECRET}\n")
    doc = (
        "#cloud-config\n"
        "write_files:\n"
        f"  - path: /srv/reports/{EMAIL}/credentials\n"  # a path that holds an e-mail address
        "    encoding: b64\n"
        f"    content: {aws}\n"
        "  - path: /etc/app.env\n"
        f'    content: "APP_ENV=prod\\nDB_PASSWORD={PASSWORD}\\nDB_HOST=db.internal\\n"\n'
        "  - path: /usr/local/bin/token\n"
        "    encoding: gzip\n"
        f"    content: !!binary |\n      {b64(gz(f'GITHUB_TOKEN={GH_TOKEN}'))}\n"
        "runcmd:\n"
        f"  - echo {b64(f'STRIPE_KEY={STRIPE_KEY}')} | base64 -d > /etc/stripe.env\n"
    )
    report = scan(doc)
    check(
        report,
        {
            AWS_KEY_ID: "base64 > write_files[0] > base64",
            AWS_SECRET: "base64 > write_files[0] > base64",
            PASSWORD: "base64 > cloud-config:write_files[1].content",
            GH_TOKEN: "base64 > write_files[2] > base64 > gzip",
            STRIPE_KEY: "base64 > base64",
        },
    )
    # The path is scanned with the cloud-config and named by its index: no decoding chain, in any format,
    # holds it.
    for fmt in Format:
        out = renderer(fmt)(report, RenderOptions())
        assert "ana.souza" not in out, fmt


def test_cloud_config_under_a_jinja_header_and_without_header_in_mime() -> None:
    cloud = f"write_files:\n- path: /etc/key\n  encoding: b64\n  content: {b64(f'API_TOKEN={API_KEY}')}\n"
    check(scan(f"## template: jinja\n#cloud-config\n{cloud}"), {API_KEY: "base64 > write_files[0] > base64"})
    mime = (
        'Content-Type: multipart/mixed; boundary="==B=="\nMIME-Version: 1.0\n\n'
        f'--==B==\nContent-Type: text/cloud-config; charset="us-ascii"\n\n{cloud}\n--==B==--\n'
    )
    check(scan(mime), {API_KEY: "base64 > mime:1 > write_files[0] > base64"})


def test_cloud_config_archive_parts() -> None:
    part3 = b64(f"#!/bin/sh\nexport STRIPE_KEY={STRIPE_KEY}\n")
    doc = (
        "#cloud-config-archive\n"
        "- type: text/cloud-boothook\n"
        "  content: |\n"
        "    #!/bin/sh\n"
        "    echo boot > /var/tmp/boothook.txt\n"
        "- type: text/cloud-config\n"
        "  content: |\n"
        "    write_files:\n"
        "    - path: /etc/app.env\n"
        "      encoding: b64\n"
        f"      content: {b64(f'DB_PASSWORD={PASSWORD}')}\n"
        "- type: text/x-shellscript\n"
        "  Content-Transfer-Encoding: base64\n"
        f"  content: {part3}\n"
    )
    check(
        scan(doc),
        {
            PASSWORD: "base64 > cloud-config-archive[1] > write_files[0] > base64",
            STRIPE_KEY: "base64 > cloud-config-archive[2] > base64",
        },
    )


def test_eks_nodeadm_config_in_mime() -> None:
    """AL2023 EKS nodes: a NodeConfig part (application/node.eks.aws) beside a script; its certificate
    authority is base64 of a certificate, not a secret."""
    node = (
        "---\napiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  cluster:\n    name: prod\n"
        "    apiServerEndpoint: https://A1B2C3D4E5F6.gr7.eu-west-1.eks.amazonaws.com\n"
        f"    certificateAuthority: {b64(CERT)}\n    cidr: 10.100.0.0/16\n"
    )
    doc = (
        'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="BOUNDARY"\n\n'
        f"--BOUNDARY\nContent-Type: application/node.eks.aws\n\n{node}\n"
        "--BOUNDARY\nContent-Type: text/x-shellscript\n\n"
        f"#!/bin/bash\nexport DD_API_KEY_PASSWORD='{PASSWORD}'\n"
        "--BOUNDARY--\n"
    )
    report = scan(doc)
    check(report, {PASSWORD: "base64 > mime:2"}, decoys=("BEGIN CERTIFICATE", "MIIBszCCAVmg"))
    assert report.skipped == []


# --- Windows: EC2Launch v2, EC2Launch v1 / EC2Config ---------------------------------------------------


def encoded_command(command: str) -> str:
    return b64(command.encode("utf-16-le"))


def test_ec2launch_v2_tasks() -> None:
    enc = encoded_command(f"$env:GITHUB_TOKEN='{GH_TOKEN}'; & C:\\app\\sync.exe")
    doc = (
        "version: 1.0\n"
        "tasks:\n"
        "- task: executeScript\n"
        "  inputs:\n"
        "  - frequency: once\n"
        "    type: powershell\n"
        "    runAs: localSystem\n"
        "    content: |-\n"
        f"      powershell.exe -NoProfile -EncodedCommand {enc}\n"
        "      Start-Service app\n"
        "- task: executeScript\n"
        "  inputs:\n"
        "  - frequency: always\n"
        "    type: batch\n"
        f'    content: "set APP_ENV=prod\\r\\nset API_SECRET={API_KEY}\\r\\nnet start app"\n'
    )
    check(
        scan(doc),
        {
            GH_TOKEN: "base64 > encodedcommand",
            API_KEY: "base64 > ec2launch:tasks[1].inputs[0].content",
        },
    )


def test_ec2launch_v1_tags_with_an_encoded_command() -> None:
    enc = encoded_command(f"net user svc_backup '{PASSWORD_2}' /add")
    doc = (
        "<powershell>\n"
        f"$Password = ConvertTo-SecureString '{PASSWORD}' -AsPlainText -Force\n"
        f"powershell -enc {enc}\n"
        "</powershell>\n<persist>true</persist>\n"
    )
    got = found(scan(doc))
    assert got[PASSWORD] == "base64"
    assert got[PASSWORD_2] == "base64 > encodedcommand"


# --- Bottlerocket ------------------------------------------------------------------------------------


def test_bottlerocket_settings() -> None:
    admin = b64(json.dumps({"ssh": {"authorized-keys": [SSH_KEY]}}))
    bootstrap = b64(f"#!/bin/sh\nexport DB_PASSWORD='{PASSWORD}'\n")
    credentials = b64(f"[default]\naws_access_key_id = {AWS_KEY_ID}\naws_secret_access_key = {AWS_SECRET}\n")
    doc = (
        "[settings.kubernetes]\n"
        'cluster-name = "prod"\n'
        'api-server = "https://A1B2C3D4E5F6.gr7.eu-west-1.eks.amazonaws.com"\n'
        f'cluster-certificate = "{b64(CERT)}"\n'
        "\n[settings.host-containers.admin]\nenabled = true\n"
        f'user-data = "{admin}"\n'
        "\n[settings.bootstrap-containers.setup]\n"
        'source = "public.ecr.aws/northwind/setup:1.4"\nmode = "once"\n'
        f'user-data = "{bootstrap}"\n'
        f'\n[settings.aws]\ncredentials = "{credentials}"\n'
        '\n[settings.network]\nhttps-proxy = "http://proxy.internal:3128"\n'
        f'no-proxy = ["localhost", "169.254.169.254"]\nmotd = "Contact: {EMAIL}\\nOn call: +1 555 0100"\n'
    )
    check(
        scan(doc),
        {
            PASSWORD: "base64 > bottlerocket:settings.bootstrap-containers[0].user-data > base64",
            AWS_KEY_ID: "base64 > bottlerocket:settings.aws.credentials > base64",
            AWS_SECRET: "base64 > bottlerocket:settings.aws.credentials > base64",
            EMAIL: "base64 > bottlerocket:settings.network.motd",  # a TOML escape follows it
        },
        decoys=(SSH_KEY, "BEGIN CERTIFICATE"),
    )


@pytest.mark.parametrize(
    "doc",
    [
        "#cloud-config\nwrite_files:\n- encoding: b64\n  content: [\n",
        "#cloud-config-archive\n- type: text/x-shellscript\n  content: [\n",
        'version: 1.0\ntasks:\n- task: [\n  content: "a\\nb"\n',
        "[settings.aws\ncredentials = 1\n",
    ],
    ids=["cloud-config", "archive", "ec2launch", "bottlerocket"],
)
def test_a_malformed_document_is_reported_and_still_scanned(doc: str) -> None:
    """A document with something to decode that does not parse is a skip; its text is scanned as text."""
    report = scan(doc + f"# DB_PASSWORD={PASSWORD}\n")
    assert any("not decoded" in s.reason for s in report.skipped), report.skipped
    assert PASSWORD in found(report)


def test_strings_of_another_json_document_are_read_as_what_they_hold() -> None:
    doc = json.dumps({"bootstrap": {"script": f"#!/bin/bash\nexport DB_PASSWORD='{PASSWORD}'\n"}, "v": 2})
    check(scan(doc), {PASSWORD: "base64 > json:bootstrap.script"})


def test_cloud_init_include_part_handler_and_jsonp_parts() -> None:
    """cloud-init's other documented formats: `#include` (and `text/x-include-url`) lists of URLs, a
    `#part-handler` in Python, and a `text/cloud-config-jsonp` part (a JSON patch, whose strings hold
    escapes); each is scanned, the JSON patch's escaped strings decoded."""
    patch = json.dumps(
        [
            {
                "op": "add",
                "path": "/write_files/-",
                "value": {"path": "/etc/app.env", "content": f"DB_USER=app\nDB_PASSWORD={PASSWORD_2}\n"},
            }
        ]
    )
    handler = (
        "#part-handler\n# vi: syntax=python ts=4\nSLACK_TOKEN = '" + SLACK_TOKEN + "'\n\n"
        "def list_types():\n    return ['text/x-notify']\n\n"
        "def handle_part(data, ctype, filename, payload):\n    pass\n"
    )
    doc = (
        'Content-Type: multipart/mixed; boundary="==C=="\nMIME-Version: 1.0\n\n'
        f"--==C==\nContent-Type: text/x-include-url\n\n"
        f"https://deploy:{PASSWORD}@config.northwind.example/user-data.txt\n"
        f"--==C==\nContent-Type: text/part-handler\n\n{handler}\n"
        f"--==C==\nContent-Type: text/cloud-config-jsonp\n\n{patch}\n"
        "--==C==--\n"
    )
    report = scan(doc)
    check(
        report,
        {
            PASSWORD: "base64 > mime:1",
            SLACK_TOKEN: "base64 > mime:2",
            PASSWORD_2: "base64 > mime:3 > cloud-config:[0].value.content",
        },
    )
    assert report.skipped == []
    include = f"#include\nhttps://deploy:{PASSWORD}@config.northwind.example/user-data.txt\n"
    check(scan(include), {PASSWORD: "base64"})
