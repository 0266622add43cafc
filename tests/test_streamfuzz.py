"""The event-time fuzzer (tests/streamfuzz.py) as a gate: random out-of-order streams nobody built, through
random event-time jobs of a fixed seed, give the replay Flink's rows wherever it does not refuse them. A
longer hunt: `python tests/streamfuzz.py --count 150 --seed N`."""

import pytest

import streamfuzz

SEED = 7
COUNT = 16


def test_the_generator_is_deterministic_and_its_streams_arrive_out_of_order():
    first = streamfuzz.trials(SEED, COUNT)
    assert first == streamfuzz.trials(SEED, COUNT) and first != streamfuzz.trials(SEED + 1, COUNT)
    assert len({t.sql for t in first}) > COUNT // 2
    for trial in first:
        times = [r.get("ts") or r.get("event_time") or r.get("ms") for r in trial.records["events"]]
        assert times != sorted(times) or len(times) < 3  # rows arrive behind others


@pytest.mark.flink
def test_random_event_time_jobs_replay_as_flink_runs_them(flink_engine, project):
    verdicts = streamfuzz.run(flink_engine, project, streamfuzz.trials(SEED, COUNT))
    shown = [f"{detail}\n{streamfuzz.show(trial)}" for trial, detail in verdicts.different + verdicts.flink_failed]
    assert not shown, "\n\n".join(shown)
    assert verdicts.identical >= COUNT // 2, verdicts.line()
