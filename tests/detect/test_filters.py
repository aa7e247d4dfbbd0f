"""Value filters: what they drop, and what they must leave alone."""

from __future__ import annotations

import base64
import random
import string

import pytest

from metascan.detect.filters import FILTER_FUNCS


@pytest.mark.parametrize(
    "value",
    [
        "a-fake-tooshort-key",
        "user:pass",
        "admin:changeme",
        base64.b64encode(b"user:pass").decode(),
        base64.b64encode(b"deploy:<password>").decode(),
        "<your-password>",
        "ops_eyJzaWduSW5B..",  # cut short in documentation
        "sk-proj-Ab3dEf6hIj…",
        "&lt;YOURPASSWORD&gt;",
        "abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234",  # one block, repeated
        "xyzxyzxyz",
        "REPLACE_WITH_PASSWORD",  # secretlint's connection-string placeholder
        "DB_PASSWORD",  # DB_PASSWORD=DB_PASSWORD: a template's name for the value a script replaces
        "adminPassword",  # NewPassword=adminPassword: a variable in code
        "-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----\\n",  # a PEM block without a key
        '<p><a href="http://username:password@127.0.0.1">link</a></p>',  # markup (trufflehog's uri test)
        "attr_<lower_case_name>",  # a template's slot
        "Xk9mP2vL-<account-id>",
        base64.b64encode(b"changeme").decode(),  # Kubernetes Secret data of a placeholder
        "\\u003cyour-token\\u003e",  # HTML-safe JSON escaping of <your-token>
    ],
)
def test_placeholders(value: str) -> None:
    assert FILTER_FUNCS["placeholder"](value)


@pytest.mark.parametrize(
    "value",
    [
        "Kq7Wm2Lp9Xv4",
        "deploy:Hn4Bg7Vf1Cd8",
        base64.b64encode(b"deploy:Hn4Bg7Vf1Cd8").decode(),
        "fakeroot-Tq8Lm2Xv9Kp4",  # a word that only starts like one
        "abcdef1234567890abcdef12",  # filler, but keyed rules report it: only vendor rules drop filler
        "Xk29vLq8Xk29vLq8",  # a block twice is not yet filler
    ],
)
def test_not_placeholders(value: str) -> None:
    assert not FILTER_FUNCS["placeholder"](value)


@pytest.mark.parametrize(
    ("value", "dropped"),
    [
        ("AIzaSyabcdefghijklmnopqrstuvwxyz1234567", True),
        ("sk_live_Q1234567zT9mLx2Vb8Nc4Rw6Ke0Hd", True),
        ("AIzaSyD8kLm3Qw7Zx2Vb9Nc4Rt6Yu1Io5Pa0Sd", False),
        ("ghp_Kq7Wm2Lp9Xv4Tn4Rb7Yd1Hc6Fs0Gj5Qa3Wx8", False),
        # a token's numeric ids are not its random part (gitleaks' Slack test token)...
        ("xoxb-123456789012-Xw937qtWSXJss1lFaKe", False),
        ("123456789:AAHk7Wm2Lp9Xv4Tn4Rb7Yd1Hc6Fs0Gj5Qa", False),
        # ...but a token that is all digits, or whose longest part is, still is filler
        ("NF-12345678901234567890123456789012", True),
        ("XYZ123_12345678901234567890123456789_mmk", True),
        ("pub-c-12345678-1234-1234-1234-123456789012", True),
    ],
)
def test_documentation_filler(value: str, dropped: bool) -> None:
    assert FILTER_FUNCS["example"](value) is dropped


@pytest.mark.parametrize(
    ("value", "dropped"),
    [
        ("sha256:7c2e4f9a1b8d3c6e0f5a2b9d4c7e1f8a3b6d0c9e2f5a8b1d4c7e0f3a6b9d2c5e", True),
        ("SHA1=2fd4e1c67a2d28fced849ee1bb76e7391b93eb12", True),
        (
            "sha512-TToAj7x/a9FTYlTRozB+QgKFIjJUXaEseJuCWNhXvSDDghxU4SEJ6V+Wi9cxwtAy2S8pdCS07HoWPr0fAuuUKg==",
            True,
        ),
        ("sha256~bRLFnzd5Kq7Wm2Lp9Xv4Tn4Rb7Yd1Hc6Fs0Gj5Qa", False),  # an OpenShift token, not a digest
        ("7c2e4f9a1b8d3c6e0f5a2b9d4c7e1f8a", False),  # bare hex may be a key: the hash filter decides
        (
            "SHA256:a5odYxAyxI/yMUPYm9tgwgFzMKQDx2IQNd+rB4t7tvc",
            True,
        ),  # an SSH key's fingerprint (ssh-keygen -l)
        ("MD5:67:ee:b2:d3:81:0e:9f:89:5e:53:70:d3:ac:8d:b9:52", True),
        (
            "sha256%3D50d0ae5831c53b56c0b36f7a37ce9866c97fa54a02ac22b48bd2e5f4c357faae",
            True,
        ),  # sig=sha256%3D<hex> in a URL
    ],
)
def test_digests(value: str, dropped: bool) -> None:
    assert FILTER_FUNCS["digest"](value) is dropped


