"""Behavioural clustering: generate test inputs, run every candidate, group identical behaviour.

Uses `sandbox/` to run programs; takes and gives plain data, never imports `agent/`.

    from clustering import BehaviourClustering, ClusterCandidate, ClusteringProblem
    model = BehaviourClustering(seed=0).fit(candidates, problem)
    model.clusters_[0].members, model.labels_, model.to_json()
"""

# -- the estimator ------------------------------------------------------------------------------
from clustering.cluster import BehaviourClustering

# -- plain data in and out ---------------------------------------------------------------------
from clustering.data import (Cluster, ClusterCandidate, ClusteringCost, ClusteringProblem, ClusteringResult,
                             Distinction, DroppedInput, GeneratedInput)

# -- input generation --------------------------------------------------------------------------
from clustering.structure import Structure, parse
from clustering.inference import infer_structure
from clustering.constraints import Bound, parse_bounds
from clustering.domains import Domain, build_domains
from clustering.generators import GeneratorConfig, StructureGenerator, generate_inputs, render
from clustering.model_generators import ModelGeneratorConfig, PolicyLike, model_inputs, model_validator

# -- validation and signatures -----------------------------------------------------------------
from clustering.validation import drop_reason
from clustering.signatures import group_by_signature, output_outcome, run_outcome

# -- errors ------------------------------------------------------------------------------------
from clustering.errors import ClusteringError

__all__ = [
    "BehaviourClustering", "Bound", "Cluster", "ClusterCandidate", "ClusteringCost", "ClusteringError",
    "ClusteringProblem", "ClusteringResult", "Distinction", "Domain", "DroppedInput", "GeneratedInput",
    "GeneratorConfig", "ModelGeneratorConfig", "PolicyLike", "Structure", "StructureGenerator", "build_domains",
    "drop_reason", "generate_inputs", "group_by_signature", "infer_structure", "model_inputs", "model_validator",
    "output_outcome", "parse", "parse_bounds", "render", "run_outcome",
]
