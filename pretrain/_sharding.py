"""Sharding: a device mesh with named axes (data, fsdp, tensor) and rules that place parameters on it.

The same training code runs on one CPU and on a pod: only the mesh changes. Parameters are matched by
name against `PARTITION_RULES` (first match wins) and split along the named axes; the batch is split
over `data` and `fsdp` together (FSDP shards the parameters *and* the batch over its axis). GSPMD
inserts the collectives. A parameter dimension that the mesh axis does not divide is refused with a
message naming the parameter, rather than silently replicated.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from pretrain._config import MeshConfig
from pretrain.errors import PretrainError

AXES = ("data", "fsdp", "tensor")
BATCH_AXES = ("data", "fsdp")

# (regex on the parameter's path "layers/0/attn/qkv", axis per dimension)
PARTITION_RULES: tuple[tuple[str, tuple[str | None, ...]], ...] = (
    (r"embedding$", ("tensor", "fsdp")),  # (V, d): vocabulary over tensor, features over fsdp
    (r"attn/qkv$", ("fsdp", "tensor")),  # (d, (H+2K) hd): heads over tensor
    (r"attn/out$", ("tensor", "fsdp")),  # (H hd, d)
    (r"mlp/gate_up$", ("fsdp", "tensor")),  # (d, 2 hidden)
    (r"mlp/down$", ("tensor", "fsdp")),  # (hidden, d)
    (r".*", ()),  # norms and anything else: replicated
)


def mesh_shape(cfg: MeshConfig, num_devices: int) -> tuple[int, int, int]:
    sizes = [cfg.data, cfg.fsdp, cfg.tensor]
    free = [i for i, s in enumerate(sizes) if s == -1]
    fixed = math.prod(s for s in sizes if s != -1)
    if len(free) > 1 or any(s == 0 or s < -1 for s in sizes):
        raise PretrainError(
            f"mesh {dict(zip(AXES, sizes))}: at most one axis may be -1, the others positive",
            hint="e.g. mesh: {data: -1, fsdp: 2, tensor: 1}",
        )
    if free:
        if num_devices % fixed:
            raise PretrainError(
                f"mesh {dict(zip(AXES, sizes))} does not fit {num_devices} devices "
                f"({num_devices} is not a multiple of {fixed})",
                hint="choose axis sizes whose product divides the device count",
            )
        sizes[free[0]] = num_devices // fixed
    if math.prod(sizes) != num_devices:
        raise PretrainError(
            f"mesh {dict(zip(AXES, sizes))} needs {math.prod(sizes)} devices, there are {num_devices}",
            hint="make the product of the axis sizes equal the device count, or use -1 for one axis",
        )
    return tuple(sizes)  # type: ignore[return-value]


def make_mesh(cfg: MeshConfig, devices: Sequence[Any] | None = None) -> Mesh:
    devices = list(devices if devices is not None else jax.devices())
    shape = mesh_shape(cfg, len(devices))
    return Mesh(np.asarray(devices).reshape(shape), AXES)


def spec_for(name: str, shape: tuple[int, ...], mesh: Mesh) -> P:
    """The PartitionSpec of parameter `name`, after checking that every split dimension divides."""
    for pattern, axes in PARTITION_RULES:
        if re.search(pattern, name):
            break
    axes = tuple(axes)[: len(shape)]
    for dim, axis in zip(shape, axes):
        if axis is not None and dim % mesh.shape[axis]:
            raise PretrainError(
                f"the model does not fit the mesh: {name} {shape} has a dimension {dim} that the "
                f"{axis!r} axis ({mesh.shape[axis]} devices) does not divide",
                hint=f"change mesh.{axis} or the model shape so that it divides {dim}",
            )
    return P(*axes)


def param_shardings(params: Mapping[str, Any], mesh: Mesh, prefix: str = "") -> dict[str, Any]:
    """The same nested structure as `params`, with a NamedSharding per leaf."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out[key] = param_shardings(value, mesh, name + "/")
        else:
            out[key] = NamedSharding(mesh, spec_for(name, tuple(value.shape), mesh))
    return out


def state_shardings(abstract_state: Any, mesh: Mesh) -> Any:
    """Shardings for an optimizer state: moments like their parameter (found by the dict keys on the
    leaf's path), scalars such as the step count replicated."""

    def one(path: tuple, leaf: Any) -> NamedSharding:
        keys = [str(p.key) for p in path if isinstance(p, jax.tree_util.DictKey)]
        if leaf.ndim == 0 or not keys:
            return NamedSharding(mesh, P())
        return NamedSharding(mesh, spec_for("/".join(keys), tuple(leaf.shape), mesh))

    return jax.tree_util.tree_map_with_path(one, abstract_state)


def batch_sharding(mesh: Mesh, batch: int, micro: int | None = None) -> NamedSharding:
    """Sharding of an (accum, micro_batch, T) batch: micro-batch rows over data x fsdp."""
    ways = mesh.shape["data"] * mesh.shape["fsdp"]
    rows = micro if micro is not None else batch
    if rows % ways:
        raise PretrainError(
            f"the batch does not fit the mesh: {rows} sequences per micro-batch cannot be split "
            f"over data x fsdp = {ways} devices",
            hint="make batch_size / accum_steps a multiple of mesh.data * mesh.fsdp",
        )
    return NamedSharding(mesh, P(None, BATCH_AXES, None))


def replicated(mesh: Mesh) -> NamedSharding:
    return NamedSharding(mesh, P())


def put_global(array: np.ndarray, sharding: NamedSharding) -> jax.Array:
    """A global array from host data every process holds in full (each process places its own shards)."""
    return jax.make_array_from_callback(array.shape, sharding, lambda index: array[index])