@pytest.mark.parametrize(
    "value",
    [
        "var.db_password",
        "local.api_token",
        "random_password.master.result",
        "aws_secretsmanager_secret_version.db.secret_string",
        "+ getMasterUserPassword() +",  # "pw: " + getMasterUserPassword() + "," without its quotes
        "request.form.get(",  # password = request.form.get('password'), the value cut at its quote
        "+new Buffer(",  # _password = "+new Buffer("feast").toString("base64")
        "os.environ.get(DB_PASSWORD)",
        "env.PERKEEP_TEST_PASSWORD",
        "process.env.DB_PASSWORD",
        "os.environ.DB_PASSWORD",
        "vault:secret/data/prod/db#password",  # Bank-Vaults' vault-env
        "@Microsoft.KeyVault(SecretUri=https://kv-prod.vault.azure.net/secrets/db/)",
        "@Microsoft.KeyVault(VaultName=kv-prod;SecretName=db)",
        "(ConvertTo-SecureString",  # -Password (ConvertTo-SecureString -AsPlainText 'pw' -Force): the call
        "ENC[AES256_GCM,data:Otd4qlLWBja7PcGz==,iv:7CekLovBiE6NfxGkoUKFnT2gBNm5=,type:str]",  # SOPS
        "$ANSIBLE_VAULT;1.1;AES256",
        "os.environ/LITELLM_MASTER_KEY",  # LiteLLM's config reads the variable
        "admin:$env:SPLUNK_PASSWORD",  # PowerShell expands the variable
        "ec2launch/$env:COMPUTERNAME.log",
        "%(ENV_DB_PASSWORD)s",  # supervisord's environment
        "get_user_password(directory_stack_outputs.get(",  # a call, cut at its quoted argument
        "get_http_tokens_setting(self.config.imds.imds_support)",  # a call on variables
        "next(custom_resource_gen)",
        "instances_and_memory.get)",  # min(items, key=instances_and_memory.get)
        # an AWS KMS ciphertext blob (aws kms encrypt ... --output text): decrypted at boot
        "AQICAHhq8Lm2vR9tKz4wY6cH1jD5sA0gE3uI7oP2qWxZAF1bN8mK4lJ6hG0fD2sA9pAAAAZjBkBgkqhkiG9w0BBwagVzBVAgEAMFAGCSqG"
        "SIb3DQEHATAeBglghkgBZQMEAS4wEQQMRk4TpWz8Nc3BhYd6AgEQgCNq7Lm2vR9tKz4wY6cH1jD5sA0gE3uI7oP2qWxZ",
    ],
)
def test_references(value: str) -> None:
    assert FILTER_FUNCS["reference"](value)


@pytest.mark.parametrize(
    "value",
    [
        "$AltSecret.Credentials",  # PowerShell: a member of a variable
        "$config['db_password']",
        "$[taskcat_genpass_16]",  # taskcat's generated password
        "$[ variables.dbPassword ]",  # an Azure Pipelines runtime expression
        "this.mPassword",
        "event.ResourceProperties.AllowUsersToChangePassword",
        "axis._maxTicksKey",
        "config.Database.MasterPassword",
        "$.output.Payload.body.key",  # a JSONPath
        "@password",  # a SQL parameter in a connection string
    ],
)
def test_member_expressions_are_references(value: str) -> None:
    assert FILTER_FUNCS["reference"](value)


def test_random_passwords_with_a_dot_are_rarely_member_expressions() -> None:
    rng = random.Random(7)
    alphabet = string.ascii_letters + string.digits
    values = [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(3, 8)))
        + "."
        + "".join(rng.choice(alphabet) for _ in range(rng.randint(3, 10)))
        for _ in range(20_000)
    ]
    dropped = [v for v in values if FILTER_FUNCS["reference"](v)]
    assert len(dropped) < 40, dropped[:10]  # about 1 in 1,200 (measured: 165 of 200,000)
    assert not FILTER_FUNCS["reference"]("eBMKj.xL8rEnd")


@pytest.mark.parametrize(
    "value",
    [
        "__globPaths__",
        "__DB_PASSWORD__",
        "@DB_PASSWORD@",
        "None):",  # def connect(host, password: str = None):
        "db_password",  # a variable's name for the value
        "password_db",
        "ERROR_PASSWORD_FETCH",
        "Authorization Token",  # a label
        "not a valid password",
        "Lag et nytt passord og skriv det inn her.",  # a message (Norwegian)
        "Negotiate",  # PowerShell DSC's PasswordAuthentication = 'Negotiate': a scheme
        "stored in SSM",  # a sentence about where it is
        "see the runbook",
    ],
)
def test_slots_names_and_labels_are_placeholders(value: str) -> None:
    assert FILTER_FUNCS["placeholder"](value)


@pytest.mark.parametrize(
    "value",
    [
        "correct horse battery staple",
        "Summer Breeze 2024!",
        "my_secure_pw_2024",
        "Tokyo-Secretariat-42",
        "inbound tofu theory",  # (function words only as whole words)
    ],
)
def test_passphrases_and_passwords_with_words_are_not_placeholders(value: str) -> None:
    assert not FILTER_FUNCS["placeholder"](value)


