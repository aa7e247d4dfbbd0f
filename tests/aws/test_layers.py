"""Text layers (metascan/aws/layers.py): each encoding undone where it occurs, its decoys left alone, the
offset maps back to the text, and the bounds."""

from __future__ import annotations

import base64
import gzip
import urllib.parse

from metascan.aws.layers import Bounds, OffsetMap, derive

TOKEN = "ghp_R7vKq2LmX9wZt4Nb8Yc1Pd6Fs3Hj0Ga5Ue2I"  # not a real token: the shape of one


def texts(text: str, bounds: Bounds | None = None) -> list[tuple[tuple[str, ...], str]]:
    derived, problems = derive(text, bounds)
    assert problems == []
    return [(d.steps, d.text) for d in derived]


def b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


# --- percent-encoding ------------------------------------------------------------------------------------


def test_percent_escapes_are_decoded_in_place() -> None:
    assert texts("env=API_TOKEN%3Dq8Wz%2Bx%0AREGION%3Deu-west-1") == [
        (("percent",), "env=API_TOKEN=q8Wz+x\nREGION=eu-west-1")
    ]


def test_percent_leaves_unreserved_and_control_characters_alone() -> None:
    # RFC 3986: unreserved characters are never percent-encoded, so `%79` and `%41` are part of a value;
    # `%17` would be a control character: not text.
    assert texts("spring.datasource.password=Meadow%7912QX") == []
    assert texts("pass=Willow%17463IB and %41%42") == []


def test_percent_needs_whole_utf8_sequences() -> None:
    assert texts("name=Jos%C3%A9%20Mar%C3%ADa") == [(("percent",), "name=José María")]
    assert texts("broken=%C3%28") == []


# --- JSON string escapes -----------------------------------------------------------------------------------


def test_json_escapes_in_json_held_in_a_string() -> None:
    meta = '{"env": "PGUSER=app\\nPGPASSWORD=Zr4#Lp9q\\u0021", "by": "ops\\u0040acme.io"}'
    assert texts(meta) == [
        (("json-escape",), '{"env": "PGUSER=app\nPGPASSWORD=Zr4#Lp9q!", "by": "ops@acme.io"}')
    ]


def test_json_escapes_in_a_double_quoted_yaml_string() -> None:
    doc = 'content: "A=1\\nB=2"\n'
    assert texts(doc) == [(("json-escape",), 'content: "A=1\nB=2"\n')]


def test_a_lone_surrogate_escape_becomes_a_replacement_character() -> None:
    ((_, text),) = texts('{"a": "x\\ud83dy"}')
    assert text == '{"a": "x\ufffdy"}'
    text.encode("utf-8")  # a lone surrogate would not encode


def test_shell_line_continuations_are_not_json() -> None:
    assert texts("docker run \\\n  --rm image\n") == []


# --- data URLs -------------------------------------------------------------------------------------------


def test_data_urls_percent_encoded_base64_and_gzip() -> None:
    gz = b64(gzip.compress(b"STRIPE_KEY=sk_live_x\n", mtime=0))
    text = (
        '"source":"data:,TOKEN%3Dabc%0A" '
        f'"source":"data:text/plain;charset=utf-8;base64,{b64("LOGIN=root:Vq8#k2")}" '
        f'"source":"data:;base64,{gz}"'
    )
    derived, problems = derive(text)
    assert problems == []
    first = derived[0]
    assert first.steps == ("data-url",)  # three URLs, three encodings: named by the layer
    assert 'TOKEN=abc\n"' in first.text
    assert '"LOGIN=root:Vq8#k2"' in first.text
    assert '"STRIPE_KEY=sk_live_x\n"' in first.text


def test_one_data_url_names_its_encoding() -> None:
    assert texts("data:,KEY%3Dvalue%20one")[0] == (("data-url", "percent"), "KEY=value one")
    script = b64("#!/bin/sh\necho hi")
    assert texts(f"url=data:;base64,{script}")[0] == (
        ("data-url", "base64"),
        "url=#!/bin/sh\necho hi",
    )


