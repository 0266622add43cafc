"""A job's entry point inside a Flink cluster: Flink's PythonDriver runs it (`flink run -pym
streamscore.driver ...`, or the Kubernetes operator's FlinkDeployment that `streamscore k8s` writes).

The cluster's own configuration decides where the job runs; this plans the job's SQL with the
project's profile (dead letters, delivery) exactly as `streamscore submit` does, and submits it.
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    import os

    from streamscore.engines.flink import DELIVERY_MODES, FlinkEngine
    from streamscore.project import Project

    parser = argparse.ArgumentParser(prog="streamscore.driver")
    parser.add_argument("--project", required=True, help="the project folder (inside the image)")
    parser.add_argument("job")
    parser.add_argument("--profile", default="kafka")
    parser.add_argument("--delivery", choices=DELIVERY_MODES, default="exactly-once")
    parser.add_argument("--checkpoint-interval", type=float)
    parser.add_argument("--checkpoint-dir", help="shared storage every TaskManager reaches, e.g. s3://bucket/ckpt")
    args = parser.parse_args(argv)
    os.environ.pop("PYFLINK_GATEWAY_DISABLED", None)  # a client, never a worker (see streamscore.cli.main)
    project = Project(args.project)
    engine = FlinkEngine(project, cluster="in-cluster", ship_jars=False)
    job_id = engine.submit(project.job(args.job), project.profile(args.profile), delivery=args.delivery,
                           checkpoint_interval=args.checkpoint_interval, checkpoint_dir=args.checkpoint_dir)
    print(f"streamscore: submitted {args.job} as job {job_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
