"""AWS API responses saved as the XML the HTTP API returns.

Auto Scaling and SNS speak the Query protocol and EC2 its own variant of it: their HTTP responses are XML
(`<DescribeAutoScalingGroupsResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">`), which is
what `curl`, an SDK's debug log, a proxy capture or the API reference's examples hold.  Such a response is
parsed with botocore's own parser for the service's protocol and the operation's output shape, from the
service model botocore ships (the same names, types and lists as the JSON the CLI prints), so the extractors
read it unchanged.  Timestamps stay the strings the XML holds.

The service comes from the root element's namespace (`autoscaling.amazonaws.com`, `ec2.amazonaws.com`,
`sns.amazonaws.com`), or, without one, from the operation the root element names.  An error response is an
error naming its code; XML of any other kind is not read.  A document type declaration is refused before
parsing: AWS never sends one, and entity declarations are how XML bombs and external entities work.
"""

from __future__ import annotations

import functools
import re
import threading
import xml.etree.ElementTree as ET
from typing import Any

SERVICES = ("autoscaling", "ec2", "sns")
_ROOT = re.compile(r"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)(?:\s[^>]*)?>")
_XMLNS = re.compile(r"""\sxmlns(?::[\w.-]+)?\s*=\s*["']([^"']*)["']""")
_DTD = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_lock = threading.Lock()


class XmlError(Exception):
    """Why an XML text is not an AWS API response metascan reads (the message never quotes the text)."""

    def __init__(self, message: str, *, error: bool) -> None:
        super().__init__(message)
        self.error = error  # an error (a bad or failed response), not a skip (XML of another kind)


def looks_like_xml(body: str) -> bool:
    return body.startswith("<")


@functools.cache
def model(service: str) -> Any:
    """botocore's service model of `service` (loaded once, on first use)."""
    import botocore.session  # type: ignore[import-untyped]  # (loaded when an XML response is read)

    with _lock:
        return botocore.session.get_session().get_service_model(service)


def _root(text: str) -> tuple[str, str]:
    """The root element's local name and namespace, read before any parser runs."""
    pos = 0
    while True:
        start = text.find("<", pos)
        if start < 0:
            raise XmlError("XML without a root element", error=True)
        if text.startswith(("<?", "<!--"), start):
            end = text.find("?>" if text[start + 1] == "?" else "-->", start)
            if end < 0:
                raise XmlError("truncated XML (a declaration or comment is not closed)", error=True)
            pos = end + 2
            continue
        match = _ROOT.match(text, start)
        if match is None:
            raise XmlError("invalid XML: the root element's tag cannot be read", error=True)
        namespace = _XMLNS.search(match.group(0))
        return match.group(2), namespace.group(1) if namespace else ""


def _service(name: str, namespace: str) -> str | None:
    host = re.sub(r"^https?://", "", namespace).split("/", 1)[0].lower()
    for service in SERVICES:
        if host == f"{service}.amazonaws.com":
            return service
    if namespace:
        return None
    operation = name.removesuffix("Response")
    for service in SERVICES:
        if operation in model(service).operation_names:
            return service
    return None


def _malformed(text: str) -> None:
    """Raise an `XmlError` with the place of the first error of a text that is not well-formed XML (parsed
    again only when botocore failed: its message would quote the text).  No DTD, so no entities."""
    try:
        ET.fromstring(text)  # noqa: S314
    except ET.ParseError as e:
        line, column = e.position
        raise XmlError(f"invalid XML at line {line} column {column + 1}", error=True) from None


def parse(text: str) -> dict[str, Any]:
    """The response an AWS API XML text holds, as botocore parses it (`XmlError` if it is none)."""
    if _DTD.search(text):
        raise XmlError(
            "XML with a document type declaration: not an AWS API response, not parsed", error=True
        )
    name, namespace = _root(text)
    if name in ("ErrorResponse", "Response") and re.search(r"<Errors?>", text[:4096]):
        code = re.search(r"<Code>\s*([A-Za-z][\w.]{0,80})\s*</Code>", text)
        raise XmlError(
            f"an AWS error response ({code.group(1) if code else 'no error code'}), not data", error=True
        )
    service = _service(name, namespace)
    if service is None or not name.endswith("Response"):
        raise XmlError("XML that is not an AWS Auto Scaling, EC2 or SNS API response", error=False)
    service_model = model(service)
    operation = name.removesuffix("Response")
    if operation not in service_model.operation_names:
        raise XmlError(f"XML of an unknown {service} operation ({operation[:80]})", error=True)
    output = service_model.operation_model(operation).output_shape
    if output is None:
        raise XmlError(f"a {service} {operation} response, which carries no data", error=False)
    from botocore import parsers

    parser = parsers.PROTOCOL_PARSERS[service_model.metadata["protocol"]](timestamp_parser=str)
    try:
        parsed = parser.parse({"body": text.encode("utf-8"), "headers": {}, "status_code": 200}, output)
    except Exception as e:  # botocore's parsers raise several kinds; the message would quote the text
        _malformed(text)
        raise XmlError(
            f"a {service} {operation} response botocore cannot parse ({type(e).__name__})", error=True
        ) from None
    if not isinstance(parsed, dict):
        raise XmlError(f"a {service} {operation} response botocore cannot parse", error=True)
    parsed.pop("ResponseMetadata", None)
    return parsed
