"""Kafka client helpers that hold for any Kafka-protocol broker.

Offsets are found by reading, not from the reported high watermark: some Kafka-compatible brokers
report it wrong, and a bounded job must know exactly where each partition ends.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from confluent_kafka import OFFSET_END, Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from streamscore.errors import BrokerError

# Tansu needs a short session timeout: joining a group takes about half of it (STACK.md).
CONSUMER_DEFAULTS = {"session.timeout.ms": 6000, "enable.auto.commit": False, "auto.offset.reset": "earliest"}


# Client security per bootstrap servers (from the profile in use): every client below takes it.
_SECURITY: dict[str, dict[str, str]] = {}


def use_profile(profile) -> None:
    """Make streamscore's own clients for ``profile``'s brokers authenticate as the profile says."""
    if profile.bootstrap_servers:
        _SECURITY[profile.bootstrap_servers] = profile.security.client_config()


def settings(bootstrap: str, **extra) -> dict:
    return {"bootstrap.servers": bootstrap, **_SECURITY.get(bootstrap, {}), **extra}


def admin(bootstrap: str) -> AdminClient:
    return AdminClient(settings(bootstrap))


def ensure_topics(bootstrap: str, topics: list[str], partitions: int = 1, timeout: float = 15.0) -> None:
    """Create missing topics and wait until the broker lists each of them."""
    client = admin(bootstrap)
    try:
        existing = set(client.list_topics(timeout=timeout).topics)
    except KafkaException as error:
        raise BrokerError(f"cannot reach Kafka at {bootstrap}: {error}") from None
    missing = [t for t in dict.fromkeys(topics) if t not in existing]  # two tables may share a topic
    if missing:
        futures = client.create_topics([NewTopic(t, num_partitions=partitions, replication_factor=1) for t in missing])
        for topic, future in futures.items():
            try:
                future.result(timeout)
            except KafkaException as error:
                if error.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                    raise BrokerError(f"cannot create topic {topic}: {error}") from None
    deadline = time.monotonic() + timeout
    while not _led(client.list_topics(timeout=timeout).topics, topics):
        if time.monotonic() > deadline:
            raise BrokerError(f"topics {missing} did not appear on {bootstrap} with a leader for each partition")
        time.sleep(0.1)


def _led(listed: dict, topics: list[str]) -> bool:
    """Every topic listed with a leader for each partition: a new topic is listed before its leader is
    elected, and reading its offsets then fails with 'Not leader for partition'."""
    return all(t in listed and listed[t].error is None and listed[t].partitions
               and all(p.leader >= 0 and p.error is None for p in listed[t].partitions.values()) for t in topics)


def _consumer(bootstrap: str, **extra) -> Consumer:
    return Consumer(settings(bootstrap, **{"group.id": f"streamscore-{uuid.uuid4().hex[:8]}", **CONSUMER_DEFAULTS,
                                           "enable.partition.eof": True, **extra}))


def partitions_of(bootstrap: str, topic: str) -> list[int]:
    try:
        topics = admin(bootstrap).list_topics(timeout=10).topics
    except KafkaException as error:
        raise BrokerError(f"cannot reach Kafka at {bootstrap} ({error.args[0].str()}): for the local profile, "
                          "start the broker with `streamscore broker start`") from None
    meta = topics.get(topic)
    if meta is None or meta.error is not None or not meta.partitions:
        raise BrokerError(f"topic {topic} does not exist on {bootstrap}: "
                          f"send records with `streamscore produce TABLE --from FILE`")
    return sorted(meta.partitions)


def offset_ranges(bootstrap: str, topic: str) -> dict[int, tuple[int, int]]:
    """(first offset, offset after the last record) of each partition; the end found by reading the tail."""
    consumer = _consumer(bootstrap)
    ranges = {}
    try:
        for partition in partitions_of(bootstrap, topic):
            low, high = _watermarks(consumer, TopicPartition(topic, partition))
            end = low
            if high > low:
                # Start just before the reported end: the true end is at or after it on any broker.
                consumer.assign([TopicPartition(topic, partition, max(low, high - 1))])
                for message in _drain(consumer, {partition}):
                    end = max(end, message.offset() + 1)
            ranges[partition] = (low, end)
    finally:
        consumer.close()
    return ranges


def _watermarks(consumer: Consumer, partition: TopicPartition, timeout: float = 15.0) -> tuple[int, int]:
    """The broker's (low, high) offsets, waiting out a leader election (a topic created a moment ago)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return consumer.get_watermark_offsets(partition, timeout=10)
        except KafkaException as error:
            retriable = error.args[0].code() in (KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE,
                                                 KafkaError.UNKNOWN_TOPIC_OR_PART)
            if not retriable or time.monotonic() > deadline:
                raise BrokerError(f"cannot read the offsets of {partition.topic}: {error.args[0].str()}") from None
            time.sleep(0.2)


