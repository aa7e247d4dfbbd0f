"""Random values for the benchmark corpus: identifiers and harmless look-alikes, and the few planted secrets.

Every function takes the caller's `random.Random`, so a corpus is a pure function of its seed.  Planted values
are random (never a documented example), so a scanner must actually find them.
"""

from __future__ import annotations

import base64
import random
import string
import zlib

HEX = "0123456789abcdef"
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
B64 = string.ascii_letters + string.digits + "+/"
UPPER32 = string.ascii_uppercase + "234567"

TEAMS = (
    "payments", "checkout", "search", "identity", "platform", "data", "ml", "growth", "ledger", "billing",
    "catalog", "media", "notify", "ops", "sre", "security", "mobile", "partner", "risk", "support",
)  # fmt: skip
SERVICES = (
    "api", "web", "worker", "ingest", "gateway", "scheduler", "indexer", "renderer", "consumer", "batch",
    "proxy", "auth", "export", "sync", "cron", "stream", "ws", "admin", "etl", "cache",
)  # fmt: skip
ENVS = ("prod", "prod", "prod", "staging", "staging", "dev", "qa", "sandbox")
INSTANCE_TYPES = (
    "t3.micro", "t3.small", "t3.medium", "t3.large", "m5.large", "m5.xlarge", "m6i.large", "m6i.xlarge",
    "c5.large", "c5.xlarge", "c6g.large", "r5.large", "r6g.xlarge", "m7g.large", "c7g.xlarge",
)  # fmt: skip
FIRST = ("maria", "jan", "wei", "olga", "ahmed", "lucia", "tom", "priya", "kenji", "sara", "ivan", "emma")
LAST = ("kowalski", "garcia", "chen", "novak", "haddad", "rossi", "berg", "iyer", "sato", "lind", "petrov")
DOMAINS = ("corp.example.com", "example.org", "mail.example.net")


def hexs(rng: random.Random, n: int) -> str:
    return "".join(rng.choices(HEX, k=n))


def alnum(rng: random.Random, n: int) -> str:
    return "".join(rng.choices(B62, k=n))


def b64(rng: random.Random, n: int) -> str:
    return "".join(rng.choices(B64, k=n))


def uuid(rng: random.Random) -> str:
    h = hexs(rng, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def account_id(rng: random.Random) -> str:
    return str(rng.randrange(100_000_000_000, 999_999_999_999))


def resource_id(rng: random.Random, prefix: str) -> str:
    return f"{prefix}-0{hexs(rng, 16)}"


def timestamp(rng: random.Random, year: int = 2024) -> str:
    return (
        f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:"
        f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{rng.randint(0, 999):03d}000+00:00"
    )


def semver(rng: random.Random) -> str:
    return f"{rng.randint(0, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 60)}"


def ip(rng: random.Random) -> str:
    return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def strong_password(rng: random.Random) -> str:
    body = "".join(rng.choices(string.ascii_letters + string.digits + "#%!._-", k=rng.randint(14, 22)))
    return body[:3] + rng.choice("#!%") + str(rng.randint(1, 9)) + body[3:]


def team_mailbox(team: str) -> str:
    return f"{team}-oncall@{DOMAINS[0]}"


def person(rng: random.Random) -> tuple[str, str]:
    """A (display name, email) of a made-up person."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return f"{first.title()} {last.title()}", f"{first}.{last}@{rng.choice(DOMAINS)}"


def phone(rng: random.Random) -> str:
    return f"+1206555{rng.randint(1000, 9999)}"


def ssh_public_key(rng: random.Random) -> str:
    return f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{b64(rng, 43)} deploy@bastion"


def certificate_blob(rng: random.Random) -> str:
    """A cluster CA bundle as EKS user data carries it: long, base64, harmless."""
    return "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM" + b64(rng, 1400) + "=="


# --- planted values: real-looking credentials and personal data ----------------------------------------


def aws_key_pair(rng: random.Random) -> tuple[str, str]:
    return "AKIA" + "".join(rng.choices(UPPER32, k=16)), b64(rng, 40)


def github_token(rng: random.Random) -> str:
    body = alnum(rng, 30)
    crc = zlib.crc32(body.encode())
    enc = ""
    while crc:
        crc, r = divmod(crc, 62)
        enc = B62[r] + enc
    return "ghp_" + body + enc.rjust(6, "0")


def slack_webhook(rng: random.Random) -> str:
    team, bot = alnum(rng, 8).upper(), alnum(rng, 10).upper()
    return f"https://hooks.slack.com/services/T{team}/B{bot}/{alnum(rng, 24)}"


def basic_auth_url(rng: random.Random, host: str) -> str:
    return f"https://deploy:{strong_password(rng).replace('#', 'x').replace('%', 'q')}@{host}/"


def private_key_block(rng: random.Random) -> str:
    body = "\n".join(b64(rng, 64) for _ in range(12))
    head = f"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA{b64(rng, 48)}"
    return f"{head}\n{body}\n-----END RSA PRIVATE KEY-----"


def jwt(rng: random.Random) -> str:
    head = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    claims = f'{{"sub":"svc-{hexs(rng, 6)}","iat":{rng.randint(1_600_000_000, 1_700_000_000)}}}'
    body = base64.urlsafe_b64encode(claims.encode()).decode().rstrip("=")
    return f"{head}.{body}.{alnum(rng, 43)}"


def iban(rng: random.Random) -> str:
    """A German IBAN with a valid check number."""
    bban = f"{rng.randint(10_000_000, 99_999_999)}{rng.randint(0, 9_999_999_999):010d}"
    digits = int(bban + "131400")  # D=13 E=14, then "00"
    return f"DE{98 - digits % 97:02d}{bban}"
