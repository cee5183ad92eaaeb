"""The CLI's extract command end to end in a real process: formats, exit codes, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from conftest import REPO, SAMPLE, assert_spans_consistent

SCHEMA = json.loads((REPO / "docs" / "document.schema.json").read_text())
SPINSCOPE = [sys.executable, "-m", "spinscope.cli"]


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*SPINSCOPE, *args], input=stdin, capture_output=True, timeout=120, cwd=REPO
    )


def test_extract_sample_json_matches_schema_and_offsets():
    result = run("extract", str(SAMPLE))
    assert result.returncode == 0, result.stderr.decode()
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, SCHEMA)
    assert_spans_consistent(doc)
    meta = doc["metadata"]
    assert meta["outlet"] == "Sputnik International"
    assert meta["published"] == "2023-11-30"
    assert meta["language"] == "en"
    assert meta["headline"].startswith("NATO Refusing Ukrainian Membership")
    assert doc["text"].startswith(meta["headline"])
    assert "log in or register" not in doc["text"]


def test_extract_text_and_jsonl_for_many_inputs(tmp_path: Path):
    other = tmp_path / "other.txt"
    other.write_text("A short wire story.\n\nIt has two paragraphs, and both are body text.\n")
    result = run("extract", str(SAMPLE), str(other), "--format", "jsonl")
    assert result.returncode == 0
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 2
    for line in lines:
        jsonschema.validate(json.loads(line), SCHEMA)
    out = tmp_path / "clean.txt"
    assert run("extract", str(SAMPLE), "-f", "text", "-o", str(out)).returncode == 0
    assert "While NATO wants to disarm" in out.read_text()


def test_stdin_and_html(tmp_path: Path):
    html = (
        "<html><head><title>Budget vote passes | The Daily Example</title>"
        '<meta name="author" content="Jane Doe"></head><body><nav>Home | World | Sport</nav>'
        "<article><h1>Budget vote passes</h1><p>The parliament passed the budget on Tuesday "
        "after a long debate that lasted well into the night, officials said.</p>"
        "<p>The opposition called the plan reckless and promised to fight it in the courts "
        "during the coming months.</p></article><footer>© 2024 The Daily Example</footer>"
        "</body></html>"
    )
    result = run("extract", "-", stdin=html.encode())
    assert result.returncode == 0, result.stderr.decode()
    doc = json.loads(result.stdout)
    assert doc["source"]["kind"] == "stdin"
    assert doc["source"]["format"] == "html"
    assert "The parliament passed the budget" in doc["text"]
    assert "Home | World" not in doc["text"]
    assert_spans_consistent(doc)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: str(d / "nope.txt"), "no such file"),
        (lambda d: str(d), "directory"),
        (lambda d: _write(d / "e.txt", b""), "empty"),
        (lambda d: _write(d / "b.bin", bytes(range(256)) * 8), "binary"),
        (
            lambda d: _write(d / "nohtml.html", b"<html><body><script>x()</script></body></html>"),
            "text",
        ),
    ],
)
def test_bad_input_one_line_exit_1(tmp_path: Path, make, message):
    result = run("extract", make(tmp_path))
    assert result.returncode == 1
    err = result.stderr.decode()
    assert "Traceback" not in err
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_size_cap_and_usage_errors(tmp_path: Path):
    big = _write(tmp_path / "big.txt", b"word " * 2000)
    result = run("extract", big, "--max-bytes", "100")
    assert result.returncode == 1 and b"limit" in result.stderr
    assert run("extract").returncode == 2
    assert run("extract", str(SAMPLE), "--format", "nope").returncode == 2
    assert run("frobnicate").returncode == 2


def test_one_bad_input_does_not_lose_the_others(tmp_path: Path):
    result = run("extract", str(SAMPLE), str(tmp_path / "missing.txt"), "-f", "jsonl")
    assert result.returncode == 1
    assert len(result.stdout.decode().splitlines()) == 1


def _commands(group, prefix=()):
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from _commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


def test_help_explains_every_option():
    import typer.main

    from spinscope.cli import app

    commands = dict(_commands(typer.main.get_command(app)))
    assert {("analyze",), ("extract",), ("train", "techniques"), ("evaluate", "ptc")} <= set(
        commands
    )
    for path, command in commands.items():
        assert command.help, path
        for param in command.params:
            if param.param_type_name == "option":
                assert param.help, (path, param.name)
        result = run(*path, "--help")
        assert result.returncode == 0, path


def _write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)