@pytest.mark.parametrize("value", ["Summer(2024)!", "P@ss.w0rd(1)", "Xq7(Lm2pR9", "vault:Xq7 Lm2pR9"])
def test_passwords_with_parentheses_are_not_calls(value: str) -> None:
    assert not FILTER_FUNCS["reference"](value)


def test_a_value_that_only_starts_like_a_kms_ciphertext_is_no_reference() -> None:
    assert not FILTER_FUNCS["reference"]("AQICAHhq8Lm2vR9tKz4wY6cH1jD5sA0gE3uI7oP2qWxZAF1bN8mK4lJ6hG0fD2sA9p")


def test_relative_paths_to_files_and_lowercase_ids() -> None:
    assert FILTER_FUNCS["path"]("orders/4.5.1/site.zip")
    assert not FILTER_FUNCS["path"]("wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEYq")
    assert FILTER_FUNCS["word"]("cmp2-qat-1208358310")
    assert not FILTER_FUNCS["word"]("sk_12345678901234567890")


@pytest.mark.parametrize(
    ("value", "dropped"),
    [
        ("ABCDEFGHIJKLMNOP", True),
        ("0123456789abcdef", True),
        ("1234567890123456", True),
        ("Kd8Ff2Gh5Lm9qRt2", False),
    ],
)
def test_sequential_runs(value: str, dropped: bool) -> None:
    """detect-secrets' heuristic, imported on the filter's first call."""
    assert FILTER_FUNCS["sequential"](value) is dropped


def test_crypt_is_the_crypt3_part_of_hash() -> None:
    """`crypt` drops crypt(3) hashes only; `hash` also drops hex of digest lengths (a password key's hex value
    is a password: `openssl rand -hex 16`)."""
    crypt, digest = FILTER_FUNCS["crypt"], FILTER_FUNCS["hash"]
    hashes = ("$6$rounds=4096$J3dPqL8x$0aBcDeFgHiJkLmNoPqRsTuVw", "$2b$12$KIXQJ8Yt7vR2mZp9wLq3OeAbCdEfGhIj")
    for value in hashes:
        assert crypt(value) and digest(value), value
    for value in ("35e7b31b901ef655cd89f6d3959eb182", "e3ea2b770d441352e80c6b5eafb60d15e995175f"):
        assert not crypt(value) and digest(value), value
    assert not crypt("Tz7j6eB!SOebfTM#")


@pytest.mark.parametrize("value", ["env.Xq7Lm2pR9!", "Environ.42xQ", "my.env.pass-9Q"])
def test_passwords_that_start_like_an_environment_lookup_are_not_references(value: str) -> None:
    assert not FILTER_FUNCS["reference"](value)


@pytest.mark.parametrize(
    ("value", "word"),
    [
        ("ConvertTo-SecureString", True),
        ("my_api_key", True),
        ("XMLHttpRequest", True),
        ("MY_SECRET_TOKEN", True),
        ("karpenter.k8s.aws/instance-category", True),  # a Kubernetes label key
        ("parallelcluster:cluster-name", True),  # a tag key
        ("aws:autoscaling:groupName", True),  # AWS's reserved tag keys
        ("eks.amazonaws.com/capacityType", True),  # a label key with a camelCase name
        ("tag:SSMBootstrap", True),  # a filter on a tag
        ("network_XMLHttpRequest_", True),  # a prefix
        ("Xq7vLm:Rt9pKz", False),
        # base64 that alternates case in pairs parses as camelCase segments: no syllables, no word
        ("YXNkZmZmZmZm_HARDcoded", False),
        ("ZmZmZmZmYXNkZmZm", False),
    ],
)
def test_words_have_syllables(value: str, word: bool) -> None:
    assert FILTER_FUNCS["word"](value) is word


def test_arns_with_a_placeholder_partition_are_aws_ids() -> None:
    assert FILTER_FUNCS["aws_id"]("arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:db")
    assert FILTER_FUNCS["aws_id"]("arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess")
    assert not FILTER_FUNCS["aws_id"]("arnold:Xk9mP2vL8qRt")


@pytest.mark.parametrize(
    ("value", "spaced"),
    [
        ("100 * (px_volume_usage_bytes / px_volume_capacity_bytes)", True),
        ("value with quotes and spaces", True),
        ("px_pool_stats_total_bytes/(1024*1024*1024)", True),  # arithmetic
        ("gA_P~WoMtH}mu,)*W1r03@qs)}ihVl9CSOZ4qNzq", False),  # a WordPress salt's `)*`: no arithmetic
        ("-----BEGIN PRIVATE KEY-----\\nMIIEvAIBADANBgkqhkiG9w0BAQEFAASC", False),  # a PEM block is a key
        ("  Xq7vLm2pR9zKe8sT3hJ6  ", False),  # (blanks around it are not in it)
    ],
)
def test_spaced_values(value: str, spaced: bool) -> None:
    assert FILTER_FUNCS["spaced"](value) is spaced