def test_a_data_url_of_binary_data_is_left_alone() -> None:
    assert texts(f"data:image/png;base64,{b64(bytes(range(256)))}") == []


# --- PowerShell -EncodedCommand ----------------------------------------------------------------------------


def enc(command: str) -> str:
    return b64(command.encode("utf-16-le"))


def test_encoded_command_and_its_prefixes() -> None:
    command = "$env:DB_PASSWORD='Hq7!vN2x'; Start-Service app"
    for flag in ("-EncodedCommand", "-enc", "-e", "-ec", "-EnCoDeD"):
        line = f"powershell.exe -NoProfile {flag} {enc(command)}"
        assert texts(line) == [(("encodedcommand",), f"powershell.exe -NoProfile {flag} {command}")], flag


def test_encoded_command_decoys() -> None:
    # Not PowerShell, an option that is not -EncodedCommand, base64 of UTF-8 rather than UTF-16.  (The
    # base64 layer still reads what is text; the PowerShell layer does not claim it.)
    for line in (
        f"grep -e {enc('abc def ghi')} file",
        f"powershell -ExecutionPolicy {enc('Bypass now')}",
        f"pwsh -enc {b64('Get-Date -Format o')}",
    ):
        assert all("encodedcommand" not in steps for steps, _ in texts(line)), line


# --- base64 blobs ----------------------------------------------------------------------------------------


def test_base64_that_decodes_to_text_is_decoded_in_place() -> None:
    line = f"echo {b64('DB_PASSWORD=Tz7j6eB!SOeb')} | base64 -d > /etc/app.env"
    assert texts(line) == [(("base64",), "echo DB_PASSWORD=Tz7j6eB!SOeb | base64 -d > /etc/app.env")]


def test_kubernetes_secret_data_values() -> None:
    secret = f"apiVersion: v1\nkind: Secret\ndata:\n  password: {b64('Sx8#pLm2Qv9w')}\n"
    assert texts(secret) == [(("base64",), "apiVersion: v1\nkind: Secret\ndata:\n  password: Sx8#pLm2Qv9w\n")]


def test_base64_of_gzip_of_text() -> None:
    blob = b64(gzip.compress(f"GITHUB_TOKEN={TOKEN}\n".encode(), mtime=0))
    assert texts(f"payload={blob}") == [(("base64", "gzip"), f"payload=GITHUB_TOKEN={TOKEN}\n")]


def test_base64_wrapped_over_lines_is_decoded_whole() -> None:
    script = ("#!/bin/bash\nexport API_TOKEN=" + TOKEN + "\n") * 3
    wrapped = base64.encodebytes(script.encode()).decode().replace("\n", "\n    ")
    ((steps, text),) = texts(f"content: |\n    {wrapped}\nnext: 1\n")
    assert steps == ("base64",)
    assert text.count(f"API_TOKEN={TOKEN}") == 3  # a line break did not cut any of them


def test_base64_on_one_line_of_a_here_document_stops_before_its_end_word() -> None:
    """`base64 -d > f <<EOF`, one line of base64, `EOF`: the word after it is no last wrapped line."""
    content = f"export API_TOKEN={TOKEN}\n"
    content += "#" * (-len(content) % 3)  # no `=` padding: the run fills its line, as wrapped base64 does
    encoded = base64.b64encode(content.encode()).decode()
    assert not encoded.endswith("=")
    ((steps, text),) = texts(f"#!/bin/bash\nbase64 -d > /etc/app.env <<EOF\n{encoded}\nEOF\n")
    assert steps == ("base64",) and f"API_TOKEN={TOKEN}\n" in text and text.endswith("#\nEOF\n")


