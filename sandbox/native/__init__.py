"""The `native` sandbox backend: bubblewrap namespaces, cgroups (v1 or v2), seccomp and rlimits.

Importing this package registers the backend; `sandbox.open_backend("native")` builds it.
"""

# -- the backend --------------------------------------------------------------------------------
from sandbox.native.backend import NativeBackend, open_native

# -- its layers, for `cpagent doctor` -------------------------------------------------------------
from sandbox.native.layers import Layer

__all__ = ["Layer", "NativeBackend", "open_native"]