def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    """The offset after the last record of each partition."""
    return {partition: end for partition, (_, end) in offset_ranges(bootstrap, topic).items()}


def _drain(consumer: Consumer, partitions: set[int], timeout: float = 10.0) -> Iterator:
    """Messages until every assigned partition reports end of partition."""
    waiting = set(partitions)
    deadline = time.monotonic() + timeout
    while waiting:
        message = consumer.poll(0.5)
        if message is None:
            if time.monotonic() > deadline:
                raise BrokerError("timed out reading to the end of the topic")
            continue
        deadline = time.monotonic() + timeout
        if message.error():
            if message.error().code() == KafkaError._PARTITION_EOF:
                waiting.discard(message.partition())
                continue
            raise BrokerError(f"reading {message.topic()}: {message.error()}")
        yield message


def tail_consumer(bootstrap: str, topic: str, **consumer_settings) -> Consumer:
    """A consumer of every partition of ``topic`` from its current end, polling with little delay."""
    consumer = _consumer(bootstrap, **{"fetch.wait.max.ms": 10, "enable.partition.eof": False, **consumer_settings})
    consumer.assign([TopicPartition(topic, p, OFFSET_END) for p in partitions_of(bootstrap, topic)])
    return consumer


def read_messages(bootstrap: str, topic: str, **consumer_settings) -> list:
    """Every message of a topic (raw: key, value, headers, offset...), partition by partition, in offset order."""
    consumer = _consumer(bootstrap, **consumer_settings)
    try:
        partitions = partitions_of(bootstrap, topic)
        consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
        return list(_drain(consumer, set(partitions)))
    finally:
        consumer.close()


def read_committed(bootstrap: str, topic: str, ends: dict[int, int] | None = None,
                   starts: dict[int, int] | None = None) -> list:
    """The committed messages of ``topic`` (what a read_committed reader sees, aborted transactions left
    out), each partition from ``starts`` (default: its first offset) up to ``ends`` (offset after the last one
    wanted; default: its end now), in the order they were appended across partitions (broker timestamp, then
    partition and offset)."""
    ends = ends if ends is not None else end_offsets(bootstrap, topic)
    starts = starts or {}
    consumer = _consumer(bootstrap, **{"isolation.level": "read_committed"})
    try:
        wanted = {p for p, end in ends.items() if end > starts.get(p, 0)}
        consumer.assign([TopicPartition(topic, p, starts.get(p, 0)) for p in wanted])
        messages = [m for m in _drain(consumer, set(wanted)) if m.offset() < ends[m.partition()]]
    finally:
        consumer.close()
    return sorted(messages, key=lambda m: (m.timestamp()[1], m.partition(), m.offset()))


def list_topics(bootstrap: str, timeout: float = 15.0) -> list[str]:
    """The broker's topics (internal ones, starting with '__', left out), sorted."""
    try:
        topics = admin(bootstrap).list_topics(timeout=timeout).topics
    except KafkaException as error:
        raise BrokerError(f"cannot reach Kafka at {bootstrap}: {error}") from None
    return sorted(t for t in topics if not t.startswith("__"))


def last_messages(bootstrap: str, topic: str, count: int) -> list:
    """The last ``count`` committed records of ``topic`` (the last ``count`` of each partition read), in append
    order."""
    ranges = offset_ranges(bootstrap, topic)
    starts = {p: max(low, end - count) for p, (low, end) in ranges.items()}
    return read_committed(bootstrap, topic, {p: end for p, (_, end) in ranges.items()}, starts)[-count:]