def test_base64_decoys() -> None:
    decoys = [
        "sha1 2cdd7d349af0d6f32dcc4d9846b3ef1f109bb0a1",  # hex: a digest
        # An SSH public key: its base64 is binary.
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIY9nHU5Xj+uLBi/UtN5b9RH+T4JqJctxhH21TMVOgVP ops@bastion",
        "AKIAZ7QX3LVN4TJR2KWM p3Vd8Lq2Xw9ZrT5mKc1Nb7Hy4Jf6Gs0Ae2Ru8YiO",  # an AWS key pair: random bytes
        # A JWT: its segments are base64url and separated by dots; they are not decoded.
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJib2JAYWNtZS5pbyJ9.c2lnbmF0dXJlLWJ5dGVz",
        "arn:aws:iam::123456789012:role/AutoScalingServiceRoleForFleet",
        f"id-{b64('not base64url: a dash touches it')}",
    ]
    for decoy in decoys:
        assert texts(decoy) == [], decoy


# --- nesting, offsets and bounds ---------------------------------------------------------------------------


def test_layers_nest_and_each_names_its_parent() -> None:
    inner = urllib.parse.quote("TOKEN=" + TOKEN, safe="")
    derived, problems = derive(f"cfg={b64(inner + ' done')}")
    assert problems == []
    assert [(d.steps, d.parent) for d in derived] == [(("base64",), -1), (("percent",), 0)]
    assert derived[1].text == f"cfg=TOKEN={TOKEN} done"


def test_offset_map_maps_spans_back_to_the_parent() -> None:
    text = "a%3Db x=%2Fy"
    ((d), *_), _ = derive(text)
    assert d.text == "a=b x=/y"
    # `b` and `y` lie outside the replaced spans: shifted; `=` and `/` map to their escapes.
    assert d.origin.span(2, 3) == (4, 5)
    assert d.origin.span(7, 8) == (11, 12)
    assert d.origin.span(1, 2) == (1, 4)
    assert d.origin.span(0, 3) == (0, 5)
    assert OffsetMap().span(3, 9) == (3, 9)


def test_depth_and_count_bounds_are_reported() -> None:
    text = "x=" + b64(b64(b64(b64("PASSWORD=Wq9#xL2v more text here"))))
    derived, problems = derive(text, Bounds(max_depth=2))
    assert len(derived) == 2
    assert problems == ["text layers nest deeper than 2; the innermost not decoded"]
    many = " ".join(f"v{i}=%3D{i}" for i in range(10)) + " " + b64("one more decoded text")
    derived, problems = derive(many, Bounds(max_texts=1))
    assert len(derived) == 1
    assert problems and "more than 1 decoded texts" in problems[0]


def test_span_count_bound_is_reported() -> None:
    text = " ".join(f"k{i}=%3D" for i in range(20))
    derived, problems = derive(text, Bounds(max_spans=5, max_depth=1))
    assert derived and derived[0].text.count("==") == 5
    assert problems[0] == "text layer percent: more than 5 encoded spans; rest not decoded"


def test_offset_map_tells_what_decoding_made() -> None:
    ((d), *_), _ = derive('{"a": "x\\"secret\\"y z"}')
    assert d.text == '{"a": "x"secret"y z"}'
    start = d.text.index("secret")
    assert d.origin.touches(start, start + 6)  # between two decoded quotes
    assert not d.origin.touches(d.text.index("z"), d.text.index("z") + 1)
    assert not d.origin.touches(0, 4)


def test_span_inside_keeps_values_decoded_from_one_blob_apart_and_in_order() -> None:
    # derived text: "ab" + 30 decoded characters (from a 40-character blob at parent 2..42) + "yz"
    origin = OffsetMap(((2, 32, 2, 42),))
    assert origin.span(5, 10) == origin.span(20, 25) == (2, 42)  # `span`: both are the whole blob
    first, second = origin.span_inside(5, 10), origin.span_inside(20, 25)
    assert 2 <= first[0] < first[1] <= second[0] < second[1] <= 42
    assert origin.span_inside(2, 32) == (2, 42)  # the whole decoded span is the whole blob
    assert origin.span_inside(0, 2) == (0, 2) and origin.span_inside(32, 34) == (42, 44)  # outside: shifted
    # applied again (a layer inside a layer), a share maps to a share of the grandparent's span
    outer = OffsetMap(((0, 50, 0, 100),))
    a, b = outer.span_inside(*first), outer.span_inside(*second)
    assert a[1] <= b[0]
