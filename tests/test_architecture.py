"""The package's shape: no import cycle between modules or between folders, each folder says what it is,
and README's "Architecture" names every module.

Every import counts: at the top of a module, inside a function and under `TYPE_CHECKING`, so a cycle cannot
hide behind a local import.  The graph is read from the source with `ast`; nothing is imported.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import metascan

PACKAGE = Path(metascan.__file__).resolve().parent
FOLDERS = ("sources", "aws", "detect", "posture", "report")  # the stages; the top level ties them together


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package (a folder's name for its __init__)."""
    out: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ["metascan", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> Iterator[str]:
    """The package's modules that `name` imports, anywhere in its source."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                target = submodule if submodule in modules else source
                if target in modules:
                    yield target


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: {t for t in _imports(name, path, modules) if t != name} for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path that ends where it starts, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def _folder(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in FOLDERS else None


def test_the_graph_sees_every_kind_of_import() -> None:
    graph = import_graph()
    assert "metascan.detect.engine" in graph["metascan.scanner"]  # from .detect.engine import ...
    assert "metascan.detect.rules" in graph["metascan.report.formats.options"]  # under TYPE_CHECKING
    assert "metascan.aws.documents" in graph["metascan.sources.files"]  # inside a function
    assert "metascan.report.formats.jsonl" in graph["metascan.report.render"]  # from .formats import jsonl


def test_find_cycle_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_no_import_cycle_between_modules() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_import_cycle_between_folders() -> None:
    folders: dict[str, set[str]] = {f: set() for f in FOLDERS}
    for module, targets in import_graph().items():
        if (src := _folder(module)) is not None:
            folders[src] |= {f for t in targets if (f := _folder(t)) not in (None, src)}
    cycle = find_cycle(folders)
    assert cycle is None, "folders import each other: " + " -> ".join(cycle or [])


def test_each_folder_says_in_one_line_what_it_is() -> None:
    inits = sorted(p for p in PACKAGE.rglob("__init__.py") if p.parent != PACKAGE)
    assert {p.parent.relative_to(PACKAGE).parts[0] for p in inits} == set(FOLDERS)
    for init in inits:
        tree = ast.parse(init.read_text(encoding="utf-8"))
        doc = ast.get_docstring(tree)
        assert doc and "\n" not in doc, f"{init}: a one-line docstring saying what the folder is"
        assert len(tree.body) == 1, f"{init}: only the docstring (modules hold the code)"


def test_readme_architecture_names_every_module() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Architecture\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}  # the table's "where" cell -> its "what" cell
    for line in section.splitlines():
        cells = line.strip("| ").split(" | ")
        if line.startswith("| ") and len(cells) == 2:
            rows[cells[0]] = cells[1]
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if len(rel.parts) == 1:
            named = any(f"`{rel.name}`" in where for where in rows)
        else:
            named = rel.stem == "__init__" or f"`{rel.stem}`" in rows.get(f"`{rel.parts[0]}/`", "")
        if not named:
            missing.append(str(rel))
    assert not missing, f"README's Architecture table does not name {missing}"


def test_importing_the_cli_and_the_library_leaves_detect_secrets_for_its_filter() -> None:
    """detect-secrets (and the `requests` it imports: a tenth of a second) is imported by the one filter that
    uses it, when first called, not by every start-up."""
    import json
    import subprocess
    import sys

    code = (
        "import sys, json, metascan, metascan.api, metascan.cli\n"
        "print(json.dumps(sorted(m for m in ('detect_secrets', 'requests') if m in sys.modules)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


def test_a_scan_of_files_imports_no_aws_sdk_and_no_ocsf_models(tmp_path: Path) -> None:
    """boto3 and botocore (0.1 s to import) are for live scans, pydantic's OCSF models for `--format ocsf`:
    a scan of saved exports, the common case, starts without them."""
    import json
    import os
    import subprocess
    import sys

    examples = Path(__file__).resolve().parent.parent / "examples"  # the checkout's, not the package's
    code = (
        "import sys, metascan.cli as c\n"
        f"sys.argv = ['metascan', 'scan', {str(examples)!r}, '--format', 'json', '--output', "
        f"{str(tmp_path / 'r.json')!r}, '-q']\n"
        "try:\n    c.main()\nexcept SystemExit:\n    pass\n"
        "import json\n"
        "print(json.dumps(sorted(m for m in ('boto3', 'botocore', 'pydantic') if m in sys.modules)))\n"
    )
    env = {**os.environ, "METASCAN_FINGERPRINT_KEY": "k" * 20}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
    assert json.loads((tmp_path / "r.json").read_text())["findings"]  # the scan did run
