"""The manifest `streamscore k8s` writes, against the Flink Kubernetes Operator's own FlinkDeployment CRD
(the OpenAPI v3 schema in the operator's API jar from Maven Central, version 1.10.0: the newest served here).

Every field is known to the schema and of its type; the one difference is `flinkVersion: v2_0`, which that
CRD predates (it lists v1_13 to v1_20): Flink 2 jobs need a newer operator, as the README says."""

import zipfile

import jsonschema
import pytest
import yaml

from streamscore.cli import main
from streamscore.vendor import flink_deployment_crd

CRD = "META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml"


@pytest.fixture(scope="module")
def schema() -> dict:
    crd = yaml.safe_load(zipfile.ZipFile(flink_deployment_crd()).read(CRD))
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1beta1"]
    return version["schema"]["openAPIV3Schema"]


def unknown_fields(value, schema: dict, path: str = "") -> list[str]:
    """Keys the schema does not declare (Kubernetes would drop them without a word)."""
    if isinstance(value, dict):
        declared = schema.get("properties")
        if declared is None or schema.get("x-kubernetes-preserve-unknown-fields"):
            extra = schema.get("additionalProperties")
            return [f for k, v in value.items() for f in unknown_fields(v, extra, f"{path}.{k}")] \
                if isinstance(extra, dict) else []
        return [f"{path}.{k}" for k in value if k not in declared] + \
            [f for k, v in value.items() if k in declared for f in unknown_fields(v, declared[k], f"{path}.{k}")]
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [f for i, v in enumerate(value) for f in unknown_fields(v, schema["items"], f"{path}[{i}]")]
    return []


OBJECT_FIELDS = ("apiVersion", "kind", "metadata")  # every Kubernetes object's, not in a CRD's schema


def manifest(project_copy, *options) -> dict:
    assert main(["--project", str(project_copy.root), "k8s", "sql/jobs/flight_delays.sql", "--image",
                 "example/streamscore:1", *options]) == 0
    return yaml.safe_load((project_copy.root / "build" / "k8s" / "flight_delays.yaml").read_text())


def test_manifest_matches_the_operators_schema(project_copy, schema):
    written = manifest(project_copy, "--checkpoint-dir", "s3://bucket/checkpoints")
    assert set(OBJECT_FIELDS) <= set(written)
    assert unknown_fields({k: v for k, v in written.items() if k not in OBJECT_FIELDS}, schema) == []
    errors = [(list(e.absolute_path), e.validator) for e in jsonschema.Draft7Validator(schema).iter_errors(written)]
    assert errors == [(["spec", "flinkVersion"], "enum")]  # Flink 2: newer than the 1.10 CRD
    enum = schema["properties"]["spec"]["properties"]["flinkVersion"]["enum"]
    assert written["spec"]["flinkVersion"] == "v2_0" and "v1_20" in enum


def test_the_schema_check_finds_a_wrong_manifest(project_copy, schema):
    written = manifest(project_copy)
    written["spec"]["job"]["parallelism"] = "four"
    written["spec"]["job"]["upgradeMod"] = "savepoint"
    assert unknown_fields({k: v for k, v in written.items() if k not in OBJECT_FIELDS}, schema) == \
        [".spec.job.upgradeMod"]
    paths = [list(e.absolute_path) for e in jsonschema.Draft7Validator(schema).iter_errors(written)]
    assert ["spec", "job", "parallelism"] in paths
