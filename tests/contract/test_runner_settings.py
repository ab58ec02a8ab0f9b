"""Settings are frozen and say everything a run needs; the command line gives them back exactly,
so the printed rerun command reproduces the whole invocation."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from impilo_contract import Settings, UsageError, plan
from impilo_contract.cli import settings_from

EVERY_FLAG = Settings(
    base_url="https://staging.impiloplatform.com",
    api_key_env="MY_IMPILO_KEY",
    allow_writes=True,
    max_writes=7,
    max_examples=9,
    seed=123,
    profile="large",
    report_dir=Path("out/contract"),
    fail_on_drift=True,
    known_ids={"patients": [55, 56], "items": [9000], "identifiers": ["abc-1"]},
    phases=("examples", "stateful"),
    invariants=("rule_table", "pagination"),
    quiet=True,
)


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.seed = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        settings.known_ids["patients"] = (1,)  # type: ignore[index]


def test_the_command_line_gives_every_setting_back() -> None:
    assert settings_from(EVERY_FLAG.argv()) == EVERY_FLAG
    assert settings_from(Settings().argv()) == dataclasses.replace(Settings(), report_dir=Path("reports/contract"))


def test_the_rerun_command_carries_every_flag_and_the_seed_used() -> None:
    the_plan = plan(dataclasses.replace(EVERY_FLAG, seed=None), environ={"MY_IMPILO_KEY": "k"})
    rerun = the_plan.rerun()
    for flag in (
        "--base-url https://staging.impiloplatform.com",
        "--api-key-env MY_IMPILO_KEY",
        "--allow-writes",
        "--max-writes 7",
        "--max-examples 9",
        f"--seed {the_plan.seed}",
        "--profile large",
        "--ids patients=55,56",
        "--ids items=9000",
        "--ids identifiers=abc-1",
        "--phases examples,stateful",
        "--invariants rule_table,pagination",
        "--report out/contract",
        "--fail-on-drift",
        "--quiet",
    ):
        assert flag in rerun, (flag, rerun)
    assert "k" not in rerun.split()  # the key stays in its variable


def test_planning_resolves_the_seed_once_and_leaves_the_settings_alone() -> None:
    settings = Settings()
    first = plan(settings, environ={})
    assert settings.seed is None
    assert first.run_id and first.write_tag.endswith(first.run_id)
    assert plan(dataclasses.replace(settings, seed=first.seed), environ={}).run_id == first.run_id


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        (Settings(allow_writes=True, read_only=True), "contradict"),
        (Settings(max_writes=0), "--max-writes"),
        (Settings(max_examples=0), "--max-examples"),
        (Settings(profile="huge"), "--profile"),
        (Settings(phases=("warp",)), "--phases"),
        (Settings(invariants=("nope",)), "--invariants"),
        (Settings(known_ids={"people": [1]}), "--ids"),
        (Settings(base_url="ftp://x"), "http://"),
        (Settings(base_url="https://x", api_key_env="OTHER_VAR"), "$OTHER_VAR"),
    ],
)
def test_bad_settings_are_one_line_usage_errors(settings: Settings, named: str) -> None:
    with pytest.raises(UsageError) as raised:
        plan(settings, environ={})
    assert named in str(raised.value) and "\n" not in str(raised.value)


def test_a_live_target_is_read_only_and_capped_a_loopback_one_is_not() -> None:
    live = plan(Settings(base_url="https://staging.impiloplatform.com"), environ={"IMPILO_API_KEY": "k"})
    assert (live.writes, live.live) == (False, True)
    capped = plan(Settings(base_url="https://x.example", allow_writes=True), environ={"IMPILO_API_KEY": "k"})
    assert capped.writes and capped.write_cap == 60
    local = plan(Settings(base_url="http://127.0.0.1:8080"), environ={"IMPILO_API_KEY": "k"})
    assert (local.writes, local.write_cap, local.live) == (True, None, False)
    assert not plan(Settings(read_only=True), environ={}).writes