def reset_topics(bootstrap: str, topics: list[str], partitions: int = 1, timeout: float = 30.0) -> None:
    """Delete ``topics`` (those that exist) and create them empty: a rerun's sinks start from nothing."""
    client = admin(bootstrap)
    existing = [t for t in dict.fromkeys(topics) if t in client.list_topics(timeout=timeout).topics]
    for topic, future in client.delete_topics(existing, operation_timeout=timeout).items() if existing else ():
        try:
            future.result(timeout)
        except KafkaException as error:
            raise BrokerError(f"cannot delete topic {topic}: {error}") from None
    deadline = time.monotonic() + timeout
    while set(existing) & set(client.list_topics(timeout=timeout).topics):
        if time.monotonic() > deadline:
            raise BrokerError(f"topics {existing} were not deleted on {bootstrap}")
        time.sleep(0.2)
    for _ in range(50):  # the broker may refuse to re-create a topic while its deletion completes
        try:
            ensure_topics(bootstrap, topics, partitions, timeout)
            return
        except BrokerError:
            time.sleep(0.2)
    ensure_topics(bootstrap, topics, partitions, timeout)


def read_topic(bootstrap: str, topic: str, **consumer_settings) -> list[dict]:
    """Every record of a topic as parsed JSON, partition by partition, in offset order."""
    return [json.loads(m.value()) for m in read_messages(bootstrap, topic, **consumer_settings)]


def event_time_seconds(value) -> float | None:
    """Seconds of a record's event time (Flink's SQL timestamp text or epoch milliseconds)."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return value / 1000.0
    return datetime.fromisoformat(str(value).replace(" ", "T")).replace(tzinfo=timezone.utc).timestamp()


def send_offset(event_seconds: float | None, first_event: float | None, speedup: float) -> float:
    """When (seconds after the first record) a record is due at ``speedup`` times its event-time pace."""
    if event_seconds is None or first_event is None:
        return 0.0
    return max(0.0, (event_seconds - first_event) / speedup)


def produce_jsonl(bootstrap: str, topic: str, path: Path, key_field: str | None = None,
                  rate: float | None = None, progress: Callable[[int], None] | None = None,
                  time_field: str | None = None, speedup: float | None = None) -> int:
    """Send each line of a JSON Lines file as one record, in file order, keyed by ``key_field``.

    ``rate``: records per second; ``time_field`` + ``speedup``: at the pace of the records' event time
    (speedup 60: an hour of history in a minute); neither: as fast as the broker takes them. Returns
    the count sent, after every record is acknowledged.
    """
    producer = Producer(settings(bootstrap, **{"enable.idempotence": True, "linger.ms": 20,
                                               "compression.type": "lz4"}))
    failures: list[str] = []

    def delivered(error, message):
        if error is not None:
            failures.append(str(error))

    sent = 0
    started = time.monotonic()
    first_event = None
    with path.open("rb") as lines:
        for line in lines:
            line = line.rstrip(b"\n")
            if not line:
                continue
            key = None
            record = json.loads(line) if key_field or (time_field and speedup) else None
            if key_field:
                value = record.get(key_field)
                key = None if value is None else str(value).encode()
            if time_field and speedup:
                event = event_time_seconds(record.get(time_field))
                first_event = event if first_event is None else first_event
                ahead = send_offset(event, first_event, speedup) - (time.monotonic() - started)
                if ahead > 0:
                    producer.poll(0)
                    time.sleep(ahead)
            while True:
                try:
                    producer.produce(topic, value=line, key=key, on_delivery=delivered)
                    break
                except BufferError:
                    producer.poll(0.05)
            sent += 1
            if rate:
                ahead = sent / rate - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)
            if sent % 10000 == 0:
                producer.poll(0)
                if progress:
                    progress(sent)
    remaining = producer.flush(60)
    if remaining or failures:
        raise BrokerError(f"{topic}: {remaining} records not acknowledged, {len(failures)} failed"
                          + (f" (first: {failures[0]})" if failures else ""))
    if progress:
        progress(sent)
    return sent


def print_progress(label: str, total: int | None = None) -> Callable[[int], None]:
    """A one-line progress display on stderr (a bar when the total is known)."""
    started = time.monotonic()
    live = sys.stderr.isatty()

    def show(done: int) -> None:
        finished = bool(total) and done >= total
        if not live and not finished:
            return  # logs get one line at the end, not a stream of carriage returns
        rate = done / max(time.monotonic() - started, 1e-9)
        if total:
            filled = int(30 * done / total)
            bar = "#" * filled + "-" * (30 - filled)
            text = f"\r{label} [{bar}] {done:,}/{total:,} ({rate:,.0f}/s)"
        else:
            text = f"\r{label} {done:,} ({rate:,.0f}/s)"
        sys.stderr.write((text if live else text.lstrip("\r")) + ("\n" if finished else ""))
        sys.stderr.flush()

    return show
