"""The judge: runs untrusted programs under limits and says what they did.

Imports nothing else of cpagent's.
"""

# -- runs ---------------------------------------------------------------------------------------
from sandbox.spec import FileSpec, RunResult, RunSpec

# -- verdicts -----------------------------------------------------------------------------------
from sandbox.verdict import DISPLAY_ORDER, PRECEDENCE, Status, Verdict, worst

# -- backends -----------------------------------------------------------------------------------
from sandbox.backend import Backend, backend_names, default_slots, open_backend

# -- errors -------------------------------------------------------------------------------------
from sandbox.errors import InfrastructureError, SandboxError, UnsafeSandboxError

__all__ = [
    "Backend", "DISPLAY_ORDER", "FileSpec", "InfrastructureError", "PRECEDENCE", "RunResult", "RunSpec",
    "SandboxError", "Status", "UnsafeSandboxError", "Verdict", "backend_names", "default_slots",
    "open_backend", "worst",
]
