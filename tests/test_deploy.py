"""The systemd units in deploy/ start commands this newsmon has: a unit that names a
removed option fails at 3 a.m. on the server, so the parser reads each ExecStart here."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from search.cli import build_parser

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
UNITS = sorted(DEPLOY.glob("*.service"))


def unit_settings(path: Path) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith(("#", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_every_role_of_the_deployment_has_a_unit():
    commands = {shlex.split(unit_settings(u)["ExecStart"][0])[1] for u in UNITS}
    assert {"schedule", "serve"} <= commands, commands


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_unit_starts_a_command_newsmon_has(unit: Path, capsys):
    settings = unit_settings(unit)
    assert settings["Type"] == ["simple"] and settings["Restart"]
    (start,) = settings["ExecStart"]
    program, *args = shlex.split(start)
    assert program.endswith("/.venv/bin/newsmon")
    parsed = build_parser().parse_args(args)  # exits 2 on an unknown command or option
    assert parsed.command == args[0]
    for value in settings.get("Environment", []):
        name = value.split("=", 1)[0]
        assert name.startswith("NEWSMON_"), value
