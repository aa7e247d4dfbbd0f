"""Value filters: cheap predicates that say a candidate is *not* a real secret.

A rule lists the filters it wants in `filters = [...]`; credentials get `reference` and `placeholder` by
default.  Each returns True when the value should be dropped.
"""

from __future__ import annotations

from collections.abc import Callable

import regex
from detect_secrets.filters.heuristic import is_sequential_string

_REFERENCE = regex.compile(
    r"""(?ix)
      ^\$\{[^}]*\}?                          # ${VAR}, ${VAR:-default}, ${{ secrets.X }}
    | ^\$\(                                  # $(command ...)
    | ^\$[A-Za-z_][\w]*$                     # $VAR
    | ^\$env:\w+$                            # PowerShell $env:VAR
    | ^%[\w]+%$                              # Windows %VAR%
    | ^\{\{.*\}\}$                           # templates {{ ... }} and {{resolve:...}}
    | \{\{\s*resolve:(?:secretsmanager|ssm|ssm-secure):
    | ^<%.*%>$ | ^\#\{.*\}$                  # ERB, Ruby/Octopus templates
    | ^arn:aws[\w-]*:(?:secretsmanager|ssm|kms):
    | ^(?:ssm|secretsmanager|vault|op|awssm|aws-sm)://
    | ^(?:ssm|secretsmanager):/
    | ^(?:/[\w.-]+){2,}/?$                   # a path (an SSM parameter name or a file)
    | ^`.*`$                                 # `command`
    | ^!!?[A-Za-z][A-Za-z_]*$                # a YAML tag: !Ref, !GetAtt, !ImportValue, !vault
    | (?-i:^\(?\s*(?:Get|Read|Invoke|ConvertFrom|Import|Unprotect)-[A-Z][A-Za-z]+\b)   # a PowerShell call
    | (?-i:^[A-Z][a-z]+(?:To)?-[A-Z][a-z]+(?:[A-Z][a-z]+)*$)   # a cmdlet name: $x = ConvertTo-SecureString
    """
)

_PLACEHOLDER = regex.compile(
    r"""(?ix)
      ^<[^<>]*>$ | ^\[[^\[\]]*\]$ | ^\{[^{}]*\}$         # <password>, [password], {password}
    | ^(?:x+|\*+|\.+|-+|_+|\#+|0+|1234\d*|abc\d*|test\d*)$
    | ^(?:none|null|nil|undefined|empty|true|false|yes|no|on|off)$
    | ^(?:change[_-]?me|changeit|replace[_-]?me|your[_\-\s]?\w+|my[_-]?(?:password|secret|token|key)
        |secret|password
        |passw0rd|p@ssw0rd|p@ssword|pass|passwd|token|dummy|example|sample|placeholder|redacted|masked|hidden
        |notasecret|not[_-]?a[_-]?secret|fake|foobar|foo|bar|baz|default|todo|tbd
        |fixme|insert[_\-\s]?\w+|enter[_\-\s]?\w+|put[_\-\s]?\w+|set[_-]?me|override[_-]?me)$
    | (?:example|sample|dummy|placeholder|changeme|xxxxx|redacted)
    | ^\*{3,} | \*{4,}$                                  # masked values
    """
)

_UUID = regex.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
_HASH = regex.compile(
    r"^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{56}|[0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128})$|^(?i:sha\d+|md5)[:=-]"
    # crypt(3) password hashes as cloud-init's passwd: and chpasswd take them: $6$salt$..., bcrypt, yescrypt
    r"|^\$(?:1|2[abxy]?|5|6|y|gy|7|argon2(?:id|i|d)|pbkdf2(?:-sha\d+)?)\$[./A-Za-z0-9$=,+-]{8,}$"
)
_AWS_ID = regex.compile(
    r"^(?:ami|sg|subnet|vpc|i|lt|eni|vol|snap|fs|eipalloc|igw|rtb|nat|acl|pcx|tgw|vpce|key)-[0-9a-f]{8,17}$"
    r"|^arn:aws"
)
_PATH = regex.compile(
    r"^(?:~|\.{1,2})?/[\w./-]*$|^[A-Za-z]:\\|^[\w.-]+\.(?:pem|key|crt|json|ya?ml|txt|conf|cfg|env|p12|pfx|jks)$"
)
_SEGMENT = r"(?:[A-Za-z][a-z]*|[A-Z]+)(?:[A-Z][a-z]+)*"  # word, Word, WORD, camelCase, PascalCase
_WORD_RE = regex.compile(rf"^{_SEGMENT}(?:[_\-.]{_SEGMENT})*$")
# Lowercase words, each maybe with a number, joined by . - _: orders.created.v2, oauth2-client-prod
_LOWER_ID_RE = regex.compile(r"^[a-z]+\d*(?:[._-][a-z]+\d*)+$")
_URL = regex.compile(r"^[a-z][a-z0-9+.-]*://", regex.I)


def is_reference(value: str) -> bool:
    return bool(_REFERENCE.search(value.strip()))


def is_placeholder(value: str) -> bool:
    return bool(_PLACEHOLDER.search(value.strip()))


def is_word(value: str) -> bool:
    """Words in ordinary casing joined by _ - or . (my_api_key, ConvertTo-SecureString, orders.created.v2):
    an identifier, not a generated secret (whose letters change case at random)."""
    return bool(_WORD_RE.match(value) or _LOWER_ID_RE.match(value))


FILTER_FUNCS: dict[str, Callable[[str], bool]] = {
    "reference": is_reference,
    "placeholder": is_placeholder,
    "uuid": lambda v: bool(_UUID.match(v)),
    "hash": lambda v: bool(_HASH.match(v)),
    "aws_id": lambda v: bool(_AWS_ID.match(v)),
    "sequential": is_sequential_string,
    "path": lambda v: bool(_PATH.match(v)),
    "word": is_word,
    "url": lambda v: bool(_URL.match(v)),
}
