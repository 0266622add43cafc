"""Profiles: environment values, security settings for Flink and for streamscore's clients, secrets."""

import pytest

from streamscore.config import Profile, redact
from streamscore.errors import ConfigError


def test_kafka_profile_reads_security_from_the_environment(project, monkeypatch):
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "broker-1.example:9093")
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("KAFKA_USERNAME", "scorer")
    monkeypatch.setenv("KAFKA_PASSWORD", "s3cr3t-Pa55")
    monkeypatch.setenv("KAFKA_SSL_CA_LOCATION", "/etc/ssl/kafka-ca.pem")
    profile = project.profile("kafka")
    options = profile.kafka_options("flights", {"connector": "kafka", "topic": "flights"})
    assert options["properties.bootstrap.servers"] == "broker-1.example:9093"
    assert options["properties.security.protocol"] == "SASL_SSL"
    assert options["properties.sasl.mechanism"] == "SCRAM-SHA-512"
    assert options["properties.sasl.jaas.config"] == (
        'org.apache.kafka.common.security.scram.ScramLoginModule required username="scorer" password="s3cr3t-Pa55";')
    assert options["properties.ssl.truststore.location"] == "/etc/ssl/kafka-ca.pem"
    assert profile.security.client_config() == {
        "security.protocol": "SASL_SSL", "sasl.mechanisms": "SCRAM-SHA-512", "sasl.username": "scorer",
        "sasl.password": "s3cr3t-Pa55", "ssl.ca.location": "/etc/ssl/kafka-ca.pem"}
    # The password never shows: not in the profile's repr, and redacted from any message.
    assert "s3cr3t-Pa55" not in repr(profile) and "s3cr3t-Pa55" not in str(profile.security)
    assert redact(f"Flink said: password=\"s3cr3t-Pa55\";") == 'Flink said: password="******";'


def test_missing_environment_variable_is_named(project, monkeypatch):
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    with pytest.raises(ConfigError, match="environment variable KAFKA_BOOTSTRAP_SERVERS is not set"):
        project.profile("kafka")


def test_bad_security_settings_are_refused(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('kind = "kafka"\nbootstrap_servers = "x:1"\n[security]\nprotocol = "KERBEROS"\n')
    with pytest.raises(ConfigError, match="security protocol 'KERBEROS'"):
        Profile.load(path, tmp_path)
    path.write_text('kind = "kafka"\nbootstrap_servers = "x:1"\n[security]\npasword = "typo"\n')
    with pytest.raises(ConfigError, match=r"unknown \[security\] keys \['pasword'\]"):
        Profile.load(path, tmp_path)


def test_unknown_profile_lists_the_known_ones(project):
    with pytest.raises(ConfigError, match="profiles: kafka, local, replay"):
        project.profile("staging")
