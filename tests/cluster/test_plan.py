"""How many classifier actors a cluster gets, and what each reserves (pure arithmetic, no Ray needed)."""

from __future__ import annotations

import pytest

from model.cluster.run import ActorPlan, ClusterSettings, plan_actors


@pytest.mark.parametrize(
    ("settings", "cpus", "gpus", "nodes", "plan"),
    [
        (ClusterSettings(), 4, 0, 1, ActorPlan(2, 0.0, 1.0, 1)),  # a local Ray on 2 cores: the local engine's lanes
        (ClusterSettings(), 2, 0, 1, ActorPlan(1, 0.0, 1.0, 1)),  # the tests' Ray: one CPU stays for decoding
        (ClusterSettings(), 64, 0, 4, ActorPlan(8, 0.0, 4.0, 4)),  # 4 machines of 16 CPUs: 2 actors on 4 each
        (ClusterSettings(), 32, 4, 2, ActorPlan(4, 1.0, 1.0, 0)),  # one actor per GPU
        (ClusterSettings(gpus_per_actor=0.5), 32, 2, 1, ActorPlan(4, 0.5, 1.0, 0)),
        (ClusterSettings(gpus_per_actor=0), 32, 2, 1, ActorPlan(2, 0.0, 8.0, 8)),  # GPUs left alone
        (ClusterSettings(actors=4), 2, 0, 1, ActorPlan(4, 0.0, 0.25, 1)),
    ],
)
def test_actor_plans(settings: ClusterSettings, cpus: float, gpus: float, nodes: int, plan: ActorPlan):
    assert plan_actors(settings, cpus, gpus, nodes) == plan
    assert plan.actors * plan.cpus <= cpus / 2  # decode tasks always keep half of the CPUs
